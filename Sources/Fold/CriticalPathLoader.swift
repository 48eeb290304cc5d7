import ProfileModel
import PerfData
import TextInputs
import Capture

/// A program's critical path: a profile whose weights are nanoseconds of the program's wall time
/// (on a CPU or waiting), with what they add up to.
public struct CriticalPathResult {
    /// The path as stacks: thread root, then the sampled stack (on-CPU) or `[state X]` and the
    /// blocked stack (waiting); weights in ns.
    public var profile: Profile
    /// Its wall time, on-CPU and waiting shares, and the processes it crossed.
    public var summary: CriticalPathSummary
    /// The program's pid.
    public var program: Int32
}

/// Reads a perf.data capture of the scheduler's switches and wakeups (with callchains) and CPU
/// samples, and walks the critical path of one program (`CriticalPathView`).
package enum CriticalPathLoader {
    static let howToRecord = "record with flame record, or perf record -a -g -e sched:sched_switch -e sched:sched_waking "
        + "-e sched:sched_stat_runtime -e cpu-clock/period=1000000/ -- CMD"

    /// Whether `path` is a perf.data capture whose header lists a wakeup event (so that a path can
    /// be walked); false for anything else, without reading past the header.
    package static func recordsWakeups(path: String) -> Bool {
        guard path != "-", let source = try? ByteSource(path: path), (try? InputFormat.detect(source)) == .perfData,
              let file = try? PerfDataInput.open(path, source: source) else { return false }
        return file.header.events.contains { $0.name == "sched:sched_waking" || $0.name == "sched:sched_wakeup" }
    }

    /// The path of `program` (nil: the first process that execs in the capture) in `path`. The walk
    /// reads every process, whatever `collapse`'s filter says: a path crosses the processes it needs.
    package static func load(path: String, collapse: CollapseOptions, program: Int32?) throws -> CriticalPathResult {
        let source = try ByteSource(path: path)
        let format = try InputFormat.detect(source)
        guard format == .perfData else {
            throw InputError.noSamples(file: source.name, detail: "flame critical reads perf.data captures, whose wakeups name "
                + "their waker; this input is \(format)")
        }
        var options = collapse
        options.filter = ProcessFilter()
        let walk = CaptureWalk(file: try PerfDataInput.open(path, source: source), options: options)
        let file = walk.file, name = file.name
        let lacking = InputError.noSamples(file: name, detail: "the critical path needs sched:sched_switch and sched:sched_waking "
            + "events, which this capture lacks; " + howToRecord)
        // The header says whether there are wakeups: no walk of a capture that has none.
        guard walk.scheduler.namesWakers else { throw lacking }
        let view = CriticalPathView(walk: walk, collapse: options, program: program)
        if let window = try collapse.window(in: file) {
            guard window.ranges.count == 1 else {
                throw InputError.selection(file: name, detail: "--time \(collapse.time!): flame critical walks one stretch of time; "
                    + "give one range")
            }
            view.window = window.ranges[0]
        }
        let report = try walk.run([view])
        view.finish()
        if let error = report.error, report.samples == 0 { throw InputError.unreadable(file: name, reason: error.description) }
        guard view.switches > 0 else { throw lacking }
        guard let pid = view.programPID else {
            throw InputError.selection(file: name, detail: "no process was started (exec) during the capture: name the program "
                + "with --pid")
        }
        guard view.path != nil else {
            throw InputError.selection(file: name, detail: "--pid \(pid): no such process in the capture (flame top lists them)")
        }
        let summary = view.draw()
        if view.window != nil && summary.end <= summary.start {
            throw InputError.selection(file: name, detail: "--time \(collapse.time!): the program (pid \(pid)) ran outside this "
                + "range; its path is \(view.pathRange)")
        }
        let profile = view.stacks.profile()
        profile.unit = .criticalPath
        profile.event = "critical-path"
        profile.noteTime(summary.start)
        profile.noteTime(summary.end)
        profile.diagnostics.insert(contentsOf: file.warnings.map(Diagnostic.init), at: 0)
        profile.diagnostics += report.notes.map(Diagnostic.init)
        if report.error != nil {
            profile.diagnostics.append(.warning(.damage, subject: name, "walked the path through the \(report.samples) events read "
                + "before the damage"))
        }
        profile.diagnostics += view.stacks.takeWarnings()
        if walk.scheduler.wakersFromWakeupOnly {
            profile.diagnostics.append(.warning(.recording, subject: name, "the wakeups are sched:sched_wakeup, which can fire on the "
                + "woken thread's CPU in another thread's context: the path may follow the wrong thread (record sched:sched_waking)"))
        }
        if !summary.programExited {
            profile.diagnostics.append(.note(.recording, subject: name, "the program (pid \(pid)) had not exited when the capture "
                + "ended: the path ends at the capture's end"))
        }
        if view.samplingEvent == nil {
            profile.diagnostics.append(.warning(.recording, subject: name, "no CPU samples beside the scheduler events: time on a CPU "
                + "is drawn without stacks; " + howToRecord))
        }
        return CriticalPathResult(profile: profile, summary: summary, program: pid)
    }
}
