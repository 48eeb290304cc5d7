/// What a program's critical path (`flame critical`) adds up to: its wall time from start to
/// end, split into time on a CPU and waits (by state), and the processes it crossed.
public struct CriticalPathSummary: Sendable, Equatable {
    /// Where the path starts (the program's exec, else the capture's start) and ends (its exit,
    /// else the capture's end), in ns of the capture's clock.
    public var start: UInt64 = 0
    public var end: UInt64 = 0
    /// Whether the program's exit was in the capture (else the path ends at the capture's end).
    public var programExited = false
    /// Time on a CPU along the path, and the part of it in stretches no CPU sample fell in.
    public var onCPU: UInt64 = 0
    public var notSampled: UInt64 = 0
    /// Time waiting along the path (for a timer, the disk, the network, a CPU), and by state.
    public var waiting: UInt64 = 0
    public var states = OffCPUStates()
    /// How often the path moved from one thread to another (a wakeup or a thread's creation).
    public var hops = 0
    /// The processes on the path with their time on it, most first.
    public var processes: [Process] = []
    /// How many threads the path crossed.
    public var threads = 0

    /// One process on the path.
    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var comm: String
        /// Its time on the path, in ns.
        public var nanoseconds: UInt64

        public init(pid: Int32, comm: String, nanoseconds: UInt64) {
            self.pid = pid
            self.comm = comm
            self.nanoseconds = nanoseconds
        }
    }

    /// An empty summary.
    public init() {}

    /// The path's length: the program's wall time.
    public var wall: UInt64 { end > start ? end - start : 0 }
}
