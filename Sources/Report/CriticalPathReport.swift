import SVGRender
import ProfileModel

/// How a program's critical path reads in words: the one-line headline (wall time, its on-CPU
/// and waiting shares, what it crossed) for the SVG, stderr and summary.md, and summary.md's
/// "Critical path" section (the headline, the top frames on the path, the processes it crossed).
public enum CriticalPathReport {
    /// "wall 1.41 s on the path of critpath (pid 42): on-CPU 1.00 s (71%), waiting 0.41 s (29%:
    /// sleeping 0.30 s, runnable 0.11 s) · 4 threads of 2 processes, 5 hops".
    public static func headline(_ s: CriticalPathSummary, program: Int32) -> String {
        let d = ValueFormat.duration(nanoseconds:)
        let name = s.processes.first { $0.pid == program }?.comm ?? "the program"
        var line = "wall \(d(s.wall)) on the path of \(name) (pid \(program))\(s.programExited ? "" : ", cut at the capture's end"): "
            + "on-CPU \(d(s.onCPU)) (\(ValueFormat.percent(s.onCPU, of: s.wall))), waiting \(d(s.waiting)) "
            + "(\(ValueFormat.percent(s.waiting, of: s.wall))"
        let states = states(s)
        line += states.isEmpty ? ")" : ": " + states.joined(separator: ", ") + ")"
        line += " · \(s.threads) thread\(s.threads == 1 ? "" : "s") of \(s.processes.count) process"
            + "\(s.processes.count == 1 ? "" : "es"), \(s.hops) hop\(s.hops == 1 ? "" : "s")"
        return line
    }

    /// The waiting time by state, largest first, in words.
    static func states(_ s: CriticalPathSummary) -> [String] {
        let names: [(OffCPUState, String)] = [(.sleeping, "sleeping"), (.disk, "disk"), (.runnable, "runnable"), (.other, "other")]
        return names.filter { s.states[$0.0] > 0 }.sorted { s.states[$0.0] > s.states[$1.0] }
            .map { "\($0.1) \(ValueFormat.duration(nanoseconds: s.states[$0.0]))" }
    }

    /// summary.md's section: the headline, the path's picture, the frames with the most time on
    /// the path (self and total), and the processes it crossed with their share.
    public static func markdown(_ s: CriticalPathSummary, profile: Profile, program: Int32, svg: String, png: String?,
                                limit: Int, level: String = "##") -> String {
        var out = "\(level) Critical path\n\n"
        out += TextTable.mdText(headline(s, program: program)) + ".\n\n"
        out += "What set the wall time, read back from the program's end: a thread's running time (its sampled stacks) "
            + "and the waits nothing but a timer, a device or a CPU ended stay on the path; a wait another thread ended "
            + "continues in that thread at the wakeup. Overlapping work is not on it. The widths add up to the wall time.\n\n"
        if let png { out += "[![Critical path](\(MarkdownReport.link(png)))](\(MarkdownReport.link(svg)))\n\n" }
        out += "Interactive: [\(TextTable.mdText(svg))](\(MarkdownReport.link(svg))).\n\n"
        let t = ProfileTables(profile, limit: limit)
        out += "\(level)# Top frames on the path by self time\n\n" + t.selfTable.render(.md) + "\n"
        out += "\(level)# Top frames on the path by total time\n\n" + t.totalTable.render(.md) + "\n"
        var rows: [[String]] = []
        for p in s.processes.prefix(limit) {
            rows.append([p.comm, String(p.pid), ValueFormat.duration(nanoseconds: p.nanoseconds), ValueFormat.percent(p.nanoseconds, of: s.wall)])
        }
        out += "\(level)# Processes on the path\n\n"
        out += TextTable(header: ["process", "pid", "on the path", "share"], rows: rows, rightAligned: [1, 2, 3], code: [0]).render(.md) + "\n"
        return out
    }
}

extension CriticalPathReport {
    /// One side of a comparison's critical paths.
    public struct Side {
        public var summary: CriticalPathSummary
        public var profile: Profile
        public var program: Int32
        /// The path's SVG beside the report.
        public var svg: String

        public init(summary: CriticalPathSummary, profile: Profile, program: Int32, svg: String) {
            self.summary = summary
            self.profile = profile
            self.program = program
            self.svg = svg
        }
    }

    /// summary.md's section for two runs: the paths' totals side by side, and the frames whose
    /// time on the path changed most (what came off the path, what went on).
    public static func comparison(before: Side, after: Side, limit: Int) -> String {
        let d = ValueFormat.duration(nanoseconds:)
        var out = "## Critical path, before and after\n\n"
        out += "What set each run's wall time (`flame critical`): its widths add up to the wall time. Before: "
            + "[\(TextTable.mdText(before.svg))](\(MarkdownReport.link(before.svg))) · after: "
            + "[\(TextTable.mdText(after.svg))](\(MarkdownReport.link(after.svg))).\n\n"
        func row(_ name: String, _ pick: (CriticalPathSummary) -> UInt64) -> [String] {
            let (b, a) = (pick(before.summary), pick(after.summary))
            return [name, d(b), d(a), (a >= b ? "+" : "−") + d(a >= b ? a - b : b - a)]
        }
        var rows = [row("wall (the path)") { $0.wall }, row("on-CPU") { $0.onCPU }, row("waiting") { $0.waiting }]
        for (state, name) in [(OffCPUState.sleeping, "  sleeping"), (.disk, "  disk"), (.runnable, "  runnable (for a CPU)"), (.other, "  other")]
            where before.summary.states[state] > 0 || after.summary.states[state] > 0 {
            rows.append(row(name) { $0.states[state] })
        }
        rows.append(["hops between threads", String(before.summary.hops), String(after.summary.hops), ""])
        rows.append(["processes on the path", String(before.summary.processes.count), String(after.summary.processes.count), ""])
        out += TextTable(header: ["", "before", "after", "change"], rows: rows, rightAligned: [1, 2, 3]).render(.md) + "\n"
        // Frames by self time on each path, the largest changes first.
        let b = FunctionTotals(before.profile), a = FunctionTotals(after.profile)
        var selfs: [String: (UInt64, UInt64)] = [:]
        for r in b.functions where r.selfWeight > 0 { selfs[r.name, default: (0, 0)].0 = r.selfWeight }
        for r in a.functions where r.selfWeight > 0 { selfs[r.name, default: (0, 0)].1 = r.selfWeight }
        let changed = selfs.map { (name: $0.key, before: $0.value.0, after: $0.value.1) }
            .sorted { (abs(Int64($0.after) - Int64($0.before)), $1.name) > (abs(Int64($1.after) - Int64($1.before)), $0.name) }
            .prefix(limit)
        out += "Frames whose self time on the path changed most:\n\n"
        out += TextTable(header: ["before", "after", "change", "frame"], rows: changed.map {
            [d($0.before), d($0.after), ($0.after >= $0.before ? "+" : "−") + d($0.after >= $0.before ? $0.after - $0.before : $0.before - $0.after), $0.name]
        }, rightAligned: [0, 1, 2], code: [3]).render(.md) + "\n"
        return out
    }
}
