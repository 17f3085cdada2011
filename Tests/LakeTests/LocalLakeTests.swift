import Foundation
import Testing
import TestSupport
@testable import Lake

@Suite("Lake storage")
struct LakeTests {
    static func makeLocal() throws -> LocalLake {
        let path = NSTemporaryDirectory() + "/medallion-lake-\(UUID().uuidString.prefix(8))"
        return LocalLake(root: path)
    }

    @Test("write, read, list, rename and delete behave the same on every backend", arguments: ["local", "memory"])
    func roundTrip(_ backend: String) throws {
        let lake: any LakeStorage = backend == "local" ? try Self.makeLocal() : MemoryLake()
        defer { try? lake.delete("") }
        try LakeRoundTrip.exercise(lake)
    }

    @Test("two directories are exchanged in one step and a file linked under a second name", arguments: ["local", "memory"])
    func exchangeAndLink(_ backend: String) throws {
        let lake: any DirectoryExchanging = backend == "local" ? try Self.makeLocal() : MemoryLake()
        defer { try? lake.delete("") }
        try lake.writeAtomically("t/date=1/old-a", data: [1])
        try lake.writeAtomically("t/date=1/old-b", data: [2])
        try lake.writeAtomically("_staging/t/date=1/new", data: [3])
        try lake.link("t/date=1/old-b", to: "_staging/t/date=1/old-b")
        try lake.exchangeDirectories("_staging/t/date=1", "t/date=1")
        #expect(try lake.list("t/date=1").map(\.name) == ["new", "old-b"])
        #expect(try lake.list("_staging/t/date=1").map(\.name) == ["old-a", "old-b"])
        #expect(try lake.read("t/date=1/old-b") == [2] && lake.read("t/date=1/new") == [3])
        try lake.delete("_staging/t/date=1")
        #expect(try lake.read("t/date=1/old-b") == [2], "the link outlives the old name")
        #expect(throws: LakeError.self) { try lake.link("t/date=1/missing", to: "t/date=1/other") }
    }

    @Test("an atomic write leaves no temporary file behind and replaces the old content whole")
    func atomicWrite() throws {
        let lake = try Self.makeLocal()
        defer { try? lake.delete("") }
        try lake.writeAtomically("a/file", data: Array(repeating: 7, count: 1 << 20))
        try lake.writeAtomically("a/file", data: [1])
        #expect(try lake.list("a").map(\.name) == ["file"])
        #expect(try lake.read("a/file") == [1])
    }

    @Test("a symlink planted at the temporary name is replaced, not followed")
    func plantedTemporary() throws {
        let lake = try Self.makeLocal()
        defer { try? lake.delete("") }
        try lake.makeDirectories("bronze")
        let victim = NSTemporaryDirectory() + "/medallion-victim-\(UUID().uuidString.prefix(8))"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        defer { try? FileManager.default.removeItem(atPath: victim) }
        try FileManager.default.createSymbolicLink(atPath: lake.root + "/bronze/.part.tmp-\(getpid())", withDestinationPath: victim)
        try lake.writeAtomically("bronze/part", data: [1, 2])
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(try lake.read("bronze/part") == [1, 2])
        #expect(try FileManager.default.attributesOfItem(atPath: lake.root + "/bronze/part")[.type] as? FileAttributeType == .typeRegular)
    }

    @Test("MEDALLION_LAKE_FILE_MODE sets the mode of lake files and directories; nonsense is refused")
    func fileMode() throws {
        let root = NSTemporaryDirectory() + "/medallion-lake-\(UUID().uuidString.prefix(8))"
        let lake = try LakeLocation.open(root, currentDirectory: "/", environment: ["MEDALLION_LAKE_FILE_MODE": "0640"])
        defer { try? lake.delete("") }
        try lake.writeAtomically("bronze/orders/part", data: [1])
        let attributes = { (path: String) in try FileManager.default.attributesOfItem(atPath: root + "/" + path)[.posixPermissions] as? Int }
        #expect(try attributes("bronze/orders/part") == 0o640)
        #expect(try attributes("bronze/orders") == 0o750)
        for bad in ["0400", "999", "1777", "rw-r-----", "-1"] {
            #expect(throws: LakeError.self, "\(bad)") {
                try LakeLocation.open(root, currentDirectory: "/", environment: ["MEDALLION_LAKE_FILE_MODE": bad])
            }
        }
    }

    @Test("an unwritable lake is a clear permission error naming the path")
    func permissionDenied() throws {
        let lake = LocalLake(root: "/proc/medallion-lake")
        #expect(throws: LakeError.self) { try lake.writeAtomically("bronze/x", data: [1]) }
    }

    @Test("lake locations: file:// URLs and paths; other schemes refused")
    func locations() throws {
        #expect(try LakeLocation.open("file:///srv/lake", currentDirectory: "/").description == "file:///srv/lake")
        #expect(try LakeLocation.open("lake", currentDirectory: "/work").description == "file:///work/lake")
        #expect(throws: LakeError.self) { try LakeLocation.open("s3://bucket/x", currentDirectory: "/") }
        #expect(throws: LakeError.self) { try LakeLocation.open("file://relative", currentDirectory: "/") }
        #expect(throws: LakeError.self) { try LakeLocation.open("", currentDirectory: "/") }
        #expect(LakePath.isHidden(".part.tmp") && LakePath.isHidden("_cdc") && !LakePath.isHidden("part-1.parquet"))
    }
}
