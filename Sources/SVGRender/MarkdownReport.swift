import Fold

/// One graph of a report: its profile and where its pictures are, relative to the report.
public struct ReportGraph {
    public var title: String
    public var profile: Profile
    /// The interactive SVG beside the report.
    public var svg: String
    /// A PNG preview beside the report, when one could be made.
    public var png: String?
    /// What the renderer merged into placeholders.
    public var pruned: PruneSummary?

    public init(title: String, profile: Profile, svg: String, png: String? = nil, pruned: PruneSummary? = nil) {
        self.title = title
        self.profile = profile
        self.svg = svg
        self.png = png
        self.pruned = pruned
    }
}

/// `summary.md`: totals, tables and links for pasting into an issue or a pull request. Every
/// name goes through `TextTable`'s Markdown escaping, so a symbol cannot inject markup.
public enum MarkdownReport {
    /// A report of one or more graphs (on-CPU, off-CPU, ...); those at `pictureOnly` get their
    /// picture and link without tables (the side-by-side view of graphs that have their own).
    public static func summary(title: String, graphs: [ReportGraph], limit: Int, notes: [String] = [],
                               pictureOnly: Set<Int> = []) -> String {
        var out = "# \(TextTable.mdText(title))\n\n"
        for (i, g) in graphs.enumerated() {
            if pictureOnly.contains(i) {
                out += "## \(TextTable.mdText(g.title))\n\n"
                if let png = g.png { out += "[![\(TextTable.mdText(g.title))](\(link(png)))](\(link(g.svg)))\n\n" }
                out += "Interactive, with one search over both: [\(TextTable.mdText(g.svg))](\(link(g.svg))).\n\n"
            } else {
                out += section(g, limit: limit)
            }
        }
        for n in notes { out += "_\(TextTable.mdText(n))_\n\n" }
        return out
    }

    /// A before/after report: both graphs, then the functions that changed most.
    public static func comparison(title: String, before: ReportGraph, after: ReportGraph, diff: ProfileDiff,
                                  diffSVG: String, diffPNG: String?, limit: Int, notes: [String] = []) -> String {
        var out = "# \(TextTable.mdText(title))\n\n"
        out += "## Difference\n\n"
        if let png = diffPNG { out += "[![difference](\(link(png)))](\(link(diffSVG)))\n\n" }
        out += "Interactive: [\(TextTable.mdText(diffSVG))](\(link(diffSVG)))"
            + (diff.scale != 1 ? "; the before profile is scaled by \(ValueFormat.fixed(diff.scale, decimals: 4)) to the after total" : "")
            + ".\n\n"
        let changes = FunctionChanges(diff: diff, before: before.profile, after: after.profile)
        let tables = ProfileTables(after.profile, limit: limit)
        func table(_ rows: [FunctionChanges.Row]) -> TextTable {
            TextTable(header: ["Before", "After", "Delta", "Delta %", "Function"], rows: rows.map {
                [tables.amount($0.before), tables.amount($0.after), signed($0.delta, tables), deltaPercent($0), $0.name]
            }, rightAligned: [0, 1, 2, 3], code: [4])
        }
        out += "### Largest increases (total \(tables.quantity))\n\n" + table(changes.increases(limit)).render(.md) + "\n"
        out += "### Largest decreases (total \(tables.quantity))\n\n" + table(changes.decreases(limit)).render(.md) + "\n"
        out += section(before, limit: limit)
        out += section(after, limit: limit)
        for n in notes { out += "_\(TextTable.mdText(n))_\n\n" }
        return out
    }

    static func section(_ g: ReportGraph, limit: Int, level: String = "##") -> String {
        let t = ProfileTables(g.profile, limit: limit)
        let p = g.profile
        var out = "\(level) \(TextTable.mdText(g.title))\n\n"
        if let png = g.png { out += "[![\(TextTable.mdText(g.title))](\(link(png)))](\(link(g.svg)))\n\n" }
        var facts = ["\(t.quantity): **\(t.amount(t.totals.total))**"]
        switch p.unit {
        case .offCPU:
            if p.totalSamples > 0 { facts.append("intervals: \(ValueFormat.grouped(p.totalSamples))") }
        default:
            facts.append("samples: \(ValueFormat.grouped(p.totalSamples))")
        }
        if let d = p.duration { facts.append("capture: \(ValueFormat.duration(nanoseconds: d))") }
        facts.append("processes and threads: \(t.totals.processes.count)")
        out += facts.joined(separator: " · ") + " · interactive: [\(TextTable.mdText(g.svg))](\(link(g.svg)))\n\n"
        out += "\(level)# Processes and threads\n\n" + t.processTable.render(.md) + "\n"
        out += "\(level)# Top functions by \(t.selfMeaning)\n\n" + t.selfTable.render(.md) + "\n"
        out += "\(level)# Top functions by total\n\n" + t.totalTable.render(.md) + "\n"
        var caveats: [String] = []
        if let u = t.unresolvedLine { caveats.append(u) }
        if let pr = g.pruned, pr.hiddenFrames > 0 {
            caveats.append("\(ValueFormat.grouped(UInt64(pr.hiddenFrames))) frames too narrow to draw (\(t.amount(pr.hiddenWeight)), "
                + "\(ValueFormat.percent(pr.hiddenWeight, of: t.totals.total))) are merged into grey placeholders in the graph")
        }
        if caveats.isEmpty { caveats.append("every frame has a name and is drawn") }
        out += "Caveats: " + caveats.map(TextTable.mdText).joined(separator: "; ") + ".\n\n"
        return out
    }

    /// A relative link target: spaces and parentheses percent-encoded, so the link stays one.
    static func link(_ path: String) -> String {
        var out = ""
        for c in path.unicodeScalars {
            switch c {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            case "<", ">", "\"", "\\": out += "%" + String(c.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func signed(_ d: Int64, _ t: ProfileTables) -> String {
        d >= 0 ? "+" + t.amount(UInt64(d)) : "-" + t.amount(d.magnitude)
    }

    static func deltaPercent(_ r: FunctionChanges.Row) -> String {
        if r.before == 0 { return "new" }
        if r.after == 0 { return "gone" }
        let pct = Double(r.delta) / Double(r.before) * 100
        return (pct >= 0 ? "+" : "-") + ValueFormat.fixed(abs(pct), decimals: 1) + "%"
    }
}

/// Per function: total weight before (scaled as the diff is) and after.
public struct FunctionChanges {
    public struct Row: Equatable, Sendable {
        public var name: String
        public var before: UInt64
        public var after: UInt64
        /// The change, held to Int64's range (a change of 2^63 or more is not a sign flip).
        public var delta: Int64 {
            after >= before ? Int64(min(after - before, UInt64(Int64.max))) : -Int64(min(before - after, UInt64(Int64.max)))
        }
    }

    public private(set) var rows: [Row] = []

    public init(diff: ProfileDiff, before: Profile, after: Profile) {
        let b = FunctionTotals(before), a = FunctionTotals(after)
        var byName: [String: Row] = [:]
        for r in b.functions {
            let scaled = diff.scale == 1 ? r.totalWeight : UInt64(saturating: Double(r.totalWeight) * diff.scale)
            byName[r.name] = Row(name: r.name, before: scaled, after: 0)
        }
        for r in a.functions { byName[r.name, default: Row(name: r.name, before: 0, after: 0)].after = r.totalWeight }
        rows = Array(byName.values)
    }

    public func increases(_ limit: Int) -> [Row] {
        Array(rows.filter { $0.delta > 0 }.sorted { $0.delta != $1.delta ? $0.delta > $1.delta : $0.name < $1.name }.prefix(limit))
    }

    public func decreases(_ limit: Int) -> [Row] {
        Array(rows.filter { $0.delta < 0 }.sorted { $0.delta != $1.delta ? $0.delta < $1.delta : $0.name < $1.name }.prefix(limit))
    }
}
