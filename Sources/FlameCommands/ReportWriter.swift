import Fold
import ProfileModel
import TextInputs
import SVGRender
import Report

/// What `flame report` writes: a folder of graphs (SVG and PNG) and summary.md, for one capture
/// (`views`) or two runs compared (`comparison`).
struct ReportWriter {
    let output: String
    let limit: Int
    let heading: String?
    let collapse: CollapseFlags
    let filter: FilterFlags
    let symbols: SymbolFlags
    let render: RenderFlags
    let offCPU: OffCPUOptions
    /// `--spans`: one file, or one per run compared.
    let spans: SpanFlags

    /// The onCPU-or-offCPU spans' table of a capture, when `--spans` gave spans.
    static func spanTable(on: Profile?, off: Profile?) -> SpanTable? {
        guard on?.spanTotals != nil || off?.spanTotals != nil else { return nil }
        let isTime: Bool
        if case .nanoseconds = on?.unit { isTime = true } else { isTime = false }
        return SpanTable(on: on?.spanTotals, off: off?.spanTotals, onCPUIsTime: isTime)
    }

    /// The on-CPU and off-CPU views of one input (or of two: one per view).
    mutating func views(oncpu: String?, offcpu: String?) throws {
        let onSource = try oncpu.map { try CLI.resolve($0, filter) }
        let offSource = try offcpu.map { $0 == oncpu ? onSource! : try CLI.resolve($0, filter) }
        CLI.protectInputs([onSource?.path, offSource?.path].compactMap { $0 })
        var folder = try ReportFolder(path: output, render: render)
        var options = collapse.options(symbols: symbols, filter: filter)
        options.keepBuckets = !render.noTimeStrip
        options.spans = try spans.request(input: onSource ?? offSource)
        var on: Profile?
        var off: OffCPUResult?
        if let onSource, let offSource, oncpu == offcpu {
            // One input for both views: read once.
            options.filter = onSource.filter
            let loaded = try CLI.loadBoth(onSource.path, collapse: options, offcpuOptions: offCPU,
                                          threads: collapse.threads)
            // A capture of tracepoints alone has no on-CPU samples: its switches are not CPU time.
            if loaded.on.event?.hasPrefix("sched:") ?? false { throw BothError.noSamplingEvent(file: offSource.path) }
            on = loaded.on
            off = try loaded.off()
        } else {
            if let onSource {
                options.filter = onSource.filter
                on = try CLI.load(onSource.path, options, threads: collapse.threads)
            }
            if let offSource {
                options.filter = offSource.filter
                off = try CLI.loadOffCPU(offSource.path, collapse: options, offcpuOptions: offCPU)
            }
        }
        let facts = CaptureFacts(on: on, off: off?.profile, summary: off?.summary,
                                 program: (onSource ?? offSource)?.selection?.programPID)
        var graphs: [ReportGraph] = []
        if let on { graphs.append(try folder.graph(on, title: "On-CPU", file: "oncpu", palette: .hot, facts: facts)) }
        if let off {
            graphs.append(try folder.graph(off.profile, title: "Off-CPU", file: "offcpu", palette: .io, facts: facts, summary: off.summary))
            if let on { graphs.insert(try folder.both(on: on, off: off.profile, summary: off.summary, facts: facts), at: 0) }
        }
        let selection = (onSource ?? offSource)?.selection
        // The program's critical path, when the capture recorded who woke whom.
        var sections: [String] = []
        let phases = ReportWriter.spanTable(on: on, off: off?.profile).map { [SpanReport.section($0, file: options.spans?.spans.file ?? "", limit: max(limit, 40))] } ?? []
        if let off, off.format == .perfData, let offSource, CriticalPathLoader.recordsWakeups(path: offSource.path) {
            let program = selection?.programPID ?? offSource.filter.pids.min().map { Int32($0) }
            if let section = folder.criticalPathSection(offSource.path, collapse: options, program: program, limit: limit) {
                sections.append(section)
            }
        }
        let markdown = MarkdownReport.summary(title: heading ?? selection.map { $0.command.isEmpty ? "Profile" : ShellWords.join($0.command) } ?? "Profile",
                                              command: heading == nil && !(selection?.command.isEmpty ?? true), facts: facts,
                                              selection: selection.map { "Recorded: " + $0.description + "." },
                                              graphs: graphs, limit: limit, notes: folder.notes, pictureOnly: graphs.count == 3 ? [0] : [],
                                              leading: phases, sections: sections)
        try folder.writeSummary(markdown)
        CLI.say("wrote \(output)/summary.md")
    }

    /// Two runs: each side's on-CPU and off-CPU graphs (off-CPU when the capture recorded the
    /// scheduler, or only that with `offCPUOnly`), a difference graph per view, and the totals.
    mutating func comparison(before: String, after: String, offCPUOnly: Bool, normalize: Bool) throws {
        let sources = try [before, after].map { try CLI.resolve($0, filter) }
        for s in sources { try CLI.requireReadable(s.path) }
        CLI.protectInputs(sources.map(\.path))
        var folder = try ReportFolder(path: output, render: render)
        var options = collapse.options(symbols: symbols, filter: filter)
        options.keepBuckets = !render.noTimeStrip
        var sides: [ComparisonSide] = []
        var profiles: [(on: Profile?, off: Profile?)] = []
        var paths: [CriticalPathReport.Side] = []
        var phases: [SpanTable] = []
        for (k, source) in sources.enumerated() {
            options.filter = source.filter
            options.spans = try spans.request(k, input: source)
            let label = k == 0 ? "before" : "after"
            let loaded: (on: Profile?, off: (() throws -> OffCPUResult)?)
            if offCPUOnly {
                let (path, collapse, offCPU) = (source.path, options, offCPU)
                loaded = (nil, { try CLI.loadOffCPU(path, collapse: collapse, offcpuOptions: offCPU) })
            } else {
                // Both views of one capture, read once; off-CPU only where the capture recorded the scheduler.
                let both = try CLI.loadBoth(source.path, collapse: options, offcpuOptions: offCPU, threads: collapse.threads,
                                            offCPUIfRecorded: true)
                loaded = (both.on, both.off)
            }
            // A capture of tracepoints alone has no on-CPU samples: its switches are not CPU time.
            let on = loaded.on.flatMap { $0.event?.hasPrefix("sched:") ?? false ? nil : $0 }
            let off = try loaded.off?()
            let facts = CaptureFacts(on: on, off: off?.profile, summary: off?.summary, program: source.selection?.programPID)
            let onGraph = try on.flatMap {
                $0.totalWeight > 0 ? try folder.graph($0, title: "On-CPU", file: "\(label)-oncpu", palette: .hot, facts: facts) : nil
            }
            let offGraph = try off.flatMap {
                $0.profile.totalWeight > 0 ? try folder.graph($0.profile, title: "Off-CPU", file: "\(label)-offcpu", palette: .io,
                                                              facts: facts, summary: $0.summary) : nil
            }
            sides.append(ComparisonSide(name: k == 0 ? before : after, on: onGraph, off: offGraph, facts: facts))
            if let off, off.format == .perfData, CriticalPathLoader.recordsWakeups(path: source.path),
               let (r, svg, _) = folder.criticalPath(source.path, collapse: options, program: source.selection?.programPID,
                                                      file: "\(label)-critical") {
                paths.append(CriticalPathReport.Side(summary: r.summary, profile: r.profile, program: r.program, svg: svg))
            }
            profiles.append((on, off?.profile))
            if let table = ReportWriter.spanTable(on: on, off: off?.profile) { phases.append(table) }
        }
        guard sides.contains(where: { $0.on != nil || $0.off != nil }) else {
            throw InputError.noSamples(file: sources[0].path, detail: "nothing to compare on either side")
        }
        for (k, s) in sides.enumerated() where s.on == nil && !offCPUOnly {
            CLI.say(.warning(.output, subject: sources[k].path, "no on-CPU samples: the on-CPU difference is not drawn"))
        }
        var diffs: [ComparisonGraph] = []
        for (kind, pick, palette, file) in [("on-CPU", { (p: (on: Profile?, off: Profile?)) in p.on }, Palette.hot, "diff-oncpu"),
                                            ("off-CPU", { (p: (on: Profile?, off: Profile?)) in p.off }, Palette.io, "diff-offcpu")] {
            guard let b = pick(profiles[0]), let a = pick(profiles[1]), b.totalWeight > 0 || a.totalWeight > 0 else { continue }
            let diff = ProfileDiff(before: b, after: a, normalize: normalize)
            var drawing = render.options(palette: palette, title: "Difference, \(kind)")
            if drawing.subtitle == nil { drawing.subtitle = "\(sources[0].path) → \(sources[1].path)" }
            let document = DiffView.single.document(diff, before: b, after: a, countName: render.countname, options: drawing)
            let png = try folder.write(FlameGraphRenderer.render(document).svg, name: file)
            diffs.append(ComparisonGraph(kind: kind, diff: diff, svg: "\(file).svg", png: png))
        }
        let leading = phases.count == 2 ? [SpanReport.comparison(before: phases[0], after: phases[1], names: (before, after), limit: max(limit, 40))] : []
        let sections = paths.count == 2 ? [CriticalPathReport.comparison(before: paths[0], after: paths[1], limit: limit)]
            : paths.map { "## Critical path\n\nOf one side only (the other has no wakeups to follow): "
                + "[\(TextTable.mdText($0.svg))](\($0.svg)).\n\n" }
        let markdown = MarkdownReport.comparison(title: heading ?? "\(before) → \(after)", before: sides[0], after: sides[1],
                                                 diffs: diffs, limit: limit, notes: folder.notes, leading: leading,
                                                 sections: sections)
        try folder.writeSummary(markdown)
        CLI.say("wrote \(output)/summary.md")
    }
}
