import Foundation

/// Rows of figures as aligned text: the first column left-aligned, the others right-aligned,
/// two spaces apart; the header first.
struct TextTable {
    var header: [String]
    var rows: [[String]]

    var lines: [String] {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }
}
