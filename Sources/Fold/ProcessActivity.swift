import ProfileModel
import PerfData

/// What each process of a walk did, while the walk goes on: the loaders add to it by the process
/// tree's incarnations, and `table` makes the `ProcessTable` at the end.
final class ProcessActivity {
    /// By incarnation (the tree's ids are dense serials).
    private var onWeight: [UInt64] = []
    private var onSamples: [UInt64] = []

    @inline(__always)
    func addOnCPU(_ process: UInt32, weight: UInt64) {
        guard process != ProcessTree.nobody else { return }
        let i = Int(process)
        if i >= onWeight.count {
            onWeight += [UInt64](repeating: 0, count: i + 1 - onWeight.count + 64)
            onSamples += [UInt64](repeating: 0, count: onWeight.count - onSamples.count)
        }
        onWeight[i] &+= weight
        onSamples[i] &+= 1
    }

    /// The table of the tree's selected processes, with on-CPU columns when `onCPU` is given
    /// (their unit) and off-CPU columns from `offCPU`'s threads. Processes chosen by pid or tree
    /// are listed whatever they did; otherwise (the whole machine, or threads chosen by tid or
    /// comm) only those the profile holds something of.
    func table(_ tree: ProcessTree, onCPU: WeightUnit?, offCPU: OffCPUSummary?, lost: (events: UInt64, samples: UInt64),
               everySelected: Bool) -> ProcessTable {
        var rows: [ProcessTable.Row] = []
        var index: [UInt32: Int] = [:]
        for p in tree.selected {
            var row = ProcessTable.Row(pid: p.pid, ppid: p.ppid, comm: p.comm, executable: p.executable, start: p.start,
                                       end: p.end, threads: p.threads, key: p.id)
            row.root = p.root
            if onCPU != nil {
                let i = Int(p.id)
                row.onCPU = i < onWeight.count ? onWeight[i] : 0
                row.onCPUSamples = i < onSamples.count ? onSamples[i] : 0
            }
            if offCPU != nil { row.offCPU = OffCPUStates() }
            index[p.id] = rows.count
            rows.append(row)
        }
        for t in offCPU?.threads ?? [] {
            guard let key = t.process, let i = index[key] else { continue }
            rows[i].offCPU?.add(t.byState)
            if t.isIdle {
                rows[i].idleThreads += 1
                rows[i].idleNanoseconds &+= t.idleNanoseconds
            }
        }
        if !everySelected {
            rows.removeAll { ($0.onCPUSamples == 0) && ($0.offCPU?.total ?? 0) == 0 && $0.idleNanoseconds == 0 }
        }
        let first = tree.firstTime == .max ? 0 : tree.firstTime
        var table = ProcessTable(rows: rows, captureStart: first, captureEnd: max(tree.lastTime, first),
                                 selected: tree.selectsProcesses)
        table.onCPUUnit = onCPU
        table.lostEvents = lost.events
        table.lostSamples = lost.samples
        return table
    }
}
