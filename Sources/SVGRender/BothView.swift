import ProfileModel

/// The documents of `flame both`: on-CPU and off-CPU panes side by side (or stacked), or one
/// hot/cold graph; with the pane summaries and the headline of both totals.
public enum BothView {
    /// Why a hot/cold graph cannot be drawn.
    public struct NotTime: Error {
        /// What the on-CPU weights are instead, for the message.
        public let unit: String
    }

    /// Two panes: on-CPU in `options.palette`, off-CPU in blues, each scaled on its own.
    public static func sideBySide(on: Profile, off: Profile, summary: OffCPUSummary?, reverse: Bool,
                                  layout: PaneLayout, countName: String, options: FlameGraphOptions) -> FlameDocument {
        let runs = options.collapseRuns
        var onPane = FlamePane(tree: FlameTree(on, reverse: reverse, collapseRuns: runs), unit: on.unit,
                               title: "On-CPU" + (on.event.map { " (\($0))" } ?? ""),
                               summary: onCPULine(on, countName: countName), palette: options.palette, countName: countName)
        var offPane = FlamePane(tree: FlameTree(off, reverse: reverse, collapseRuns: runs), unit: off.unit, title: "Off-CPU",
                                summary: offCPULine(off, summary: summary), palette: .io, countName: "ns off-CPU")
        onPane.buckets = on.buckets
        offPane.buckets = off.buckets
        onPane.spans = (on.spanTotals ?? off.spanTotals)?.spans ?? []
        var headline = ["on-CPU: \(short(on, countName: countName))", "off-CPU: " + offCPUShort(off, summary: summary)]
        if let span = span(on, off, summary) { headline.append("capture: \(ValueFormat.duration(nanoseconds: span)) wall time") }
        return FlameDocument(options: options, layout: layout, headline: headline.joined(separator: " · "), panes: [onPane, offPane])
    }

    /// Both profiles merged under one root, widths in time; the off-CPU share of every frame
    /// decides its colour. Throws `NotTime` when the on-CPU weights are not nanoseconds.
    public static func hotCold(on: Profile, off: Profile, summary: OffCPUSummary?, reverse: Bool,
                               options: FlameGraphOptions) throws -> FlameDocument {
        guard case .nanoseconds = on.unit else { throw NotTime(unit: unitName(on.unit)) }
        let merged = Profile()
        merged.absorb(on)
        merged.absorb(off)
        let coldOnly = Profile(names: merged.names)
        coldOnly.absorb(off)
        let tree = FlameTree(merged, reverse: reverse, collapseRuns: options.collapseRuns)
        let cold = ColdShare(merged: tree, cold: FlameTree(coldOnly, reverse: reverse, collapseRuns: options.collapseRuns))
        var line = "on-CPU \(ValueFormat.duration(nanoseconds: on.totalWeight)) (warm) · "
            + "off-CPU \(ValueFormat.duration(nanoseconds: off.totalWeight)) (blue)"
        if let span = span(on, off, summary) { line += " · capture: \(ValueFormat.duration(nanoseconds: span)) wall time" }
        let pane = FlamePane(tree: tree, unit: .nanoseconds("hot/cold"), title: options.title ?? "Hot/Cold Flame Graph",
                             summary: line, palette: options.palette, countName: "ns", cold: cold)
        return FlameDocument(options: options, panes: [pane])
    }

    /// The capture's wall time: the off-CPU reading's event span, else the on-CPU samples'.
    static func span(_ on: Profile, _ off: Profile, _ summary: OffCPUSummary?) -> UInt64? {
        if let s = summary?.spanNanoseconds, s > 0 { return s }
        return off.duration.flatMap { $0 > 0 ? $0 : nil } ?? on.duration.flatMap { $0 > 0 ? $0 : nil }
    }

    static func onCPULine(_ p: Profile, countName: String) -> String {
        let samples = ValueFormat.grouped(p.totalSamples)
        switch p.unit {
        case .nanoseconds: return "CPU time: \(ValueFormat.duration(nanoseconds: p.totalWeight)) in \(samples) samples"
        case .samples: return "\(samples) \(countName)"
        case .events(let e): return "\(ValueFormat.grouped(p.totalWeight)) \(eventName(e)) in \(samples) samples"
        case .offCPU: return ValueFormat.duration(nanoseconds: p.totalWeight)
        }
    }

    /// The off-CPU total of the headline: thread time counted as the summary counts it (idle
    /// threads apart, said so), else the profile's weight.
    static func offCPUShort(_ p: Profile, summary: OffCPUSummary?) -> String {
        let h = OffCPUHeadline(profile: p, summary: summary)
        guard h.hasIntervals else { return ValueFormat.duration(nanoseconds: h.threadNanoseconds) }
        var s = "\(ValueFormat.duration(nanoseconds: h.threadNanoseconds)) of thread time"
        if h.idleThreads > 0 { s += " (+\(ValueFormat.duration(nanoseconds: h.idleNanoseconds)) idle)" }
        return s
    }

    static func offCPULine(_ p: Profile, summary: OffCPUSummary?) -> String {
        let h = OffCPUHeadline(profile: p, summary: summary)
        guard h.hasIntervals else { return "waiting: \(ValueFormat.duration(nanoseconds: h.threadNanoseconds))" }
        var s = "waiting: \(ValueFormat.duration(nanoseconds: h.threadNanoseconds)) of thread time"
        if h.intervals > 0 { s += " in \(ValueFormat.grouped(UInt64(h.intervals))) intervals" }
        if h.idleThreads > 0 {
            s += " · +\(ValueFormat.duration(nanoseconds: h.idleNanoseconds)) of \(h.idleThreads) idle "
                + "thread\(h.idleThreads == 1 ? "" : "s") under [idle: …]"
        }
        if h.undatedNanoseconds > 0 { s += " (\(ValueFormat.duration(nanoseconds: h.undatedNanoseconds)) undated)" }
        return s
    }

    static func short(_ p: Profile, countName: String) -> String {
        switch p.unit {
        case .nanoseconds, .offCPU: return ValueFormat.duration(nanoseconds: p.totalWeight)
        case .samples: return "\(ValueFormat.grouped(p.totalWeight)) \(countName)"
        case .events(let e): return "\(ValueFormat.grouped(p.totalWeight)) \(eventName(e))"
        }
    }

    static func unitName(_ unit: WeightUnit) -> String {
        switch unit {
        case .samples: return "sample counts (no period: folded stacks or text without one)"
        case .events(let e): return "counts of \(eventName(e))"
        case .nanoseconds(let e): return "nanoseconds of \(eventName(e))"
        case .offCPU: return "off-CPU nanoseconds"
        }
    }

    private static func eventName(_ e: String) -> String {
        e.split(whereSeparator: { $0 == ":" || $0 == "/" }).first.map(String.init) ?? e
    }
}
