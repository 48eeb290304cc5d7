import PerfData

/// What `flame record` needs to know of its capture before reading it: the program's process and
/// whether the attached processes are in it (one that exited before recording began is not).
/// Both come from the task records perf synthesizes for the processes that exist when it starts,
/// written before the first sample: the scan stops at the first sample once it has found the
/// program and every attached process there, and reads every task record only when it has not
/// (samples are skipped either way).
public struct CaptureScan: Sendable {
    /// The program perf ran: perf forks it before recording starts, so it is among the processes
    /// perf lists then, under the comm `perf-exec` until it execs. Of several (another perf
    /// running a program meanwhile, seen system-wide), the child of this perf.
    public var programPID: Int32?
    /// The process ids of the COMM and FORK records read (see the type's comment).
    public var pids: Set<Int32> = []
    /// Whether the scan stopped at the first sample (it had found all it looked for).
    public private(set) var stoppedAtFirstSample = false

    private struct Found: Error {}

    /// `perf`: the pid of the perf that recorded, when known (`PerfRun.pid`); `program`: whether
    /// perf ran a program; `attached`: the pids attached to.
    public init(_ file: PerfDataFile, perf: Int32? = nil, program: Bool = true, attached: Set<Int32> = []) throws {
        var execs: [Int32] = []
        var parents: [Int32: Int32] = [:]
        var seen: Set<Int32> = []
        func pick() -> Int32? { execs.first { perf != nil && parents[$0] == perf } ?? execs.first }
        do {
            _ = try file.forEachRecord(ordered: false, sample: { _ in
                // Everything perf listed when it began is before this: enough, or read on.
                let programFound = !program || (perf == nil ? !execs.isEmpty : execs.contains { parents[$0] == perf })
                if programFound && attached.isSubset(of: seen) { throw Found() }
            }, other: { record in
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
        } catch is Found {
            stoppedAtFirstSample = true
        }
        programPID = pick()
        pids = seen
    }

    /// The targets the capture does not hold: they exited between `--attach` finding them and
    /// perf starting to record.
    public func absent(_ targets: [AttachTarget]) -> [AttachTarget] {
        targets.filter { !pids.contains($0.pid) }
    }
}
