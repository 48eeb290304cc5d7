import ArgumentParser
import Fold
import PerfScript
import SVGRender

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two profiles: a differential flame graph (SVG), or difffolded.pl's two-column folded stacks.")

    @Argument(help: "The profile before (any input flame reads).")
    var before: String
    @Argument(help: "The profile after.")
    var after: String

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output; default: standard output, or diff.svg when it is a terminal).")
    var output: String?

    @Flag(help: "Read both inputs as off-CPU time.")
    var offcpu = false
    @Flag(inversion: .prefixedNo, help: "Scale the first profile to the second's total (default: on when the totals differ).")
    var normalize: Bool?
    @Flag(help: "Write difffolded.pl's `stack before after` lines instead of an SVG.")
    var folded = false
    @Option(help: ArgumentHelp("single: one difference graph; panes: before, after and the difference side by side.", valueName: "view"))
    var view: DiffView = .single

    @OptionGroup(title: "Off-CPU") var offcpuFlags: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func run() throws {
        let target = CLI.outputPath(output, defaultFile: folded ? "diff.folded" : "diff.svg")
        try CLI.refuseOverwritingInput(output: target, inputs: [before, after])
        let options = collapse.options(symbols: symbols, filter: filter)
        var a = try CLI.loadProfile(before, offcpu: offcpu, collapse: options, offcpuOptions: offcpuFlags.options, threads: collapse.threads)
        var b = try CLI.loadProfile(after, offcpu: offcpu, collapse: options, offcpuOptions: offcpuFlags.options, threads: collapse.threads)
        if render.reverse {
            a = a.reversed()
            b = b.reversed()
        }
        if a.unit != b.unit {
            CLI.say("warning: the profiles measure different things (\(a.event ?? "?"), \(b.event ?? "?")): compare with care")
        }
        let scale = normalize ?? (a.totalWeight != b.totalWeight)
        let diff = ProfileDiff(before: a, after: b, normalize: scale)
        if folded {
            try CLI.write(diff.foldedBytes(), to: target)
        } else {
            var drawing = render.options(palette: .hot, title: "Differential Flame Graph")
            drawing.width = render.width ?? (view == .panes ? 1800 : 1200)
            let document = view.document(diff, before: a, after: b, countName: render.countname, options: drawing)
            try CLI.write(FlameGraphRenderer.render(document).svg, to: target)
        }
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}

extension DiffView: ExpressibleByArgument {}
