/// Decodes the kernel's non-sample records (MMAP, MMAP2, COMM, FORK, EXIT, LOST, LOST_SAMPLES).
enum RecordDecoder {
    /// `body` is the record after its 8-byte header; `trailer` the bytes taken by sample_id_all.
    static func decode(type: UInt32, misc: UInt16, body: UnsafeRawBufferPointer, trailer: Int,
                       offset: Int, sampleID: SampleID) -> PerfRecord? {
        let payloadEnd = max(0, body.count - trailer)
        func i32(_ o: Int) -> Int32? { body.load(Int32.self, at: o) }
        func u64(_ o: Int) -> UInt64? { body.load(UInt64.self, at: o) }
        func text(from o: Int) -> String {
            guard o < payloadEnd, let b = body.slice(o, payloadEnd - o) else { return "" }
            return b.nulTerminatedString()
        }
        switch type {
        case PerfRecordType.mmap:
            guard let pid = i32(0), let tid = i32(4), let start = u64(8), let len = u64(16), let pgoff = u64(24),
                  payloadEnd >= 32 else { return nil }
            return .mmap(MmapRecord(offset: offset, misc: misc, isMmap2: false, pid: pid, tid: tid, start: start,
                                    length: len, pgoff: pgoff, filename: text(from: 32), sampleID: sampleID))
        case PerfRecordType.mmap2:
            guard let pid = i32(0), let tid = i32(4), let start = u64(8), let len = u64(16), let pgoff = u64(24),
                  payloadEnd >= 64 else { return nil }
            var r = MmapRecord(offset: offset, misc: misc, isMmap2: true, pid: pid, tid: tid, start: start, length: len,
                               pgoff: pgoff, filename: text(from: 64), sampleID: sampleID)
            if misc & PerfRecordMisc.mmapBuildID != 0 {
                let n = min(Int(body.load(UInt8.self, at: 32) ?? 0), 20)
                r.buildID = body.slice(36, n).map(hex)
            } else {
                r.major = body.loadUnchecked(UInt32.self, at: 32)
                r.minor = body.loadUnchecked(UInt32.self, at: 36)
                r.inode = body.loadUnchecked(UInt64.self, at: 40)
                r.inodeGeneration = body.loadUnchecked(UInt64.self, at: 48)
            }
            r.prot = body.loadUnchecked(UInt32.self, at: 56)
            r.flags = body.loadUnchecked(UInt32.self, at: 60)
            return .mmap(r)
        case PerfRecordType.comm:
            guard let pid = i32(0), let tid = i32(4), payloadEnd >= 8 else { return nil }
            return .comm(CommRecord(offset: offset, misc: misc, pid: pid, tid: tid, comm: text(from: 8), sampleID: sampleID))
        case PerfRecordType.fork, PerfRecordType.exit:
            guard let pid = i32(0), let ppid = i32(4), let tid = i32(8), let ptid = i32(12), let time = u64(16) else {
                return nil
            }
            let r = TaskRecord(offset: offset, pid: pid, ppid: ppid, tid: tid, ptid: ptid, time: time, sampleID: sampleID)
            return type == PerfRecordType.fork ? .fork(r) : .exit(r)
        case PerfRecordType.lost:
            guard let id = u64(0), let lost = u64(8) else { return nil }
            return .lost(LostRecord(offset: offset, id: id, lost: lost, isLostSamples: false, sampleID: sampleID))
        case PerfRecordType.lostSamples:
            guard let lost = u64(0) else { return nil }
            return .lost(LostRecord(offset: offset, id: 0, lost: lost, isLostSamples: true, sampleID: sampleID))
        default:
            return nil
        }
    }

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
