// MedallionBench: the Swift side of the bench/ scripts.
//
//   MedallionBench <subcommand> [options]
//
// Each subcommand prints one JSON object on stdout for its bench script to report.
import Foundation

let subcommands: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("parquet", "write order-like rows with the Parquet writer (see bench/parquet)", ParquetBench.run),
    ("history", "write a bronze history of many small batches (see bench/history)", HistoryBench.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let subcommand = subcommands.first(where: { $0.name == name }) else {
    var usage = "usage: MedallionBench <subcommand> [options]\nsubcommands:\n"
    for subcommand in subcommands { usage += "  \(subcommand.name)  \(subcommand.summary)\n" }
    printError(usage)
    exit(2)
}
do {
    try subcommand.run(Array(arguments.dropFirst()))
} catch {
    printError("MedallionBench \(name): \(error)\n")
    exit(1)
}
