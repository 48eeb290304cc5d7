import ArgumentParser
import Fold
import PerfScript
import SVGRender

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a folder for an issue or a pull request: the SVGs, PNG previews and summary.md.",
        discussion: """
            Either --oncpu and/or --offcpu (one perf.data with both kinds of events may be given to both), or \
            --before and --after (two runs of the same thing: their graphs, the difference, and what changed most).
            """)

    @Option(help: ArgumentHelp("On-CPU input (perf.data, perf script text or folded stacks).", valueName: "file"))
    var oncpu: String?
    @Option(help: ArgumentHelp("Off-CPU input (scheduler events, timehist, offcputime, bpftrace, folded µs).", valueName: "file"))
    var offcpu: String?
    @Option(help: ArgumentHelp("The run before, for a comparison.", valueName: "file"))
    var before: String?
    @Option(help: ArgumentHelp("The run after.", valueName: "file"))
    var after: String?
    @Flag(help: "With --before/--after: read both as off-CPU time.")
    var offcpuRuns = false
    @Flag(inversion: .prefixedNo, help: "With --before/--after: scale the first to the second's total (default: when they differ).")
    var normalize: Bool?

    @Option(name: .shortAndLong, help: "The folder to write (created when missing).")
    var output: String = "report"
    @Option(help: "Rows per table in summary.md.")
    var limit: Int = 15
    @Option(help: "Title of summary.md.")
    var heading: String?

    @OptionGroup(title: "Off-CPU") var offFlags: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        let runs = before != nil || after != nil
        if runs && (before == nil || after == nil) { throw ValidationError("--before and --after go together") }
        if runs && (oncpu != nil || offcpu != nil) { throw ValidationError("either --oncpu/--offcpu or --before/--after") }
        if !runs && oncpu == nil && offcpu == nil { throw ValidationError("name --oncpu and/or --offcpu, or --before and --after") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        CLI.protectInputs([oncpu, offcpu, before, after].compactMap { $0 })
        var folder = try ReportFolder(path: output, render: render)
        let options = collapse.options(symbols: symbols, filter: filter)
        let markdown: String
        if let before, let after {
            let a = try CLI.loadProfile(before, offcpu: offcpuRuns, collapse: options, offcpuOptions: offFlags.options)
            let b = try CLI.loadProfile(after, offcpu: offcpuRuns, collapse: options, offcpuOptions: offFlags.options)
            let palette: Palette = offcpuRuns ? .io : .hot
            let graphs = [try folder.graph(a, title: "Before", file: "before", palette: palette),
                          try folder.graph(b, title: "After", file: "after", palette: palette)]
            let diff = ProfileDiff(before: a, after: b, normalize: normalize ?? (a.totalWeight != b.totalWeight))
            let document = DiffView.single.document(diff, before: a, after: b, countName: render.countname,
                                                    options: render.options(palette: .hot, title: "Differential Flame Graph"))
            let png = try folder.write(FlameGraphRenderer.render(document).svg, name: "diff")
            markdown = MarkdownReport.comparison(title: heading ?? "\(before) → \(after)", before: graphs[0], after: graphs[1],
                                                 diff: diff, diffSVG: "diff.svg", diffPNG: png, limit: limit, notes: folder.notes)
        } else {
            var graphs: [ReportGraph] = []
            var on: Profile?
            if let oncpu {
                let p = try CLI.load(oncpu, options, threads: collapse.threads)
                on = p
                graphs.append(try folder.graph(p, title: "On-CPU", file: "oncpu", palette: .hot))
            }
            if let offcpu {
                let result = try OffCPULoader.load(path: offcpu, collapse: options, options: offFlags.options)
                for n in result.profile.notes { CLI.say(n) }
                graphs.append(try folder.graph(result.profile, title: "Off-CPU", file: "offcpu", palette: .io))
                if let on { graphs.insert(try folder.both(on: on, off: result.profile, summary: result.summary), at: 0) }
            }
            markdown = MarkdownReport.summary(title: heading ?? "Profile", graphs: graphs, limit: limit, notes: folder.notes,
                                              pictureOnly: graphs.count == 3 ? [0] : [])
        }
        options.symbolizer?.saveCache()
        try folder.writeSummary(markdown)
        CLI.say("wrote \(output)/summary.md")
    }
}
