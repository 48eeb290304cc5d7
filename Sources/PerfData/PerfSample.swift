/// A zero-copy array of u64 inside the mapped data, read with unaligned loads.
public struct U64View: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer?
    public let count: Int
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    static var empty: U64View { U64View(base: nil, count: 0) }

    @inlinable public subscript(i: Int) -> UInt64 {
        precondition(i >= 0 && i < count, "U64View index out of range")
        return base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
    }
}

/// Sampled user registers (PERF_SAMPLE_REGS_USER / REGS_INTR): `values` in mask bit order.
public struct PerfRegs {
    /// 0 none, 1 32-bit, 2 64-bit.
    public var abi: UInt64 = 0
    /// The attr's register mask (`sample_regs_user` / `sample_regs_intr`).
    public var mask: UInt64 = 0
    public var values: U64View = .empty

    /// The value of perf register number `reg` (x86-64: AX=0 ... SP=7, IP=8), if it was sampled.
    public func value(register reg: Int) -> UInt64? {
        guard reg >= 0, reg < 64, mask & (1 << UInt64(reg)) != 0, abi != 0 else { return nil }
        let index = (mask & ((1 << UInt64(reg)) - 1)).nonzeroBitCount
        return index < values.count ? values[index] : nil
    }
}

/// Sampled user stack (PERF_SAMPLE_STACK_USER): byte 0 is at the sampled SP.
public struct PerfStackUser {
    /// The dumped bytes (`size` of them); only the first `dynSize` are valid.
    public var data: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    public var dynSize: UInt64 = 0
    /// The valid part of the dump.
    public var valid: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: data[0..<Int(min(dynSize, UInt64(data.count)))])
    }
}

/// One branch-stack entry (PERF_SAMPLE_BRANCH_STACK).
public struct BranchEntry: Sendable, Equatable {
    public var from: UInt64
    public var to: UInt64
    public var flags: UInt64
}

/// Branch stack view: `nr` entries of {from, to, flags}, optional hw_idx and counters.
public struct PerfBranchStack {
    public var hwIndex: UInt64?
    let entries: U64View
    let counterValues: U64View
    public var count: Int { entries.count / 3 }
    public func entry(_ i: Int) -> BranchEntry {
        BranchEntry(from: entries[3 * i], to: entries[3 * i + 1], flags: entries[3 * i + 2])
    }
    /// Per-entry counters when `branch_sample_type` has PERF_SAMPLE_BRANCH_COUNTERS.
    public var counters: U64View { counterValues }
}

/// One counter of a PERF_SAMPLE_READ value.
public struct ReadValue: Sendable, Equatable {
    public var value: UInt64
    public var id: UInt64?
    public var lost: UInt64?
}

/// PERF_SAMPLE_READ, decoded per `read_format` (group and non-group layouts).
public struct PerfReadData: Sendable, Equatable {
    public var timeEnabled: UInt64?
    public var timeRunning: UInt64?
    public var values: [ReadValue] = []
}

/// A decoded PERF_RECORD_SAMPLE. Views point into the file's bytes: those of a record of the
/// file itself stay valid as long as its `PerfDataFile`; those of a record out of a compressed
/// (`-z`) chunk (`fromCompressed`) only during the visit.
public struct PerfSample {
    /// Byte offset of the record (of its COMPRESSED container when `fromCompressed`).
    public var offset: Int = 0
    public var fromCompressed = false
    public var misc: UInt16 = 0
    /// pid, tid, time, id, stream id, cpu and the owning event.
    public var sampleID = SampleID()
    public var ip: UInt64 = 0
    public var addr: UInt64 = 0
    public var period: UInt64 = 0
    public var read: PerfReadData?
    /// Raw callchain including PERF_CONTEXT_* markers; see `frames(...)` for a walk.
    public var callchain: U64View = .empty
    /// Tracepoint payload (PERF_SAMPLE_RAW), empty when absent.
    public var raw = UnsafeRawBufferPointer(start: nil, count: 0)
    public var branchStack: PerfBranchStack?
    public var regsUser = PerfRegs()
    public var stackUser = PerfStackUser()
    /// PERF_SAMPLE_WEIGHT, or the packed WEIGHT_STRUCT word (see `weightStruct`).
    public var weight: UInt64 = 0
    public var dataSrc: UInt64 = 0
    public var transaction: UInt64 = 0
    public var regsIntr = PerfRegs()
    public var physAddr: UInt64 = 0
    public var cgroup: UInt64 = 0
    public var dataPageSize: UInt64 = 0
    public var codePageSize: UInt64 = 0
    public var aux = UnsafeRawBufferPointer(start: nil, count: 0)

    /// `header.misc & 7`: 1 kernel, 2 user, 3 hypervisor, 4 guest kernel, 5 guest user.
    public var cpumode: UInt8 { UInt8(misc & PerfRecordMisc.cpumodeMask) }
    public var eventIndex: Int? { sampleID.eventIndex }
    public var pid: Int32 { sampleID.pid }
    public var tid: Int32 { sampleID.tid }
    public var time: UInt64 { sampleID.time }
    public var cpu: UInt32 { sampleID.cpu }
    public var id: UInt64 { sampleID.id }
    /// WEIGHT_STRUCT as (var1_dw, var2_w, var3_w).
    public var weightStruct: (UInt32, UInt16, UInt16) {
        (UInt32(truncatingIfNeeded: weight), UInt16(truncatingIfNeeded: weight >> 32), UInt16(truncatingIfNeeded: weight >> 48))
    }
}
