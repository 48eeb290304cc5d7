import SVGRender
import ProfileModel

/// One graph of a report: its profile and where its pictures are, relative to the report.
public struct ReportGraph {
    /// Section heading (a comparison prefixes "Before: " or "After: ").
    public var title: String
    /// The graph's profile, which its tables and totals come from.
    public var profile: Profile
    /// The interactive SVG beside the report.
    public var svg: String
    /// A PNG preview beside the report, when one could be made.
    public var png: String?
    /// What the renderer merged into placeholders.
    public var pruned: PruneSummary?
    /// For an off-CPU graph: what the reading counted (thread time, idle threads apart).
    public var summary: OffCPUSummary?

    /// A graph for the report; `svg` and `png` are paths relative to the report.
    public init(title: String, profile: Profile, svg: String, png: String? = nil, pruned: PruneSummary? = nil,
                summary: OffCPUSummary? = nil) {
        self.title = title
        self.profile = profile
        self.svg = svg
        self.png = png
        self.pruned = pruned
        self.summary = summary
    }
}

/// `summary.md`: totals, tables and links for pasting into an issue or a pull request. Every
/// name goes through `TextTable`'s Markdown escaping, so a symbol cannot inject markup.
public enum MarkdownReport {
    /// A report of one or more graphs (on-CPU, off-CPU, ...); those at `pictureOnly` get their
    /// picture and link without tables (the side-by-side view of graphs that have their own).
    /// With `facts`, the headline (wall, on-CPU, off-CPU with what each sums over) comes first,
    /// then the processes grouped by command, and every process at the end. A `command` title is
    /// written as code, so that it can be pasted back into a shell. `leading` sections (the
    /// phases of `--spans`: a headline of their own) come before the graphs, `sections` (such as
    /// the critical path's) after them.
    public static func summary(title: String, command: Bool = false, facts: CaptureFacts? = nil, selection: String? = nil,
                               graphs: [ReportGraph], limit: Int, notes: [String] = [], pictureOnly: Set<Int> = [],
                               leading: [String] = [], sections: [String] = []) -> String {
        var out = "# " + (command ? TextTable.codeSpan(title, inTable: false) : TextTable.mdText(title)) + "\n\n"
        if let facts, !facts.markdown.isEmpty { out += facts.markdown + "\n\n" }
        if let selection { out += TextTable.mdText(selection) + "\n\n" }
        if let groups = facts?.groupTable(limit: limit) {
            out += "## Processes by command\n\n" + groups.render(.md) + "\n"
        }
        for extra in leading { out += extra }
        for (i, g) in graphs.enumerated() {
            if pictureOnly.contains(i) {
                out += "## \(TextTable.mdText(g.title))\n\n"
                if let png = g.png { out += "[![\(TextTable.mdText(g.title))](\(link(png)))](\(link(g.svg)))\n\n" }
                out += "Interactive, with one search over both: [\(TextTable.mdText(g.svg))](\(link(g.svg))).\n\n"
            } else {
                out += section(g, limit: limit)
            }
        }
        for extra in sections { out += extra }
        if let processes = facts?.processTable(limit: max(limit, 40)) {
            out += "## Processes\n\n"
            out += "Start and end are seconds from the start of the capture (`before`: already running; `running`: "
                + "still running at its end). Off-CPU is thread time by the state the thread left the CPU in: R runnable "
                + "(preempted), S sleeping, D disk; idle threads apart.\n\n"
            out += processes.render(.md) + "\n"
        }
        for n in notes { out += "_\(TextTable.mdText(n))_\n\n" }
        return out
    }

    static func section(_ g: ReportGraph, limit: Int, level: String = "##") -> String {
        let t = ProfileTables(g.profile, limit: limit)
        let p = g.profile
        var out = "\(level) \(TextTable.mdText(g.title))\n\n"
        if let png = g.png { out += "[![\(TextTable.mdText(g.title))](\(link(png)))](\(link(g.svg)))\n\n" }
        var facts: [String] = []
        if case .offCPU = p.unit, let summary = g.summary, summary.hasIntervals {
            var line = "off-CPU time: **\(t.amount(summary.totalNanoseconds))** of thread time over \(summary.waitingThreads) "
                + "thread\(summary.waitingThreads == 1 ? "" : "s")"
            if summary.idleThreads > 0 {
                line += " (+\(t.amount(summary.idleNanoseconds)) of \(summary.idleThreads) idle threads, drawn under `[idle: …]`)"
            }
            facts.append(line)
        } else {
            facts.append("\(t.quantity): **\(t.amount(t.totals.total))**")
        }
        switch p.unit {
        case .offCPU:
            if p.totalSamples > 0 { facts.append("intervals: \(ValueFormat.grouped(p.totalSamples))") }
        default:
            facts.append("samples: \(ValueFormat.grouped(p.totalSamples))")
        }
        if let d = p.processes?.captureSpan ?? p.duration, d > 0 { facts.append("capture: \(ValueFormat.duration(nanoseconds: d))") }
        if let table = p.processes {
            facts.append("processes: \(table.rows.count) · threads: \(table.threads)")
        } else {
            facts.append("thread names: \(t.totals.processes.count)")
        }
        out += facts.joined(separator: " · ") + " · interactive: [\(TextTable.mdText(g.svg))](\(link(g.svg)))\n\n"
        out += "\(level)# By thread name (the first frame)\n\n" + t.processTable.render(.md) + "\n"
        out += "\(level)# Top functions by \(t.selfMeaning)\n\n" + t.selfTable.render(.md) + "\n"
        out += "\(level)# Top functions by total\n\n" + t.totalTable.render(.md) + "\n"
        var caveats: [String] = []
        if let u = t.unresolvedLine { caveats.append(u) }
        for w in p.stackWarnings { caveats.append(w.caveat) }
        if let pr = g.pruned, let limit = pr.depthLimit, pr.deepFrames > 0 {
            caveats.append("stacks deeper than \(limit) frames (\(t.amount(pr.deepWeight)), \(ValueFormat.percent(pr.deepWeight, of: t.totals.total))) "
                + "end in a [… deeper frames] placeholder, so that the graph fits the screen (--max-depth 0 draws them)")
        }
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
    /// One function's total weight before and after.
    public struct Row: Equatable, Sendable {
        /// The frame name.
        public var name: String
        /// Total weight before, times the diff's scale (the profile's unit).
        public var before: UInt64
        /// Total weight after, in the profile's unit.
        public var after: UInt64
        /// The change, held to Int64's range (a change of 2^63 or more is not a sign flip).
        public var delta: Int64 {
            after >= before ? Int64(min(after - before, UInt64(Int64.max))) : -Int64(min(before - after, UInt64(Int64.max)))
        }
    }

    /// Every function of either side, in no particular order.
    public private(set) var rows: [Row] = []

    /// Totals of `before` and `after` by function name, the before ones multiplied by `diff.scale`.
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

    /// The `limit` functions whose total grew most (ties by name).
    public func increases(_ limit: Int) -> [Row] {
        Array(rows.filter { $0.delta > 0 }.sorted { $0.delta != $1.delta ? $0.delta > $1.delta : $0.name < $1.name }.prefix(limit))
    }

    /// The `limit` functions whose total shrank most (ties by name).
    public func decreases(_ limit: Int) -> [Row] {
        Array(rows.filter { $0.delta < 0 }.sorted { $0.delta != $1.delta ? $0.delta < $1.delta : $0.name < $1.name }.prefix(limit))
    }
}
