/// An error of the capture path that a user can act on, in one sentence.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable { case invalidInput, notInstalled, lakeState, schema, locked }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A command-line argument or configuration value is wrong.
        public static let invalidInput = Code(.invalidInput)
        /// Capture is not installed for a table the command needs.
        public static let notInstalled = Code(.notInstalled)
        /// The lake's bookkeeping files are missing or inconsistent.
        public static let lakeState = Code(.lakeState)
        /// A table's shape does not allow the operation.
        public static let schema = Code(.schema)
        /// Another daemon holds the lake.
        public static let locked = Code(.locked)
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
