import ProfileModel

/// Reads a program's own spans (`--spans FILE`) from Chrome trace event JSON, the format of
/// tracing-chrome, clang `-ftime-trace`, Bazel and buck profiles and ninjatracing: the JSON array
/// of events (its closing `]` may be missing, as the format allows) or an object whose
/// `traceEvents` holds it. Spans are `X` complete events (`ts` and `dur`), `B`/`E` pairs of one
/// thread (`pid`, `tid`) and `b`/`e` async pairs (`cat` and `id`), all in µs; other phases
/// (metadata, counters, instants) are not spans and are passed over. Times are kept as written,
/// in ns: placing them on a capture's clock is the reading's (`CollapseOptions.spans`).
public struct ChromeTraceSpans: Sendable {
    /// The spans, in the order their ends were read, each with its row on the strip (`Span.row`).
    public var spans: [Span]
    /// Begin events left without their end (`B` or `b`): left out, and said.
    public var unended = 0
    /// End events without a begin (`E` or `e`): left out, and said.
    public var unbegun = 0
    /// The byte offset of the first event left out, for the warning.
    public var firstLeftOut: Int?
    /// The file's name, for messages.
    public let file: String

    /// Reads `path` ('-': standard input).
    public static func read(path: String) throws -> ChromeTraceSpans {
        let source = try ByteSource(path: path)
        let bytes = try source.readRemaining()
        return try bytes.withUnsafeBufferPointer { try parse($0, file: source.name) }
    }

    /// Parses the bytes of a span file named `file`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> ChromeTraceSpans {
        var reader = Reader(cursor: JSONCursor(bytes), file: file)
        return try reader.read()
    }

    /// The warning for events left out, or nil.
    public var warning: String? {
        guard unended + unbegun > 0 else { return nil }
        var parts: [String] = []
        if unended > 0 { parts.append("\(unended) begin event\(unended == 1 ? "" : "s") (B, b) without an end") }
        if unbegun > 0 { parts.append("\(unbegun) end event\(unbegun == 1 ? "" : "s") (E, e) without a begin") }
        return "\(file): \(parts.joined(separator: " and ")) left out (the first at byte \(firstLeftOut ?? 0))"
    }
}

/// The walk of one span file.
private struct Reader {
    var cursor: JSONCursor
    let file: String
    var out: ChromeTraceSpans
    /// Open `B` events per thread and open `b` events per (cat, id): name, start (ns), offset.
    var threadStacks: [[UInt8]: [(name: String, start: UInt64, offset: Int)]] = [:]
    var asyncStacks: [[UInt8]: [(name: String, start: UInt64, offset: Int)]] = [:]

    init(cursor: JSONCursor, file: String) {
        self.cursor = cursor
        self.file = file
        out = ChromeTraceSpans(spans: [], file: file)
    }

    func fail(_ detail: String) -> InputError {
        .malformed(file: file, offset: cursor.p, detail: detail)
    }

    mutating func read() throws -> ChromeTraceSpans {
        switch cursor.peek() {
        case 0x5B: try events()
        case 0x7B:
            cursor.p += 1
            var key: [UInt8] = []
            var found = false
            if !cursor.take(0x7D) {
                repeat {
                    guard cursor.string(into: &key), cursor.take(0x3A) else { throw fail("expected \"key\": value in the trace object") }
                    if key == Array("traceEvents".utf8) {
                        guard cursor.peek() == 0x5B else { throw fail("traceEvents is not an array") }
                        try events()
                        found = true
                    } else if !cursor.skipValue() {
                        throw fail("malformed JSON value")
                    }
                } while cursor.take(0x2C)
                guard cursor.take(0x7D) else { throw fail("expected , or } in the trace object") }
            }
            guard found else { throw fail("a trace object without traceEvents: not Chrome trace JSON") }
        case nil: throw fail("empty span file: expected Chrome trace JSON (an array of events, or {\"traceEvents\": [...]})")
        default: throw fail("not Chrome trace JSON: expected [ or {")
        }
        for (_, open) in threadStacks { note(open) }
        for (_, open) in asyncStacks { note(open) }
        assignRows()
        return out
    }

    mutating func note(_ open: [(name: String, start: UInt64, offset: Int)]) {
        out.unended += open.count
        for o in open { out.firstLeftOut = min(out.firstLeftOut ?? .max, o.offset) }
    }

    /// The array of events; a missing `]` at the end of the input is allowed.
    mutating func events() throws {
        cursor.p += 1
        if cursor.take(0x5D) { return }
        while true {
            guard let b = cursor.peek() else { return }
            if b == 0x5D { cursor.p += 1; return }
            guard b == 0x7B else { throw fail("expected an event object") }
            try event()
            if cursor.take(0x2C) { continue }
            if cursor.atEnd || cursor.take(0x5D) { return }
            throw fail("expected , or ] between events")
        }
    }

    /// One event object.
    mutating func event() throws {
        let offset = cursor.p
        cursor.p += 1
        var key: [UInt8] = [], name: [UInt8] = [], ph: [UInt8] = [], cat: [UInt8] = []
        var thread: [UInt8] = [], id: [UInt8] = []
        var ts: Double?, dur: Double?
        if !cursor.take(0x7D) {
            repeat {
                guard cursor.string(into: &key), cursor.take(0x3A) else { throw fail("expected \"key\": value in an event") }
                switch String(decoding: key, as: UTF8.self) {
                case "name": guard cursor.string(into: &name) else { throw fail("name is not a string") }
                case "ph": guard cursor.string(into: &ph) else { throw fail("ph is not a string") }
                case "cat": guard cursor.string(into: &cat) else { throw fail("cat is not a string") }
                case "ts": guard let v = cursor.double() else { throw fail("ts is not a number") }; ts = v
                case "dur": guard let v = cursor.double() else { throw fail("dur is not a number") }; dur = v
                case "pid", "tid":
                    let start = cursor.p
                    guard cursor.skipValue() else { throw fail("malformed \(String(decoding: key, as: UTF8.self))") }
                    thread += key + Array(cursor.bytes[start..<cursor.p]) + [0]
                case "id", "id2":
                    let start = cursor.p
                    guard cursor.skipValue() else { throw fail("malformed id") }
                    id = Array(cursor.bytes[start..<cursor.p])
                default:
                    guard cursor.skipValue() else { throw fail("malformed JSON value") }
                }
            } while cursor.take(0x2C)
            guard cursor.take(0x7D) else { throw fail("expected , or } in an event") }
        }
        guard ph.count == 1, "XBEbe".utf8.contains(ph[0]) else { return }
        guard let ts else { throw InputError.malformed(file: file, offset: offset, detail: "a \(Character(Unicode.Scalar(ph[0]))) event without ts") }
        // µs that fit in ns of 64 bits: CLOCK_MONOTONIC and the wall clock (µs since 1970) alike.
        guard ts >= 0, ts + (dur ?? 0) < 1.8e16, (dur ?? 0) >= 0 else {
            throw InputError.malformed(file: file, offset: offset, detail: "ts or dur out of range (ts \(ts), dur \(dur ?? 0)): "
                + "µs of CLOCK_MONOTONIC or of the wall clock expected")
        }
        let start = UInt64((ts * 1000).rounded())
        let label = String(decoding: name, as: UTF8.self)
        switch ph[0] {
        case UInt8(ascii: "X"):
            out.spans.append(Span(name: label, start: start, end: start + UInt64(((dur ?? 0) * 1000).rounded())))
        case UInt8(ascii: "B"):
            threadStacks[thread, default: []].append((label, start, offset))
        case UInt8(ascii: "b"):
            asyncStacks[cat + [0] + id, default: []].append((label, start, offset))
        default:
            let key = ph[0] == UInt8(ascii: "E") ? thread : cat + [0] + id
            let open = ph[0] == UInt8(ascii: "E") ? threadStacks[key]?.popLast() : asyncStacks[key]?.popLast()
            guard let open else {
                out.unbegun += 1
                out.firstLeftOut = min(out.firstLeftOut ?? .max, offset)
                return
            }
            guard start >= open.start else {
                throw InputError.malformed(file: file, offset: offset, detail: "an end event before its begin (at byte \(open.offset))")
            }
            out.spans.append(Span(name: open.name.isEmpty ? label : open.name, start: open.start, end: start))
        }
    }

    /// Rows for the strip: each span goes to the first row free at its start, so that a span
    /// inside another sits below it and spans that overlap sit side by side in rows.
    mutating func assignRows() {
        let order = out.spans.indices.sorted {
            out.spans[$0].start != out.spans[$1].start ? out.spans[$0].start < out.spans[$1].start : out.spans[$0].end > out.spans[$1].end
        }
        var rowEnds: [UInt64] = []
        for i in order {
            let s = out.spans[i]
            if let r = rowEnds.firstIndex(where: { $0 <= s.start }) {
                rowEnds[r] = s.end
                out.spans[i].row = r
            } else {
                out.spans[i].row = rowEnds.count
                rowEnds.append(s.end)
            }
        }
    }
}
