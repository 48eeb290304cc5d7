/// How a table is written: aligned for a terminal, or for pasting.
public enum TableFormat: String, CaseIterable, Sendable {
    /// `text` aligned for a terminal, `md` GitHub Markdown, `csv` and `tsv` for spreadsheets.
    case text, md, csv, tsv
}

/// A small table of strings, written as aligned text, GitHub Markdown, CSV or TSV.
///
/// Cells may hold frame names, which are attacker-controlled: in Markdown they can be written as
/// code spans (no link, image or HTML in a name is ever rendered), and every format keeps one
/// record per line whatever bytes a name holds.
public struct TextTable: Sendable {
    /// Column titles (text output drops cells beyond them).
    public var header: [String]
    /// The body: one array of cells per row.
    public var rows: [[String]]
    /// Columns aligned to the right (numbers).
    public var rightAligned: Set<Int>
    /// Columns written as code spans in Markdown (names).
    public var code: Set<Int>

    /// A table; `rightAligned` and `code` hold column indices.
    public init(header: [String], rows: [[String]] = [], rightAligned: Set<Int> = [], code: Set<Int> = []) {
        self.header = header
        self.rows = rows
        self.rightAligned = rightAligned
        self.code = code
    }

    /// The table in `format`, one record per line, ending in a newline.
    public func render(_ format: TableFormat) -> String {
        switch format {
        case .text: return aligned()
        case .md: return markdown()
        case .csv: return ([header] + rows).map { $0.map(TextTable.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
        case .tsv: return ([header] + rows).map { $0.map(TextTable.tsvField).joined(separator: "\t") }.joined(separator: "\n") + "\n"
        }
    }

    private func aligned() -> String {
        let all = ([header] + rows).map { $0.map(TextTable.oneLine) }
        var widths = [Int](repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for (k, r) in all.enumerated() {
            var cells: [String] = []
            for (i, c) in r.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                // The last column is left unpadded on the right, so lines carry no trailing blanks.
                cells.append(rightAligned.contains(i) ? pad + c : (i == r.count - 1 ? c : c + pad))
            }
            out += cells.joined(separator: "  ") + "\n"
            if k == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    private func markdown() -> String {
        func row(_ cells: [String], names: Bool) -> String {
            "| " + cells.enumerated().map { i, c in
                names && code.contains(i) ? TextTable.codeSpan(c) : TextTable.mdText(c)
            }.joined(separator: " | ") + " |"
        }
        var lines = [row(header, names: false)]
        lines.append("|" + header.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|")
        for r in rows { lines.append(row(r, names: true)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Control characters (a newline would end the record) shown as `\u{…}`.
    public static func oneLine(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            // Bidi controls too: in a terminal or a Markdown table they would reorder the columns' text.
            let v = u.value
            if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0x2028 || v == 0x2029
                || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069) || v == 0x200E || v == 0x200F {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A Markdown code span that holds `s` literally (fence longer than any backtick run in it).
    /// In a table `|` is escaped, which GitHub's tables need even inside code; outside one the
    /// backslash would show, so it is not.
    static func codeSpan(_ s: String, inTable: Bool = true) -> String {
        guard !s.isEmpty else { return "" }
        let text = inTable ? replacing(oneLine(s), "|", with: "\\|") : oneLine(s)
        var longest = 0, run = 0
        for c in text { run = c == "`" ? run + 1 : 0; longest = max(longest, run) }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") || text.isEmpty ? " " : ""
        return fence + pad + text + pad + fence
    }

    /// Plain Markdown text with everything that could become markup escaped.
    public static func mdText(_ s: String) -> String {
        var out = ""
        for c in oneLine(s) {
            if "\\`*_[]<>|~&".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        let t = oneLine(s)
        return t.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + replacing(t, "\"", with: "\"\"") + "\"" : t
    }

    static func tsvField(_ s: String) -> String { replacing(oneLine(s), "\t", with: " ") }

    static func replacing(_ s: String, _ c: Character, with r: String) -> String {
        var out = ""
        for x in s { if x == c { out += r } else { out.append(x) } }
        return out
    }
}
