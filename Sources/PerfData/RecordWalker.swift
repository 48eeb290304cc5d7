/// Walks the records of a data section (or pipe stream): framing, decompression, dispatch and ordering.
final class RecordWalker {
    private let bytes: UnsafeRawBufferPointer
    private let name: String
    private let table: EventTable
    private let visit: (PerfRecord) throws -> Void
    /// Samples go here when set (no PerfRecord around them: a sample is hundreds of bytes,
    /// and wrapping and unwrapping it cost a tenth of a walk), else to `visit`.
    private let visitSample: ((PerfSample) throws -> Void)?
    private let queue: OrderedQueue?
    private var report = PerfReadReport()
    private var zstd: ZstdStream?
    /// Decompressed chunks still referenced by queued records, by chunk number.
    private var chunks: [Int: GrowableBuffer] = [:]
    private var nextChunk = 0
    /// The chunk whose records are being walked: a FINISHED_ROUND inside it flushes the queue,
    /// and the chunk must outlive that.
    private var walkingChunk: Int?
    /// Bytes of a record split across two COMPRESSED records.
    private var leftover: [UInt8] = []
    /// The most one COMPRESSED record may decompress to.
    private let decompressLimit: Int

    init(bytes: UnsafeRawBufferPointer, name: String, table: EventTable, ordered: Bool, decompressLimit: Int = .max,
         visit: @escaping (PerfRecord) throws -> Void, visitSample: ((PerfSample) throws -> Void)? = nil) {
        self.bytes = bytes
        self.decompressLimit = decompressLimit
        self.name = name
        self.table = table
        self.visit = visit
        self.visitSample = visitSample
        queue = ordered ? OrderedQueue() : nil
        report.file = name
    }

    deinit {
        for c in chunks.values { c.free() }
    }

    /// Walks `[start, end)`; `declaredEnd` is where the header says the data ends (may be past the file).
    /// `pipe`: a stream has no size to check against, but perf always ends it with FINISHED_ROUND.
    func run(start: Int, end: Int, declaredEnd: Int, pipe: Bool) throws -> PerfReadReport {
        var pos = start
        var lastType: UInt32?
        while pos < end {
            guard end - pos >= 8 else {
                report.error = .truncated(file: name, what: "record header", offset: pos, need: 8, fileEnd: end)
                break
            }
            let type = bytes.loadUnchecked(UInt32.self, at: pos)
            let misc = bytes.loadUnchecked(UInt16.self, at: pos + 4)
            let size = Int(bytes.loadUnchecked(UInt16.self, at: pos + 6))
            guard size >= 8 else {
                report.error = .badRecordSize(file: name, offset: pos, type: type, size: size)
                break
            }
            guard size <= end - pos else {
                report.error = .truncatedRecord(file: name, offset: pos, type: type, size: size, end: end)
                break
            }
            let rec = UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + size)])
            var advance = size
            if type == PerfRecordType.headerTracingData {
                // The tracing blob follows the record, outside header.size, padded to 8 bytes.
                let blob = Int(rec.load(UInt32.self, at: 8) ?? 0)
                let padded = (blob + 7) & ~7
                guard padded <= end - pos - size else {
                    report.error = .truncatedRecord(file: name, offset: pos, type: type, size: size + padded, end: end)
                    break
                }
                advance += padded
                count(type)
                try deliverUser(type: type, misc: misc, rec: rec, offset: pos, fromCompressed: false)
            } else if type == PerfRecordType.auxtrace {
                // AUX area data (Intel PT, CoreSight) follows the record, outside header.size: `size`
                // bytes (perf pads it to 8 itself). Nothing here reads it; it is stepped over.
                let aux = Int(clamping: rec.load(UInt64.self, at: 8) ?? 0)
                guard aux <= end - pos - size else {
                    report.error = .truncatedRecord(file: name, offset: pos, type: type, size: size + min(aux, Int(UInt32.max)), end: end)
                    break
                }
                advance += aux
                count(type)
            } else if type == PerfRecordType.compressed || type == PerfRecordType.compressed2 {
                count(type)
                if let e = try decompress(rec, type: type, offset: pos) {
                    report.error = e
                    break
                }
            } else if let e = try handle(rec, type: type, misc: misc, offset: pos, fromCompressed: false, chunk: -1) {
                report.error = e
                break
            }
            pos += advance
            lastType = type
        }
        if report.error == nil {
            if pipe && lastType != PerfRecordType.finishedRound {
                report.warnings.append(.malformed(file: name, offset: pos,
                    message: "pipe stream ends without perf's final FINISHED_ROUND (cut short?)"))
            }
            if !leftover.isEmpty {
                report.warnings.append(.malformed(file: name, offset: pos,
                    message: "\(leftover.count) bytes of an incomplete record left at the end of the compressed data"))
            }
            if declaredEnd > end {
                report.warnings.append(.truncated(file: name, what: "data section", offset: end,
                                                  need: declaredEnd - end, fileEnd: end))
            }
        }
        // Keep what was read: queued records are delivered even when the walk stopped early.
        try flush(limit: .max)
        return report
    }

    private func count(_ type: UInt32) { report.recordCounts[type, default: 0] += 1 }

    /// Dispatches one complete record; returns the error that must stop the walk.
    private func handle(_ rec: UnsafeRawBufferPointer, type: UInt32, misc: UInt16, offset: Int, fromCompressed: Bool,
                        chunk: Int) throws -> PerfDataError? {
        count(type)
        if type == PerfRecordType.sample {
            var sample = PerfSample()
            switch decodeSample(rec, misc: misc, offset: offset, fromCompressed: fromCompressed, into: &sample) {
            case .failure(let e): return e
            case .success(false): return nil
            case .success(true):
                let time = sample.sampleID.time
                if let queue, table.layouts[sample.sampleID.eventIndex ?? 0].sampleType.contains(.time),
                   time != 0, time != .max {
                    queue.push(time: time, record: rec.baseAddress!, offset: offset, fromCompressed: fromCompressed,
                               chunk: chunk, report: &report)
                    return nil
                }
                try deliver(sample)
            }
            return nil
        }
        if type >= 1 && type <= PerfRecordType.kernelMax {
            switch decodeKernel(rec, type: type, misc: misc, offset: offset, fromCompressed: fromCompressed) {
            case .failure(let e): return e
            case .success(nil): return nil
            case .success(let r?):
                let time = r.sampleID.time
                // perf delivers records without a time (or time 0: synthesized) at once, and queues the rest.
                if let queue, hasTime(r), time != 0, time != .max {
                    queue.push(time: time, record: rec.baseAddress!, offset: offset, fromCompressed: fromCompressed,
                               chunk: chunk, report: &report)
                    return nil
                }
                try deliver(r)
            }
            return nil
        }
        if type >= PerfRecordType.headerAttr && type <= PerfRecordType.userMax {
            try deliverUser(type: type, misc: misc, rec: rec, offset: offset, fromCompressed: fromCompressed)
            return nil
        }
        report.unknownTypes[type, default: 0] += 1
        return nil
    }

    /// Whether a non-sample record's time field exists (sample_id_all with TIME).
    private func hasTime(_ r: PerfRecord) -> Bool {
        let event = table.layouts[r.sampleID.eventIndex ?? 0]
        return event.sampleIDAll && event.sampleType.contains(.time)
    }

    /// Decodes a sample into `s`; `.success(false)` means "skip" (no event owns its id).
    private func decodeSample(_ rec: UnsafeRawBufferPointer, misc: UInt16, offset: Int, fromCompressed: Bool,
                              into s: inout PerfSample) -> Result<Bool, PerfDataError> {
        let body = UnsafeRawBufferPointer(rebasing: rec[8...])
        if table.events.isEmpty {
            return .failure(.malformed(file: name, offset: offset, message: "record before any event attr"))
        }
        guard let ev = table.eventForSample(body) else {
            report.unknownIDSamples += 1
            return .success(false)
        }
        s.offset = offset
        s.fromCompressed = fromCompressed
        if let need = SampleDecoder.decodeSample(body, misc: misc, event: table.layouts[ev], eventIndex: ev, into: &s) {
            return .failure(.badSample(file: name, offset: offset, event: ev, size: rec.count,
                                       need: need == .max ? .max : need + 8))
        }
        return .success(true)
    }

    /// Decodes a non-sample kernel record; `.success(nil)` means "skip" (counted elsewhere).
    private func decodeKernel(_ rec: UnsafeRawBufferPointer, type: UInt32, misc: UInt16, offset: Int,
                              fromCompressed: Bool) -> Result<PerfRecord?, PerfDataError> {
        let body = UnsafeRawBufferPointer(rebasing: rec[8...])
        if table.events.isEmpty {
            return .failure(.malformed(file: name, offset: offset, message: "record before any event attr"))
        }
        let ev = table.eventForOther(body) ?? 0
        let event = table.layouts[ev]
        let trailer = SampleDecoder.trailerSize(event)
        let sid = SampleDecoder.decodeTrailer(body, event: event, eventIndex: ev) ?? SampleID()
        if let r = RecordDecoder.decode(type: type, misc: misc, body: body, trailer: trailer, offset: offset, sampleID: sid) {
            return .success(r)
        }
        switch type {
        case PerfRecordType.mmap, PerfRecordType.mmap2, PerfRecordType.comm, PerfRecordType.fork,
             PerfRecordType.exit, PerfRecordType.lost, PerfRecordType.lostSamples:
            report.warnings.append(.malformed(file: name, offset: offset, message: "record of type \(type) too short (\(rec.count) bytes), skipped"))
            return .success(nil)
        default:
            return .success(.other(RawRecord(offset: offset, type: type, misc: misc, bytes: rec, sampleID: sid,
                                             fromCompressed: fromCompressed)))
        }
    }

    private func deliver(_ s: PerfSample) throws {
        report.samples += 1
        if let visitSample { try visitSample(s) } else { try visit(.sample(s)) }
    }

    private func deliver(_ r: PerfRecord) throws {
        switch r {
        case .sample: report.samples += 1
        case .lost(let l):
            // Counts from a damaged or hostile file saturate rather than wrap to a small number.
            if l.isLostSamples {
                report.lostSamples = PerfReadReport.saturating(report.lostSamples, l.lost)
            } else {
                report.lostRecords += 1
                report.lostEvents = PerfReadReport.saturating(report.lostEvents, l.lost)
            }
        default: break
        }
        try visit(r)
    }

    private func deliverUser(type: UInt32, misc: UInt16, rec: UnsafeRawBufferPointer, offset: Int,
                             fromCompressed: Bool) throws {
        switch type {
        case PerfRecordType.finishedRound:
            if let queue {
                try flush(limit: queue.roundLimit())
            }
            try visit(.finishedRound(offset: offset))
        case PerfRecordType.finishedInit:
            try visit(.finishedInit(offset: offset))
        default:
            try visit(.other(RawRecord(offset: offset, type: type, misc: misc, bytes: rec, sampleID: SampleID(),
                                       fromCompressed: fromCompressed)))
        }
    }

    /// Delivers queued records with time <= limit, in time order, then frees chunks nobody needs.
    private func flush(limit: UInt64) throws {
        guard let queue else { return }
        try queue.flush(limit: limit) { e in
            let rec = UnsafeRawBufferPointer(start: e.record, count: Int(e.record.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))
            let type = rec.loadUnchecked(UInt32.self, at: 0)
            let misc = rec.loadUnchecked(UInt16.self, at: 4)
            if type == PerfRecordType.sample {
                var sample = PerfSample()
                if case .success(true) = decodeSample(rec, misc: misc, offset: e.offset, fromCompressed: e.fromCompressed,
                                                      into: &sample) {
                    try deliver(sample)
                }
            } else if case .success(let r?) = decodeKernel(rec, type: type, misc: misc, offset: e.offset,
                                                           fromCompressed: e.fromCompressed) {
                try deliver(r)
            }
        }
        releaseChunks()
    }

    private func releaseChunks() {
        guard !chunks.isEmpty else { return }
        let keep = queue?.minChunk() ?? Int.max
        for (k, c) in chunks where k < keep && k != walkingChunk {
            c.free()
            chunks[k] = nil
        }
    }

    /// Decompresses a COMPRESSED/COMPRESSED2 record and handles the records inside it.
    private func decompress(_ rec: UnsafeRawBufferPointer, type: UInt32, offset: Int) throws -> PerfDataError? {
        let payload: UnsafeRawBufferPointer
        if type == PerfRecordType.compressed2 {
            guard let n = rec.load(UInt64.self, at: 8), n <= UInt64(rec.count - 16) else {
                return .malformed(file: name, offset: offset, message: "COMPRESSED2 data_size exceeds the record")
            }
            payload = UnsafeRawBufferPointer(rebasing: rec[16..<(16 + Int(n))])
        } else {
            payload = UnsafeRawBufferPointer(rebasing: rec[8...])
        }
        if zstd == nil { zstd = ZstdStream() }
        guard let zstd else { return .decompression(file: name, offset: offset, message: "cannot create a zstd stream") }
        report.compressedRecords += 1
        var buf = GrowableBuffer(capacity: leftover.count + payload.count * 8)
        leftover.withUnsafeBytes { buf.append($0) }
        let before = buf.count
        if let message = zstd.decompress(payload, into: &buf, limit: decompressLimit) {
            buf.free()
            return .decompression(file: name, offset: offset, message: message)
        }
        report.decompressedBytes += buf.count - before
        let id = nextChunk
        nextChunk += 1
        chunks[id] = buf
        walkingChunk = id
        defer { walkingChunk = nil }
        let data = buf.bytes
        var pos = 0
        while data.count - pos >= 8 {
            let t = data.loadUnchecked(UInt32.self, at: pos)
            let m = data.loadUnchecked(UInt16.self, at: pos + 4)
            let size = Int(data.loadUnchecked(UInt16.self, at: pos + 6))
            guard size >= 8 else { return .badRecordSize(file: name, offset: offset, type: t, size: size) }
            guard size <= data.count - pos else { break }
            let inner = UnsafeRawBufferPointer(rebasing: data[pos..<(pos + size)])
            if t == PerfRecordType.compressed || t == PerfRecordType.compressed2 || t == PerfRecordType.headerTracingData
                || t == PerfRecordType.auxtrace {
                return .malformed(file: name, offset: offset, message: "record of type \(t) inside a COMPRESSED record")
            }
            if let e = try handle(inner, type: t, misc: m, offset: offset, fromCompressed: true, chunk: id) { return e }
            pos += size
        }
        leftover = Array(UnsafeRawBufferPointer(rebasing: data[pos...]))
        walkingChunk = nil
        releaseChunks()
        return nil
    }
}
