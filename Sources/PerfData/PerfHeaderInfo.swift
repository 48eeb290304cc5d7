/// A build-id from the BUILD_ID feature or a HEADER_BUILD_ID record.
public struct BuildIDEntry: Sendable, Equatable {
    public var pid: Int32
    /// `misc & 7` of the entry: 1 kernel, 2 user.
    public var cpumode: UInt8
    /// Lowercase hex.
    public var buildID: String
    public var filename: String
}

/// zstd parameters from the COMPRESSED feature.
public struct CompressionInfo: Sendable, Equatable {
    public var version: UInt32
    /// 1 = zstd.
    public var type: UInt32
    public var level: UInt32
    public var ratio: UInt32
    public var mmapLength: UInt32
}

/// perf.data header feature bits (tools/perf/util/header.h).
public enum PerfFeature {
    public static let tracingData = 1
    public static let buildID = 2
    public static let hostname = 3
    public static let osRelease = 4
    public static let version = 5
    public static let arch = 6
    public static let nrCPUs = 7
    public static let cpuDesc = 8
    public static let cpuID = 9
    public static let totalMem = 10
    public static let cmdline = 11
    public static let eventDesc = 12
    public static let sampleTime = 21
    public static let compressed = 27
    /// perf 6.1's HEADER_LAST_FEATURE: the pipe-mode end marker.
    public static let last = 32
}

/// What the header and its feature sections say about the recording.
public struct PerfHeaderInfo: Sendable {
    /// True for pipe mode (`perf record -o -`): header size 16, everything else in-stream.
    public var isPipe = false
    public var hostname: String?
    public var osRelease: String?
    public var perfVersion: String?
    public var arch: String?
    public var cpuDescription: String?
    public var cpuID: String?
    public var totalMemoryKB: UInt64?
    public var nrCPUsOnline: Int?
    public var nrCPUsAvailable: Int?
    public var cmdline: [String] = []
    public var buildIDs: [BuildIDEntry] = []
    public var events: [PerfEvent] = []
    /// SAMPLE_TIME feature: first and last sample time (ns).
    public var sampleTimeFirst: UInt64?
    public var sampleTimeLast: UInt64?
    public var compression: CompressionInfo?
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
