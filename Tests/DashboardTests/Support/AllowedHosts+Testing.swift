@testable import Dashboard

extension AllowedHosts {
    /// What `RouterClient` sends: `Host: localhost`.
    static var testing: AllowedHosts {
        // The literal entry is valid; a throw would be a bug in the test.
        try! AllowedHosts(bindHost: "127.0.0.1", port: 5000, extra: ["localhost"])
    }
}
