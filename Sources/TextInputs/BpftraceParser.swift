/// A streaming parser of bpftrace map dumps (bpftrace 0.17), text or `-f json`, working on bytes.
///
/// Text entries, printed when bpftrace exits, span lines when their key holds stacks:
///
///     @offcpu[
///         __schedule+1560          kernel stack, leaf first, offsets in decimal
///         schedule+35
///     ,
///         clock_nanosleep+101      user stack; `0x7f..` when bpftrace could not name it
///     , slow sleeper, 14156, 1]: 20768
///
/// and JSON lines carry the same key text (`,` instead of `, `) as object keys:
/// `{"type": "map", "data": {"@offcpu": {"\n    __schedule+1560\n...,slow sleeper,14156,1": 20768}}}`.
/// Lines of both kinds may be mixed; `Attaching N probes...` and bpftrace's harmless
/// `ERROR: ... RLIMIT_MEMLOCK` / `failed to look up stack id` lines are skipped.
///
/// Values are taken to be microseconds: what a script sums is unknowable from its output, and
/// off-CPU scripts (bcc's, and `testdata/offcpu/bt/*.bt`) sum microseconds. Keys are read as
/// `BpftraceKey` describes (stacks, comm, tid/pid, state, waker). One map is read: `map` when
/// given, else the first whose keys hold stacks; maps without a stack in their key (not
/// off-CPU maps), maps whose values are not numbers (histograms, statistics) and further stack
/// maps are skipped and named once in the report. JSON objects may repeat a key (bpftrace keys
/// user stacks by thread too): each is its own record.
public struct BpftraceParser {
    /// The map to read (`@offcpu` or `offcpu`); nil reads the first map with stacks in its key.
    public var map: String?

    /// A parser reading `map`, or the first off-CPU map when nil.
    public init(map: String? = nil) {
        self.map = map
    }

    /// Parses all of `source`, calling `visitor` for each record; returns what was skipped.
    public func parse(_ source: ByteSource, into visitor: WaitRecordVisitor) throws -> ParseReport {
        let reader = BpftraceReader(visitor: visitor, wanted: map.map { $0.hasPrefix("@") ? $0 : "@" + $0 })
        try source.forEachLine { raw, number in
            reader.report.lines = number
            var line = raw
            if let last = line.last, last == 0x0D { line = slice(line, 0, line.count - 1) }
            reader.textLine(line, number: number)
            return true
        }
        reader.finish()
        return reader.report
    }
}

/// A map name for a warning: as it is when it looks like one (`@offcpu`), else quoted and escaped,
/// since JSON map names can hold any character, line breaks included.
func mapName(_ name: [UInt8]) -> String {
    if name.count <= 60 && name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return String(decoding: name, as: UTF8.self) }
    return name.withUnsafeBufferPointer { InputError.excerpt($0) }
}

/// Which maps are read, decided once per map name.
private struct MapChooser {
    enum Kind { case stacks, noStack, notNumbers }
    let wanted: [UInt8]?
    var chosen: [UInt8]?
    var decisions: [[UInt8]: Bool] = [:]

    func known(_ name: [UInt8]) -> Bool? { decisions[name] }

    mutating func settle(_ name: [UInt8], _ kind: Kind, report: inout ParseReport) -> Bool {
        if let done = decisions[name] { return done }
        var read = false
        var why: String?
        switch kind {
        case .noStack: why = "skipped: no stack in its key, so it is not an off-CPU map"
        case .notNumbers: why = "skipped: its values are not whole numbers (a histogram, statistics, strings or stacks)"
        case .stacks:
            if let wanted {
                read = name == wanted
            } else if let chosen {
                why = "skipped: only one off-CPU map is read, \(mapName(chosen)) (another can be asked for by name)"
            } else {
                chosen = name
                read = true
            }
        }
        if let why, wanted == nil || wanted == name {
            report.skippedMaps.append("\(mapName(name)): \(why)")
        }
        decisions[name] = read
        return read
    }
}

private final class BpftraceReader {
    var report = ParseReport()
    let visitor: WaitRecordVisitor
    var maps: MapChooser
    /// The text entry being read: map name, key so far (lines joined by "\n"), first line.
    var entryName: [UInt8] = []
    var entryKey: [UInt8] = []
    var entryStart: Int?
    /// After `@name[key]: ` with nothing after it: the value spans the next lines.
    var skippingValue = false
    /// Entries of a text map not yet known to hold stacks (their keys have empty parts only).
    var pendingName: [UInt8]?
    var pending: [(key: [UInt8], value: UInt64?, line: Int)] = []
    var jsonKey: [UInt8] = []
    var jsonText: [UInt8] = []
    static let pendingLimit = 100_000

    init(visitor: WaitRecordVisitor, wanted: String?) {
        self.visitor = visitor
        maps = MapChooser(wanted: wanted.map { Array($0.utf8) })
    }

    func textLine(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        if isNoise(line) { return }
        if let start = entryStart {
            if let first = line.first, first == 0x20 {
                entryKey.append(0x0A)
                entryKey.append(contentsOf: line)
                return
            }
            if let first = line.first, first == 0x2C || first == 0x5D {
                entryKey.append(0x0A)
                if let (keyEnd, valueStart) = entryEnd(line) {
                    entryKey.append(contentsOf: slice(line, 0, keyEnd))
                    entryStart = nil
                    let key = entryKey
                    key.withUnsafeBufferPointer { entry(name: entryName, key: $0, value: slice(line, valueStart, line.count), line: start) }
                } else {
                    entryKey.append(contentsOf: line)
                }
                return
            }
            report.dropRecord(line: start, "the map entry is cut off before its `]: value` line")
            entryStart = nil
        }
        if line.isEmpty {
            skippingValue = false
            return
        }
        if line[0] == 0x40 {
            skippingValue = false
            startEntry(line, number: number)
        } else if line[0] == 0x7B {
            skippingValue = false
            settlePending()
            jsonLine(line, number: number)
        } else if !skippingValue {
            report.unrecognized(line, number: number)
        }
    }

    func finish() {
        if let start = entryStart { report.dropRecord(line: start, "the input ends inside this map entry") }
        entryStart = nil
        settlePending()
        if let wanted = maps.wanted, maps.decisions[wanted] == nil {
            report.skippedMaps.append("\(mapName(wanted)): not found in the input")
        }
    }

    private func isNoise(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        if OffCPUText.has(line, "Attaching ") { return OffCPUText.ends(line, "probes...") || OffCPUText.ends(line, "probe...") }
        guard OffCPUText.has(line, "ERROR: ") else { return false }
        return OffCPUText.find(line, "RLIMIT_MEMLOCK") != nil || OffCPUText.has(line, "ERROR: failed to look up stack id")
    }

    /// `]: value` at the end of a line: the index of `]` and of the value. The last one wins, so
    /// a comm may contain `]: `.
    private func entryEnd(_ line: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        var i = line.count - 2
        while i >= 0 {
            if line[i] == 0x5D && line[i + 1] == 0x3A && (i + 2 == line.count || line[i + 2] == 0x20) {
                return (i, min(i + 3, line.count))
            }
            i -= 1
        }
        return nil
    }

    private func startEntry(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        var i = 1
        while i < line.count && (isWordByte(line[i])) { i += 1 }
        let name = Array(slice(line, 0, i))
        if pendingName != nil && pendingName != name { settlePending() }
        if i < line.count && line[i] == 0x3A {
            // `@name: value`: a map without a key.
            _ = maps.settle(name, .noStack, report: &report)
            skippingValue = i + 2 >= line.count
            return
        }
        guard i < line.count, line[i] == 0x5B else {
            report.unrecognized(line, number: number)
            return
        }
        let rest = slice(line, i + 1, line.count)
        if let (keyEnd, valueStart) = entryEnd(rest) {
            entry(name: name, key: slice(rest, 0, keyEnd), value: slice(rest, valueStart, rest.count), line: number)
            return
        }
        entryName = name
        entryKey.removeAll(keepingCapacity: true)
        entryKey.append(contentsOf: rest)
        entryStart = number
    }

    /// One complete text entry.
    private func entry(name: [UInt8], key: UnsafeBufferPointer<UInt8>, value printed: UnsafeBufferPointer<UInt8>, line: Int) {
        let value = OffCPUText.trimEnd(printed)
        let numeric = value.first.map { isDigit($0) || $0 == 0x2D } ?? false
        if value.isEmpty { skippingValue = true }
        var read = maps.known(name)
        if read == nil && !numeric { read = maps.settle(name, .notNumbers, report: &report) }
        guard read != false else { return }
        guard let parsed = BpftraceKey(key, separatorLength: 2) else {
            report.dropRecord(line: line, "the key of this map entry is malformed")
            return
        }
        if read == nil {
            if parsed.hasStack {
                read = maps.settle(name, .stacks, report: &report)
                if pendingName == name {
                    pendingName = nil
                    if read == true { flushPending() }
                }
            } else if parsed.hasEmptyPart && pending.count < BpftraceReader.pendingLimit {
                pendingName = name
                pending.append((Array(key), OffCPUText.wholeNumber(value), line))
                return
            } else {
                read = maps.settle(name, .noStack, report: &report)
            }
        }
        guard read == true else { return }
        deliver(parsed, value: OffCPUText.wholeNumber(value), line: line)
    }

    private func deliver(_ key: BpftraceKey, value: UInt64?, line: Int) {
        guard let micros = value else {
            report.dropRecord(line: line, "its value is not a whole number that fits in 64 bits")
            return
        }
        report.records += 1
        visitor.record(key.record(micros: micros), line: line)
    }

    private func flushPending() {
        for entry in pending {
            entry.key.withUnsafeBufferPointer { bytes in
                if let parsed = BpftraceKey(bytes, separatorLength: 2) { deliver(parsed, value: entry.value, line: entry.line) }
            }
        }
        pending.removeAll()
    }

    /// The text map whose entries were held back ended without a stack: it is not an off-CPU map.
    private func settlePending() {
        if let name = pendingName { _ = maps.settle(name, .noStack, report: &report) }
        pendingName = nil
        pending.removeAll()
    }

    /// One line of `-f json` output.
    private func jsonLine(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        var cursor = JSONCursor(line)
        var dataAt: Int?
        var type: [UInt8] = []
        guard cursor.take(0x7B) else { report.unrecognized(line, number: number); return }
        if !cursor.take(0x7D) {
            repeat {
                guard cursor.string(into: &jsonKey), cursor.take(0x3A) else { report.unrecognized(line, number: number); return }
                if jsonKey.elementsEqual("type".utf8) {
                    guard cursor.string(into: &type) else { report.unrecognized(line, number: number); return }
                    continue
                }
                if jsonKey.elementsEqual("data".utf8) { dataAt = cursor.p }
                guard cursor.skipValue() else { report.unrecognized(line, number: number); return }
            } while cursor.take(0x2C)
        }
        guard let at = dataAt else { return }
        let isMap = type.elementsEqual("map".utf8)
        guard isMap || type.elementsEqual("hist".utf8) || type.elementsEqual("lhist".utf8)
                || type.elementsEqual("stats".utf8) else { return }
        cursor.p = at
        guard cursor.take(0x7B) else { return }
        if cursor.take(0x7D) { return }
        repeat {
            guard cursor.string(into: &jsonKey), cursor.take(0x3A) else { report.unrecognized(line, number: number); return }
            let name = jsonKey
            if !isMap || cursor.peek() != 0x7B {
                _ = maps.settle(name, isMap ? .noStack : .notNumbers, report: &report)
                guard cursor.skipValue() else { report.unrecognized(line, number: number); return }
                continue
            }
            var read = maps.known(name)
            if read == nil, let kind = classify(cursor) { read = maps.settle(name, kind, report: &report) }
            if read == true {
                guard mapEntries(&cursor, line: number) else { report.unrecognized(line, number: number); return }
            } else {
                guard cursor.skipValue() else { report.unrecognized(line, number: number); return }
            }
        } while cursor.take(0x2C)
    }

    /// What a JSON map object holds, looking at all of it (it is on this one line); nil when it is
    /// empty (a cleared map tells nothing) or malformed.
    private func classify(_ start: JSONCursor) -> MapChooser.Kind? {
        var cursor = start
        var stacks = false
        guard cursor.take(0x7B), !cursor.take(0x7D) else { return nil }
        repeat {
            guard cursor.string(into: &jsonText), cursor.take(0x3A) else { return nil }
            guard cursor.number() != nil else { return .notNumbers }
            if !stacks {
                stacks = jsonText.withUnsafeBufferPointer { BpftraceKey($0, separatorLength: 1)?.hasStack ?? false }
            }
        } while cursor.take(0x2C)
        return stacks ? .stacks : .noStack
    }

    /// Delivers every entry of the map object at the cursor; false when the JSON is malformed.
    private func mapEntries(_ cursor: inout JSONCursor, line: Int) -> Bool {
        guard cursor.take(0x7B) else { return false }
        if cursor.take(0x7D) { return true }
        repeat {
            guard cursor.string(into: &jsonText), cursor.take(0x3A) else { return false }
            let value: UInt64?
            switch cursor.number() {
            case .whole(let v)?: value = v
            case .overflow?, .other?: value = nil
            case nil:
                guard cursor.skipValue() else { return false }
                value = nil
            }
            jsonText.withUnsafeBufferPointer { bytes in
                if let parsed = BpftraceKey(bytes, separatorLength: 1) {
                    deliver(parsed, value: value, line: line)
                } else {
                    report.dropRecord(line: line, "a key of this map is malformed")
                }
            }
        } while cursor.take(0x2C)
        return cursor.take(0x7D)
    }
}
