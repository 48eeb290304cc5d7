/// The first line of a `perf script` record: `comm [pid/]tid [cpu] time: [period] event: payload`.
///
/// Every field except comm and tid is optional because perf prints them depending on
/// `-F`. Byte slices point into the reader's buffer and are valid only during the callback.
public struct ScriptHeader {
    /// Thread (or process) name; may contain spaces.
    public var comm: UnsafeBufferPointer<UInt8>
    /// Process id, when perf printed `pid/tid`.
    public var pid: Int?
    /// Thread id (the only id perf prints by default).
    public var tid: Int
    /// CPU number from `[cpu]`.
    public var cpu: Int?
    /// Timestamp in nanoseconds of perf's clock, when printed.
    public var timeNanos: UInt64?
    /// The sample period, when printed (nanoseconds for cpu-clock, events otherwise).
    public var period: UInt64?
    /// Event name without its trailing colon, e.g. `cpu-clock:ppp`, `sched:sched_switch`.
    public var event: UnsafeBufferPointer<UInt8>?
    /// Whatever follows the event (tracepoint fields, or an `ip sym (dso)` without callchain).
    public var payload: UnsafeBufferPointer<UInt8>

    /// A header made by another reader (perf.data), in the shape the text parser delivers.
    public init(comm: UnsafeBufferPointer<UInt8>, pid: Int?, tid: Int, cpu: Int?, timeNanos: UInt64?,
                period: UInt64?, event: UnsafeBufferPointer<UInt8>?, payload: UnsafeBufferPointer<UInt8>) {
        self.comm = comm
        self.pid = pid
        self.tid = tid
        self.cpu = cpu
        self.timeNanos = timeNanos
        self.period = period
        self.event = event
        self.payload = payload
    }

    /// Parses a header line; returns nil when the line is not a header.
    ///
    /// The comm can contain spaces and digits, so candidate split points are tried from the
    /// left and the first whose remainder is a valid `[cpu] time: period event:` tail wins;
    /// when none is, the first candidate is used without an event (stackcollapse-perf.pl's rule).
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> ScriptHeader? {
        let n = line.count
        guard n > 0, line[0] != 0x09 else { return nil }
        var commStart = 0
        while commStart < n && line[commStart] == 0x20 { commStart += 1 }
        guard commStart < n else { return nil }

        var loose: ScriptHeader?
        var i = commStart + 1
        while i < n {
            // A candidate: whitespace run, pid field, whitespace or end of line.
            guard isSpace(line[i]) else { i += 1; continue }
            var j = i
            while j < n && isSpace(line[j]) { j += 1 }
            let fieldStart = j
            if let (first, second, after) = parsePidField(line, from: j), after == n || isSpace(line[after]) {
                let comm = slice(line, commStart, i)
                var header = ScriptHeader(
                    comm: comm, pid: second == nil ? nil : first, tid: second ?? first,
                    cpu: nil, timeNanos: nil, period: nil, event: nil,
                    payload: slice(line, n, n))
                if header.parseTail(line, from: after) { return header }
                if loose == nil { loose = header }
                i = after
            } else {
                i = max(fieldStart, i + 1)
            }
        }
        return loose
    }

    /// Whether a line is one of perf script's side-band records (`--show-mmap-events`,
    /// `--show-task-events`: `comm pid time: PERF_RECORD_MMAP2 …`), which carry no sample.
    public static func isSideBand(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let marker = ": PERF_RECORD_".utf8
        let n = line.count, m = marker.count
        guard n >= m, line.first != 0x09 else { return false }
        var i = 0
        while i + m <= n {
            if line[i] == 0x3A && UnsafeBufferPointer(rebasing: line[i..<(i + m)]).elementsEqual(marker) { return true }
            i += 1
        }
        return false
    }

    /// Parses `[cpu] time: [period] event: payload`; all but the event are optional.
    private mutating func parseTail(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let n = line.count
        var p = skipSpaces(line, start)
        if p < n && line[p] == 0x5B {  // [cpu]
            var q = p + 1
            var cpuValue = 0
            while q < n && isDigit(line[q]) { cpuValue = cpuValue &* 10 &+ Int(line[q] &- 0x30); q += 1 }
            guard q > p + 1, q < n, line[q] == 0x5D else { return false }
            cpu = cpuValue
            p = skipSpaces(line, q + 1)
        }
        // time: digits '.' digits ':'
        if p < n && isDigit(line[p]) {
            var q = p
            var seconds: UInt64 = 0
            while q < n && isDigit(line[q]) { seconds = seconds &* 10 &+ UInt64(line[q] &- 0x30); q += 1 }
            if q < n && line[q] == 0x2E {
                var r = q + 1
                var frac: UInt64 = 0
                var digits = 0
                while r < n && isDigit(line[r]) {
                    if digits < 9 { frac = frac * 10 + UInt64(line[r] &- 0x30) }
                    digits += 1
                    r += 1
                }
                guard digits > 0, r < n, line[r] == 0x3A else { return false }
                var scaled = frac
                if digits < 9 { for _ in digits..<9 { scaled *= 10 } }
                timeNanos = seconds &* 1_000_000_000 &+ scaled
                p = skipSpaces(line, r + 1)
            }
        }
        // period: digits followed by a space
        if p < n && isDigit(line[p]) {
            var q = p
            var value: UInt64 = 0
            var overflow = false
            while q < n && isDigit(line[q]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(line[q] &- 0x30))
                value = s
                overflow = overflow || o1 || o2
                q += 1
            }
            if q < n && isSpace(line[q]) {
                period = overflow ? UInt64.max : value
                p = skipSpaces(line, q)
            } else {
                return false
            }
        }
        // event: a token up to the ':' that ends it (followed by whitespace or end of line)
        guard p < n else { return false }
        var q = p
        while q < n && !isSpace(line[q]) {
            if line[q] == 0x3A && (q + 1 == n || isSpace(line[q + 1])) { break }
            q += 1
        }
        guard q < n, line[q] == 0x3A, q > p else { return false }
        event = slice(line, p, q)
        var payloadStart = skipSpaces(line, q + 1)
        var payloadEnd = n
        while payloadEnd > payloadStart && isSpace(line[payloadEnd - 1]) { payloadEnd -= 1 }
        if payloadStart > payloadEnd { payloadStart = payloadEnd }
        payload = slice(line, payloadStart, payloadEnd)
        return true
    }
}

/// `digits`, `-1`, or `digits/digits`; returns the numbers and the index after the field.
private func parsePidField(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> (Int, Int?, Int)? {
    func number(_ i: Int) -> (Int, Int)? {
        var p = i
        var negative = false
        if p < line.count && line[p] == 0x2D { negative = true; p += 1 }
        let digitsStart = p
        var value = 0
        while p < line.count && isDigit(line[p]) {
            if value < Int.max / 10 - 10 { value = value * 10 + Int(line[p] &- 0x30) }
            p += 1
        }
        guard p > digitsStart else { return nil }
        return (negative ? -value : value, p)
    }
    guard let (first, afterFirst) = number(start) else { return nil }
    if afterFirst < line.count && line[afterFirst] == 0x2F, let (second, afterSecond) = number(afterFirst + 1) {
        return (first, second, afterSecond)
    }
    return (first, nil, afterFirst)
}

@inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }
@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func skipSpaces(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
    var p = from
    while p < line.count && isSpace(line[p]) { p += 1 }
    return p
}
@inline(__always) func slice(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: line[from..<to])
}
