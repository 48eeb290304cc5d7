/// What `flame record` asks perf for, and the perf command line that does it.
///
/// Off-CPU time needs every context switch, so the scheduler tracepoints are recorded one by one
/// (period 1) on every CPU (a switch-in fires in the context of the task that ran before, which a
/// per-task recording never sees); `sched_waking` (else `sched_wakeup`), with its callchain, says
/// who ended each wait and splits blocked from run-queue time, and
/// `sched_stat_runtime` dates switch-ins the kernel does not report. The CPU event samples at a
/// rate of its own, given as an event term: a global `-F` would put the tracepoints in frequency
/// mode too and lose most switches.
///
/// Attached processes (a daemon) are recorded on every CPU too: their children are processes
/// of their own, which a per-process recording (`-p`) would see only in part. The selection is
/// made afterwards, from the capture's FORK records.
public struct RecordPlan: Sendable, Equatable {
    /// The program to run; empty when only attaching.
    public var command: [String] = []
    /// Running processes to record with their trees (`--attach`).
    public var attach: [Int32] = []
    /// How long to record when there is no program, in seconds; nil: until Ctrl-C.
    public var duration: Double?
    /// On-CPU samples per second.
    public var frequency = 997
    /// Only on-CPU samples: no tracepoints (and without attached processes, no system-wide recording).
    public var onCPUOnly = false
    /// perf's `--call-graph` (`fp`, `dwarf`, `dwarf,16384`, `lbr`).
    public var callGraph = "fp"
    /// Where perf writes.
    public var output: String

    /// The defaults (fp call graphs at 997 Hz, with the scheduler tracepoints), writing to `output`.
    public init(output: String) {
        self.output = output
    }

    /// Records on every CPU (needed for the scheduler events, and to see what attached processes
    /// start), selecting afterwards.
    public var systemWide: Bool { !onCPUOnly || !attach.isEmpty }

    /// The CPU sampling event: a fixed period for the cpu-clock timer (so each sample stands for
    /// an exact time), a frequency for cycles.
    public func cpuEventSpec(_ event: String) -> String {
        if event == "cpu-clock" { return "cpu-clock/period=\(max(1, 1_000_000_000 / max(frequency, 1)))/" }
        return "\(event)/freq=\(frequency)/"
    }

    /// `perf record …` for this plan: `cpuEvent` and `tracepoints` as preflight found them.
    public func arguments(perf: String, cpuEvent: String, tracepoints: [String]) -> [String] {
        var args = [perf, "record", "--quiet", "-o", output, "-e", cpuEventSpec(cpuEvent)]
        if !onCPUOnly {
            for t in tracepoints { args += ["-e", t] }
        }
        args += callGraph == "fp" ? ["-g"] : ["--call-graph", callGraph]
        // Sample times on CLOCK_MONOTONIC, the clock programs stamp their own spans with (--spans).
        args += ["-k", "CLOCK_MONOTONIC"]
        if systemWide { args.append("-a") }
        if !command.isEmpty {
            args += ["--"] + command
        } else if let duration {
            // Attaching for a while: perf records while a timer runs.
            args += ["--", "sleep", String(duration)]
        }
        // Attaching without a duration: perf records until it is interrupted (Ctrl-C).
        return args
    }

    /// A folder name for the results: `flame-<program>-<YYYYMMDD-HHMMSS>` (`flame-<attached>-…`
    /// when there is no program).
    public static func folderName(command: [String], attached: [String] = [],
                                  time: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) -> String {
        let base = command.first.map { String($0.split(separator: "/").last ?? "run") } ?? attached.first ?? "run"
        let safe = String(base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "flame-\(safe.isEmpty ? "run" : safe)-\(time.year)\(two(time.month))\(two(time.day))-\(two(time.hour))\(two(time.minute))\(two(time.second))"
    }
}
