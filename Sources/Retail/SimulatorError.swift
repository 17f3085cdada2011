/// Why the simulator cannot run, in one sentence a user can act on.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
