import PerfData

/// What `flame record` needs to know of its capture before reading it: the program's process and
/// the pids the capture holds at all (an attached process that exited before recording began is
/// not among them). One pass over the task records, samples skipped.
public struct CaptureScan: Sendable {
    /// The program perf ran: perf forks it before recording starts, so it is among the processes
    /// perf lists then, under the comm `perf-exec` until it execs. Of several (another perf
    /// running a program meanwhile, seen system-wide), the child of this perf.
    public var programPID: Int32?
    /// Every process id of a COMM or FORK record.
    public var pids: Set<Int32> = []

    /// `perf`: the pid of the perf that recorded, when known (`PerfRun.pid`).
    public init(_ file: PerfDataFile, perf: Int32? = nil) throws {
        var execs: [Int32] = []
        var parents: [Int32: Int32] = [:]
        var seen: Set<Int32> = []
        _ = try file.forEachRecord(ordered: false, sample: { _ in }, other: { record in
            switch record {
            case .comm(let c):
                seen.insert(c.pid)
                if c.comm == "perf-exec" && !execs.contains(c.pid) { execs.append(c.pid) }
            case .fork(let f):
                seen.insert(f.pid)
                if f.pid == f.tid && parents[f.pid] == nil { parents[f.pid] = f.ppid }
            default:
                break
            }
        })
        programPID = execs.first { perf != nil && parents[$0] == perf } ?? execs.first
        pids = seen
    }

    /// The targets the capture does not hold: they exited between `--attach` finding them and
    /// perf starting to record.
    public func absent(_ targets: [AttachTarget]) -> [AttachTarget] {
        targets.filter { !pids.contains($0.pid) }
    }
}
