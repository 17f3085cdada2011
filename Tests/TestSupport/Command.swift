import Foundation

/// Runs a program to completion and captures what it prints.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String
}

/// A failure of the test harness itself (a tool missing, a server that will not start).
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum Command {
    /// Runs `executable` with `arguments`, waits, and returns its exit status and output.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: String? = nil, check: Bool = true) throws -> CommandResult {
        let outputFile = try TemporaryFile()
        let errorFile = try TemporaryFile()
        let inputFile = try TemporaryFile()
        if let input { try Data(input.utf8).write(to: URL(fileURLWithPath: inputFile.path)) }
        let pid = try Spawn.start(executable, arguments, environment: environment, stdinPath: inputFile.path,
                                  stdout: .file(outputFile.path), stderr: .file(errorFile.path))
        let status = Spawn.wait(pid)
        let result = CommandResult(status: status, output: outputFile.contents(), error: errorFile.contents())
        if check && result.status != 0 {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.error)\(result.output)")
        }
        return result
    }
}

/// A file in the temporary directory that is removed when released.
final class TemporaryFile {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/medallion-out-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw HarnessError("could not create the output file \(path)")
        }
    }

    func contents() -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
