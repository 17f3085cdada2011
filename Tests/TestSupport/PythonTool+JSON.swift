import Foundation

extension PythonTool {
    /// Runs a Python script that prints one JSON object and returns it; throws when the
    /// script fails or prints something else.
    public static func runJSON(_ script: String, _ arguments: [String] = []) throws -> [String: Any] {
        let result = try runScript(script, arguments)
        guard result.exitCode == 0 else {
            throw HarnessError("\(script) exited \(result.exitCode): \(result.stderr)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw HarnessError("\(script) printed no JSON object: \(result.stdout)")
        }
        return object
    }
}
