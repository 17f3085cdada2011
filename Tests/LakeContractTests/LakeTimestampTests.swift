import Foundation
import LakeContract
import Testing


@Suite struct LakeTimestampTests {
    @Test(arguments: [
        "2026-11-26T10:04:05Z", "2026-11-26T10:04:05.000Z", "2026-11-26 10:04:05", "2026-11-26T12:04:05+02:00",
        "2026-11-26T09:04:05-0100", "2026-11-26T10:04:05.000000Z",
    ])
    func parsesTheFormsWritersUse(_ text: String) throws {
        let date = try #require(LakeTimestamp.parse(text))
        #expect(date.timeIntervalSince1970 == 1_795_687_445)
    }

    @Test func keepsFractionalSeconds() throws {
        let date = try #require(LakeTimestamp.parse("1970-01-01T00:00:01.250Z"))
        #expect(date.timeIntervalSince1970 == 1.25)
    }

    @Test(arguments: ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-26T10:04", "2026-11-26T10:04:05Zjunk", "2026-11-26T10:04:05."])
    func rejectsWhatIsNotATime(_ text: String) {
        #expect(LakeTimestamp.parse(text) == nil)
    }

    @Test func formatRoundTrips() throws {
        let date = Date(timeIntervalSince1970: 1_795_687_445.5)
        #expect(LakeTimestamp.format(date) == "2026-11-26T10:04:05.500Z")
        #expect(LakeTimestamp.parse(LakeTimestamp.format(date)) == date)
    }
}
