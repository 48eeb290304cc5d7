/// A zero-copy array of u64 inside the mapped data, read with unaligned loads.
public struct U64View: RandomAccessCollection {
    /// Number of u64 values.
    @usableFromInline let base: UnsafeRawPointer?
    public let count: Int
    /// Equal to `count`.
    /// Always 0.
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    static var empty: U64View { U64View(base: nil, count: 0) }

    /// The u64 at position `i` (0..<count), read unaligned in host byte order; traps when out of range.
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
    /// One value per set bit of `mask`, lowest bit first; empty when `abi` is 0.
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
    /// `dyn_size`: bytes of the dump the kernel actually filled with stack (at most its `size`).
    public var dynSize: UInt64 = 0
    /// The valid part of the dump.
    public var valid: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: data[0..<Int(min(dynSize, UInt64(data.count)))])
    }
}

/// One branch-stack entry (PERF_SAMPLE_BRANCH_STACK).
public struct BranchEntry: Sendable, Equatable {
    /// `from`: address of the branch instruction.
    public var from: UInt64
    /// `to`: address the branch went to.
    public var to: UInt64
    /// The `perf_branch_entry` bitfield: mispred bit 0, predicted 1, in_tx 2, abort 3, cycles 4-19, type 20-23.
    public var flags: UInt64
}

/// Branch stack view: `nr` entries of {from, to, flags}, optional hw_idx and counters.
public struct PerfBranchStack {
    /// `hw_idx`, the hardware index of the newest entry; nil unless PERF_SAMPLE_BRANCH_HW_INDEX is set.
    public var hwIndex: UInt64?
    let entries: U64View
    let counterValues: U64View
    /// Number of entries (`nr`).
    public var count: Int { entries.count / 3 }
    /// Entry `i`, 0 being the most recent branch; traps unless 0 <= i < count.
    public func entry(_ i: Int) -> BranchEntry {
        BranchEntry(from: entries[3 * i], to: entries[3 * i + 1], flags: entries[3 * i + 2])
    }
    /// Per-entry counters when `branch_sample_type` has PERF_SAMPLE_BRANCH_COUNTERS.
    public var counters: U64View { counterValues }
}

/// One counter of a PERF_SAMPLE_READ value.
public struct ReadValue: Sendable, Equatable {
    /// The counter's value (events counted).
    public var value: UInt64
    /// Id of the counter's event with PERF_FORMAT_ID, else nil.
    public var id: UInt64?
    /// Samples lost for this event with PERF_FORMAT_LOST, else nil.
    public var lost: UInt64?
}

/// PERF_SAMPLE_READ, decoded per `read_format` (group and non-group layouts).
public struct PerfReadData: Sendable, Equatable {
    /// `time_enabled` in ns with PERF_FORMAT_TOTAL_TIME_ENABLED, else nil.
    public var timeEnabled: UInt64?
    /// `time_running` in ns with PERF_FORMAT_TOTAL_TIME_RUNNING, else nil.
    public var timeRunning: UInt64?
    /// One value without PERF_FORMAT_GROUP; with it, one per group member, leader first.
    public var values: [ReadValue] = []
}

/// A decoded PERF_RECORD_SAMPLE. Views point into the file's bytes: those of a record of the
/// file itself stay valid as long as its `PerfDataFile`; those of a record out of a compressed
/// (`-z`) chunk (`fromCompressed`) only during the visit.
public struct PerfSample {
    /// Byte offset of the record (of its COMPRESSED container when `fromCompressed`).
    public var offset: Int = 0
    /// True when the record came out of a COMPRESSED/COMPRESSED2 record: views last only for the visit.
    public var fromCompressed = false
    /// header.misc: cpumode in the low 3 bits, PERF_RECORD_MISC_EXACT_IP (bit 14) for a precise ip.
    public var misc: UInt16 = 0
    /// pid, tid, time, id, stream id, cpu and the owning event.
    public var sampleID = SampleID()
    /// PERF_SAMPLE_IP: instruction pointer when the event fired; 0 when not sampled.
    public var ip: UInt64 = 0
    /// PERF_SAMPLE_ADDR: the event's data address (e.g. faulting or accessed address); 0 when not sampled.
    public var addr: UInt64 = 0
    /// PERF_SAMPLE_PERIOD: events this sample stands for; 0 when not sampled (see `PerfEvent.fixedPeriod`).
    public var period: UInt64 = 0
    /// PERF_SAMPLE_READ counter values; nil when not sampled.
    public var read: PerfReadData?
    /// Raw callchain including PERF_CONTEXT_* markers; see `frames(...)` for a walk.
    public var callchain: U64View = .empty
    /// Tracepoint payload (PERF_SAMPLE_RAW), empty when absent.
    public var raw = UnsafeRawBufferPointer(start: nil, count: 0)
    /// PERF_SAMPLE_BRANCH_STACK entries; nil when not sampled.
    public var branchStack: PerfBranchStack?
    /// PERF_SAMPLE_REGS_USER; `abi` 0 when not sampled or when the kernel had no user registers to give.
    public var regsUser = PerfRegs()
    /// PERF_SAMPLE_STACK_USER dump, used for DWARF unwinding; empty when not sampled.
    public var stackUser = PerfStackUser()
    /// PERF_SAMPLE_WEIGHT, or the packed WEIGHT_STRUCT word (see `weightStruct`).
    public var weight: UInt64 = 0
    /// PERF_SAMPLE_DATA_SRC `perf_mem_data_src` word (level, op, snoop, TLB); 0 when not sampled.
    public var dataSrc: UInt64 = 0
    /// PERF_SAMPLE_TRANSACTION PERF_TXN_* bits, abort code in bits 32-63; 0 when not sampled.
    public var transaction: UInt64 = 0
    /// PERF_SAMPLE_REGS_INTR: registers at the interrupt (or sampled instruction); `abi` 0 when not sampled.
    public var regsIntr = PerfRegs()
    /// PERF_SAMPLE_PHYS_ADDR: physical address of `addr`; 0 when not sampled.
    public var physAddr: UInt64 = 0
    /// PERF_SAMPLE_CGROUP: cgroup id of the sampled task; 0 when not sampled.
    public var cgroup: UInt64 = 0
    /// PERF_SAMPLE_DATA_PAGE_SIZE: bytes of the page holding `addr`; 0 when not sampled.
    public var dataPageSize: UInt64 = 0
    /// PERF_SAMPLE_CODE_PAGE_SIZE: bytes of the page holding `ip`; 0 when not sampled.
    public var codePageSize: UInt64 = 0
    /// PERF_SAMPLE_AUX: the AUX area snapshot bytes; empty when absent.
    public var aux = UnsafeRawBufferPointer(start: nil, count: 0)

    /// `header.misc & 7`: 1 kernel, 2 user, 3 hypervisor, 4 guest kernel, 5 guest user.
    public var cpumode: UInt8 { UInt8(misc & PerfRecordMisc.cpumodeMask) }
    /// Index into `PerfHeaderInfo.events` of the event that took the sample (set on every delivered sample).
    public var eventIndex: Int? { sampleID.eventIndex }
    /// Process id (PERF_SAMPLE_TID); -1 when not sampled.
    public var pid: Int32 { sampleID.pid }
    /// Thread id (PERF_SAMPLE_TID); -1 when not sampled.
    public var tid: Int32 { sampleID.tid }
    /// Timestamp in ns (PERF_SAMPLE_TIME); 0 when not sampled.
    public var time: UInt64 { sampleID.time }
    /// CPU number (PERF_SAMPLE_CPU); 0 when not sampled.
    public var cpu: UInt32 { sampleID.cpu }
    /// Event id (PERF_SAMPLE_IDENTIFIER or PERF_SAMPLE_ID); 0 when not sampled.
    public var id: UInt64 { sampleID.id }
    /// WEIGHT_STRUCT as (var1_dw, var2_w, var3_w).
    public var weightStruct: (UInt32, UInt16, UInt16) {
        (UInt32(truncatingIfNeeded: weight), UInt16(truncatingIfNeeded: weight >> 32), UInt16(truncatingIfNeeded: weight >> 48))
    }
}
