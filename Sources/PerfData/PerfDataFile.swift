/// A perf.data file (file mode or pipe mode), memory-mapped, with its header parsed.
public final class PerfDataFile: @unchecked Sendable {
    /// The file name used in error messages.
    public let name: String
    /// Everything the header, attrs and feature sections (or pipe-mode header records) say.
    public private(set) var header = PerfHeaderInfo()
    /// Non-fatal problems found while parsing the header (e.g. feature sections past the end of a cut file).
    public private(set) var warnings: [PerfDataError] = []
    /// Byte range of the data section (pipe mode: the stream after the 16-byte header).
    public private(set) var dataRange: Range<Int> = 0..<0
    /// Where the header says the data section ends (may exceed the file for a truncated file).
    private var declaredDataEnd = 0
    private let storage: ByteStorage
    private var table = EventTable()

    /// Opens and maps `path`; `"-"`, a FIFO or a pipe is read to EOF instead (pipe mode).
    public convenience init(path: String) throws {
        try self.init(storage: ByteStorage(path: path), name: InputName.of(path))
    }

    /// Parses an in-memory copy of `bytes` (tests).
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(storage: ByteStorage(copying: bytes), name: name)
    }

    private init(storage: ByteStorage, name: String) throws {
        self.storage = storage
        self.name = name
        let b = storage.bytes
        guard let magic = b.load(UInt64.self, at: 0) else {
            throw PerfDataError.truncated(file: name, what: "file header", offset: 0, need: 8, fileEnd: b.count)
        }
        let expected: UInt64 = 0x3245_4c49_4652_4550 // "PERFILE2" little-endian
        if magic == expected.byteSwapped { throw PerfDataError.otherEndian(file: name) }
        guard magic == expected else { throw PerfDataError.badMagic(file: name, found: magic) }
        guard let size = b.load(UInt64.self, at: 8) else {
            throw PerfDataError.truncated(file: name, what: "file header", offset: 8, need: 8, fileEnd: b.count)
        }
        if size == 16 {
            header.isPipe = true
            dataRange = 16..<b.count
            declaredDataEnd = b.count
            scanPipeHeaderRecords()
        } else {
            try parseFileHeader(headerSize: size)
        }
        header.events = table.events
    }

    // MARK: file mode

    private func parseFileHeader(headerSize: UInt64) throws {
        let b = storage.bytes
        guard headerSize >= 104, headerSize < 1 << 20 else {
            throw PerfDataError.malformed(file: name, offset: 8, message: "bad file header size \(headerSize)")
        }
        guard b.count >= 104 else {
            throw PerfDataError.truncated(file: name, what: "file header", offset: 0, need: 104, fileEnd: b.count)
        }
        let attrSize = Int(clamping: b.loadUnchecked(UInt64.self, at: 16))
        let attrs = section(at: 24)
        let data = section(at: 40)
        var events: [PerfEvent] = []
        if attrs.size > 0 {
            guard attrSize > 16 else {
                throw PerfDataError.malformed(file: name, offset: 16, message: "bad attr_size \(attrSize)")
            }
            guard attrs.offset <= b.count, attrs.size <= b.count - attrs.offset else {
                throw PerfDataError.truncated(file: name, what: "attrs section", offset: attrs.offset, need: attrs.size, fileEnd: b.count)
            }
            for i in 0..<(attrs.size / attrSize) {
                let entry = attrs.offset + i * attrSize
                let attrBytes = b.slice(entry, attrSize - 16)!
                var e = PerfEvent(attr: attrBytes.prefix(min(PerfEvent.attrLength(in: attrBytes), attrBytes.count)))
                let ids = section(at: entry + attrSize - 16)
                guard ids.offset <= b.count, ids.size <= b.count - ids.offset else {
                    throw PerfDataError.truncated(file: name, what: "attr ids", offset: ids.offset, need: ids.size, fileEnd: b.count)
                }
                e.ids = (0..<(ids.size / 8)).map { b.loadUnchecked(UInt64.self, at: ids.offset + 8 * $0) }
                events.append(e)
            }
        }
        table.set(events)
        // A crashed perf leaves data.size 0: the data then runs to the end of the file.
        let dataEnd = data.size == 0 ? b.count : data.offset.addingReportingOverflow(data.size).partialValue
        declaredDataEnd = dataEnd
        let start = min(data.offset, b.count)
        dataRange = start..<max(start, min(dataEnd, b.count))
        if data.size > 0 { parseFeatures(at: dataEnd) }
        finishEvents()
    }

    private func section(at o: Int) -> (offset: Int, size: Int) {
        let b = storage.bytes
        return (Int(clamping: b.load(UInt64.self, at: o) ?? 0), Int(clamping: b.load(UInt64.self, at: o + 8) ?? 0))
    }

    private var eventNames: [(name: String, ids: [UInt64])] = []

    private func parseFeatures(at start: Int) {
        let b = storage.bytes
        var bits: [Int] = []
        for word in 0..<4 {
            let w = b.loadUnchecked(UInt64.self, at: 72 + 8 * word)
            for bit in 0..<64 where w & (1 << UInt64(bit)) != 0 { bits.append(word * 64 + bit) }
        }
        header.features = bits
        let parser = FeatureParser(name: name)
        for (i, feat) in bits.enumerated() {
            let at = start + 16 * i
            guard at >= 0, at <= b.count - 16 else {
                warnings.append(.truncated(file: name, what: "feature section table", offset: at, need: 16, fileEnd: b.count))
                return
            }
            let s = section(at: at)
            guard let payload = b.slice(s.offset, s.size) else {
                warnings.append(.truncated(file: name, what: "feature \(feat) section", offset: s.offset, need: s.size, fileEnd: b.count))
                continue
            }
            parser.apply(feature: feat, payload: payload, base: s.offset, to: &header, eventNames: &eventNames, warnings: &warnings)
        }
    }

    /// Applies EVENT_DESC names (matched by id, else by position) and perf's fallback names.
    private func finishEvents() {
        var events = table.events
        for (i, desc) in eventNames.enumerated() {
            let byID = desc.ids.first.flatMap { id in events.firstIndex { $0.ids.contains(id) } }
            if let k = byID ?? (i < events.count ? i : nil), events[k].name.isEmpty { events[k].name = desc.name }
        }
        var tracepoints: [UInt64: String] = [:]
        for f in header.tracing?.formats ?? [] { tracepoints[f.id] = f.fullName }
        for i in events.indices where events[i].name.isEmpty {
            events[i].name = events[i].fallbackName(tracepoints: tracepoints)
        }
        table.set(events)
    }

    // MARK: pipe mode

    /// Pipe mode puts attrs, names, features and tracing data in records: collect them before the walk.
    private func scanPipeHeaderRecords() {
        let b = storage.bytes
        let parser = FeatureParser(name: name)
        var events: [PerfEvent] = []
        var names: [(id: UInt64, name: String)] = []
        var pos = 16
        while b.count - pos >= 8 {
            let type = b.loadUnchecked(UInt32.self, at: pos)
            let size = Int(b.loadUnchecked(UInt16.self, at: pos + 6))
            guard size >= 8, size <= b.count - pos else { break }
            let rec = b.slice(pos, size)!
            var advance = size
            switch type {
            case PerfRecordType.headerAttr:
                let body = rec.slice(8, size - 8)!
                let len = min(PerfEvent.attrLength(in: body), body.count)
                var e = PerfEvent(attr: body.prefix(len))
                e.ids = stride(from: len, to: body.count - 7, by: 8).map { body.loadUnchecked(UInt64.self, at: $0) }
                events.append(e)
            case PerfRecordType.eventUpdate:
                // { u64 type; u64 id; ... }: type 2 (NAME) carries the event name.
                if rec.load(UInt64.self, at: 8) == 2, let id = rec.load(UInt64.self, at: 16), let s = rec.slice(24, size - 24) {
                    names.append((id, s.nulTerminatedString()))
                }
            case PerfRecordType.headerFeature:
                if let feat = rec.load(UInt64.self, at: 8), feat < 256 {
                    header.features.append(Int(feat))
                    parser.apply(feature: Int(feat), payload: rec.slice(16, size - 16)!, base: pos + 16, to: &header,
                                 eventNames: &eventNames, warnings: &warnings)
                }
            case PerfRecordType.headerTracingData:
                let blob = Int(rec.load(UInt32.self, at: 8) ?? 0)
                let padded = (blob + 7) & ~7
                if let data = b.slice(pos + size, blob), padded <= b.count - pos - size {
                    do {
                        header.tracing = try TracingData(data, name: name, base: pos + size)
                    } catch let e as PerfDataError {
                        warnings.append(e)
                    } catch {}
                    header.features.append(PerfFeature.tracingData)
                }
                advance += padded
            case PerfRecordType.headerBuildID:
                if let e = FeatureParser.buildID(record: rec) { header.buildIDs.append(e) }
            default:
                break
            }
            pos += advance
        }
        table.set(events)
        for n in names { table.rename(id: n.id, to: n.name) }
        finishEvents()
    }

    // MARK: records

    /// Walks every record of the data section, delivering them to `visit`.
    ///
    /// With `ordered` (the default) kernel records are delivered in perf's order: sorted by time within
    /// FINISHED_ROUND windows, records without a time at once. Record views point into the mapped file or a
    /// decompression buffer and are valid only during the call. Problems in the data end the walk and are
    /// returned in the report (`error`), after everything read before them was delivered; only errors thrown by
    /// `visit` are rethrown.
    @discardableResult
    public func forEachRecord(ordered: Bool = true, _ visit: (PerfRecord) throws -> Void) throws -> PerfReadReport {
        try withoutActuallyEscaping(visit) { v in
            let walker = RecordWalker(bytes: storage.bytes, name: name, table: table, ordered: ordered,
                                      decompressLimit: decompressLimit, visit: v)
            return try walker.run(start: dataRange.lowerBound, end: dataRange.upperBound, declaredEnd: declaredDataEnd,
                                  pipe: header.isPipe)
        }
    }

    /// As `forEachRecord`, with samples handed to `sample` unwrapped (the faster way to read
    /// many samples) and every other record to `other`.
    public func forEachRecord(ordered: Bool = true, sample: (PerfSample) throws -> Void,
                              other: (PerfRecord) throws -> Void) throws -> PerfReadReport {
        try withoutActuallyEscaping(sample) { s in
            try withoutActuallyEscaping(other) { o in
                let walker = RecordWalker(bytes: storage.bytes, name: name, table: table, ordered: ordered,
                                          decompressLimit: decompressLimit, visit: o, visitSample: s)
                return try walker.run(start: dataRange.lowerBound, end: dataRange.upperBound,
                                      declaredEnd: declaredDataEnd, pipe: header.isPipe)
            }
        }
    }

    /// The most one COMPRESSED record may decompress to. perf compresses what it read from one
    /// ring buffer (the header's `mmap_len`) and decompresses into a buffer of that size; twice
    /// that is allowed, and 64 MiB when the header does not say.
    var decompressLimit: Int {
        guard let m = header.compression?.mmapLength, m > 0 else { return 64 << 20 }
        return max(2 * Int(m), 1 << 20)
    }

    /// The tracepoint format of event `index`, if it is a tracepoint.
    public func tracepointFormat(event index: Int) -> TracepointFormat? { header.tracepointFormat(event: index) }
}

extension UnsafeRawBufferPointer {
    /// The first `n` bytes.
    func prefix(_ n: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self[0..<Swift.min(n, count)]) }
}
