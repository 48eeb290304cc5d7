import SVGRender
import ProfileModel

/// One side of a before/after report: its graphs (on-CPU, off-CPU or both) and its facts.
public struct ComparisonSide {
    /// What the side is called in the report: the input's name.
    public var name: String
    /// The side's on-CPU graph; nil when that view was not read.
    public var on: ReportGraph?
    /// The side's off-CPU graph; nil when that view was not read.
    public var off: ReportGraph?
    /// The side's headline numbers and process tables.
    public var facts: CaptureFacts

    /// A side of the report; nil for a view the side does not have.
    public init(name: String, on: ReportGraph?, off: ReportGraph?, facts: CaptureFacts) {
        self.name = name
        self.on = on
        self.off = off
        self.facts = facts
    }
}

/// A difference graph of a report and what it compares.
public struct ComparisonGraph {
    /// "on-CPU" or "off-CPU".
    public var kind: String
    /// The two profiles on one union tree (the before side scaled when normalized).
    public var diff: ProfileDiff
    /// Path of the difference SVG, relative to the report.
    public var svg: String
    /// Path of its PNG preview, relative to the report; nil when none could be made.
    public var png: String?

    /// A difference graph of `kind` whose pictures are at `svg` and `png`.
    public init(kind: String, diff: ProfileDiff, svg: String, png: String?) {
        self.kind = kind
        self.diff = diff
        self.svg = svg
        self.png = png
    }
}

extension MarkdownReport {
    /// A before/after report (cold vs hot, before vs after a fix). The difference comes first and
    /// leads with the totals as measured (wall, on-CPU, off-CPU by state, idle threads, per
    /// command), then `leading` sections (the phases of `--spans`), the functions by absolute change
    /// in each view, `sections`, then each side's graphs.
    public static func comparison(title: String, before: ComparisonSide, after: ComparisonSide, diffs: [ComparisonGraph],
                                  limit: Int, notes: [String] = [], leading: [String] = [], sections: [String] = []) -> String {
        var out = "# \(TextTable.mdText(title))\n\n"
        out += "## Difference\n\n"
        let scaled = diffs.filter(\.diff.normalized).map(\.kind)
        out += "Before: \(TextTable.codeSpan(before.name, inTable: false)) · after: \(TextTable.codeSpan(after.name, inTable: false)). "
            + (scaled.isEmpty ? "Numbers are as measured (not normalized)"
                : "The totals below are as measured; the \(scaled.joined(separator: " and ")) difference "
                    + "graph\(scaled.count == 1 ? "" : "s") and function tables scale the before profile to the after total (--normalize)")
            + "; off-CPU is thread time, summed over threads.\n\n"
        out += totalsTable(before.facts, after.facts).render(.md) + "\n"
        if let groups = groupChanges(before.facts, after.facts, limit: limit) {
            out += "### By command\n\n" + groups.render(.md) + "\n"
        }
        for extra in leading { out += extra }
        for d in diffs {
            let (b, a) = d.kind == "off-CPU" ? (before.off, after.off) : (before.on, after.on)
            guard let b, let a else { continue }
            out += "### \(d.kind.prefix(1).uppercased() + d.kind.dropFirst()) difference\n\n"
            if let png = d.png { out += "[![\(d.kind) difference](\(link(png)))](\(link(d.svg)))\n\n" }
            out += "Interactive: [\(TextTable.mdText(d.svg))](\(link(d.svg)))"
                + (d.diff.scale != 1 ? "; the before profile is scaled by \(ValueFormat.fixed(d.diff.scale, decimals: 4)) to the after total (--normalize)" : "")
                + ". Red grew, blue shrank.\n\n"
            let changes = FunctionChanges(diff: d.diff, before: b.profile, after: a.profile)
            let tables = ProfileTables(a.profile, limit: limit)
            func table(_ rows: [FunctionChanges.Row]) -> TextTable {
                TextTable(header: ["Before", "After", "Change", "Change %", "Function"], rows: rows.map {
                    [tables.amount($0.before), tables.amount($0.after), signed($0.delta, tables), deltaPercent($0), $0.name]
                }, rightAligned: [0, 1, 2, 3], code: [4])
            }
            // An empty table reads as a broken report: say that nothing moved instead.
            for (rows, label) in [(changes.increases(limit), "increases"), (changes.decreases(limit), "decreases")] {
                out += rows.isEmpty ? "Largest \(label) (total \(tables.quantity)): none.\n\n"
                    : "Largest \(label) (total \(tables.quantity)):\n\n" + table(rows).render(.md) + "\n"
            }
        }
        for extra in sections { out += extra }
        for (side, label) in [(before, "Before"), (after, "After")] {
            for g in [side.on, side.off].compactMap({ $0 }) {
                var titled = g
                titled.title = "\(label): \(g.title)"
                out += section(titled, limit: limit)
            }
        }
        for n in notes { out += "_\(TextTable.mdText(n))_\n\n" }
        return out
    }

    /// Wall, on-CPU, off-CPU (by state), idle threads, processes and losses, before and after.
    static func totalsTable(_ b: CaptureFacts, _ a: CaptureFacts) -> TextTable {
        var rows: [[String]] = []
        func time(_ label: String, _ x: UInt64?, _ y: UInt64?) {
            guard x != nil || y != nil else { return }
            rows.append([label, x.map { ValueFormat.duration(nanoseconds: $0) } ?? "–", y.map { ValueFormat.duration(nanoseconds: $0) } ?? "–",
                         change(x, y) { ValueFormat.duration(nanoseconds: $0) }])
        }
        time(b.program != nil || a.program != nil ? "Wall time (the program)" : "Wall time", b.wall?.nanoseconds, a.wall?.nanoseconds)
        let unit = b.on?.unit ?? a.on?.unit
        if b.on != nil || a.on != nil {
            let amount = { (w: UInt64) in FlameGraphRenderer.amount(w, unit ?? .samples, countName: "samples") }
            rows.append(["On-CPU", b.on.map { amount($0.totalWeight) } ?? "–", a.on.map { amount($0.totalWeight) } ?? "–",
                         change(b.on?.totalWeight, a.on?.totalWeight, amount)])
        }
        time("Off-CPU (thread time)", b.offCPUNanoseconds, a.offCPUNanoseconds)
        if let bs = b.summary, let as_ = a.summary, bs.hasIntervals || as_.hasIntervals {
            for (state, label) in [(OffCPUState.runnable, "R runnable (preempted)"), (.sleeping, "S sleeping"), (.disk, "D disk"),
                                   (.other, "other states")] {
                let x = bs.byState[state], y = as_.byState[state]
                if x > 0 || y > 0 { time("  \(label)", x, y) }
            }
            if bs.idleThreads > 0 || as_.idleThreads > 0 {
                rows.append(["Idle threads (left out above)",
                             "\(ValueFormat.duration(nanoseconds: bs.idleNanoseconds)) ×\(bs.idleThreads)",
                             "\(ValueFormat.duration(nanoseconds: as_.idleNanoseconds)) ×\(as_.idleThreads)",
                             change(bs.idleNanoseconds, as_.idleNanoseconds) { ValueFormat.duration(nanoseconds: $0) }])
            }
        }
        if let bp = b.processes, let ap = a.processes {
            rows.append(["Processes", String(bp.rows.count), String(ap.rows.count),
                         change(UInt64(bp.rows.count), UInt64(ap.rows.count)) { String($0) }])
            rows.append(["Threads", String(bp.threads), String(ap.threads), change(UInt64(bp.threads), UInt64(ap.threads)) { String($0) }])
            rows.append(["Events lost (LOST)", ValueFormat.grouped(bp.lostEvents), ValueFormat.grouped(ap.lostEvents), ""])
            rows.append(["Samples lost (LOST_SAMPLES)", ValueFormat.grouped(bp.lostSamples), ValueFormat.grouped(ap.lostSamples), ""])
        }
        return TextTable(header: ["", "Before", "After", "Change"], rows: rows, rightAligned: [1, 2, 3])
    }

    /// Per command: processes, on-CPU and off-CPU before and after, the largest change first.
    static func groupChanges(_ b: CaptureFacts, _ a: CaptureFacts, limit: Int) -> TextTable? {
        guard let bp = b.processes, let ap = a.processes else { return nil }
        let before = Dictionary(bp.groups.map { ($0.comm, $0) }, uniquingKeysWith: { x, _ in x })
        let after = Dictionary(ap.groups.map { ($0.comm, $0) }, uniquingKeysWith: { x, _ in x })
        let unit = bp.onCPUUnit ?? ap.onCPUUnit
        let hasOn = bp.rows.contains { $0.onCPU != nil } || ap.rows.contains { $0.onCPU != nil }
        let hasOff = bp.rows.contains { $0.offCPU != nil } || ap.rows.contains { $0.offCPU != nil }
        let amount = { (w: UInt64) in FlameGraphRenderer.amount(w, unit ?? .samples, countName: "samples") }
        let ns = { (w: UInt64) in ValueFormat.duration(nanoseconds: w) }
        // The largest change of on-CPU time first (the work), then of off-CPU time (summed over
        // threads, it would put every multi-threaded daemon first).
        func moved(_ c: String, _ pick: (ProcessTable.Group?) -> UInt64) -> UInt64 {
            let a = pick(after[c]), b = pick(before[c])
            return a > b ? a - b : b - a
        }
        let comms = Set(before.keys).union(after.keys).sorted { x, y in
            let (ox, oy) = (moved(x) { $0?.onCPU ?? 0 }, moved(y) { $0?.onCPU ?? 0 })
            if ox != oy { return ox > oy }
            let (fx, fy) = (moved(x) { $0?.offCPU?.total ?? 0 }, moved(y) { $0?.offCPU?.total ?? 0 })
            return fx != fy ? fx > fy : x < y
        }
        var header = ["Command", "Processes"]
        if hasOn { header += ["On-CPU before", "after", "change"] }
        if hasOff { header += ["Off-CPU before", "after", "change"] }
        let rows: [[String]] = comms.prefix(limit).map { c in
            let x = before[c], y = after[c]
            var r = [c, "×\(x?.processes ?? 0) → ×\(y?.processes ?? 0)"]
            if hasOn { r += [x?.onCPU.map(amount) ?? "–", y?.onCPU.map(amount) ?? "–", change(x?.onCPU, y?.onCPU, amount)] }
            if hasOff {
                r += [x?.offCPU.map { ns($0.total) } ?? "–", y?.offCPU.map { ns($0.total) } ?? "–", change(x?.offCPU?.total, y?.offCPU?.total, ns)]
            }
            return r
        }
        return TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count), code: [0])
    }

    /// `+1.2 s (+35.0%)`, `-26.1 s (-97.4%)`, `new`, `gone`, or empty when neither side has it.
    static func change(_ before: UInt64?, _ after: UInt64?, _ format: (UInt64) -> String) -> String {
        switch (before ?? 0, after ?? 0) {
        case (0, 0): return before == nil && after == nil ? "" : "0"
        case (0, _): return "new"
        case (_, 0): return "gone"
        case let (b, a) where a == b: return "0"
        case let (b, a):
            let up = a >= b
            let d = up ? a - b : b - a
            let pct = Double(d) / Double(b) * 100
            return (up ? "+" : "-") + format(d) + " (" + (up ? "+" : "-") + ValueFormat.fixed(pct, decimals: 1) + "%)"
        }
    }
}
