import ArgumentParser
import ProfileModel
import Fold
import TextInputs
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
    @Flag(inversion: .prefixedNo, help: ArgumentHelp("Scale the first profile to the second's total, to compare shapes (default: off, "
        + "the profiles are compared as measured, which is what a cold vs hot or before vs after question asks)."))
    var normalize = false
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
        // Both inputs are checked before either is read (a typo in the second costs no wait).
        let sources = try [before, after].map { try CLI.resolve($0, filter) }
        for s in sources { try CLI.requireReadable(s.path) }
        try CLI.refuseOverwritingInput(output: target, inputs: sources.map(\.path))
        var options = collapse.options(symbols: symbols, filter: filter)
        options.filter = sources[0].filter
        var a = try CLI.loadProfile(sources[0].path, offcpu: offcpu, collapse: options, offcpuOptions: offcpuFlags.options,
                                    threads: collapse.threads)
        options.filter = sources[1].filter
        var b = try CLI.loadProfile(sources[1].path, offcpu: offcpu, collapse: options, offcpuOptions: offcpuFlags.options,
                                    threads: collapse.threads)
        if render.reverse {
            a = a.reversed()
            b = b.reversed()
        }
        if a.unit != b.unit {
            CLI.say(.warning(.selection, "the profiles measure different things (\(a.event ?? "?"), \(b.event ?? "?")): compare with care"))
        }
        let diff = ProfileDiff(before: a, after: b, normalize: normalize)
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
