/// perf record types (kernel records < 64, perf's own records >= 64).
public enum PerfRecordType {
    public static let mmap: UInt32 = 1
    public static let lost: UInt32 = 2
    public static let comm: UInt32 = 3
    public static let exit: UInt32 = 4
    public static let throttle: UInt32 = 5
    public static let unthrottle: UInt32 = 6
    public static let fork: UInt32 = 7
    public static let read: UInt32 = 8
    public static let sample: UInt32 = 9
    public static let mmap2: UInt32 = 10
    public static let aux: UInt32 = 11
    public static let itraceStart: UInt32 = 12
    public static let lostSamples: UInt32 = 13
    public static let `switch`: UInt32 = 14
    public static let switchCPUWide: UInt32 = 15
    public static let namespaces: UInt32 = 16
    public static let ksymbol: UInt32 = 17
    public static let bpfEvent: UInt32 = 18
    public static let cgroup: UInt32 = 19
    public static let textPoke: UInt32 = 20
    public static let auxOutputHWID: UInt32 = 21
    /// Highest kernel record type this reader knows; larger kernel types are counted as unknown.
    static let kernelMax: UInt32 = 21
    public static let headerAttr: UInt32 = 64
    public static let headerEventType: UInt32 = 65
    public static let headerTracingData: UInt32 = 66
    public static let headerBuildID: UInt32 = 67
    public static let finishedRound: UInt32 = 68
    public static let idIndex: UInt32 = 69
    public static let auxtraceInfo: UInt32 = 70
    public static let auxtrace: UInt32 = 71
    public static let auxtraceError: UInt32 = 72
    public static let threadMap: UInt32 = 73
    public static let cpuMap: UInt32 = 74
    public static let statConfig: UInt32 = 75
    public static let stat: UInt32 = 76
    public static let statRound: UInt32 = 77
    public static let eventUpdate: UInt32 = 78
    public static let timeConv: UInt32 = 79
    public static let headerFeature: UInt32 = 80
    public static let compressed: UInt32 = 81
    public static let finishedInit: UInt32 = 82
    public static let compressed2: UInt32 = 83
    /// Highest perf (user) record type this reader knows.
    static let userMax: UInt32 = 83
}

/// `header.misc` bits.
public enum PerfRecordMisc {
    public static let cpumodeMask: UInt16 = 7
    public static let kernel: UInt8 = 1
    public static let user: UInt8 = 2
    public static let hypervisor: UInt8 = 3
    public static let guestKernel: UInt8 = 4
    public static let guestUser: UInt8 = 5
    /// MMAP/MMAP2: a data (non-executable) mapping.
    public static let mmapData: UInt16 = 1 << 13
    /// COMM: the rename comes from exec.
    public static let commExec: UInt16 = 1 << 13
    /// MMAP2: the record carries a build-id instead of dev/inode.
    public static let mmapBuildID: UInt16 = 1 << 14
    /// HEADER_BUILD_ID: the real build-id length is stored in the record.
    public static let buildIDSize: UInt16 = 1 << 15
}

/// The sample_id fields of a record: from the sample itself or the sample_id_all trailer.
public struct SampleID: Sendable, Equatable {
    public var pid: Int32 = -1
    public var tid: Int32 = -1
    public var time: UInt64 = 0
    public var id: UInt64 = 0
    public var streamID: UInt64 = 0
    public var cpu: UInt32 = 0
    /// Index into `PerfHeaderInfo.events`; nil when no event owns the record's id.
    public var eventIndex: Int?
    public init() {}
}

/// MMAP (1) and MMAP2 (10).
public struct MmapRecord: Sendable {
    public var offset: Int
    public var misc: UInt16
    public var isMmap2: Bool
    public var pid: Int32
    public var tid: Int32
    public var start: UInt64
    public var length: UInt64
    public var pgoff: UInt64
    /// MMAP2 dev/inode arm (zero in the build-id arm and for MMAP).
    public var major: UInt32 = 0
    public var minor: UInt32 = 0
    public var inode: UInt64 = 0
    public var inodeGeneration: UInt64 = 0
    /// Lowercase hex build-id from an MMAP2 with misc bit 14 (`perf record --buildid-mmap`).
    public var buildID: String?
    public var prot: UInt32 = 0
    public var flags: UInt32 = 0
    public var filename: String
    public var sampleID: SampleID
    public var cpumode: UInt8 { UInt8(misc & PerfRecordMisc.cpumodeMask) }
    /// Executable mapping: MMAP2 with PROT_EXEC, or an MMAP without the data bit.
    public var isExecutable: Bool { isMmap2 ? prot & 4 != 0 : misc & PerfRecordMisc.mmapData == 0 }
    public var end: UInt64 { start &+ length }
}

/// COMM (3).
public struct CommRecord: Sendable {
    public var offset: Int
    public var misc: UInt16
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var sampleID: SampleID
    /// The rename comes from exec (misc bit 13).
    public var isExec: Bool { misc & PerfRecordMisc.commExec != 0 }
}

/// FORK (7) and EXIT (4).
public struct TaskRecord: Sendable {
    public var offset: Int
    public var pid: Int32
    public var ppid: Int32
    public var tid: Int32
    public var ptid: Int32
    public var time: UInt64
    public var sampleID: SampleID
}

/// LOST (2) and LOST_SAMPLES (13).
public struct LostRecord: Sendable {
    public var offset: Int
    /// LOST: the id of the event that lost records; 0 for LOST_SAMPLES.
    public var id: UInt64
    public var lost: UInt64
    public var isLostSamples: Bool
    public var sampleID: SampleID
}

/// Any record the reader does not decode further; `bytes` includes the 8-byte header.
public struct RawRecord {
    public var offset: Int
    public var type: UInt32
    public var misc: UInt16
    /// Valid only during the visit (it points into the mapped file or a decompression buffer).
    public var bytes: UnsafeRawBufferPointer
    /// sample_id_all trailer for kernel records; empty for perf's own records.
    public var sampleID: SampleID
    /// True when the record came out of a COMPRESSED record (`offset` is that record's).
    public var fromCompressed: Bool
}

/// One record of the data section, as delivered by `PerfDataFile.forEachRecord`.
public enum PerfRecord {
    case sample(PerfSample)
    case mmap(MmapRecord)
    case comm(CommRecord)
    case fork(TaskRecord)
    case exit(TaskRecord)
    case lost(LostRecord)
    case finishedRound(offset: Int)
    case finishedInit(offset: Int)
    case other(RawRecord)

    /// The record's sample_id fields (samples: their own pid/tid/time/...).
    public var sampleID: SampleID {
        switch self {
        case .sample(let s): return s.sampleID
        case .mmap(let r): return r.sampleID
        case .comm(let r): return r.sampleID
        case .fork(let r), .exit(let r): return r.sampleID
        case .lost(let r): return r.sampleID
        case .finishedRound, .finishedInit: return SampleID()
        case .other(let r): return r.sampleID
        }
    }
}
