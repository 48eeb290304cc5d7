/// Off-CPU time that a recording tool already measured and aggregated: one blocked stack of
/// one thread (or process) with how long it waited. The inputs that produce these are bcc's
/// `offcputime`/`offwaketime` (default and `-f` output), bpftrace map dumps (text and JSON)
/// and `perf sched timehist`; `perf script` and perf.data inputs carry raw scheduler events
/// instead, which flame turns into intervals itself.
public struct WaitRecord: Sendable, Equatable {
    /// The waiting task's name as the tool printed it (may contain spaces).
    public var comm: [UInt8]
    /// Process id (tgid), when the tool printed it.
    public var pid: Int?
    /// Thread id, when the tool printed it (bcc's "pid" column is the thread id).
    public var tid: Int?
    /// The task state at switch-out as perf prints it (`S`, `D`, `R+`, `I`, ...), when known.
    public var state: [UInt8]?
    /// The blocked stack, root first: user frames, then kernel frames (bcc's `-f` order), names
    /// without offsets (`vfs_read`, not `vfs_read+0x3c`), `[unknown]` for an unresolved address.
    public var frames: [[UInt8]]
    /// The waker's stack, root first, with the waker's comm as the last frame, when the tool
    /// recorded it (`offwaketime`); empty otherwise.
    public var waker: [[UInt8]]
    /// Time blocked, in microseconds. For inputs that do not tell blocked time from run-queue
    /// time apart, all of the wait.
    public var blockedMicroseconds: UInt64
    /// Run-queue time after the wakeup, in microseconds, when the input separates it (timehist's
    /// "sch delay"); 0 otherwise.
    public var runqueueMicroseconds: UInt64

    /// A record with only the fields the input printed; the rest default to unknown, empty or 0.
    public init(comm: [UInt8], pid: Int? = nil, tid: Int? = nil, state: [UInt8]? = nil, frames: [[UInt8]],
                waker: [[UInt8]] = [], blockedMicroseconds: UInt64, runqueueMicroseconds: UInt64 = 0) {
        self.comm = comm
        self.pid = pid
        self.tid = tid
        self.state = state
        self.frames = frames
        self.waker = waker
        self.blockedMicroseconds = blockedMicroseconds
        self.runqueueMicroseconds = runqueueMicroseconds
    }
}

/// Receives the records of an aggregated off-CPU input as a parser meets them.
public protocol WaitRecordVisitor: AnyObject {
    /// One record; `line` is where it starts in the input (1-based).
    func record(_ record: WaitRecord, line: Int)
}
