import ProfileModel

/// What a run of critical-path stretches adds up to, settled into weights: ns per stack node
/// (running time shared over the samples, the waits), running time no sample fell in per thread
/// root, the on-CPU and waiting sums, the processes and threads crossed, and the hops between
/// threads. Stretches that no other path can reach any more are folded into one of these (see
/// `PathCell.compact`), so that a long path is not kept as one cell per hop.
struct PathTotals {
    var weights: [Int32: UInt64] = [:]
    /// CPU samples behind the running shares of `weights`.
    var samples: [Int32: UInt64] = [:]
    /// Running time without a sample, by the thread's root node.
    var unsampled: [Int32: UInt64] = [:]
    var onCPU: UInt64 = 0
    var waiting: UInt64 = 0
    var states = OffCPUStates()
    /// Time on the path per process: its comm (a `MachineState` comm id) and ns.
    var processes: [Int32: (comm: Int32, nanoseconds: UInt64)] = [:]
    var threads = Set<Int32>()
    var hops = 0
    /// The thread of the latest and of the earliest stretch.
    var latest: Int32?
    var earliest: Int32?
    /// The time covered, earliest first.
    var start = UInt64.max
    var end: UInt64 = 0

    var isEmpty: Bool { latest == nil }

    /// The totals of one cell's own stretch counted from `from` on and before `to`: the parts
    /// before `from` (the program's start, or `--time`'s) and from `to` on (`--time`'s end) left
    /// out pro rata, the waits scaled into the stretch when they overrun it.
    init(_ c: PathCell, from: UInt64, to: UInt64 = .max) {
        guard c.end > from, c.start < to else { return }
        let begin = max(c.start, from)
        let finish = min(c.end, to)
        let span = finish - begin
        guard span > 0 else { return }
        let scale = c.end > c.start ? Double(span) / Double(c.end - c.start) : 1
        let fit = c.waited > 0 ? min(scale, Double(span) / Double(c.waited)) : scale
        var waited: UInt64 = 0
        for (node, ns) in c.waits {
            let part = UInt64((Double(ns) * fit).rounded())
            guard part > 0 else { continue }
            weights[node, default: 0] &+= part
            waited &+= part
        }
        waiting = waited
        for st in OffCPUState.allCases { states[st] = UInt64((Double(c.states[st]) * fit).rounded()) }
        waited = min(waited, span)
        let running = span - waited
        onCPU = running
        if running > 0 {
            let count = c.samples.values.reduce(0) { $0 + UInt64($1) }
            if count == 0 {
                unsampled[c.root] = running
            } else {
                // The last share takes what rounding left: the shares add up to `running` exactly.
                var given: UInt64 = 0
                let sorted = c.samples.sorted { $0.key < $1.key }
                for (i, (node, n)) in sorted.enumerated() {
                    let part = i == sorted.count - 1 ? running - given
                        : min(running - given, UInt64((Double(running) * Double(n) / Double(count)).rounded(.down)))
                    weights[node, default: 0] &+= part
                    samples[node, default: 0] &+= UInt64(n)
                    given += part
                }
            }
        }
        processes[c.pid] = (c.comm, span)
        threads.insert(c.tid)
        latest = c.tid
        earliest = c.tid
        start = begin
        end = finish
    }

    init() {}

    /// These totals times `share` (0...1): the part of them after a start that moved later.
    func scaled(_ share: Double) -> PathTotals {
        guard share < 1 else { return self }
        var out = self
        func f(_ v: UInt64) -> UInt64 { UInt64((Double(v) * max(share, 0)).rounded()) }
        out.weights = weights.mapValues(f)
        out.unsampled = unsampled.mapValues(f)
        out.onCPU = f(onCPU)
        out.waiting = f(waiting)
        for st in OffCPUState.allCases { out.states[st] = f(states[st]) }
        out.processes = processes.mapValues { ($0.comm, f($0.nanoseconds)) }
        return out
    }

    /// Adds `earlier`, the run of stretches right before these.
    mutating func append(earlier e: PathTotals) {
        guard !e.isEmpty else { return }
        guard !isEmpty else { self = e; return }
        for (n, w) in e.weights { weights[n, default: 0] &+= w }
        for (n, c) in e.samples { samples[n, default: 0] &+= c }
        for (n, w) in e.unsampled { unsampled[n, default: 0] &+= w }
        onCPU &+= e.onCPU
        waiting &+= e.waiting
        for st in OffCPUState.allCases { states[st] &+= e.states[st] }
        for (pid, p) in e.processes {
            if let mine = processes[pid] { processes[pid] = (mine.comm, mine.nanoseconds &+ p.nanoseconds) } else { processes[pid] = p }
        }
        threads.formUnion(e.threads)
        hops += e.hops + (earliest != e.latest ? 1 : 0)
        earliest = e.earliest
        start = min(start, e.start)
        end = max(end, e.end)
    }
}
