import Foundation
import Testing
import TestSupport
@testable import Lake

/// Where a WebHDFS client lets a namenode send it, and how long a transfer may take.
@Suite("WebHDFS redirects and transfer rates (against the protocol double)")
struct WebHDFSSafetyTests {
    @Test("a redirect to another scheme is refused: nothing is written or read through it", arguments: [
        "file:///PLANTED", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "dict://127.0.0.1:1/x",
    ])
    func foreignSchemes(_ target: String) throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        let planted = double.directory + "/planted-by-redirect"
        let location = target.replacingOccurrences(of: "/PLANTED", with: planted)
        try lake.writeAtomically("gold/kept.bin", data: [7])
        try double.fail("redirect-to", ops: ["CREATE", "OPEN"], location: location)
        let write = try #require(throws: LakeError.self) { try lake.writeAtomically("bronze/x.bin", data: [1, 2, 3]) }
        #expect(write.code == .permissionDenied)
        #expect(write.message.contains("/lake/bronze/x.bin") && write.message.contains("redirected"))
        let read = try #require(throws: LakeError.self) { try lake.read("gold/kept.bin") }
        #expect(read.code == .permissionDenied)
        #expect(!FileManager.default.fileExists(atPath: planted))
    }

    @Test("the policy: http(s) only, https only under swebhdfs, no credentials, allowed hosts when listed")
    func policy() throws {
        var configuration = WebHDFSLake.Configuration(namenodes: [.init(host: "nn1.example.com", port: 9871)], root: "/lake",
                                                      useTLS: true, delegationToken: "SECRET-TOKEN")
        let tls = WebHDFSRedirectPolicy(configuration: configuration)
        #expect(tls.refusal("https://dn7.example.com:9865/webhdfs/v1/lake/x?op=CREATE&delegation=SECRET-TOKEN") == nil)
        let plain = try #require(tls.refusal("http://dn7.example.com:9864/webhdfs/v1/lake/x?delegation=SECRET-TOKEN"))
        #expect(plain.contains("plain http://") && !plain.contains("SECRET"))
        #expect(tls.refusal("https://user:pw@dn7.example.com/x")?.contains("credentials") == true)
        #expect(tls.refusal("file:///etc/passwd")?.contains("file://") == true)

        configuration.useTLS = false
        configuration.allowedHosts = ["dn1.example.com", ".dn.example.com"]
        let listed = WebHDFSRedirectPolicy(configuration: configuration)
        #expect(listed.refusal("http://dn1.example.com:9864/x") == nil)
        #expect(listed.refusal("http://rack4.dn.example.com:9864/x") == nil)
        #expect(listed.refusal("http://NN1.example.com:9870/x") == nil)
        #expect(listed.refusal("http://attacker.example.org:9864/x")?.contains("attacker.example.org") == true)
        #expect(listed.refusal("http://evil-dn.example.com.attacker.org/x") != nil)

        let parsed = try WebHDFSLake.Configuration(location: "webhdfs://nn1:9870/lake", environment: [
            "MEDALLION_HDFS_ALLOWED_HOSTS": "dn1, .dn.example.com", "MEDALLION_HDFS_MIN_RATE": "1048576",
        ])
        #expect(parsed.allowedHosts == ["dn1", ".dn.example.com"] && parsed.minimumTransferRate == 1_048_576)
        #expect(throws: LakeError.self) {
            try WebHDFSLake.Configuration(location: "webhdfs://nn1:9870/lake", environment: ["MEDALLION_HDFS_MIN_RATE": "fast"])
        }
    }

    @Test("a redirect to a host outside MEDALLION_HDFS_ALLOWED_HOSTS is refused; a listed one is followed")
    func allowedHosts() throws {
        let double = try WebHDFSDouble()
        // The namenode is "localhost"; its datanode redirects go to 127.0.0.1.
        let strict = double.lake { $0.namenodes = $0.namenodes.map { .init(host: "localhost", port: $0.port) }; $0.allowedHosts = ["dn.example.com"] }
        let refused = try #require(throws: LakeError.self) { try strict.writeAtomically("bronze/x.bin", data: [1]) }
        #expect(refused.message.contains("127.0.0.1") && refused.message.contains("MEDALLION_HDFS_ALLOWED_HOSTS"))
        let listed = double.lake { $0.namenodes = $0.namenodes.map { .init(host: "localhost", port: $0.port) }; $0.allowedHosts = ["127.0.0.1"] }
        try listed.writeAtomically("bronze/x.bin", data: [1])
        #expect(try listed.read("bronze/x.bin") == [1])
    }

    @Test("a large upload on a slow link outlasts the timeout while it moves; a stalled one fails after it")
    func minimumTransferRate() throws {
        let double = try WebHDFSDouble()
        // 3 MiB at ~1 MiB/s takes ~3 s against a 1 s timeout: the whole-request timeout
        // would have failed it; at least 64 KiB/s keeps it alive.
        let lake = double.lake(retries: 0, transferTimeout: .seconds(1))
        let data = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try double.fail("trickle", count: 1, target: "datanode", ops: ["CREATE"], rate: 1 << 20)
        try lake.writeAtomically("bronze/big.bin", data: data)
        #expect(try lake.read("bronze/big.bin") == data)

        // 2 KiB/s is below the 64 KiB/s floor: given up after about the timeout, as a
        // transient failure (with no retries left: unavailable), not hung for the whole body.
        try double.fail("trickle", count: 1, target: "datanode", ops: ["CREATE"], rate: 2048)
        let clock = ContinuousClock()
        let started = clock.now
        let stalled = try #require(throws: LakeError.self) { try lake.writeAtomically("bronze/slow.bin", data: data) }
        #expect(stalled.code == .unavailable)
        #expect(clock.now - started < .seconds(60), "a stalled upload must not run for the whole body (~25 min)")
    }
}
