/// The processes a profile of a capture is about, with what each did: the per-process and
/// per-comm tables of reports, and the span the program ran for. Made by the perf.data loaders
/// from the capture's `ProcessTree` (only the processes the selection kept); an on-CPU reading
/// fills the on-CPU columns, an off-CPU reading the off-CPU ones, and `merged` joins the two.
public struct ProcessTable: Sendable {
    /// One process of the capture (one incarnation: a reused pid is another row) and what it did.
    public struct Row: Sendable {
        /// Process id (tgid), the main thread's tid.
        public var pid: Int32
        /// The parent's pid, -1 when the capture does not say.
        public var ppid: Int32
        /// The main thread's comm, the latest seen (an exec renames it).
        public var comm: String
        /// The program it runs (the first executable mapped after its last exec); nil when none was seen.
        public var executable: String?
        /// When it started and ended, ns of perf's clock; nil: before the capture began / still
        /// running when it ended.
        public var start: UInt64?
        /// When its last thread exited; nil when it was still running at the end of the capture.
        public var end: UInt64?
        /// Threads seen, the main thread included.
        public var threads: Int
        /// On-CPU weight (the profile's unit) and samples; nil when no on-CPU reading filled them.
        public var onCPU: UInt64?
        /// Samples taken in it (0 when no on-CPU reading filled the row).
        public var onCPUSamples: UInt64 = 0
        /// Off-CPU thread time by state, idle threads apart; nil when no off-CPU reading filled it.
        public var offCPU: OffCPUStates?
        /// Idle threads and their time (see `OffCPUAccountant`).
        public var idleThreads = 0
        /// Its idle threads' off-CPU time in ns, left out of `offCPU`.
        public var idleNanoseconds: UInt64 = 0
        /// Incarnation in the walk that made the row.
        public var key: UInt32
        /// The root pid of the `--tree` it belongs to, when trees chose the processes.
        public var root: Int32?

        /// A row with the process tree's facts; the loaders fill the on-CPU and off-CPU columns after.
        public init(pid: Int32, ppid: Int32, comm: String, executable: String?, start: UInt64?, end: UInt64?,
                    threads: Int, key: UInt32) {
            self.pid = pid
            self.ppid = ppid
            self.comm = comm
            self.executable = executable
            self.start = start
            self.end = end
            self.threads = threads
            self.key = key
        }
    }

    /// Processes in the order they appeared.
    public var rows: [Row]
    /// The first and last event of the capture (ns of perf's clock).
    public var captureStart: UInt64
    /// The capture's last event (ns of perf's clock), never before `captureStart`.
    public var captureEnd: UInt64
    /// What the on-CPU columns measure.
    public var onCPUUnit: WeightUnit?
    /// Events perf reported lost (LOST records) and samples lost (LOST_SAMPLES).
    public var lostEvents: UInt64 = 0
    /// Samples the kernel dropped, from LOST_SAMPLES records.
    public var lostSamples: UInt64 = 0
    /// Whether the rows are a selection of the capture's processes (trees, pids) or all of them.
    public var selected: Bool

    /// A table of `rows` over the capture span; the loader sets `onCPUUnit` and the lost counts after.
    public init(rows: [Row], captureStart: UInt64, captureEnd: UInt64, selected: Bool) {
        self.rows = rows
        self.captureStart = captureStart
        self.captureEnd = captureEnd
        self.selected = selected
    }

    /// How long the capture ran.
    public var captureSpan: UInt64 { captureEnd > captureStart ? captureEnd - captureStart : 0 }

    /// The program's wall time: from the start of its first process (the capture's start for one
    /// that was already running) to the end of its last (the capture's end for one still
    /// running); with `root`, of the processes in that tree only (the recorded program, apart
    /// from a daemon that was attached).
    public func programSpan(root: Int32? = nil) -> (start: UInt64, end: UInt64)? {
        let chosen = root.map { r in rows.filter { $0.root == r } } ?? rows
        guard !chosen.isEmpty else { return nil }
        let start = chosen.map { $0.start ?? captureStart }.min() ?? captureStart
        let end = chosen.map { $0.end ?? captureEnd }.max() ?? captureEnd
        return end >= start ? (start, end) : nil
    }

    /// Threads over all rows.
    public var threads: Int { rows.reduce(0) { $0 + $1.threads } }

    /// The on-CPU columns of `self` and the off-CPU columns of `other` (two readings of one
    /// capture with the same selection), by process.
    public func merged(with other: ProcessTable) -> ProcessTable {
        var out = self
        var index: [ProcessKey: Int] = [:]
        for (i, r) in rows.enumerated() { index[ProcessKey(r)] = i }
        for r in other.rows {
            if let i = index[ProcessKey(r)] {
                if out.rows[i].onCPU == nil { out.rows[i].onCPU = r.onCPU; out.rows[i].onCPUSamples = r.onCPUSamples }
                if out.rows[i].offCPU == nil { out.rows[i].offCPU = r.offCPU }
                out.rows[i].idleThreads = max(out.rows[i].idleThreads, r.idleThreads)
                out.rows[i].idleNanoseconds = max(out.rows[i].idleNanoseconds, r.idleNanoseconds)
                out.rows[i].threads = max(out.rows[i].threads, r.threads)
            } else {
                out.rows.append(r)
            }
        }
        out.rows.sort { ($0.start ?? 0, $0.pid) < ($1.start ?? 0, $1.pid) }
        out.onCPUUnit = onCPUUnit ?? other.onCPUUnit
        out.captureStart = min(captureStart, other.captureStart)
        out.captureEnd = max(captureEnd, other.captureEnd)
        out.lostEvents = max(lostEvents, other.lostEvents)
        out.lostSamples = max(lostSamples, other.lostSamples)
        return out
    }

    /// A process by pid and start: the same process in two walks of one capture.
    private struct ProcessKey: Hashable {
        var pid: Int32
        var start: UInt64?
        init(_ r: Row) { pid = r.pid; start = r.start }
    }

    /// Processes grouped by comm: how a reader matches the table with a build's own counts
    /// ("cc1 ×36").
    public struct Group: Sendable {
        /// The comm the processes share.
        public var comm: String
        /// How many processes (rows) have that comm.
        public var processes: Int
        /// Their threads, summed.
        public var threads: Int
        /// Their on-CPU weight summed (the profile's unit); nil when no row had on-CPU columns.
        public var onCPU: UInt64?
        /// Their off-CPU ns by state, summed; nil when no row had off-CPU columns.
        public var offCPU: OffCPUStates?
        /// Their idle threads' off-CPU ns, summed.
        public var idleNanoseconds: UInt64
        /// Sum of the processes' lifetimes within the capture.
        public var busyNanoseconds: UInt64
    }

    /// One group per comm, the busiest (on-CPU, then off-CPU) first.
    public var groups: [Group] {
        var order: [String] = []
        var byComm: [String: Group] = [:]
        for r in rows {
            var g = byComm[r.comm] ?? {
                order.append(r.comm)
                return Group(comm: r.comm, processes: 0, threads: 0, onCPU: nil, offCPU: nil, idleNanoseconds: 0, busyNanoseconds: 0)
            }()
            g.processes += 1
            g.threads += r.threads
            if let on = r.onCPU { g.onCPU = (g.onCPU ?? 0) &+ on }
            if let off = r.offCPU {
                var sum = g.offCPU ?? OffCPUStates()
                sum.add(off)
                g.offCPU = sum
            }
            g.idleNanoseconds &+= r.idleNanoseconds
            let start = r.start ?? captureStart, end = r.end ?? captureEnd
            g.busyNanoseconds &+= end > start ? end - start : 0
            byComm[r.comm] = g
        }
        return order.compactMap { byComm[$0] }.sorted {
            ($0.onCPU ?? 0, $0.offCPU?.total ?? 0) > ($1.onCPU ?? 0, $1.offCPU?.total ?? 0)
        }
    }
}
