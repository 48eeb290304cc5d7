/// `perf_event_attr.sample_type` bits (include/uapi/linux/perf_event.h).
public struct SampleType: OptionSet, Sendable, Hashable {
    /// The raw `sample_type` word.
    public let rawValue: UInt64
    /// Wraps a raw `sample_type` word; unknown bits are kept.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// PERF_SAMPLE_IP: the instruction pointer at the sample (`PerfSample.ip`).
    public static let ip = SampleType(rawValue: 1 << 0)
    /// PERF_SAMPLE_TID: u32 pid and u32 tid of the sampled thread; also in the sample_id_all trailer.
    public static let tid = SampleType(rawValue: 1 << 1)
    /// PERF_SAMPLE_TIME: u64 timestamp in ns of perf's clock; also in the sample_id_all trailer.
    public static let time = SampleType(rawValue: 1 << 2)
    /// PERF_SAMPLE_ADDR: a data address tied to the event, e.g. the faulting or accessed address.
    public static let addr = SampleType(rawValue: 1 << 3)
    /// PERF_SAMPLE_READ: counter values laid out by `read_format` (`PerfSample.read`).
    public static let read = SampleType(rawValue: 1 << 4)
    /// PERF_SAMPLE_CALLCHAIN: u64 nr, then nr addresses with PERF_CONTEXT_* markers, leaf first.
    public static let callchain = SampleType(rawValue: 1 << 5)
    /// PERF_SAMPLE_ID: the event's id, after `addr` (position varies with the bits before it).
    public static let id = SampleType(rawValue: 1 << 6)
    /// PERF_SAMPLE_CPU: u32 CPU number plus u32 padding; also in the sample_id_all trailer.
    public static let cpu = SampleType(rawValue: 1 << 7)
    /// PERF_SAMPLE_PERIOD: u64 event count this sample stands for (varies with frequency sampling).
    public static let period = SampleType(rawValue: 1 << 8)
    /// PERF_SAMPLE_STREAM_ID: id of the exact event instance (differs from `id` for inherited events).
    public static let streamID = SampleType(rawValue: 1 << 9)
    /// PERF_SAMPLE_RAW: u32 size, then opaque bytes (the tracepoint's fields for tracepoint events).
    public static let raw = SampleType(rawValue: 1 << 10)
    /// PERF_SAMPLE_BRANCH_STACK: taken branches (LBR), filtered and shaped by `branch_sample_type`.
    public static let branchStack = SampleType(rawValue: 1 << 11)
    /// PERF_SAMPLE_REGS_USER: u64 ABI, then the user registers chosen by `sample_regs_user`.
    public static let regsUser = SampleType(rawValue: 1 << 12)
    /// PERF_SAMPLE_STACK_USER: a copy of up to `sample_stack_user` bytes of user stack, plus dyn_size.
    public static let stackUser = SampleType(rawValue: 1 << 13)
    /// PERF_SAMPLE_WEIGHT: u64 cost of the sample, e.g. memory access latency in cycles.
    public static let weight = SampleType(rawValue: 1 << 14)
    /// PERF_SAMPLE_DATA_SRC: `perf_mem_data_src` word (memory level, op, snoop, TLB) of a memory sample.
    public static let dataSrc = SampleType(rawValue: 1 << 15)
    /// PERF_SAMPLE_IDENTIFIER: the event id at a fixed place (first u64 of a sample, last of a trailer).
    public static let identifier = SampleType(rawValue: 1 << 16)
    /// PERF_SAMPLE_TRANSACTION: PERF_TXN_* bits of a TSX abort, with the abort code in the high 32 bits.
    public static let transaction = SampleType(rawValue: 1 << 17)
    /// PERF_SAMPLE_REGS_INTR: u64 ABI, then the registers chosen by `sample_regs_intr` at the interrupt.
    public static let regsIntr = SampleType(rawValue: 1 << 18)
    /// PERF_SAMPLE_PHYS_ADDR: physical address of `addr`.
    public static let physAddr = SampleType(rawValue: 1 << 19)
    /// PERF_SAMPLE_AUX: u64 size, then a snapshot of AUX area data (up to `aux_sample_size` bytes).
    public static let aux = SampleType(rawValue: 1 << 20)
    /// PERF_SAMPLE_CGROUP: u64 id of the sampled task's cgroup (named by PERF_RECORD_CGROUP).
    public static let cgroup = SampleType(rawValue: 1 << 21)
    /// PERF_SAMPLE_DATA_PAGE_SIZE: size in bytes of the page holding `addr`.
    public static let dataPageSize = SampleType(rawValue: 1 << 22)
    /// PERF_SAMPLE_CODE_PAGE_SIZE: size in bytes of the page holding `ip`.
    public static let codePageSize = SampleType(rawValue: 1 << 23)
    /// PERF_SAMPLE_WEIGHT_STRUCT: the weight slot split into var1_dw/var2_w/var3_w (replaces WEIGHT).
    public static let weightStruct = SampleType(rawValue: 1 << 24)
}

/// `perf_event_attr.read_format` bits.
public struct ReadFormat: OptionSet, Sendable, Hashable {
    /// The raw `read_format` word.
    public let rawValue: UInt64
    /// Wraps a raw `read_format` word; unknown bits are kept.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// PERF_FORMAT_TOTAL_TIME_ENABLED: adds `time_enabled`, ns the event was enabled.
    public static let totalTimeEnabled = ReadFormat(rawValue: 1 << 0)
    /// PERF_FORMAT_TOTAL_TIME_RUNNING: adds `time_running`, ns it was counting (less when multiplexed).
    public static let totalTimeRunning = ReadFormat(rawValue: 1 << 1)
    /// PERF_FORMAT_ID: each value is followed by the id of its event.
    public static let id = ReadFormat(rawValue: 1 << 2)
    /// PERF_FORMAT_GROUP: reads the whole group: nr, then one entry per member, leader first.
    public static let group = ReadFormat(rawValue: 1 << 3)
    /// PERF_FORMAT_LOST: each value is followed by the number of samples lost for that event.
    public static let lost = ReadFormat(rawValue: 1 << 4)
}

/// One perf event (an evsel): the perf_event_attr fields that matter, its name and its sample ids.
public struct PerfEvent: Sendable {
    /// `attr.type`: 0 hardware, 1 software, 2 tracepoint, 3 hw cache, 4 raw, 5 breakpoint, or a PMU type.
    public var type: UInt32
    /// `attr.size` as written (0 means the 64-byte VER0 layout).
    public var attrSize: UInt32
    /// `attr.config` (the tracepoint id for tracepoints).
    public var config: UInt64
    /// `attr.sample_period` or, when `freq` is set, `attr.sample_freq`.
    public var samplePeriodOrFreq: UInt64
    /// `attr.sample_type`: which fields each sample (and, with sample_id_all, each trailer) carries.
    public var sampleType: SampleType
    /// `attr.read_format`: layout of PERF_SAMPLE_READ values.
    public var readFormat: ReadFormat
    /// The flag bitfield word at offset 40 (disabled, inherit, ..., sample_id_all = bit 18, mmap2 = bit 23).
    public var flags: UInt64
    /// `wakeup_events` (samples per reader wakeup), or `wakeup_watermark` in bytes when flag bit 14 is set.
    public var wakeupEvents: UInt32
    /// `bp_type`: HW_BREAKPOINT_* access kind for breakpoint events (1 read, 2 write, 4 execute).
    public var bpType: UInt32
    /// `config1`, shared with `bp_addr` / `kprobe_func` / `uprobe_path`: extra PMU or probe config.
    public var config1: UInt64
    /// `config2`, shared with `bp_len` / `kprobe_addr` / `probe_offset`; 0 when the attr is under 72 bytes.
    public var config2: UInt64
    /// `branch_sample_type`: PERF_SAMPLE_BRANCH_* bits; HW_INDEX (17) and COUNTERS (19) change the layout.
    public var branchSampleType: UInt64
    /// `sample_regs_user`: mask of perf register numbers (asm/perf_regs.h) dumped by PERF_SAMPLE_REGS_USER.
    public var sampleRegsUser: UInt64
    /// `sample_stack_user`: bytes of user stack PERF_SAMPLE_STACK_USER asks to copy per sample.
    public var sampleStackUser: UInt32
    /// `clockid`: the clock of time fields when `use_clockid` (flag bit 25) is set, e.g. 1 = CLOCK_MONOTONIC.
    public var clockID: Int32
    /// `sample_regs_intr`: register mask dumped by PERF_SAMPLE_REGS_INTR; 0 when the attr is under 104 bytes.
    public var sampleRegsIntr: UInt64
    /// `aux_watermark`: bytes of AUX data before the reader is woken; 0 when the attr is under 112 bytes.
    public var auxWatermark: UInt32
    /// `sample_max_stack`: most callchain frames per sample (0: the kernel.perf_event_max_stack default).
    public var sampleMaxStack: UInt16
    /// `aux_sample_size`: bytes of AUX data PERF_SAMPLE_AUX puts in each sample; 0 under 120 bytes of attr.
    public var auxSampleSize: UInt32
    /// The event name as perf script prints it (`cpu-clock:ppp`, `sched:sched_switch`).
    public var name: String
    /// Sample ids that belong to this event (from the attr ids, EVENT_DESC or HEADER_ATTR).
    public var ids: [UInt64]

    /// True when `attr.freq` is set: `samplePeriodOrFreq` is a frequency.
    public var freq: Bool { flags & (1 << 10) != 0 }
    /// Sample frequency in Hz when `freq` is set, else nil.
    public var sampleFreq: UInt64? { freq ? samplePeriodOrFreq : nil }
    /// Fixed sample period when `freq` is clear, else nil.
    public var samplePeriod: UInt64? { freq ? nil : samplePeriodOrFreq }
    /// The period every sample of a fixed-period event stands for when the samples do not record
    /// one (no PERIOD in sample_type), as perf fills it in; nil when samples carry their own.
    public var fixedPeriod: UInt64? {
        sampleType.contains(.period) || freq ? nil : samplePeriodOrFreq
    }
    /// Non-sample records carry the sample_id trailer.
    public var sampleIDAll: Bool { flags & (1 << 18) != 0 }
    /// `attr.mmap_data`: non-executable (data) mappings are recorded too, with PERF_RECORD_MISC_MMAP_DATA.
    public var mmapData: Bool { flags & (1 << 17) != 0 }
    /// `attr.exclude_callchain_kernel`: callchains leave out the kernel part.
    public var excludeCallchainKernel: Bool { flags & (1 << 21) != 0 }
    /// `attr.exclude_callchain_user`: callchains leave out the user part (perf sets it for `--call-graph dwarf`).
    public var excludeCallchainUser: Bool { flags & (1 << 22) != 0 }
    /// `attr.mmap2`: mappings come as MMAP2 (device/inode or build-id, prot, flags) instead of MMAP.
    public var mmap2: Bool { flags & (1 << 23) != 0 }
    /// `attr.use_clockid` (`perf record -k`): sample times are of `clockID`, not perf's own clock.
    public var useClockID: Bool { flags & (1 << 25) != 0 }
    /// `attr.comm_exec`: COMM records caused by exec carry PERF_RECORD_MISC_COMM_EXEC.
    public var commExec: Bool { flags & (1 << 24) != 0 }
    /// `attr.precise_ip` (0...3), the number of `p` modifiers.
    public var preciseIP: Int { Int((flags >> 15) & 3) }

    /// Decodes an attr from `bytes` (which may be shorter than 128: missing fields are zero).
    init(attr bytes: UnsafeRawBufferPointer) {
        func u64(_ o: Int) -> UInt64 { bytes.load(UInt64.self, at: o) ?? 0 }
        func u32(_ o: Int) -> UInt32 { bytes.load(UInt32.self, at: o) ?? 0 }
        type = u32(0)
        attrSize = u32(4)
        config = u64(8)
        samplePeriodOrFreq = u64(16)
        sampleType = SampleType(rawValue: u64(24))
        readFormat = ReadFormat(rawValue: u64(32))
        flags = u64(40)
        wakeupEvents = u32(48)
        bpType = u32(52)
        config1 = u64(56)
        config2 = u64(64)
        branchSampleType = u64(72)
        sampleRegsUser = u64(80)
        sampleStackUser = u32(88)
        clockID = Int32(bitPattern: u32(92))
        sampleRegsIntr = u64(96)
        auxWatermark = u32(104)
        sampleMaxStack = bytes.load(UInt16.self, at: 108) ?? 0
        auxSampleSize = u32(112)
        name = ""
        ids = []
    }

    /// How many bytes of attr this record/section holds: attr.size, VER0 (64) when 0, capped by what is there.
    static func attrLength(in bytes: UnsafeRawBufferPointer) -> Int {
        let size = Int(bytes.load(UInt32.self, at: 4) ?? 0)
        return size == 0 ? 64 : size
    }

    /// perf's default name for an attr without an EVENT_DESC/EVENT_UPDATE name.
    func fallbackName(tracepoints: [UInt64: String]) -> String {
        switch type {
        case 0:
            let hw = ["cycles", "instructions", "cache-references", "cache-misses", "branches", "branch-misses",
                      "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles"]
            return config < UInt64(hw.count) ? hw[Int(config)] : "unknown-hardware"
        case 1:
            let sw = ["cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations", "minor-faults",
                      "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches"]
            return config < UInt64(sw.count) ? sw[Int(config)] : "unknown-software"
        case 2:
            return tracepoints[config] ?? "unknown tracepoint \(config)"
        case 4:
            return "raw 0x\(String(config, radix: 16))"
        default:
            return "unknown attr type: \(type)"
        }
    }
}
