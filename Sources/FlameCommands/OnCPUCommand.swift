import ArgumentParser
import ProfileModel
import PerfData
#if canImport(Glibc)
import Glibc
#endif
import Fold
import TextInputs
import SVGRender
import Report

/// flamegraph.pl's drawing options, with the same names.
struct RenderFlags: ParsableArguments {
    @Option(help: "Title text (default: Flame Graph, Icicle Graph or Flame Chart).")
    var title: String?
    @Option(help: "Second-level title.")
    var subtitle: String?
    @Option(help: "Notes stored in the SVG's description.")
    var notes: String?
    @Option(help: "Image width in pixels (default: 1200; 1800 for `flame both` side by side).")
    var width: Double?
    @Option(help: "Height of each frame in pixels.")
    var height: Double = 16
    @Option(help: "Omit frames narrower than this many pixels, or percent of the total with '%' (merged into a placeholder).")
    var minwidth: String = "0.1"
    @Option(help: "Font family.")
    var fonttype: String = "Verdana"
    @Option(help: "Font size in points.")
    var fontsize: Double = 12
    @Option(help: "Average character width relative to the font size.")
    var fontwidth: Double = 0.59
    @Option(help: "Name of a unit of count (default: samples).")
    var countname: String = "samples"
    @Option(help: "Label before the name in the details line.")
    var nametype: String = "Function:"
    @Option(help: "Palette: \(Palette.allCases.map(\.rawValue).joined(separator: ", ")) (default: hot; io for off-CPU).")
    var colors: String?
    @Option(help: "Background: yellow, blue, green, grey, or #rrggbb.")
    var bgcolors: String?
    @Flag(help: "Colours by function name, weighted towards its first characters.")
    var hash = false
    @Flag(help: "Icicle graph: root at the top.")
    var inverted = false
    @Flag(name: .customLong("no-time-strip"), help: ArgumentHelp("Leave out the time strip above the graphs (per process busy "
        + "over time, runnable threads; drag a range on it to re-aggregate the graphs to that range)."))
    var noTimeStrip = false
    @Flag(help: "Reverse every stack (leaf frames at the root).")
    var reverse = false
    @Flag(help: "Flame chart: samples in time order instead of merged by name.")
    var flamechart = false
    @Flag(name: .customLong("collapse-runs"), inversion: .prefixedNo,
          help: "Draw a run of identical frames ([unknown] ×120, a recursion) as one frame with a count (folded output keeps them).")
    var collapseRuns = true
    @Option(name: .customLong("max-depth"), help: ArgumentHelp("Cut stacks deeper than this many frames at a placeholder: auto "
        + "(a thin tower of deep stacks may not push the graph off the first screen), N, or 0 for every frame.", valueName: "auto|N"))
    var maxDepth: String = "auto"

    func validate() throws {
        guard MinWidth(minwidth) != nil else { throw ValidationError("--minwidth takes a number of pixels or a percentage such as 0.5%") }
        if let colors, Palette(rawValue: colors) == nil {
            throw ValidationError("--colors takes one of: \(Palette.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let bg = bgcolors, Background(bg) == nil {
            throw ValidationError("--bgcolors takes yellow, blue, green, grey or #rrggbb")
        }
        if let width, !(width >= 50 && width <= 1_000_000) { throw ValidationError("--width must be between 50 and 1000000") }
        if DepthLimit(maxDepth) == nil { throw ValidationError("--max-depth takes auto, a number of frames, or 0 for no limit") }
        guard height >= 1, height <= 1000 else { throw ValidationError("--height must be between 1 and 1000") }
        guard fontsize > 0, fontsize <= 200, fontwidth > 0, fontwidth <= 10 else {
            throw ValidationError("--fontsize and --fontwidth must be positive")
        }
    }

    var options: FlameGraphOptions { options(palette: .hot, title: nil) }

    /// The options, with the capture's headline as the subtitle when none is given and the
    /// input said anything (perf.data).
    func options(palette: Palette, title: String?, facts: CaptureFacts) -> FlameGraphOptions {
        var o = options(palette: palette, title: title)
        if o.subtitle == nil, facts.processes != nil, !facts.parts.isEmpty { o.subtitle = facts.parts.joined(separator: " · ") }
        return o
    }

    /// The options, with the palette and title a command draws when none is given.
    func options(palette: Palette, title defaultTitle: String?) -> FlameGraphOptions {
        var o = FlameGraphOptions()
        o.timeStrip = !noTimeStrip
        o.title = title ?? defaultTitle
        o.subtitle = subtitle
        o.notes = notes
        o.width = width ?? 1200
        o.frameHeight = height
        o.minWidth = MinWidth(minwidth) ?? .pixels(0.1)
        o.fontType = fonttype
        o.fontSize = fontsize
        o.fontWidth = fontwidth
        o.countName = countname
        o.nameType = nametype
        o.palette = colors.flatMap(Palette.init(rawValue:)) ?? palette
        o.background = bgcolors.flatMap(Background.init)
        o.hashByName = hash
        o.inverted = inverted
        o.flameChart = flamechart
        o.collapseRuns = collapseRuns
        o.maxDepth = DepthLimit(maxDepth) ?? .automatic
        return o
    }

    /// The tree to draw of a profile, as these options ask.
    func tree(_ p: Profile) -> FlameTree {
        FlameTree(p, reverse: reverse, collapseRuns: collapseRuns)
    }
}

struct OnCPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oncpu",
        abstract: "Render an on-CPU flame graph (SVG) from perf.data, perf script text or folded stacks.")

    @Argument(help: "perf.data (file or pipe mode), perf script text or folded stacks; '-' reads standard input.")
    var input: String = "perf.data"

    @Option(name: .shortAndLong, help: "Output SVG file ('-' for standard output; default: standard output, or oncpu.svg when it is a terminal).")
    var output: String?

    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        try spanFlags.require(atMost: 1)
    }

    func run() throws {
        let target = CLI.outputPath(output, defaultFile: "oncpu.svg")
        let source = try CLI.resolve(input, filter)
        try CLI.refuseOverwritingInput(output: target, inputs: [source.path])
        var options = collapse.options(chart: render.flamechart, symbols: symbols, filter: filter)
        options.filter = source.filter
        options.keepBuckets = !render.noTimeStrip
        options.spans = try spanFlags.request(input: source)
        let profile = try CLI.load(source.path, options, threads: collapse.threads)
        try CLI.requireData(profile, path: source.path, filter: source.filter)
        let tree = render.tree(profile)
        let facts = CaptureFacts(on: profile, off: nil, summary: nil, program: source.selection?.programPID)
        let renderer = FlameGraphRenderer(options: render.options(palette: .hot, title: nil, facts: facts), unit: profile.unit)
        let (svg, _) = renderer.render(tree, buckets: profile.buckets, spans: profile.spanTotals?.spans ?? [])
        try CLI.write(svg, to: target)
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}
