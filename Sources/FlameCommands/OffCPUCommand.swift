import ArgumentParser
import ProfileModel
import PerfData
import Fold
import TextInputs
import SVGRender
import Report

/// What off-CPU time to count and how to draw it.
struct OffCPUFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Count only intervals whose switch-out state is one of these letters, comma-separated: "
        + "S (sleeping), D (uninterruptible: disk, some locks), R (preempted, waiting for a CPU), I (idle kernel thread), "
        + "T, t, P (default: all states).", valueName: "states"))
    var state: String?
    @Flag(name: .customLong("state-frames"), help: "Draw the state as a frame ([state D]) under each thread, so sleeping and blocked time separate.")
    var stateFrames = false
    @Flag(name: .customLong("split-wakeup"), help: "Split each wait at its wakeup: the run-queue time after it goes to a [runqueue] frame.")
    var splitWakeup = false
    @Option(name: .customLong("min-block-us"), help: "Ignore waits shorter than this many microseconds (offcputime's -m).")
    var minBlockUs: UInt64 = 0
    @Option(help: ArgumentHelp("The bpftrace map to read, e.g. @offcpu (default: the first whose key holds a stack).", valueName: "name"))
    var map: String?

    func validate() throws {
        if let state {
            for s in state.split(separator: ",") where s.count != 1 || !"RSDITtPXZ".contains(s) {
                throw ValidationError("--state takes letters among R S D I T t P X Z, comma-separated (got \(s))")
            }
        }
    }

    var options: OffCPUOptions {
        var o = OffCPUOptions()
        o.states = Set((state ?? "").split(separator: ",").compactMap { $0.utf8.first })
        o.stateFrames = stateFrames
        o.splitWakeup = splitWakeup
        o.minBlockMicroseconds = minBlockUs
        o.bpftraceMap = map
        return o
    }
}

struct OffCPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offcpu",
        abstract: "Render an off-CPU flame graph (where threads wait, in time) from scheduler events or offcputime output.",
        discussion: """
            Inputs: perf.data or perf script text of sched:sched_switch (recorded system-wide, with every switch:
            `perf sched record -g -- CMD`, or `perf record -a -g -e sched:sched_switch -e sched:sched_wakeup -- CMD`);
            `perf sched timehist` output; bcc offcputime/offwaketime output (default or -f); bpftrace map dumps (text or
            -f json); folded stacks in microseconds. A summary of what was counted goes to stderr.
            """)

    @Argument(help: "perf.data, perf script / perf sched script text, or folded stacks; '-' reads standard input.")
    var input: String = "perf.data"

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output; default: standard output, or offcpu.svg when it is a terminal).")
    var output: String?

    @Flag(help: "Write folded stacks in microseconds (as offcputime -f) instead of an SVG.")
    var folded = false

    @Flag(help: ArgumentHelp("Draw who ended each wait above it: the blocked stack, a -- frame, then the waker's stack "
        + "(innermost first) and its thread and process, as offwaketime does; [timer] or [irq] when an interrupt woke it. "
        + "Needs perf.data with sched_waking (flame record records it)."))
    var wakers = false

    @Option(help: ArgumentHelp("With --wakers: follow this many wakers (1-\(WakerDepth.max)): 2 adds who woke the waker.",
                               valueName: "N"))
    var depth: Int?

    @OptionGroup(title: "Off-CPU") var offcpu: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        try spanFlags.require(atMost: 1)
        if let depth {
            guard wakers else { throw ValidationError("--depth follows wakers: give it with --wakers") }
            guard (1...WakerDepth.max).contains(depth) else { throw ValidationError("--depth takes 1 to \(WakerDepth.max) (got \(depth))") }
        }
    }

    func run() throws {
        let target = CLI.outputPath(output, defaultFile: folded ? "offcpu.folded" : "offcpu.svg")
        let source = try CLI.resolve(input, filter)
        try CLI.refuseOverwritingInput(output: target, inputs: [source.path])
        var collapseOptions = collapse.options(symbols: symbols, filter: filter)
        collapseOptions.filter = source.filter
        collapseOptions.keepBuckets = !folded && !render.noTimeStrip
        collapseOptions.spans = try spanFlags.request(input: source)
        var offcpuOptions = offcpu.options
        offcpuOptions.wakers = wakers
        offcpuOptions.wakerDepth = depth ?? 1
        let result = try CLI.loadOffCPU(source.path, collapse: collapseOptions, offcpuOptions: offcpuOptions)
        let profile = result.profile
        try CLI.requireData(profile, path: source.path)
        if folded {
            try CLI.write(FoldedWriter.bytes(profile, divisor: 1000), to: target)
        } else {
            let tree = render.tree(profile)
            let facts = CaptureFacts(on: nil, off: profile, summary: result.summary, program: source.selection?.programPID)
            var options = render.options(palette: .io, title: wakers ? "Off-Wake Time Flame Graph" : "Off-CPU Time Flame Graph",
                                         facts: facts)
            if options.countName == "samples" { options.countName = "ns off-CPU" }
            let (svg, _) = FlameGraphRenderer(options: options, unit: profile.unit).render(tree, buckets: profile.buckets, spans: profile.spanTotals?.spans ?? [])
            try CLI.write(svg, to: target)
        }
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}
