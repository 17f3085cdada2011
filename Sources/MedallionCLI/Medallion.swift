import ArgumentParser

@main
struct Medallion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medallion",
        abstract: "Change-data capture from PostgreSQL into the bronze layer of a data lake.",
        discussion: """
            Every option can also be set by its environment variable (shown in each \
            command's help); MEDALLION_DSN and MEDALLION_LAKE are read by every command \
            that needs them. The DSN is a libpq connection string or URI; the usual PG* \
            variables and ~/.pgpass work too.
            """,
        subcommands: [InstallCommand.self, UninstallCommand.self, RunCommand.self, SimulateCommand.self, VerifyCommand.self, StatusCommand.self, DashboardCommand.self,
                      RefreshCommand.self, CompactCommand.self]
    )
}
