import SVGRender
import ProfileModel

/// The numbers a reader of a capture needs first, and what each sums over: the program's wall
/// time, its on-CPU time, its off-CPU time as thread time (idle threads left out, and said so),
/// samples lost, and the share of stacks that end unresolved. The SVG headers and summary.md
/// print the same facts.
public struct CaptureFacts {
    /// The on-CPU profile; nil when the capture was not read for on-CPU time.
    public let on: Profile?
    /// The off-CPU profile (weights in ns of thread time); nil when not read.
    public let off: Profile?
    /// What the off-CPU reading counted; its total is the headline's off-CPU time when present.
    public let summary: OffCPUSummary?
    /// Processes with both views' columns, when the inputs were perf.data.
    public let processes: ProcessTable?
    /// The recorded program's process, whose tree sets the wall time (not an attached daemon's).
    public let program: Int32?

    /// Facts of one capture's readings; `program`: the root pid of the recorded program's tree, if any.
    public init(on: Profile?, off: Profile?, summary: OffCPUSummary?, program: Int32? = nil) {
        self.on = on
        self.off = off
        self.summary = summary
        self.program = program
        if let on, on.totalWeight > 0 {
            unresolvedShare = Double(FunctionTotals.unresolvedSelfWeight(on)) / Double(on.totalWeight)
        } else {
            unresolvedShare = nil
        }
        switch (on?.processes, off?.processes) {
        case let (a?, b?): processes = a.merged(with: b)
        case let (a?, nil): processes = a
        case let (nil, b?): processes = b
        default: processes = nil
        }
    }

    /// The program's wall time: from its first process's start to its last one's end, when the
    /// capture chose processes; else the capture's span.
    public var wall: (nanoseconds: UInt64, meaning: String)? {
        if let p = processes, p.selected, let program, let span = p.programSpan(root: program), span.end > span.start {
            return (span.end - span.start, "the program, from its start to the end of its last process")
        }
        if let p = processes, p.selected, let span = p.programSpan(), span.end > span.start {
            return (span.end - span.start, "the selected processes, from the first one's start to the last one's end")
        }
        if let p = processes, p.captureSpan > 0 { return (p.captureSpan, "the capture, first to last event") }
        if let d = summary?.spanNanoseconds, d > 0 { return (d, "the capture, first to last event") }
        if let d = on?.duration ?? off?.duration, d > 0 { return (d, "first to last sample") }
        return nil
    }

    /// On-CPU: the total in the profile's unit, and how many processes it sums over.
    public var onCPU: (amount: String, processes: Int?)? {
        guard let on, on.totalWeight > 0 || on.totalSamples > 0 else { return nil }
        let amount = FlameGraphRenderer.amount(on.totalWeight, on.unit, countName: "samples")
        return (amount, processes.map { $0.rows.filter { ($0.onCPU ?? 0) > 0 }.count })
    }

    /// The off-CPU headline's figures; nil when off-CPU time was not read.
    public var offCPU: OffCPUHeadline? { off.map { OffCPUHeadline(profile: $0, summary: summary) } }

    /// Off-CPU thread time counted in the headline (idle threads apart).
    public var offCPUNanoseconds: UInt64? { offCPU?.threadNanoseconds }

    /// The share of on-CPU weight whose innermost frame has no symbol.
    public let unresolvedShare: Double?

    /// The short pieces of the headline, for an SVG header (joined with " · ").
    public var parts: [String] {
        var out: [String] = []
        if let w = wall { out.append("wall \(ValueFormat.duration(nanoseconds: w.nanoseconds))") }
        if let c = onCPU {
            out.append("on-CPU \(c.amount)" + (c.processes.map { " in \($0) process\($0 == 1 ? "" : "es")" } ?? ""))
        }
        if let h = offCPU {
            var s = "off-CPU \(ValueFormat.duration(nanoseconds: h.threadNanoseconds))"
            if h.hasIntervals {
                s += " of thread time over \(h.waitingThreads) thread\(h.waitingThreads == 1 ? "" : "s")"
                if h.idleThreads > 0 {
                    s += " (+\(ValueFormat.duration(nanoseconds: h.idleNanoseconds)) of \(h.idleThreads) idle threads, left out)"
                }
            }
            out.append(s)
        }
        if let p = processes, p.lostEvents > 0 || p.lostSamples > 0 {
            var lost: [String] = []
            if p.lostEvents > 0 { lost.append("\(ValueFormat.grouped(p.lostEvents)) events") }
            if p.lostSamples > 0 { lost.append("\(ValueFormat.grouped(p.lostSamples)) samples") }
            out.append("lost: " + lost.joined(separator: ", "))
        }
        if let u = unresolvedShare, u >= 0.001 { out.append("\(ValueFormat.fixed(u * 100, decimals: 1))% of on-CPU unresolved") }
        return out
    }

    /// The headline paragraph of summary.md: every number with what it sums over.
    public var markdown: String {
        var out: [String] = []
        if let w = wall { out.append("**Wall time: \(ValueFormat.duration(nanoseconds: w.nanoseconds))** (\(w.meaning))") }
        if let c = onCPU {
            out.append("**On-CPU: \(c.amount)**" + (c.processes.map { ", summed over \($0) process\($0 == 1 ? "" : "es")" } ?? ""))
        }
        if let h = offCPU {
            var s = "**Off-CPU: \(ValueFormat.duration(nanoseconds: h.threadNanoseconds))**"
            if let summary, h.hasIntervals {
                s += " of thread time, summed over \(h.waitingThreads) thread\(h.waitingThreads == 1 ? "" : "s") (not wall time)"
                let states = summary.byState
                let split = OffCPUState.allCases.filter { states[$0] > 0 }
                    .map { "\($0.letter) \(ValueFormat.duration(nanoseconds: states[$0]))" }
                if !split.isEmpty { s += ": " + split.joined(separator: ", ") }
                if h.idleThreads > 0 {
                    s += "; \(ValueFormat.duration(nanoseconds: h.idleNanoseconds)) more of \(h.idleThreads) idle "
                        + "thread\(h.idleThreads == 1 ? "" : "s") (parked in one wait for their whole life) left out, "
                        + "drawn under `[idle: …]`"
                }
                if summary.openAtEnd > 0 {
                    s += "; \(summary.openAtEnd) wait\(summary.openAtEnd == 1 ? "" : "s") still open at the end cut there and counted "
                        + "(\(ValueFormat.duration(nanoseconds: summary.openAtEndNanoseconds)))"
                }
                if summary.waitsBeforeCapture > 0 {
                    s += "; \(summary.waitsBeforeCapture) wait\(summary.waitsBeforeCapture == 1 ? "" : "s") begun before the capture "
                        + "(\(ValueFormat.duration(nanoseconds: summary.waitsBeforeCaptureNanoseconds)) within it) not counted: "
                        + "their stacks were not recorded"
                }
                if summary.undatedNanoseconds > 0 {
                    s += "; \(ValueFormat.duration(nanoseconds: summary.undatedNanoseconds)) more whose end could not be dated "
                        + "(no switch-in recorded), drawn under `[switch-in not recorded]`"
                }
            }
            out.append(s)
        }
        if let p = processes {
            out.append("samples lost: " + (p.lostEvents == 0 && p.lostSamples == 0 ? "none"
                : "\(ValueFormat.grouped(p.lostEvents)) events (LOST), \(ValueFormat.grouped(p.lostSamples)) samples (LOST_SAMPLES)"))
        }
        if let u = unresolvedShare { out.append("unresolved: \(ValueFormat.fixed(u * 100, decimals: 1))% of on-CPU time ends in frames without a symbol") }
        return out.joined(separator: " · ")
    }

    /// Processes grouped by comm, the busiest first.
    public func groupTable(limit: Int) -> TextTable? {
        guard let p = processes, !p.rows.isEmpty else { return nil }
        let unit = p.onCPUUnit
        let hasOn = p.rows.contains { $0.onCPU != nil }, hasOff = p.rows.contains { $0.offCPU != nil }
        let other = hasOther(p)
        var header = ["Command", "Processes", "Threads"]
        if hasOn { header.append("On-CPU") }
        if hasOff { header += offHeader(other) + ["Idle"] }
        header.append("Lifetime (sum)")
        let groups = p.groups
        var rows: [[String]] = groups.prefix(limit).map { g in
            var r = [g.comm, "×\(g.processes)", String(g.threads)]
            if hasOn { r.append(g.onCPU.map { amount($0, unit) } ?? "–") }
            if hasOff { r += offCells(g.offCPU, other) + [idle(g.idleNanoseconds)] }
            r.append(ValueFormat.duration(nanoseconds: g.busyNanoseconds))
            return r
        }
        if groups.count > limit {
            let rest = groups.dropFirst(limit)
            var r = ["\(rest.count) more commands", "×\(rest.reduce(0) { $0 + $1.processes })", String(rest.reduce(0) { $0 + $1.threads })]
            if hasOn { r.append(amount(rest.reduce(0) { $0 &+ ($1.onCPU ?? 0) }, unit)) }
            if hasOff {
                var sum = OffCPUStates()
                for g in rest { if let o = g.offCPU { sum.add(o) } }
                r += offCells(sum, other) + [idle(rest.reduce(0) { $0 &+ $1.idleNanoseconds })]
            }
            r.append(ValueFormat.duration(nanoseconds: rest.reduce(0) { $0 &+ $1.busyNanoseconds }))
            rows.append(r)
        }
        return TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count), code: [0])
    }

    /// One row per process, the busiest first (on-CPU, then off-CPU), with where it sits in the
    /// tree and when it ran relative to the capture's start.
    public func processTable(limit: Int) -> TextTable? {
        guard let p = processes, !p.rows.isEmpty else { return nil }
        let unit = p.onCPUUnit
        let hasOn = p.rows.contains { $0.onCPU != nil }, hasOff = p.rows.contains { $0.offCPU != nil }
        let other = hasOther(p), hasIdle = p.rows.contains { $0.idleNanoseconds > 0 }
        var header = ["PID", "Parent", "Command", "Executable", "Start", "End", "Threads"]
        if hasOn { header.append("On-CPU") }
        if hasOff { header += offHeader(other) }
        if hasIdle { header.append("Idle") }
        let sorted = p.rows.enumerated().sorted { a, b in
            let ka = (a.element.onCPU ?? 0, a.element.offCPU?.total ?? 0), kb = (b.element.onCPU ?? 0, b.element.offCPU?.total ?? 0)
            return ka != kb ? ka > kb : a.offset < b.offset
        }.map(\.element)
        func at(_ t: UInt64?, _ missing: String) -> String {
            guard let t else { return missing }
            return "+" + ValueFormat.fixed(Double(t &- p.captureStart) / 1e9, decimals: 3) + " s"
        }
        var rows: [[String]] = sorted.prefix(limit).map { r in
            var cells = [String(r.pid), r.ppid >= 0 ? String(r.ppid) : "?", r.comm, r.executable ?? "?",
                         at(r.start, "before"), at(r.end, "running"), String(r.threads)]
            if hasOn { cells.append(r.onCPU.map { amount($0, unit) } ?? "–") }
            if hasOff { cells += offCells(r.offCPU, other) }
            if hasIdle { cells.append(idle(r.idleNanoseconds)) }
            return cells
        }
        if sorted.count > limit {
            let rest = sorted.dropFirst(limit)
            var cells = ["", "", "\(rest.count) more processes", "", "", "", String(rest.reduce(0) { $0 + $1.threads })]
            if hasOn { cells.append(amount(rest.reduce(0) { $0 &+ ($1.onCPU ?? 0) }, unit)) }
            if hasOff {
                var sum = OffCPUStates()
                for r in rest { if let o = r.offCPU { sum.add(o) } }
                cells += offCells(sum, other)
            }
            if hasIdle { cells.append(idle(rest.reduce(0) { $0 &+ $1.idleNanoseconds })) }
            rows.append(cells)
        }
        return TextTable(header: header, rows: rows, rightAligned: Set([0, 1]).union(4..<header.count), code: [2, 3])
    }

    /// Whether any process has off-CPU time in a state other than R, S or D (`I`, `T`, ...),
    /// which then gets its own column rather than vanishing from the split.
    private func hasOther(_ p: ProcessTable) -> Bool {
        p.rows.contains { ($0.offCPU?[.other] ?? 0) > 0 }
    }

    private func offHeader(_ other: Bool) -> [String] {
        ["Off-CPU R", "S", "D"] + (other ? ["Other"] : [])
    }

    private func offCells(_ o: OffCPUStates?, _ other: Bool) -> [String] {
        let states: [OffCPUState] = other ? [.runnable, .sleeping, .disk, .other] : [.runnable, .sleeping, .disk]
        guard let o else { return states.map { _ in "–" } }
        return states.map { o[$0] > 0 ? ValueFormat.duration(nanoseconds: o[$0]) : "0" }
    }

    private func idle(_ ns: UInt64) -> String {
        ns > 0 ? ValueFormat.duration(nanoseconds: ns) : "–"
    }

    private func amount(_ w: UInt64, _ unit: WeightUnit?) -> String {
        FlameGraphRenderer.amount(w, unit ?? .samples, countName: "samples")
    }
}

/// A command line as a shell would take it back: words quoted only where they need it, and
/// `NAME=value` assignments quoted after the `=` (`CC="sccache gcc"`), as people write them.
public enum ShellWords {
    /// The words joined by spaces, each quoted as `quote` does.
    public static func join(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }

    /// `word` unchanged when a shell reads it literally, else `NAME="value"` or single-quoted (`''` when empty).
    public static func quote(_ word: String) -> String {
        guard !word.isEmpty else { return "''" }
        func safe(_ s: Substring) -> Bool {
            s.unicodeScalars.allSatisfy { c in
                (c.value >= 0x30 && c.value <= 0x39) || (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A)
                    || "-_./=:,+@%^".unicodeScalars.contains(c) || c.value > 0x7F && !(c.value >= 0x202A && c.value <= 0x202E)
            }
        }
        if safe(word[...]) { return word }
        if let eq = word.firstIndex(of: "="), eq != word.startIndex,
           word[..<eq].allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }),
           !word[word.index(after: eq)...].contains(where: { "\"\\$`\n".contains($0) }) {
            return String(word[...eq]) + "\"" + word[word.index(after: eq)...] + "\""
        }
        return "'" + word.replacingOccurrencesOfSingleQuote() + "'"
    }
}

extension String {
    fileprivate func replacingOccurrencesOfSingleQuote() -> String {
        var out = ""
        for c in self { out += c == "'" ? "'\\''" : String(c) }
        return out
    }
}
