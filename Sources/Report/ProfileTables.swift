import SVGRender
import ProfileModel

/// The tables `flame top` prints and reports embed: processes, and functions by self and by
/// total weight, with shares of the profile's total, in the profile's unit.
public struct ProfileTables {
    /// Self and total weight per function and process (off-CPU self skips scheduler frames, see `init`).
    public let totals: FunctionTotals
    /// The profile's unit, which decides how amounts are written.
    public let unit: WeightUnit
    /// How many rows each table keeps, the largest first.
    public let limit: Int

    /// Off-CPU self weight goes to the innermost frame that is not the scheduler's (where the
    /// thread blocked), since every off-CPU stack ends in `__schedule`; nor a kernel frame left
    /// unnamed (kernel symbols not found), which would say nothing of where.
    public init(_ profile: Profile, limit: Int) {
        var skip: ((UnsafeBufferPointer<UInt8>) -> Bool)?
        if profile.unit == .offCPU || profile.unit == .criticalPath {
            skip = { FunctionTotals.isSchedulerFrame($0) || $0.elementsEqual("[[kernel.kallsyms]]".utf8) }
        }
        totals = FunctionTotals(profile, skipLeaf: skip)
        unit = profile.unit
        self.limit = limit
    }

    /// What the weights are, for headings: "CPU time", "off-CPU time", "samples", "cycles".
    public var quantity: String {
        switch unit {
        case .samples: return "samples"
        case .criticalPath: return "time on the path"
        case .nanoseconds: return "CPU time"
        case .offCPU: return "off-CPU time"
        case .events(let e): return e.split(separator: ":").first.map(String.init) ?? e
        }
    }

    /// A weight for people: a duration for time, a grouped count otherwise.
    public func amount(_ w: UInt64) -> String {
        switch unit {
        case .nanoseconds, .offCPU: return ValueFormat.duration(nanoseconds: w)
        case .samples, .events: return ValueFormat.grouped(w)
        }
    }

    /// The unit of raw numbers in CSV/TSV columns.
    public var rawUnit: String {
        switch unit {
        case .nanoseconds, .offCPU: return "ns"
        case .samples: return "samples"
        case .events(let e): return e.split(separator: ":").first.map(String.init) ?? e
        }
    }

    private func pct(_ w: UInt64) -> String { ValueFormat.percent(w, of: totals.total) }

    /// The root frames (thread names) by total weight, with their share of the profile's total.
    public var processTable: TextTable {
        TextTable(header: ["Total", "%", "Comm"],
                  rows: totals.processes.prefix(limit).map { [amount($0.totalWeight), pct($0.totalWeight), $0.name] },
                  rightAligned: [0, 1], code: [2])
    }

    /// The `limit` functions with the most self weight, self columns first.
    public var selfTable: TextTable { functionTable(totals.topBySelf(limit), selfFirst: true) }
    /// The `limit` functions with the most total weight, total columns first.
    public var totalTable: TextTable { functionTable(totals.topByTotal(limit), selfFirst: false) }

    private func functionTable(_ rows: [FunctionTotals.Row], selfFirst: Bool) -> TextTable {
        let header = selfFirst ? ["Self", "%", "Total", "%", "Function"] : ["Total", "%", "Self", "%", "Function"]
        return TextTable(header: header, rows: rows.map { r in
            let s = [amount(r.selfWeight), pct(r.selfWeight)], t = [amount(r.totalWeight), pct(r.totalWeight)]
            return (selfFirst ? s + t : t + s) + [r.name]
        }, rightAligned: [0, 1, 2, 3], code: [4])
    }

    /// What "self" means in the function tables.
    public var selfMeaning: String {
        if case .offCPU = unit { return "self (where the thread blocked: innermost frame below the scheduler's)" }
        return "self"
    }

    /// One table with raw numbers, for spreadsheets: processes, then functions by self.
    public var rawTable: TextTable {
        var rows = totals.processes.prefix(limit).map { ["process", $0.name, String($0.selfWeight), String($0.totalWeight)] }
        rows += totals.topBySelf(limit).map { ["function", $0.name, String($0.selfWeight), String($0.totalWeight)] }
        return TextTable(header: ["kind", "name", "self_\(rawUnit)", "total_\(rawUnit)"], rows: rows, rightAligned: [2, 3])
    }

    /// The share of the total whose innermost frame has no name (unresolved symbols), as a
    /// sentence; nil when every frame was named.
    public var unresolvedLine: String? {
        let w = totals.unresolvedSelfWeight()
        guard w > 0 else { return nil }
        return "\(pct(w)) of the \(quantity) (\(amount(w))) ends in frames without a symbol ([unknown] or [file])"
    }
}
