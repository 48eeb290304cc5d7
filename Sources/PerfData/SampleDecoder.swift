/// What decoding needs of an event's attr: plain values, so handing it over per record copies
/// no String or array (a PerfEvent copy per record showed up in profiles).
struct SampleLayout {
    var sampleType: SampleType
    var readFormat: ReadFormat
    var branchSampleType: UInt64
    var sampleRegsUser: UInt64
    var sampleRegsIntr: UInt64
    var sampleIDAll: Bool

    init(_ e: PerfEvent) {
        sampleType = e.sampleType
        readFormat = e.readFormat
        branchSampleType = e.branchSampleType
        sampleRegsUser = e.sampleRegsUser
        sampleRegsIntr = e.sampleRegsIntr
        sampleIDAll = e.sampleIDAll
    }
}

/// Decodes PERF_RECORD_SAMPLE bodies and sample_id_all trailers in perf's field order (evsel__parse_sample).
enum SampleDecoder {
    /// A bounds-checked forward cursor over one record body.
    private struct Cursor {
        let body: UnsafeRawBufferPointer
        var pos = 0
        var failedAt: Int?

        init(_ body: UnsafeRawBufferPointer) { self.body = body }

        /// `pos + n`, saturating (for error messages about hostile lengths).
        static func end(_ pos: Int, _ n: UInt64) -> Int {
            let m = Int(clamping: n)
            return m > Int.max - pos ? Int.max : pos + m
        }

        @inline(__always)
        mutating func u64() -> UInt64 {
            guard failedAt == nil else { return 0 }
            guard body.count - pos >= 8 else { failedAt = pos + 8; return 0 }
            defer { pos &+= 8 }
            return body.loadUnchecked(UInt64.self, at: pos)
        }

        @inline(__always)
        mutating func u32() -> UInt32 {
            guard failedAt == nil else { return 0 }
            guard body.count - pos >= 4 else { failedAt = pos + 4; return 0 }
            defer { pos &+= 4 }
            return body.loadUnchecked(UInt32.self, at: pos)
        }

        /// `n` u64s as a view; fails without overflow when n is hostile.
        @inline(__always)
        mutating func u64s(_ n: UInt64) -> U64View {
            guard failedAt == nil else { return .empty }
            guard n <= UInt64((body.count - pos) / 8) else {
                let (bytes, overflow) = n.multipliedReportingOverflow(by: 8)
                failedAt = overflow ? Int.max : Cursor.end(pos, bytes)
                return .empty
            }
            defer { pos &+= Int(n) &* 8 }
            return U64View(base: body.baseAddress.unsafelyUnwrapped + pos, count: Int(n))
        }

        @inline(__always)
        mutating func bytes(_ n: UInt64) -> UnsafeRawBufferPointer {
            guard failedAt == nil else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            guard n <= UInt64(body.count - pos) else {
                failedAt = Cursor.end(pos, n)
                return UnsafeRawBufferPointer(start: nil, count: 0)
            }
            defer { pos &+= Int(n) }
            return UnsafeRawBufferPointer(rebasing: body[pos..<(pos + Int(n))])
        }
    }

    /// Decodes a sample body (bytes after the 8-byte header) for `event`.
    /// Returns the number of bytes needed on failure (the sample does not fit in header.size).
    static func decodeSample(_ body: UnsafeRawBufferPointer, misc: UInt16, event: SampleLayout, eventIndex: Int,
                             into s: inout PerfSample) -> Int? {
        let t = event.sampleType
        var c = Cursor(body)
        s.misc = misc
        s.sampleID.eventIndex = eventIndex
        if t.contains(.identifier) { s.sampleID.id = c.u64() }
        if t.contains(.ip) { s.ip = c.u64() }
        if t.contains(.tid) {
            s.sampleID.pid = Int32(bitPattern: c.u32())
            s.sampleID.tid = Int32(bitPattern: c.u32())
        }
        if t.contains(.time) { s.sampleID.time = c.u64() }
        if t.contains(.addr) { s.addr = c.u64() }
        if t.contains(.id) { s.sampleID.id = c.u64() }
        if t.contains(.streamID) { s.sampleID.streamID = c.u64() }
        if t.contains(.cpu) {
            s.sampleID.cpu = c.u32()
            _ = c.u32()
        }
        if t.contains(.period) { s.period = c.u64() }
        if t.contains(.read) { s.read = readValues(&c, event.readFormat) }
        if t.contains(.callchain) { s.callchain = c.u64s(c.u64()) }
        if t.contains(.raw) { s.raw = c.bytes(UInt64(c.u32())) }
        if t.contains(.branchStack) {
            let nr = c.u64()
            // PERF_SAMPLE_BRANCH_HW_INDEX (1 << 17) adds hw_idx; BRANCH_COUNTERS (1 << 19) a counter per entry.
            let hw: UInt64? = event.branchSampleType & (1 << 17) != 0 ? c.u64() : nil
            let entries = nr <= UInt64.max / 3 ? c.u64s(nr * 3) : c.u64s(UInt64.max)
            let counters = event.branchSampleType & (1 << 19) != 0 ? c.u64s(nr) : .empty
            s.branchStack = PerfBranchStack(hwIndex: hw, entries: entries, counterValues: counters)
        }
        if t.contains(.regsUser) { s.regsUser = regs(&c, mask: event.sampleRegsUser) }
        if t.contains(.stackUser) {
            let size = c.u64()
            if size != 0 {
                s.stackUser.data = c.bytes(size)
                s.stackUser.dynSize = c.u64()
                if c.failedAt == nil, s.stackUser.dynSize > size { c.failedAt = c.pos }
            }
        }
        if !t.intersection([.weight, .weightStruct]).isEmpty { s.weight = c.u64() }
        if t.contains(.dataSrc) { s.dataSrc = c.u64() }
        if t.contains(.transaction) { s.transaction = c.u64() }
        if t.contains(.regsIntr) { s.regsIntr = regs(&c, mask: event.sampleRegsIntr) }
        if t.contains(.physAddr) { s.physAddr = c.u64() }
        if t.contains(.cgroup) { s.cgroup = c.u64() }
        if t.contains(.dataPageSize) { s.dataPageSize = c.u64() }
        if t.contains(.codePageSize) { s.codePageSize = c.u64() }
        if t.contains(.aux) { s.aux = c.bytes(c.u64()) }
        return c.failedAt
    }

    private static func regs(_ c: inout Cursor, mask: UInt64) -> PerfRegs {
        var r = PerfRegs()
        r.abi = c.u64()
        r.mask = mask
        if r.abi != 0 { r.values = c.u64s(UInt64(mask.nonzeroBitCount)) }
        return r
    }

    private static func readValues(_ c: inout Cursor, _ f: ReadFormat) -> PerfReadData {
        var d = PerfReadData()
        func one(_ c: inout Cursor) -> ReadValue {
            let v = c.u64()
            return ReadValue(value: v, id: nil, lost: nil)
        }
        if f.contains(.group) {
            let nr = c.u64()
            if f.contains(.totalTimeEnabled) { d.timeEnabled = c.u64() }
            if f.contains(.totalTimeRunning) { d.timeRunning = c.u64() }
            let per = 1 + (f.contains(.id) ? 1 : 0) + (f.contains(.lost) ? 1 : 0)
            guard nr <= UInt64(c.body.count / 8 / per) else { _ = c.u64s(UInt64.max); return d }
            for _ in 0..<Int(nr) {
                var v = one(&c)
                if f.contains(.id) { v.id = c.u64() }
                if f.contains(.lost) { v.lost = c.u64() }
                d.values.append(v)
            }
        } else {
            var v = one(&c)
            if f.contains(.totalTimeEnabled) { d.timeEnabled = c.u64() }
            if f.contains(.totalTimeRunning) { d.timeRunning = c.u64() }
            if f.contains(.id) { v.id = c.u64() }
            if f.contains(.lost) { v.lost = c.u64() }
            d.values.append(v)
        }
        return d
    }

    /// Size in bytes of the sample_id_all trailer for `event` (0 without sample_id_all).
    static func trailerSize(_ event: SampleLayout) -> Int {
        guard event.sampleIDAll else { return 0 }
        let t = event.sampleType
        var n = 0
        for bit in [SampleType.tid, .time, .id, .streamID, .cpu, .identifier] where t.contains(bit) { n += 8 }
        return n
    }

    /// Parses the trailer backwards from the end of `body`; nil when the body is too short for it.
    static func decodeTrailer(_ body: UnsafeRawBufferPointer, event: SampleLayout, eventIndex: Int) -> SampleID? {
        var id = SampleID()
        id.eventIndex = eventIndex
        guard event.sampleIDAll else { return id }
        let t = event.sampleType
        var end = body.count
        func take() -> UInt64? {
            guard end >= 8 else { return nil }
            end -= 8
            return body.loadUnchecked(UInt64.self, at: end)
        }
        if t.contains(.identifier) { guard let v = take() else { return nil }; id.id = v }
        if t.contains(.cpu) { guard let v = take() else { return nil }; id.cpu = UInt32(truncatingIfNeeded: v) }
        if t.contains(.streamID) { guard let v = take() else { return nil }; id.streamID = v }
        if t.contains(.id) { guard let v = take() else { return nil }; id.id = v }
        if t.contains(.time) { guard let v = take() else { return nil }; id.time = v }
        if t.contains(.tid) {
            guard let v = take() else { return nil }
            id.pid = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
            id.tid = Int32(bitPattern: UInt32(truncatingIfNeeded: v >> 32))
        }
        return id
    }
}
