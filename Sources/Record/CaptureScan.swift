import PerfData

/// What `flame record` needs to know of its capture before reading it: the program's process and
/// the pids the capture holds at all (an attached process that exited before recording began is
/// not among them). One pass over the task records, samples skipped.
public struct CaptureScan: Sendable {
    /// The program perf ran: perf forks it before recording starts, so it is among the processes
    /// perf lists then, under the comm `perf-exec` until it execs.
    public var programPID: Int32?
    /// Every process id of a COMM or FORK record.
    public var pids: Set<Int32> = []

    public init(_ file: PerfDataFile) throws {
        var program: Int32?
        var seen: Set<Int32> = []
        _ = try file.forEachRecord(ordered: false, sample: { _ in }, other: { record in
            switch record {
            case .comm(let c):
                seen.insert(c.pid)
                if program == nil && c.comm == "perf-exec" { program = c.pid }
            case .fork(let f):
                seen.insert(f.pid)
            default:
                break
            }
        })
        programPID = program
        pids = seen
    }

    /// The targets the capture does not hold: they exited between `--attach` finding them and
    /// perf starting to record.
    public func absent(_ targets: [AttachTarget]) -> [AttachTarget] {
        targets.filter { !pids.contains($0.pid) }
    }
}
