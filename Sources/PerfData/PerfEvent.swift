/// `perf_event_attr.sample_type` bits (include/uapi/linux/perf_event.h).
public struct SampleType: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let ip = SampleType(rawValue: 1 << 0)
    public static let tid = SampleType(rawValue: 1 << 1)
    public static let time = SampleType(rawValue: 1 << 2)
    public static let addr = SampleType(rawValue: 1 << 3)
    public static let read = SampleType(rawValue: 1 << 4)
    public static let callchain = SampleType(rawValue: 1 << 5)
    public static let id = SampleType(rawValue: 1 << 6)
    public static let cpu = SampleType(rawValue: 1 << 7)
    public static let period = SampleType(rawValue: 1 << 8)
    public static let streamID = SampleType(rawValue: 1 << 9)
    public static let raw = SampleType(rawValue: 1 << 10)
    public static let branchStack = SampleType(rawValue: 1 << 11)
    public static let regsUser = SampleType(rawValue: 1 << 12)
    public static let stackUser = SampleType(rawValue: 1 << 13)
    public static let weight = SampleType(rawValue: 1 << 14)
    public static let dataSrc = SampleType(rawValue: 1 << 15)
    public static let identifier = SampleType(rawValue: 1 << 16)
    public static let transaction = SampleType(rawValue: 1 << 17)
    public static let regsIntr = SampleType(rawValue: 1 << 18)
    public static let physAddr = SampleType(rawValue: 1 << 19)
    public static let aux = SampleType(rawValue: 1 << 20)
    public static let cgroup = SampleType(rawValue: 1 << 21)
    public static let dataPageSize = SampleType(rawValue: 1 << 22)
    public static let codePageSize = SampleType(rawValue: 1 << 23)
    public static let weightStruct = SampleType(rawValue: 1 << 24)
}

/// `perf_event_attr.read_format` bits.
public struct ReadFormat: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let totalTimeEnabled = ReadFormat(rawValue: 1 << 0)
    public static let totalTimeRunning = ReadFormat(rawValue: 1 << 1)
    public static let id = ReadFormat(rawValue: 1 << 2)
    public static let group = ReadFormat(rawValue: 1 << 3)
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
    public var sampleType: SampleType
    public var readFormat: ReadFormat
    /// The flag bitfield word at offset 40 (disabled, inherit, ..., sample_id_all = bit 18, mmap2 = bit 23).
    public var flags: UInt64
    public var wakeupEvents: UInt32
    public var bpType: UInt32
    public var config1: UInt64
    public var config2: UInt64
    public var branchSampleType: UInt64
    public var sampleRegsUser: UInt64
    public var sampleStackUser: UInt32
    public var clockID: Int32
    public var sampleRegsIntr: UInt64
    public var auxWatermark: UInt32
    public var sampleMaxStack: UInt16
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
    public var mmapData: Bool { flags & (1 << 17) != 0 }
    public var excludeCallchainKernel: Bool { flags & (1 << 21) != 0 }
    public var excludeCallchainUser: Bool { flags & (1 << 22) != 0 }
    public var mmap2: Bool { flags & (1 << 23) != 0 }
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
