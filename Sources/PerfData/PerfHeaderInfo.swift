/// A build-id from the BUILD_ID feature or a HEADER_BUILD_ID record.
public struct BuildIDEntry: Sendable, Equatable {
    /// Machine pid the build-id belongs to: -1 for the host (perf's HOST_KERNEL_ID), another pid for a guest.
    public var pid: Int32
    /// `misc & 7` of the entry: 1 kernel, 2 user.
    public var cpumode: UInt8
    /// Lowercase hex.
    public var buildID: String
    /// Path of the file, or a pseudo name such as `[kernel.kallsyms]` or `[vdso]`.
    public var filename: String
}

/// zstd parameters from the COMPRESSED feature.
public struct CompressionInfo: Sendable, Equatable {
    /// Version of the feature's layout; perf writes 0.
    public var version: UInt32
    /// 1 = zstd.
    public var type: UInt32
    /// zstd compression level of `perf record -z`/`--compression-level` (perf's default is 1).
    public var level: UInt32
    /// Uncompressed bytes per compressed byte over the recording, rounded to a whole number.
    public var ratio: UInt32
    /// Size in bytes of the ring buffer (`mmap_len`) perf compressed from; bounds what one COMPRESSED record holds.
    public var mmapLength: UInt32
}

/// perf.data header feature bits (tools/perf/util/header.h).
public enum PerfFeature {
    /// HEADER_TRACING_DATA: tracepoint formats and kallsyms/printk text (`TracingData`).
    public static let tracingData = 1
    /// HEADER_BUILD_ID: build-ids of the files that samples hit.
    public static let buildID = 2
    /// HEADER_HOSTNAME: `uname -n` of the recording machine.
    public static let hostname = 3
    /// HEADER_OSRELEASE: kernel release (`uname -r`) of the recording machine.
    public static let osRelease = 4
    /// HEADER_VERSION: version string of the perf that recorded.
    public static let version = 5
    /// HEADER_ARCH: machine architecture (`uname -m`), e.g. `x86_64`.
    public static let arch = 6
    /// HEADER_NRCPUS: CPUs present and CPUs online.
    public static let nrCPUs = 7
    /// HEADER_CPUDESC: the CPU model name.
    public static let cpuDesc = 8
    /// HEADER_CPUID: perf's CPU identifier (on x86 vendor, family, model, stepping).
    public static let cpuID = 9
    /// HEADER_TOTAL_MEM: total memory of the recording machine, in kB.
    public static let totalMem = 10
    /// HEADER_CMDLINE: the perf command line that made the file.
    public static let cmdline = 11
    /// HEADER_EVENT_DESC: event names with their sample ids.
    public static let eventDesc = 12
    /// HEADER_SAMPLE_TIME: times of the first and last sample.
    public static let sampleTime = 21
    /// HEADER_CLOCK_DATA: the clock of `perf record -k` and one reading of it beside the wall clock.
    public static let clockData = 29
    /// HEADER_COMPRESSED: zstd parameters of a `perf record -z` file (`CompressionInfo`).
    public static let compressed = 27
    /// perf 6.1's HEADER_LAST_FEATURE: the pipe-mode end marker.
    public static let last = 32
}

/// What the header and its feature sections say about the recording.
public struct PerfHeaderInfo: Sendable {
    /// True for pipe mode (`perf record -o -`): header size 16, everything else in-stream.
    public var isPipe = false
    /// HOSTNAME feature: `uname -n` of the recording machine; nil when absent.
    public var hostname: String?
    /// OSRELEASE feature: kernel release (`uname -r`) at recording time; nil when absent.
    public var osRelease: String?
    /// VERSION feature: the recording perf's version string, e.g. `6.1.187`; nil when absent.
    public var perfVersion: String?
    /// ARCH feature: `uname -m` of the recording machine, e.g. `x86_64`; nil when absent.
    public var arch: String?
    /// CPUDESC feature: the CPU model name; nil when absent.
    public var cpuDescription: String?
    /// CPUID feature: perf's CPU identifier, e.g. `AuthenticAMD,26,2,1` on x86; nil when absent.
    public var cpuID: String?
    /// TOTAL_MEM feature: memory of the recording machine in kB; nil when absent.
    public var totalMemoryKB: UInt64?
    /// NRCPUS feature: CPUs online while recording; nil when absent.
    public var nrCPUsOnline: Int?
    /// NRCPUS feature: CPUs present (online or not); nil when absent.
    public var nrCPUsAvailable: Int?
    /// CMDLINE feature: the perf command line, one argument per element (perf's own path first); empty when absent.
    public var cmdline: [String] = []
    /// BUILD_ID feature entries (file mode) or HEADER_BUILD_ID records (pipe mode), in file order.
    public var buildIDs: [BuildIDEntry] = []
    /// The recorded events in attr order, named from EVENT_DESC or perf's fallback names.
    public var events: [PerfEvent] = []
    /// SAMPLE_TIME feature: first and last sample time (ns).
    public var sampleTimeFirst: UInt64?
    /// SAMPLE_TIME feature: time of the last sample (ns); nil when absent.
    public var sampleTimeLast: UInt64?
    /// COMPRESSED feature: zstd parameters of a `perf record -z` file; nil for uncompressed files.
    public var compression: CompressionInfo?
    /// CLOCK_DATA feature (`perf record -k`): the clock, and the wall clock (ns since the epoch)
    /// and that clock (ns) read together at the start; nil when absent.
    public var clockData: (clockID: UInt32, wallNanoseconds: UInt64, clockNanoseconds: UInt64)?
    /// Feature bits present (file mode: the header bitmap; pipe mode: HEADER_FEATURE ids seen).
    public var features: [Int] = []
    /// Tracepoint formats from TRACING_DATA (feature 1 or pipe record 66).
    public var tracing: TracingData?

    /// The event an on-CPU graph of a capture that mixes a sampling event with tracepoints
    /// (`-e cpu-clock/period=N/ -e sched:sched_switch`) is about: its first event that is neither
    /// a tracepoint nor perf's side-band "dummy" event; nil when there are no tracepoints to
    /// choose against, or no such event.
    public var samplingEventAmongTracepoints: PerfEvent? {
        let (software, tracepoint, dummy): (UInt32, UInt32, UInt64) = (1, 2, 9)
        guard events.contains(where: { $0.type == tracepoint }) else { return nil }
        return events.first { $0.type != tracepoint && !($0.type == software && $0.config == dummy) }
    }

    /// The format of event `index` when it is a tracepoint with a known format.
    public func tracepointFormat(event index: Int) -> TracepointFormat? {
        guard index >= 0, index < events.count, events[index].type == 2 else { return nil }
        return tracing?.format(id: events[index].config)
    }
}

/// Decodes feature payloads (shared by file-mode sections and pipe-mode HEADER_FEATURE records).
struct FeatureParser {
    let name: String

    /// `perf_header_string`: u32 len; char str[len] (NUL-padded). Returns the string and the bytes used.
    static func headerString(_ b: UnsafeRawBufferPointer, at o: Int) -> (String, Int)? {
        guard let n = b.load(UInt32.self, at: o), let s = b.slice(o + 4, Int(n)) else { return nil }
        return (s.nulTerminatedString(), 4 + Int(n))
    }

    /// Applies feature `feat` with payload `b` (whose first byte is at file offset `base`) to `info`.
    func apply(feature feat: Int, payload b: UnsafeRawBufferPointer, base: Int, to info: inout PerfHeaderInfo,
               eventNames: inout [(name: String, ids: [UInt64])], warnings: inout [PerfDataError]) {
        func bad(_ what: String) {
            warnings.append(.malformed(file: name, offset: base, message: "malformed \(what) feature section"))
        }
        func string() -> String? { FeatureParser.headerString(b, at: 0)?.0 }
        switch feat {
        case PerfFeature.hostname: if let s = string() { info.hostname = s } else { bad("HOSTNAME") }
        case PerfFeature.osRelease: if let s = string() { info.osRelease = s } else { bad("OSRELEASE") }
        case PerfFeature.version: if let s = string() { info.perfVersion = s } else { bad("VERSION") }
        case PerfFeature.arch: if let s = string() { info.arch = s } else { bad("ARCH") }
        case PerfFeature.cpuDesc: if let s = string() { info.cpuDescription = s } else { bad("CPUDESC") }
        case PerfFeature.cpuID: if let s = string() { info.cpuID = s } else { bad("CPUID") }
        case PerfFeature.totalMem: if let v = b.load(UInt64.self, at: 0) { info.totalMemoryKB = v } else { bad("TOTAL_MEM") }
        case PerfFeature.nrCPUs:
            // perf writes the number of present CPUs first, then the number online.
            guard let avail = b.load(UInt32.self, at: 0), let online = b.load(UInt32.self, at: 4) else { return bad("NRCPUS") }
            info.nrCPUsAvailable = Int(avail)
            info.nrCPUsOnline = Int(online)
        case PerfFeature.cmdline:
            guard let list = stringList(b) else { return bad("CMDLINE") }
            info.cmdline = list
        case PerfFeature.sampleTime:
            guard let first = b.load(UInt64.self, at: 0), let last = b.load(UInt64.self, at: 8) else { return bad("SAMPLE_TIME") }
            info.sampleTimeFirst = first
            info.sampleTimeLast = last
        case PerfFeature.clockData:
            guard let v = b.load(UInt32.self, at: 0), v >= 1, let id = b.load(UInt32.self, at: 4),
                  let wall = b.load(UInt64.self, at: 8), let clock = b.load(UInt64.self, at: 16) else { return bad("CLOCK_DATA") }
            info.clockData = (id, wall, clock)
        case PerfFeature.compressed:
            guard let v = b.load(UInt32.self, at: 0), let t = b.load(UInt32.self, at: 4), let l = b.load(UInt32.self, at: 8),
                  let r = b.load(UInt32.self, at: 12), let m = b.load(UInt32.self, at: 16) else { return bad("COMPRESSED") }
            info.compression = CompressionInfo(version: v, type: t, level: l, ratio: r, mmapLength: m)
        case PerfFeature.buildID:
            var o = 0
            while o < b.count {
                guard let size = b.load(UInt16.self, at: o + 6), size >= 8, let rec = b.slice(o, Int(size)) else {
                    return bad("BUILD_ID")
                }
                if let e = FeatureParser.buildID(record: rec) { info.buildIDs.append(e) }
                o += Int(size)
            }
        case PerfFeature.eventDesc:
            guard let list = eventDesc(b) else { return bad("EVENT_DESC") }
            eventNames = list
        case PerfFeature.tracingData:
            do {
                info.tracing = try TracingData(b, name: name, base: base)
            } catch let e as PerfDataError {
                warnings.append(e)
            } catch {}
        default:
            break
        }
    }

    /// `{ u32 nr; perf_header_string[nr] }`.
    private func stringList(_ b: UnsafeRawBufferPointer) -> [String]? {
        guard let n = b.load(UInt32.self, at: 0) else { return nil }
        var o = 4
        var out: [String] = []
        for _ in 0..<n {
            guard let (s, used) = FeatureParser.headerString(b, at: o) else { return nil }
            out.append(s)
            o += used
        }
        return out
    }

    /// `{ u32 nr; u32 attr_size; { attr; u32 nr_ids; perf_header_string name; u64 ids[nr_ids] }[nr] }`.
    private func eventDesc(_ b: UnsafeRawBufferPointer) -> [(name: String, ids: [UInt64])]? {
        guard let n = b.load(UInt32.self, at: 0), let attrSize = b.load(UInt32.self, at: 4) else { return nil }
        var o = 8
        var out: [(name: String, ids: [UInt64])] = []
        for _ in 0..<n {
            o += Int(attrSize)
            guard let nIDs = b.load(UInt32.self, at: o), let (s, used) = FeatureParser.headerString(b, at: o + 4) else {
                return nil
            }
            o += 4 + used
            guard Int(nIDs) <= (b.count - o) / 8 else { return nil }
            let ids = (0..<Int(nIDs)).map { b.loadUnchecked(UInt64.self, at: o + 8 * $0) }
            o += 8 * Int(nIDs)
            out.append((s, ids))
        }
        return out
    }

    /// `perf_record_header_build_id`: header; i32 pid; u8 build_id[24] (or data[20], u8 size); char filename[].
    static func buildID(record r: UnsafeRawBufferPointer) -> BuildIDEntry? {
        guard r.count >= 36, let misc = r.load(UInt16.self, at: 4), let pid = r.load(Int32.self, at: 8) else { return nil }
        var n = 20
        if misc & PerfRecordMisc.buildIDSize != 0 { n = min(Int(r.loadUnchecked(UInt8.self, at: 32)), 20) }
        let id = RecordDecoder.hex(r.slice(12, n)!)
        let filename = r.slice(36, r.count - 36)!.nulTerminatedString()
        return BuildIDEntry(pid: pid, cpumode: UInt8(misc & 7), buildID: id, filename: filename)
    }
}
