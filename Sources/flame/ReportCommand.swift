import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
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
        try makeDirectory(output)
        let options = collapse.options(symbols: symbols, filter: filter)
        var notes: [String] = []
        let markdown: String
        if let before, let after {
            let a = try CLI.loadProfile(before, offcpu: offcpuRuns, collapse: options, offcpuOptions: offFlags.options)
            let b = try CLI.loadProfile(after, offcpu: offcpuRuns, collapse: options, offcpuOptions: offFlags.options)
            let palette: Palette = offcpuRuns ? .io : .hot
            let graphs = [try graph(a, title: "Before", file: "before", palette: palette, notes: &notes),
                          try graph(b, title: "After", file: "after", palette: palette, notes: &notes)]
            let diff = ProfileDiff(before: a, after: b, normalize: normalize ?? (a.totalWeight != b.totalWeight))
            let document = DiffView.single.document(diff, before: a, after: b, countName: render.countname,
                                                    options: render.options(palette: .hot, title: "Differential Flame Graph"))
            let png = try write(FlameGraphRenderer.render(document).svg, name: "diff", notes: &notes)
            markdown = MarkdownReport.comparison(title: heading ?? "\(before) → \(after)", before: graphs[0], after: graphs[1],
                                                 diff: diff, diffSVG: "diff.svg", diffPNG: png, limit: limit, notes: notes)
        } else {
            var graphs: [ReportGraph] = []
            var on: Profile?, off: (Profile, OffCPUSummary?)?
            var bothIndex: Int?
            if let oncpu {
                let p = try CLI.load(oncpu, options, threads: collapse.threads)
                on = p
                graphs.append(try graph(p, title: "On-CPU", file: "oncpu", palette: .hot, notes: &notes))
            }
            if let offcpu {
                let result = try OffCPULoader.load(path: offcpu, collapse: options, options: offFlags.options)
                for n in result.profile.notes { CLI.say(n) }
                off = (result.profile, result.summary)
                graphs.append(try graph(result.profile, title: "Off-CPU", file: "offcpu", palette: .io, notes: &notes))
            }
            if let on, let (p, summary) = off {
                var drawing = render.options(palette: .hot, title: "On-CPU and Off-CPU Time")
                drawing.width = render.width ?? 1800
                let document = BothView.sideBySide(on: on, off: p, summary: summary, reverse: render.reverse,
                                                   layout: .sideBySide, countName: render.countname, options: drawing)
                let png = try write(FlameGraphRenderer.render(document).svg, name: "both", notes: &notes)
                graphs.insert(ReportGraph(title: "On-CPU and off-CPU side by side", profile: on, svg: "both.svg", png: png), at: 0)
                bothIndex = 0
            }
            markdown = MarkdownReport.summary(title: heading ?? "Profile", graphs: graphs, limit: limit, notes: notes,
                                              pictureOnly: bothIndex.map { [$0] } ?? [])
        }
        options.symbolizer?.saveCache()
        try CLI.write(Array(markdown.utf8), to: output + "/summary.md")
        CLI.say("wrote \(output)/summary.md")
    }

    /// Draws one profile to `file.svg` (and its PNG) and describes it for the report.
    private func graph(_ p: Profile, title: String, file: String, palette: Palette, notes: inout [String]) throws -> ReportGraph {
        guard p.totalWeight > 0 else { throw InputError.noSamples(file: title, detail: "nothing to draw") }
        let (svg, pruned) = FlameGraphRenderer(options: render.options(palette: palette, title: title), unit: p.unit)
            .render(FlameTree(p, reverse: render.reverse))
        let png = try write(svg, name: file, notes: &notes)
        return ReportGraph(title: title, profile: p, svg: "\(file).svg", png: png, pruned: pruned)
    }

    /// Writes `name.svg` and its PNG preview; the PNG's name, or nil with the reason noted once.
    private func write(_ svg: [UInt8], name: String, notes: inout [String]) throws -> String? {
        try CLI.write(svg, to: "\(output)/\(name).svg")
        if let why = PNGPreview.write(svg: "\(output)/\(name).svg", png: "\(output)/\(name).png") {
            if !notes.contains(why) {
                notes.append(why)
                CLI.say("warning: \(why)")
            }
            return nil
        }
        return "\(name).png"
    }

    private func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OutputError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError(path: path, reason: "not a directory")
        }
    }
}
