import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Fold
import PerfData
import PerfScript
import Record
import SVGRender

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program (or attach to a process) under perf and write both views, the graphs and summary.md.",
        discussion: """
            Records a CPU event with call stacks and every context switch on every CPU (sched_switch, sched_wakeup, \
            sched_stat_runtime), keeps the capture as perf.data in the output folder, and draws oncpu.svg, offcpu.svg, \
            both.svg and summary.md for the program's processes only. Ctrl-C stops the recording and still draws; \
            flame exits with the program's status.
            """)

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments, after `--`.")
    var command: [String] = []

    @Option(name: .shortAndLong, help: "The folder to write (default: flame-<program>-<date>-<time>).")
    var output: String?
    @Flag(name: .customLong("oncpu-only"), help: "On-CPU samples only: no scheduler events, no system-wide recording.")
    var onCPUOnly = false
    @Option(name: [.customShort("F"), .customLong("frequency")], help: "On-CPU samples per second.")
    var frequency: Int = 997
    @Option(help: ArgumentHelp("Attach to this running process (and what it starts meanwhile) instead of running a program.", valueName: "pid"))
    var pid: Int?
    @Option(help: ArgumentHelp("How long to record when attaching: 30s, 2m, 500ms (default 30s).", valueName: "time"))
    var duration: String?
    @Option(name: .customLong("call-graph"), help: "perf's --call-graph: fp (frame pointers, default), dwarf[,size], lbr.")
    var callGraph: String = "fp"

    @OptionGroup(title: "Off-CPU") var offFlags: OffCPUFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags
    @OptionGroup(title: "Drawing") var render: RenderFlags

    func validate() throws {
        var args = command
        if args.first == "--" { args.removeFirst() }
        if pid == nil && args.isEmpty { throw ValidationError("give a program to run after `--`, or --pid to attach") }
        if pid != nil && !args.isEmpty { throw ValidationError("either a program to run or --pid, not both") }
        if duration != nil && pid == nil { throw ValidationError("--duration is for --pid (a program runs until it ends)") }
        if let duration, RecordCommand.seconds(duration) == nil {
            throw ValidationError("--duration takes a time such as 30s, 2m or 500ms")
        }
        if frequency < 1 || frequency > 100_000 { throw ValidationError("-F takes 1 to 100000 samples per second") }
    }

    func run() throws {
        var args = command
        if args.first == "--" { args.removeFirst() }
        var plan = RecordPlan(output: "")
        plan.command = args
        plan.attachPID = pid
        plan.duration = duration.flatMap(RecordCommand.seconds) ?? (pid != nil ? 30 : nil)
        plan.frequency = frequency
        plan.onCPUOnly = onCPUOnly
        plan.callGraph = callGraph

        let preflight = Preflight(environment: ProcessEnvironment.current).check(offCPU: !onCPUOnly, systemWide: plan.systemWide)
        guard preflight.problems.isEmpty, let perf = preflight.perf else {
            for p in preflight.problems { CLI.say(p) }
            throw ExitCode(1)
        }
        for n in preflight.notes { CLI.say("note: \(n)") }

        var now = time(nil)
        var t = tm()
        localtime_r(&now, &t)
        let folderPath = output ?? RecordPlan.folderName(command: args, attachPID: pid, time: (Int(t.tm_year) + 1900, Int(t.tm_mon) + 1,
                                                          Int(t.tm_mday), Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec)))
        var folder = try ReportFolder(path: folderPath, render: render)
        plan.output = folderPath + "/perf.data"

        let talk = isatty(2) != 0
        let counter = SampleCounter(path: plan.output)
        let runner = PerfRun(arguments: plan.arguments(perf: perf, cpuEvent: preflight.cpuEvent, tracepoints: preflight.tracepoints))
        let status = try runner.run(progress: talk ? { elapsed in
            CLI.progress("recording: \(ValueFormat.fixed(elapsed, decimals: 1)) s, \(ValueFormat.grouped(UInt64(counter.update()))) samples")
        } : nil)
        if talk { CLI.progress(nil) }
        if runner.interrupted { CLI.say("interrupted: drawing what was recorded") }

        let data = plan.output
        var st = stat()
        guard stat(data, &st) == 0, st.st_size > 0 else {
            CLI.say("\(data): perf recorded nothing (exit status \(status))")
            throw ExitCode(status == 0 ? 1 : status)
        }
        if talk { CLI.progress("drawing…") }
        try draw(data, plan: plan, folder: &folder)
        if talk { CLI.progress(nil) }
        CLI.say("wrote \(folderPath)/")
        if status != 0 { throw ExitCode(status) }
    }

    /// The graphs and summary of the workload's processes in the capture.
    private func draw(_ data: String, plan: RecordPlan, folder: inout ReportFolder) throws {
        let file: PerfDataFile
        do {
            file = try PerfDataFile(path: data)
        } catch let error as PerfDataError {
            throw InputError.unreadable(file: data, reason: error.description)
        }
        let pids = try Workload.processes(in: file, root: pid.map { Int32(truncatingIfNeeded: $0) })
        var options = CollapseOptions()
        options.symbolOptions = symbols.options
        options.demangleSwift = !symbols.noDemangle
        if plan.systemWide {
            guard !pids.isEmpty else { throw InputError.noSamples(file: data, detail: "the program's process is not in the capture") }
            options.filter = ProcessFilter(pids: pids)
        }
        var graphs: [ReportGraph] = []
        let on = try CLI.load(data, options)
        if on.totalSamples > 0 {
            graphs.append(try folder.graph(on, title: "On-CPU", file: "oncpu", palette: .hot))
        } else {
            CLI.say("warning: \(data): no on-CPU sample of the program (it ran for less than a sampling period?); no on-CPU graph")
        }
        if !plan.onCPUOnly {
            let off = try CLI.loadProfile(data, offcpu: true, collapse: options, offcpuOptions: offFlags.options)
            if off.totalWeight > 0 {
                graphs.append(try folder.graph(off, title: "Off-CPU", file: "offcpu", palette: .io))
                if on.totalSamples > 0 { graphs.insert(try folder.both(on: on, off: off, summary: nil), at: 0) }
            } else {
                CLI.say("warning: \(data): the program never waited off-CPU; no off-CPU graph")
            }
        }
        guard !graphs.isEmpty else { throw InputError.noSamples(file: data, detail: "nothing of the program was recorded") }
        let title = plan.attachPID.map { "Process \($0)" } ?? plan.command.joined(separator: " ")
        try folder.writeSummary(MarkdownReport.summary(title: title, graphs: graphs, limit: 15, notes: folder.notes,
                                                       pictureOnly: graphs.count == 3 ? [0] : []))
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
