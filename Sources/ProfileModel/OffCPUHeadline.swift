/// The figures every off-CPU headline shows (the SVG header and pane, summary.md, stderr), from
/// one rule: with intervals, the counted thread time of the summary (idle threads apart, and how
/// many there were), the intervals and the waiting threads; for an input of totals only (bcc,
/// bpftrace, folded), the profile's weight and nothing more. Each medium words them its own way.
public struct OffCPUHeadline: Equatable, Sendable {
    /// Counted off-CPU thread time, summed over threads (not wall time).
    public let threadNanoseconds: UInt64
    /// Whether the reading measured intervals (else the figures below are zero).
    public let hasIntervals: Bool
    /// Intervals counted.
    public let intervals: Int
    /// Threads with counted off-CPU time.
    public let waitingThreads: Int
    /// Idle threads (parked in one wait for their whole life), left out of `threadNanoseconds`.
    public let idleThreads: Int
    /// Their waits.
    public let idleNanoseconds: UInt64
    /// Time that could not be dated.
    public let undatedNanoseconds: UInt64

    /// The headline of off-CPU profile `profile` with its reading's `summary`.
    public init(profile: Profile, summary: OffCPUSummary?) {
        guard let summary, summary.hasIntervals else {
            threadNanoseconds = profile.totalWeight
            hasIntervals = false
            intervals = 0
            waitingThreads = 0
            idleThreads = 0
            idleNanoseconds = 0
            undatedNanoseconds = 0
            return
        }
        threadNanoseconds = summary.totalNanoseconds
        hasIntervals = true
        intervals = summary.counted
        waitingThreads = summary.waitingThreads
        idleThreads = summary.idleThreads
        idleNanoseconds = summary.idleNanoseconds
        undatedNanoseconds = summary.undatedNanoseconds
    }
}
