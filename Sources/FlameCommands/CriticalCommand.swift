import ArgumentParser
import ProfileModel
import Fold
import SVGRender
import Report

/// `flame critical`: the critical path of a program, as a flame graph whose widths add up to its
/// wall time.
struct CriticalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "critical",
        abstract: "Render a program's critical path: the running and waiting that set its wall time, across threads and processes.",
        discussion: "Walks back from the moment the program ended: a thread's running time is its own (drawn with its "
            + "sampled stacks), a wait no thread ended (a timer, the disk, a CPU) stays on the path with its blocked stack and "
            + "[state X] frame, and a wait another thread ended continues in that thread at the wakeup (futexes, pipes, "
            + "sockets, waitpid, pthread_join). Overlapping work (a shorter parallel thread, idle pools) is not on it.\n\n"
            + "Input: perf.data with sched:sched_switch, sched:sched_waking and CPU samples, as flame record records it. "
            + "The program: --pid, else the program a flame record folder ran, else the first process started in the capture.")

    @Argument(help: "perf.data or a flame record folder.")
    var input: String = "perf.data"

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output; default: standard output, or critical.svg when it is a terminal).")
    var output: String?

    @Flag(help: "Write folded stacks in microseconds of the path instead of an SVG.")
    var folded = false

    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        let chosen = filter.filter
        if !chosen.tids.isEmpty || !chosen.comms.isEmpty {
            throw ValidationError("flame critical follows one program across every thread and process: name it with --pid (not --tid or --comm)")
        }
        if chosen.pids.count + chosen.trees.count > 1 {
            throw ValidationError("flame critical walks one program's path: give one --pid")
        }
    }

    func run() throws {
        let target = CLI.outputPath(output, defaultFile: folded ? "critical.folded" : "critical.svg")
        let chosen = filter.filter
        let source = try CLI.resolve(input, filter)
        try CLI.refuseOverwritingInput(output: target, inputs: [source.path])
        let program = (chosen.pids.first ?? chosen.trees.first).map { Int32($0) } ?? source.selection?.programPID
        let result = try CLI.loadCriticalPath(source.path, collapse: collapse.options(symbols: symbols, filter: filter), program: program)
        let profile = result.profile
        if folded {
            try CLI.write(FoldedWriter.bytes(profile, divisor: 1000), to: target)
        } else {
            let tree = render.tree(profile)
            var options = render.options(palette: .hot, title: "Critical Path Flame Graph")
            if options.subtitle == nil { options.subtitle = CriticalPathReport.headline(result.summary, program: result.program) }
            let (svg, _) = FlameGraphRenderer(options: options, unit: profile.unit).render(tree)
            try CLI.write(svg, to: target)
        }
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}

extension CLI {
    /// Loads a program's critical path, printing its notes and its headline on stderr.
    static func loadCriticalPath(_ path: String, collapse: CollapseOptions, program: Int32?) throws -> CriticalPathResult {
        let result = try CriticalPathLoader.load(path: path, collapse: collapse, program: program)
        for d in result.profile.diagnostics { say(d) }
        say("critical path: " + CriticalPathReport.headline(result.summary, program: result.program))
        return result
    }
}
