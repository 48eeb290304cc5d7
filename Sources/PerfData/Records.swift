/// perf record types (kernel records < 64, perf's own records >= 64).
public enum PerfRecordType {
    /// PERF_RECORD_MMAP: a new executable mapping (pid/tid, addr, len, pgoff, filename); decoded as `MmapRecord`.
    public static let mmap: UInt32 = 1
    /// PERF_RECORD_LOST: the ring buffer was full and `lost` records of event `id` were dropped; see `LostRecord`.
    public static let lost: UInt32 = 2
    /// PERF_RECORD_COMM: a thread got a new command name (exec or prctl); decoded as `CommRecord`.
    public static let comm: UInt32 = 3
    /// PERF_RECORD_EXIT: a task exited (pid, ppid, tid, ptid, time); decoded as `TaskRecord`.
    public static let exit: UInt32 = 4
    /// PERF_RECORD_THROTTLE: the kernel stopped sampling an event that interrupted too often; left undecoded.
    public static let throttle: UInt32 = 5
    /// PERF_RECORD_UNTHROTTLE: sampling of a throttled event resumed; left undecoded.
    public static let unthrottle: UInt32 = 6
    /// PERF_RECORD_FORK: a task was created (child pid/tid, parent ppid/ptid, time); decoded as `TaskRecord`.
    public static let fork: UInt32 = 7
    /// PERF_RECORD_READ: counter values of an exiting child task (attr.inherit_stat); left undecoded.
    public static let read: UInt32 = 8
    /// PERF_RECORD_SAMPLE: one sample, laid out by its event's sample_type; decoded as `PerfSample`.
    public static let sample: UInt32 = 9
    /// PERF_RECORD_MMAP2: MMAP plus device/inode (or a build-id), prot and flags; decoded as `MmapRecord`.
    public static let mmap2: UInt32 = 10
    /// PERF_RECORD_AUX: new data landed in the AUX area (offset, size, flags), e.g. Intel PT; left undecoded.
    public static let aux: UInt32 = 11
    /// PERF_RECORD_ITRACE_START: instruction tracing started for a pid/tid; left undecoded.
    public static let itraceStart: UInt32 = 12
    /// PERF_RECORD_LOST_SAMPLES: a count of samples the kernel dropped (e.g. PEBS records); see `LostRecord`.
    public static let lostSamples: UInt32 = 13
    /// PERF_RECORD_SWITCH: the traced task was switched in or out (misc bit 13 = out; attr.context_switch).
    public static let `switch`: UInt32 = 14
    /// PERF_RECORD_SWITCH_CPU_WIDE: a switch on a CPU-wide event, with the next/previous pid and tid.
    public static let switchCPUWide: UInt32 = 15
    /// PERF_RECORD_NAMESPACES: a task's namespaces as (dev, inode) pairs; left undecoded.
    public static let namespaces: UInt32 = 16
    /// PERF_RECORD_KSYMBOL: a kernel symbol (BPF program, trampoline) was registered or removed: addr, len, name.
    public static let ksymbol: UInt32 = 17
    /// PERF_RECORD_BPF_EVENT: a BPF program was loaded or unloaded (program id and tag).
    public static let bpfEvent: UInt32 = 18
    /// PERF_RECORD_CGROUP: a cgroup id and its path, to name the ids of PERF_SAMPLE_CGROUP.
    public static let cgroup: UInt32 = 19
    /// PERF_RECORD_TEXT_POKE: kernel text changed at an address (old and new bytes).
    public static let textPoke: UInt32 = 20
    /// PERF_RECORD_AUX_OUTPUT_HW_ID: a hardware id for AUX output (PEBS-via-PT counter index, CoreSight trace id).
    public static let auxOutputHWID: UInt32 = 21
    /// Highest kernel record type this reader knows; larger kernel types are counted as unknown.
    static let kernelMax: UInt32 = 21
    /// PERF_RECORD_HEADER_ATTR: an event's perf_event_attr followed by its ids; pipe mode's stand-in for the attrs section.
    public static let headerAttr: UInt32 = 64
    /// PERF_RECORD_HEADER_EVENT_TYPE: deprecated tracepoint id-to-name entry.
    public static let headerEventType: UInt32 = 65
    /// PERF_RECORD_HEADER_TRACING_DATA: tracepoint formats; the blob (u32 size in the record) follows the
    /// record outside header.size, padded to 8 bytes.
    public static let headerTracingData: UInt32 = 66
    /// PERF_RECORD_HEADER_BUILD_ID: the build-id of one DSO (pid, build-id, filename), as in the BUILD_ID feature.
    public static let headerBuildID: UInt32 = 67
    /// PERF_RECORD_FINISHED_ROUND: no payload; perf never reorders records across it (ordered walks flush here).
    public static let finishedRound: UInt32 = 68
    /// PERF_RECORD_ID_INDEX: maps event ids to the ring-buffer (mmap) index, CPU and tid they were recorded with.
    public static let idIndex: UInt32 = 69
    /// PERF_RECORD_AUXTRACE_INFO: the AUX tracer's type and its private setup data.
    public static let auxtraceInfo: UInt32 = 70
    /// PERF_RECORD_AUXTRACE: a chunk of AUX trace data; its `size` bytes follow the record, outside header.size.
    public static let auxtrace: UInt32 = 71
    /// PERF_RECORD_AUXTRACE_ERROR: an error while decoding hardware trace (type, code, cpu, pid, tid, ip, message).
    public static let auxtraceError: UInt32 = 72
    /// PERF_RECORD_THREAD_MAP: the threads the events were opened on (pid and comm each).
    public static let threadMap: UInt32 = 73
    /// PERF_RECORD_CPU_MAP: the CPUs the events were opened on.
    public static let cpuMap: UInt32 = 74
    /// PERF_RECORD_STAT_CONFIG: `perf stat record` settings (aggregation mode, interval, scaling).
    public static let statConfig: UInt32 = 75
    /// PERF_RECORD_STAT: one counter reading of `perf stat record` for an event id, CPU and thread.
    public static let stat: UInt32 = 76
    /// PERF_RECORD_STAT_ROUND: end of one `perf stat record` interval, with its time.
    public static let statRound: UInt32 = 77
    /// PERF_RECORD_EVENT_UPDATE: new unit, scale, name or CPUs for an event id; this reader uses the name (type 2).
    public static let eventUpdate: UInt32 = 78
    /// PERF_RECORD_TIME_CONV: time_shift, time_mult and time_zero to convert TSC values to perf time.
    public static let timeConv: UInt32 = 79
    /// PERF_RECORD_HEADER_FEATURE: one header feature section (u64 feature id, then its payload), in pipe mode.
    public static let headerFeature: UInt32 = 80
    /// PERF_RECORD_COMPRESSED: zstd-compressed records (`perf record -z`); the frame starts right after the header.
    public static let compressed: UInt32 = 81
    /// PERF_RECORD_FINISHED_INIT: no payload; ends the records perf synthesized at startup (maps, comms, ...).
    public static let finishedInit: UInt32 = 82
    /// PERF_RECORD_COMPRESSED2: COMPRESSED with a u64 data_size before the frame, so header.size is 8-byte aligned.
    public static let compressed2: UInt32 = 83
    /// Highest perf (user) record type this reader knows.
    static let userMax: UInt32 = 83
}

/// `header.misc` bits.
public enum PerfRecordMisc {
    /// PERF_RECORD_MISC_CPUMODE_MASK: the low 3 bits of header.misc hold the cpumode (0 = unknown).
    public static let cpumodeMask: UInt16 = 7
    /// PERF_RECORD_MISC_KERNEL: cpumode of host kernel code.
    public static let kernel: UInt8 = 1
    /// PERF_RECORD_MISC_USER: cpumode of host user-space code.
    public static let user: UInt8 = 2
    /// PERF_RECORD_MISC_HYPERVISOR: cpumode of hypervisor code.
    public static let hypervisor: UInt8 = 3
    /// PERF_RECORD_MISC_GUEST_KERNEL: cpumode of a guest's kernel code.
    public static let guestKernel: UInt8 = 4
    /// PERF_RECORD_MISC_GUEST_USER: cpumode of a guest's user-space code.
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
    /// Process id from PERF_SAMPLE_TID (u32 pid of the pid/tid pair); -1 when not recorded.
    public var pid: Int32 = -1
    /// Thread id from PERF_SAMPLE_TID; -1 when not recorded.
    public var tid: Int32 = -1
    /// PERF_SAMPLE_TIME timestamp in ns of perf's clock (attr.clockid with use_clockid); 0 when not recorded.
    public var time: UInt64 = 0
    /// Kernel id of the event (PERF_SAMPLE_IDENTIFIER or PERF_SAMPLE_ID; the parent's id for inherited events); 0 when absent.
    public var id: UInt64 = 0
    /// PERF_SAMPLE_STREAM_ID: id of the exact event instance (the child's own id when inherited); 0 when absent.
    public var streamID: UInt64 = 0
    /// CPU number from PERF_SAMPLE_CPU (the u32 `res` padding is dropped); 0 when not recorded.
    public var cpu: UInt32 = 0
    /// Index into `PerfHeaderInfo.events` of the event that owns the record's id, the first event when no
    /// event owns it; nil when the record has no trailer to read it from.
    public var eventIndex: Int?
    /// No fields known: pid and tid -1, the rest 0, no owning event.
    public init() {}
}

/// MMAP (1) and MMAP2 (10).
public struct MmapRecord: Sendable {
    /// Byte offset of the record in the file (of its COMPRESSED record when it came from one).
    public var offset: Int
    /// header.misc: cpumode in the low 3 bits, MMAP_DATA (bit 13), MMAP_BUILD_ID (bit 14).
    public var misc: UInt16
    /// True for PERF_RECORD_MMAP2 (10), false for PERF_RECORD_MMAP (1).
    public var isMmap2: Bool
    /// `pid` of the process that owns the mapping (-1 for the kernel's own maps).
    public var pid: Int32
    /// `tid` of the thread that created the mapping (the pid again in maps perf read from /proc).
    public var tid: Int32
    /// `addr`: virtual address where the mapping starts.
    public var start: UInt64
    /// `len`: size of the mapping in bytes.
    public var length: UInt64
    /// `pgoff`: byte offset in the file that `start` maps (perf puts the kernel's text address here for its kernel map).
    public var pgoff: UInt64
    /// MMAP2 dev/inode arm (zero in the build-id arm and for MMAP).
    public var major: UInt32 = 0
    /// MMAP2 `min`: minor device number of the mapped file.
    public var minor: UInt32 = 0
    /// MMAP2 `ino`: inode number of the mapped file.
    public var inode: UInt64 = 0
    /// MMAP2 `ino_generation`: inode generation, to tell reused inode numbers apart.
    public var inodeGeneration: UInt64 = 0
    /// Lowercase hex build-id from an MMAP2 with misc bit 14 (`perf record --buildid-mmap`).
    public var buildID: String?
    /// MMAP2 `prot`: PROT_* bits of the mapping (PROT_EXEC = 4); 0 for MMAP.
    public var prot: UInt32 = 0
    /// MMAP2 `flags`: MAP_* flags of the mapping (MAP_SHARED 1, MAP_PRIVATE 2); 0 for MMAP.
    public var flags: UInt32 = 0
    /// Path of the mapped file, or a pseudo name such as `[vdso]`, `//anon` or `[kernel.kallsyms]_text`.
    public var filename: String
    /// The sample_id_all trailer (time, cpu, ...) and the owning event.
    public var sampleID: SampleID
    /// `header.misc & 7`: 1 kernel, 2 user, 3 hypervisor, 4 guest kernel, 5 guest user.
    public var cpumode: UInt8 { UInt8(misc & PerfRecordMisc.cpumodeMask) }
    /// Executable mapping: MMAP2 with PROT_EXEC, or an MMAP without the data bit.
    public var isExecutable: Bool { isMmap2 ? prot & 4 != 0 : misc & PerfRecordMisc.mmapData == 0 }
    /// First address past the mapping (`start + length`, wrapping).
    public var end: UInt64 { start &+ length }
}

/// COMM (3).
public struct CommRecord: Sendable {
    /// Byte offset of the record in the file (of its COMPRESSED record when it came from one).
    public var offset: Int
    /// header.misc: cpumode bits and COMM_EXEC (bit 13).
    public var misc: UInt16
    /// `pid` of the process whose thread was renamed.
    public var pid: Int32
    /// `tid` of the renamed thread.
    public var tid: Int32
    /// The thread's new command name (`comm`, at most 15 characters from the kernel).
    public var comm: String
    /// The sample_id_all trailer (time, cpu, ...) and the owning event.
    public var sampleID: SampleID
    /// The rename comes from exec (misc bit 13).
    public var isExec: Bool { misc & PerfRecordMisc.commExec != 0 }
}

/// FORK (7) and EXIT (4).
public struct TaskRecord: Sendable {
    /// Byte offset of the record in the file (of its COMPRESSED record when it came from one).
    public var offset: Int
    /// `pid` of the new (FORK) or exiting (EXIT) task's process.
    public var pid: Int32
    /// `ppid`: process id of the forking task (FORK) or of the exiting task's parent (EXIT).
    public var ppid: Int32
    /// `tid` of the new or exiting task.
    public var tid: Int32
    /// `ptid`: thread id of the forking thread (FORK); for EXIT kernels fill it loosely (older ones put a pid here).
    public var ptid: Int32
    /// The record's own `time` field, in ns of the same clock as sample times.
    public var time: UInt64
    /// The sample_id_all trailer (time, cpu, ...) and the owning event.
    public var sampleID: SampleID
}

/// LOST (2) and LOST_SAMPLES (13).
public struct LostRecord: Sendable {
    /// Byte offset of the record in the file (of its COMPRESSED record when it came from one).
    public var offset: Int
    /// LOST: the id of the event that lost records; 0 for LOST_SAMPLES.
    public var id: UInt64
    /// `lost`: how many records (LOST) or samples (LOST_SAMPLES) were dropped.
    public var lost: UInt64
    /// True for PERF_RECORD_LOST_SAMPLES (13), false for PERF_RECORD_LOST (2).
    public var isLostSamples: Bool
    /// The sample_id_all trailer (time, cpu, ...) and the owning event.
    public var sampleID: SampleID
}

/// Any record the reader does not decode further; `bytes` includes the 8-byte header.
public struct RawRecord {
    /// Byte offset of the record in the file (of its COMPRESSED record when `fromCompressed`).
    public var offset: Int
    /// header.type: the PERF_RECORD_* number (see `PerfRecordType`).
    public var type: UInt32
    /// header.misc flag bits (cpumode in the low 3 bits for kernel records).
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
    /// PERF_RECORD_SAMPLE (9).
    case sample(PerfSample)
    /// PERF_RECORD_MMAP (1) or PERF_RECORD_MMAP2 (10).
    case mmap(MmapRecord)
    /// PERF_RECORD_COMM (3).
    case comm(CommRecord)
    /// PERF_RECORD_FORK (7).
    case fork(TaskRecord)
    /// PERF_RECORD_EXIT (4).
    case exit(TaskRecord)
    /// PERF_RECORD_LOST (2) or PERF_RECORD_LOST_SAMPLES (13).
    case lost(LostRecord)
    /// PERF_RECORD_FINISHED_ROUND (68) at this file offset; ordered walks deliver it after the records it released.
    case finishedRound(offset: Int)
    /// PERF_RECORD_FINISHED_INIT (82) at this file offset: perf's startup records end here.
    case finishedInit(offset: Int)
    /// Any other record (kernel types not decoded here, perf's own types), with its raw bytes.
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
