import ProfileModel

/// One set of the time strip's rows (per process, or per thread): weights by row name, lane and
/// column, the busiest rows first, at most `TimeStrip.maxRows` with the rest summed into one
/// labelled row, so that nothing is dropped.
struct TimeStripRows {
    /// One row: its name, and per lane, per column, thread time (ns, or the pane's weight unit
    /// for on-CPU counts).
    struct Row {
        var name: [UInt8]
        var lanes: [[Double]]
        var total: Double { lanes.reduce(0) { $0 + $1.reduce(0, +) } }
        /// Time on a CPU, waiting for one, or in disk waits: what sleeping leaves out.
        var active: Double {
            [TimeBuckets.Lane.onCPU, .runnable, .disk].reduce(0) { $0 + lanes[Int($1.rawValue)].reduce(0, +) }
        }
    }

    private(set) var rows: [Row] = []
    private var byName: [[UInt8]: Int] = [:]
    let columns: Int

    init(columns: Int) { self.columns = columns }

    /// The row named `name`, made when new.
    mutating func row(named name: [UInt8]) -> Int {
        if let r = byName[name] { return r }
        byName[name] = rows.count
        rows.append(Row(name: name, lanes: Array(repeating: [Double](repeating: 0, count: columns), count: TimeBuckets.Lane.allCases.count)))
        return rows.count - 1
    }

    mutating func add(row: Int, lane: TimeBuckets.Lane, column: Int, _ value: Double) {
        rows[row].lanes[Int(lane.rawValue)][column] += value
    }

    /// The busiest rows, at most `limit`, the rest summed into a row named by `other` (given how
    /// many it holds). Busiest: by all their time, or with `byActivity` by their time on a CPU,
    /// runnable or in disk waits first (threads that slept throughout, a build's waiting shells,
    /// would otherwise hide the ones that worked).
    func ranked(limit: Int, byActivity: Bool = false, other: (Int) -> String) -> [Row] {
        // Ties go by name, so that the order is the same on every run.
        var all = rows.sorted {
            if byActivity && $0.active != $1.active { return $0.active > $1.active }
            return $0.total != $1.total ? $0.total > $1.total : $0.name.lexicographicallyPrecedes($1.name)
        }
        guard all.count > limit else { return all }
        let rest = all[(limit - 1)...]
        var summed = Row(name: Array(other(rest.count).utf8), lanes: rest.first!.lanes)
        for r in rest.dropFirst() {
            for l in 0..<summed.lanes.count { for c in 0..<columns { summed.lanes[l][c] += r.lanes[l][c] } }
        }
        all = Array(all[..<(limit - 1)]) + [summed]
        return all
    }
}
