import ArgumentParser
import ProfileModel
#if canImport(Glibc)
import Glibc
#endif
import Fold
import PerfData
import TextInputs
import Record
import SVGRender

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program under perf (and follow running processes such as a daemon) and write both views, the graphs and summary.md.",
        discussion: """
            Records a CPU event with call stacks and every context switch on every CPU (sched_switch, sched_wakeup, \
            sched_stat_runtime), keeps the capture as perf.data in the output folder with the selection it made \
            (flame-record.json), and draws oncpu.svg, offcpu.svg, both.svg, their folded stacks and summary.md for the \
            program, the processes given to --attach, and every process they start meanwhile. Every reading command \
            takes the folder as its input and reads the same processes. Ctrl-C stops the recording and still draws; \
            flame exits with the program's status.
            """)

    @Argument(parsing: .postTerminator, help: "The program and its arguments, after `--`.")
    var command: [String] = []

    @Option(name: .shortAndLong, help: "The folder to write (default: flame-<program>-<date>-<time>).")
    var output: String?
    @Flag(help: "Write into an existing output folder (its perf.data and graphs are replaced).")
    var force = false
    @Flag(name: .customLong("oncpu-only"), help: "On-CPU samples only: no scheduler events (and without --attach, only the program's own processes are recorded).")
    var onCPUOnly = false
    @Option(name: [.customShort("F"), .customLong("frequency")], help: "On-CPU samples per second.")
    var frequency: Int = 997
    @Option(help: ArgumentHelp("Also record these running processes and every process they start (a daemon the program talks to): "
        + "pids, or names matched against each process's comm and executable (repeatable, or comma-separated). "
        + "Without a program, records until Ctrl-C or --duration.", valueName: "pid|name"))
    var attach: [String] = []
    @Option(help: ArgumentHelp("The same as --attach with a pid.", valueName: "pid"))
    var pid: [String] = []
    @Option(help: ArgumentHelp("How long to record when there is no program: 30s, 2m, 500ms (default: until Ctrl-C).", valueName: "time"))
    var duration: String?
    @Option(name: .customLong("call-graph"), help: "perf's --call-graph: fp (frame pointers, default), dwarf[,size], lbr.")
    var callGraph: String = "fp"

    @OptionGroup(title: "Off-CPU") var offFlags: OffCPUFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    private var attachSpecs: [String] { attach + pid }

    func validate() throws {
        try spanFlags.require(atMost: 1)
        if command.isEmpty && attachSpecs.isEmpty {
            throw ValidationError("give a program to run after `--`, or --attach a running process")
        }
        if duration != nil && !command.isEmpty {
            throw ValidationError("--duration is for recording attached processes without a program (a program runs until it ends)")
        }
        if let duration, RecordCommand.seconds(duration) == nil {
            throw ValidationError("--duration takes a time such as 30s, 2m or 500ms")
        }
        if frequency < 1 || frequency > 100_000 { throw ValidationError("-F takes 1 to 100000 samples per second") }
        for p in pid where Int32(p) == nil { throw ValidationError("--pid takes a process id (got \(p)); --attach also takes names") }
    }

    func run() throws {
        let environment = ProcessEnvironment.current
        let attached: [AttachTarget]
        do {
            attached = try AttachTargets.resolve(attachSpecs)
        } catch let error as AttachError {
            CLI.say(error.description)
            throw ExitCode(2)
        }
        var plan = RecordPlan(output: "")
        plan.command = command
        plan.attach = attached.map(\.pid)
        plan.duration = duration.flatMap(RecordCommand.seconds)
        plan.frequency = frequency
        plan.onCPUOnly = onCPUOnly
        plan.callGraph = callGraph

        let preflight = Preflight(environment: environment).check(offCPU: !onCPUOnly, systemWide: plan.systemWide)
        guard preflight.problems.isEmpty, let perf = preflight.perf else {
            for p in preflight.problems { CLI.say(p) }
            throw ExitCode(1)
        }
        // As a shell would: a program that is not there is 127, one that cannot run 126.
        if let program = command.first, let failure = ProgramLookup.check(program, searchPath: environment["PATH"] ?? "/usr/bin:/bin") {
            CLI.say(failure.description)
            throw ExitCode(failure.status)
        }
        let folderPath = output ?? RecordCommand.defaultFolder(command: command, attached: attached)
        let folder = try ReportFolder(path: folderPath, render: render, fresh: !force)
        for n in preflight.notes { CLI.say(.note(.recording, n)) }
        plan.output = folderPath + "/perf.data"
        if force { folder.clearRecording() }

        let talk = isatty(2) != 0
        let counter = SampleCounter(path: plan.output)
        let arguments = plan.arguments(perf: perf, cpuEvent: preflight.cpuEvent, tracepoints: preflight.tracepoints)
        if command.isEmpty && plan.duration == nil {
            CLI.say("recording \(attached.map { "\($0.comm) (pid \($0.pid))" }.joined(separator: ", ")) until Ctrl-C")
        }
        let runner = PerfRun(arguments: arguments)
        let status = try runner.run(progress: talk ? { elapsed in
            CLI.progress("recording: \(ValueFormat.fixed(elapsed, decimals: 1)) s, \(ValueFormat.grouped(UInt64(counter.update()))) samples")
        } : nil)
        let interrupted = runner.interrupted
        if talk { CLI.progress(nil) }
        if interrupted { CLI.say("interrupted: drawing what was recorded") }

        var st = stat()
        guard stat(plan.output, &st) == 0, st.st_size > 0 else {
            CLI.say("\(plan.output): perf recorded nothing (exit status \(status))")
            throw ExitCode(status == 0 ? 1 : status)
        }
        // The program's exit status is flame's (a shell's 128 + N for a signal); attaching has none.
        let programStatus: Int32? = command.isEmpty ? nil : status
        do {
            if talk { CLI.progress("drawing…") }
            var drawing = RecordDrawing(data: plan.output, folder: folder, command: command, attached: attached, perf: arguments, perfPID: runner.pid,
                                        status: programStatus, interrupted: interrupted, onCPUOnly: onCPUOnly,
                                        offCPU: offFlags.options, symbols: symbols, spans: spanFlags)
            try drawing.draw()
            if talk { CLI.progress(nil) }
        } catch {
            if talk { CLI.progress(nil) }
            // Nothing to draw is said; the program's own failure is what the exit status reports.
            // A capture without what was asked for is kept, but draws nothing (exit 2).
            if let programStatus, programStatus != 0, let e = error as? InputError, !e.isSelection {
                CLI.say(e.description)
                throw ExitCode(programStatus)
            }
            throw error
        }
        CLI.say("wrote \(folderPath)/")
        if let programStatus, programStatus != 0 { throw ExitCode(programStatus) }
    }

    static func defaultFolder(command: [String], attached: [AttachTarget]) -> String {
        var now = time(nil)
        var t = tm()
        localtime_r(&now, &t)
        return RecordPlan.folderName(command: command, attached: attached.map(\.comm),
                                     time: (Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday), Int(t.tm_hour),
                                            Int(t.tm_min), Int(t.tm_sec)))
    }

    /// `30s`, `2m`, `500ms`, `1.5` (seconds) as seconds.
    static func seconds(_ s: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            guard let v = Double(s.dropLast(suffix.count)), v > 0 else { return nil }
            return v * scale
        }
        return Double(s).flatMap { $0 > 0 ? $0 : nil }
    }
}
