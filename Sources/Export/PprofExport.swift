import ProfileModel
import SwiftProtobuf

/// pprof's `profile.proto` (generated types in pprof/profile.pb.swift), gzip-compressed, as
/// `go tool pprof`, Grafana Pyroscope and Parca read it.
///
/// - Sample types: `samples/count`, then the weight: `cpu/nanoseconds` for clock events (cpu-clock,
///   task-clock), `EVENT/count` for other counted events, or `waits/count` and
///   `off-cpu/nanoseconds` off-CPU. The last is the default.
/// - One sample per distinct stack, its frames leaf first; the stack's first frame (the comm, with
///   pid/tid as the fold options put them) is its outermost location too, so pprof draws what the
///   SVG draws, and a `comm` label (for `-tagfocus`, `-tagroot`).
/// - A frame and the `_[i]` frames inlined into it make one location with several lines, innermost
///   first, as pprof expects; the functions lose the `_[i]`.
/// - Mappings: one per binary frames were found in, with the build-id perf recorded. Merged stacks
///   of many processes have no single load address, so a location's address is its function's
///   start as a file offset (user binaries; a kernel address in the kernel) and a mapping spans
///   the offsets it holds with `file_offset` equal to its start. Functions are always present, so
///   pprof never symbolizes again.
public enum PprofExport {
    /// The gzip-compressed protobuf; `comments` are shown by `pprof -comments`.
    public static func bytes(_ profile: Profile, comments: [String] = []) throws -> [UInt8] {
        let message = self.message(profile, comments: comments)
        let raw: [UInt8] = try message.serializedBytes()
        return try Gzip.compress(raw)
    }

    /// The value types and which trie weight each holds.
    static func sampleTypes(_ unit: WeightUnit) -> [(type: String, unit: String, weight: Bool)] {
        switch unit {
        case .samples: return [("samples", "count", true)]
        case .events(let event): return [("samples", "count", false), (event, "count", true)]
        case .nanoseconds: return [("samples", "count", false), ("cpu", "nanoseconds", true)]
        case .offCPU: return [("waits", "count", false), ("off-cpu", "nanoseconds", true)]
        }
    }

    static func message(_ profile: Profile, comments: [String]) -> Perftools_Profiles_Profile {
        var strings = StringTable()
        var p = Perftools_Profiles_Profile()
        let types = sampleTypes(profile.unit)
        p.sampleType = types.map { t in
            var v = Perftools_Profiles_ValueType()
            v.type = strings.id(t.type)
            v.unit = strings.id(t.unit)
            return v
        }
        p.defaultSampleType = p.sampleType.last!.type
        p.periodType = p.sampleType.last!
        p.durationNanos = Int64(clamping: profile.duration ?? 0)
        var noteLines = comments
        if let event = profile.event { noteLines.append("event: \(event)") }
        if profile.unit == .offCPU {
            noteLines.append("off-CPU time: from each switch-out to the next switch-in, charged to the switch-out stack")
        }
        p.comment = noteLines.map { strings.id($0) }

        let names = profile.names
        let origins = profile.origins
        var nameText: [Int32: String] = [:]
        func text(_ id: Int32) -> String {
            if let t = nameText[id] { return t }
            let t = String(decoding: names.bytes(id), as: UTF8.self)
            nameText[id] = t
            return t
        }

        struct FunctionKey: Hashable { var name: String; var file: String? }
        var functionIDs: [FunctionKey: UInt64] = [:]
        var functionOf: [Int32: UInt64] = [:]
        func function(_ id: Int32) -> UInt64 {
            if let f = functionOf[id] { return f }
            let origin = origins?.byName[id]
            var name = origin?.function ?? text(id)
            if origin?.function == nil && isInlinedName(names.bytes(id)) {
                name.removeLast(4)
            }
            let key = FunctionKey(name: name, file: origin?.file)
            let f: UInt64
            if let known = functionIDs[key] {
                f = known
            } else {
                f = UInt64(p.function.count + 1)
                functionIDs[key] = f
                var fn = Perftools_Profiles_Function()
                fn.id = f
                fn.name = strings.id(name)
                fn.systemName = fn.name
                if let file = origin?.file { fn.filename = strings.id(file) }
                p.function.append(fn)
            }
            functionOf[id] = f
            return f
        }

        // Locations by their frames, innermost first; the binary of each, for its mapping.
        var single: [Int32: UInt64] = [:]
        var chains: [[Int32]: UInt64] = [:]
        var locationBinary: [Int32?] = []
        var binaryWeight: [Int32: UInt64] = [:]
        var hasInline: Set<Int32> = []
        func location(_ frames: [Int32]) -> UInt64 {
            if frames.count == 1, let l = single[frames[0]] { return l }
            if frames.count > 1, let l = chains[frames] { return l }
            let l = UInt64(p.location.count + 1)
            var loc = Perftools_Profiles_Location()
            loc.id = l
            let caller = origins?.byName[frames[frames.count - 1]]
            loc.address = caller?.address ?? 0
            loc.line = frames.map { f in
                var line = Perftools_Profiles_Line()
                line.functionID = function(f)
                line.line = Int64(origins?.byName[f]?.line ?? 0)
                return line
            }
            p.location.append(loc)
            locationBinary.append(caller?.binary)
            if frames.count > 1, let b = caller?.binary { hasInline.insert(b) }
            if frames.count == 1 { single[frames[0]] = l } else { chains[frames] = l }
            return l
        }

        let commKey = strings.id("comm")
        let trie = profile.trie
        var up: [Int32] = []
        var pending: [Int32] = []
        var ids: [UInt64] = []
        for node in 1..<max(trie.nodeCount, 1) where trie.selfWeight[node] > 0 || trie.selfSamples[node] > 0 {
            trie.leafFirstPath(to: Int32(node), into: &up)
            // `up` is leaf first; its last frame is the comm.
            ids.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
            for f in up.dropLast() {
                pending.append(f)
                if !isInlinedName(names.bytes(f)) {
                    ids.append(location(pending))
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { ids.append(location(pending)) }
            ids.append(location([up[up.count - 1]]))
            var sample = Perftools_Profiles_Sample()
            sample.locationID = ids
            sample.value = types.map { Int64(clamping: $0.weight ? trie.selfWeight[node] : trie.selfSamples[node]) }
            var label = Perftools_Profiles_Label()
            label.key = commKey
            label.str = strings.id(text(up[up.count - 1]))
            sample.label = [label]
            p.sample.append(sample)
            if let b = locationBinary[Int(ids[0]) - 1] { binaryWeight[b, default: 0] &+= trie.selfWeight[node] }
        }

        // Mappings: user binaries by weight first (pprof takes the first for the main binary).
        if let origins {
            let used = Set(locationBinary.compactMap { $0 })
            let order = used.sorted { a, b in
                let pa = origins.binaries[Int(a)].path, pb = origins.binaries[Int(b)].path
                let ua = pa.hasPrefix("/"), ub = pb.hasPrefix("/")
                if ua != ub { return ua }
                let wa = binaryWeight[a] ?? 0, wb = binaryWeight[b] ?? 0
                return wa != wb ? wa > wb : pa < pb
            }
            var mappingOf: [Int32: UInt64] = [:]
            var low: [Int32: UInt64] = [:]
            var high: [Int32: UInt64] = [:]
            for (i, b) in locationBinary.enumerated() {
                guard let b else { continue }
                let a = p.location[i].address
                if a != 0 {
                    low[b] = min(low[b] ?? .max, a)
                    high[b] = max(high[b] ?? 0, a)
                }
            }
            for (k, b) in order.enumerated() {
                let binary = origins.binaries[Int(b)]
                var m = Perftools_Profiles_Mapping()
                m.id = UInt64(k + 1)
                if let lo = low[b], let hi = high[b] {
                    m.memoryStart = lo
                    m.memoryLimit = hi + 1
                    m.fileOffset = binary.path.hasPrefix("/") ? lo : 0
                }
                m.filename = strings.id(binary.path)
                if let id = binary.buildID { m.buildID = strings.id(id) }
                m.hasFunctions_p = true
                p.mapping.append(m)
                mappingOf[b] = m.id
            }
            var filenames: Set<UInt64> = [], lines: Set<UInt64> = []
            for i in p.location.indices {
                guard let b = locationBinary[i], let m = mappingOf[b] else { continue }
                p.location[i].mappingID = m
                for line in p.location[i].line {
                    if p.function[Int(line.functionID) - 1].filename != 0 { filenames.insert(m) }
                    if line.line != 0 { lines.insert(m) }
                }
            }
            for i in p.mapping.indices {
                p.mapping[i].hasFilenames_p = filenames.contains(p.mapping[i].id)
                p.mapping[i].hasLineNumbers_p = lines.contains(p.mapping[i].id)
            }
            for (b, m) in mappingOf where hasInline.contains(b) { p.mapping[Int(m) - 1].hasInlineFrames_p = true }
        }
        p.stringTable = strings.strings
        return p
    }
}

/// pprof's string table: index 0 is "", every other string once.
struct StringTable {
    private(set) var strings: [String] = [""]
    private var index: [String: Int64] = ["": 0]

    mutating func id(_ s: String) -> Int64 {
        if let i = index[s] { return i }
        let i = Int64(strings.count)
        strings.append(s)
        index[s] = i
        return i
    }
}
