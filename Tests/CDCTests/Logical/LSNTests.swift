@testable import CDC
import Testing
import Postgres

@Suite struct LSNTests {
    @Test func parsesAndPrintsPostgresForm() {
        #expect(LSN("16/B374D848")?.rawValue == 0x16_B374_D848)
        #expect(LSN("0/0") == .zero)
        #expect(LSN("ffffffff/FFFFFFFF")?.rawValue == UInt64.max)
        #expect(LSN(0x16_B374_D848).description == "16/B374D848")
        #expect(LSN(0xA).description == "0/A")
        for text in ["", "/", "1/", "/1", "1/2/3", "123456789/0", "0/-1", "g/0", " 1/0", "1/0 "] {
            #expect(LSN(text) == nil, "\(text)")
        }
    }

    @Test func ordersByPosition() {
        #expect(LSN("1/0")! > LSN("0/FFFFFFFF")!)
        #expect(LSN(5) < LSN(6))
    }
}
