import ArgumentParser
import ProfileModel
import Fold
import TextInputs
import SVGRender

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a folder for an issue or a pull request: the SVGs, PNG previews and summary.md.",
        discussion: """
            Either --oncpu and/or --offcpu (one perf.data with both kinds of events, or a flame record folder, may be given \
            to both), or --before and --after (two runs of the same thing, e.g. a cold and a hot cache: their graphs, the \
            differences on-CPU and off-CPU, and the totals as measured, what changed most first). Inputs may be flame \
            record folders.
            """)

    @Option(help: ArgumentHelp("On-CPU input (perf.data, a flame record folder, perf script text or folded stacks).", valueName: "file"))
    var oncpu: String?
    @Option(help: ArgumentHelp("Off-CPU input (scheduler events, timehist, offcputime, bpftrace, folded µs).", valueName: "file"))
    var offcpu: String?
    @Option(help: ArgumentHelp("The run before, for a comparison.", valueName: "file"))
    var before: String?
    @Option(help: ArgumentHelp("The run after.", valueName: "file"))
    var after: String?
    @Flag(help: "With --before/--after: read both as off-CPU time only.")
    var offcpuRuns = false
    @Flag(inversion: .prefixedNo, help: "With --before/--after: scale the before profiles to the after totals (default: off, as measured).")
    var normalize = false

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
    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        try spanFlags.require(atMost: before == nil ? 1 : 2)
        if before != nil && spanFlags.files.count == 1 {
            throw ValidationError("--spans with --before/--after: give one file per run (--spans BEFORE.json --spans AFTER.json)")
        }
        let runs = before != nil || after != nil
        if runs && (before == nil || after == nil) { throw ValidationError("--before and --after go together") }
        if runs && (oncpu != nil || offcpu != nil) { throw ValidationError("either --oncpu/--offcpu or --before/--after") }
        if !runs && oncpu == nil && offcpu == nil { throw ValidationError("name --oncpu and/or --offcpu, or --before and --after") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var writer = ReportWriter(output: output, limit: limit, heading: heading, collapse: collapse, filter: filter,
                                  symbols: symbols, render: render, offCPU: offFlags.options,
                                  spans: spanFlags)
        if let before, let after {
            try writer.comparison(before: before, after: after, offCPUOnly: offcpuRuns, normalize: normalize)
        } else {
            try writer.views(oncpu: oncpu, offcpu: offcpu)
        }
    }
}
