import PerfData

/// The processes a recording is about, found in the capture itself: the program perf started (its
/// comm is `perf-exec` until it execs), or an attached process, and every process they started
/// while perf recorded, through the FORK records.
public enum Workload {
    /// The pids of the workload; empty when the capture shows no such process.
    public static func processes(in file: PerfDataFile, root given: Int32? = nil) throws -> Set<Int> {
        var root = given
        var children: [Int32: [Int32]] = [:]
        _ = try file.forEachRecord(ordered: false, sample: { _ in }, other: { record in
            switch record {
            case .comm(let c) where root == nil && c.comm == "perf-exec":
                root = c.pid
            case .fork(let f) where f.pid != f.ppid:
                children[f.ppid, default: []].append(f.pid)
            default:
                break
            }
        })
        guard let root else { return [] }
        var found: Set<Int> = [Int(root)]
        var queue = [root]
        while let p = queue.popLast() {
            for c in children[p] ?? [] where found.insert(Int(c)).inserted { queue.append(c) }
        }
        return found
    }
}
