import ArgumentParser
import ProfileModel
import PerfData
import Fold
import TextInputs
import SVGRender
import Report

extension PaneLayout: ExpressibleByArgument {}

/// Why `flame both` cannot draw what was asked; printed as one line, exit status 2.
enum BothError: Error, CustomStringConvertible {
    /// --combined adds on-CPU weights to off-CPU nanoseconds: they must be time too.
    case combinedNeedsTime(file: String, unit: String)
    /// One capture for both panes, but it holds no sampling event (only tracepoints).
    case noSamplingEvent(file: String)

    var description: String {
        switch self {
        case let .combinedNeedsTime(file, unit):
            return "\(file): --combined needs on-CPU time, but the weights are \(unit), which cannot be added to "
                + "off-CPU nanoseconds; sample with cpu-clock or task-clock (perf.data or perf script text), or drop --combined"
        case let .noSamplingEvent(file):
            return "\(file): no on-CPU samples: the capture holds only tracepoints; record a sampling event next to "
                + "them (perf record -a -g -e cpu-clock/period=1000000/ -e sched:sched_switch -- CMD) or name the "
                + "on-CPU input with --oncpu"
        }
    }
}

struct BothCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "both",
        abstract: "Render on-CPU and off-CPU flame graphs side by side in one SVG (or one hot/cold graph).",
        discussion: """
            Inputs: one perf.data holding a sampling event and sched:sched_switch (the on-CPU pane uses the first \
            event that is not a tracepoint, the off-CPU pane the scheduler events), or the on-CPU input then the \
            off-CPU input (or --oncpu and --offcpu), each anything `flame oncpu` and `flame offcpu` read. \
            --colors and --countname apply to the on-CPU pane; the off-CPU pane is drawn in blues (io). \
            The off-CPU summary goes to stderr.
            """)

    @Argument(help: ArgumentHelp("One capture with both kinds of events, or the on-CPU input then the off-CPU input "
        + "(default: ./perf.data).", valueName: "input"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("The on-CPU input: perf.data, perf script text or folded stacks.", valueName: "file"))
    var oncpu: String?

    @Option(help: ArgumentHelp("The off-CPU input: scheduler events, perf sched timehist, offcputime or bpftrace output, "
        + "or folded microseconds.", valueName: "file"))
    var offcpu: String?

    @Option(name: .shortAndLong, help: "Output SVG file ('-' for standard output; default: standard output, or both.svg when it is a terminal).")
    var output: String?

    @Option(help: "side-by-side, or stacked (one pane above the other, each as wide as the image).")
    var layout: PaneLayout = .sideBySide

    @Flag(help: "Draw one hot/cold graph instead: both profiles merged under one root, widths in time, frames mostly off-CPU in blues.")
    var combined = false

    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Off-CPU") var offFlags: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        _ = try sources()
        try spanFlags.require(atMost: 1)
        if ([oncpu, offcpu].compactMap { $0 } + inputs).filter({ $0 == "-" }).count > 1 {
            throw ValidationError("only one input can be standard input")
        }
    }

    /// The on-CPU and off-CPU inputs: options first, then the arguments in that order; one input
    /// (or none: ./perf.data) serves both panes.
    private func sources() throws -> (String, String) {
        var rest = inputs[...]
        let on = oncpu ?? rest.popFirst()
        let off = offcpu ?? rest.popFirst()
        guard rest.isEmpty else {
            throw ValidationError("at most two inputs: the on-CPU one, then the off-CPU one")
        }
        let single = on ?? off ?? "perf.data"
        return (on ?? single, off ?? single)
    }

    func run() throws {
        let (onInput, offInput) = try sources()
        let target = CLI.outputPath(output, defaultFile: "both.svg")
        let onSource = try CLI.resolve(onInput, filter)
        let offSource = offInput == onInput ? onSource : try CLI.resolve(offInput, filter)
        let (onPath, offPath) = (onSource.path, offSource.path)
        try CLI.refuseOverwritingInput(output: target, inputs: [onPath, offPath])

        var options = collapse.options(chart: render.flamechart, symbols: symbols, filter: filter)
        options.filter = onSource.filter
        options.keepBuckets = !render.noTimeStrip && !combined
        options.spans = try spanFlags.request(input: onSource)
        var offOptions = options
        offOptions.filter = offSource.filter
        // One capture for both panes: its sampling event is the on-CPU pane (the reader picks it).
        // One input is read once for both panes.
        let loaded: (on: Profile, off: () throws -> OffCPUResult)
        if onPath == offPath && options.filter == offOptions.filter {
            // One input, one selection: both panes from one reading.
            loaded = try CLI.loadBoth(onPath, collapse: options, offcpuOptions: offFlags.options,
                                      threads: collapse.threads)
        } else {
            let on = try CLI.load(onPath, options, threads: collapse.threads)
            loaded = (on, { try CLI.loadOffCPU(offPath, collapse: offOptions, offcpuOptions: offFlags.options) })
        }
        let on = loaded.on
        if onPath == offPath, on.event?.hasPrefix("sched:") ?? false { throw BothError.noSamplingEvent(file: onPath) }
        try CLI.requireData(on, path: onPath)
        let result = try loaded.off()
        let off = result.profile
        try CLI.requireData(off, path: offPath)

        var drawing = render.options(palette: .hot, title: combined ? "Hot/Cold Flame Graph" : "On-CPU and Off-CPU Time")
        drawing.width = render.width ?? (layout == .sideBySide && !combined ? 1800 : 1200)
        if drawing.background == nil { drawing.background = .grey }
        let document: FlameDocument
        if combined {
            do {
                document = try BothView.hotCold(on: on, off: off, summary: result.summary, reverse: render.reverse, options: drawing)
            } catch let e as BothView.NotTime {
                throw BothError.combinedNeedsTime(file: InputName.of(onPath), unit: e.unit)
            }
        } else {
            var sides = BothView.sideBySide(on: on, off: off, summary: result.summary, reverse: render.reverse,
                                            layout: layout, countName: render.countname, options: drawing)
            let facts = CaptureFacts(on: on, off: off, summary: result.summary, program: onSource.selection?.programPID)
            if facts.processes != nil, !facts.parts.isEmpty { sides.headline = facts.parts.joined(separator: " · ") }
            document = sides
        }
        let (svg, _) = FlameGraphRenderer.render(document)
        try CLI.write(svg, to: target)
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}
