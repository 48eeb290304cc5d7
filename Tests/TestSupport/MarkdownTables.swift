import Foundation

/// Markdown tables read back the way GitHub reads them, for tests of summary.md and `flame top --format md`.
public enum MarkdownTables {
    /// The tables of `md`: rows of cells with escapes and code spans undone, separator rows left out.
    public static func parse(_ md: String) -> [[[String]]] {
        var tables: [[[String]]] = [], current: [[String]] = []
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                if !current.isEmpty { tables.append(current); current = [] }
                continue
            }
            var cells: [String] = [], cell = "", escaped = false
            for c in line.dropFirst() {
                if escaped { cell.append(c); escaped = false; continue }
                if c == "\\" { escaped = true; continue }
                if c == "|" { cells.append(cell.trimmingCharacters(in: .whitespaces)); cell = ""; continue }
                cell.append(c)
            }
            let row = cells.map { c -> String in
                var s = c
                while s.hasPrefix("`") && s.hasSuffix("`") && s.count >= 2 { s = String(s.dropFirst().dropLast()) }
                return s.count >= 2 && c.hasPrefix("`") && s.hasPrefix(" ") && s.hasSuffix(" ") ? String(s.dropFirst().dropLast()) : s
            }
            if !row.allSatisfy({ $0.allSatisfy { "-:".contains($0) } }) { current.append(row) }
        }
        if !current.isEmpty { tables.append(current) }
        return tables
    }
}
