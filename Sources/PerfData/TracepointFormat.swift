/// One field of a tracepoint `format` (`field:char prev_comm[16]; offset:8; size:16; signed:0;`).
public struct TracepointField: Sendable, Equatable {
    /// The field's name, e.g. `prev_comm` (without any `[N]`).
    public var name: String
    /// The C declaration without the name, e.g. `char`, `pid_t`, `__data_loc char[]`.
    public var type: String
    /// Byte offset of the field in the RAW sample data (the trace entry, which starts with `common_type`).
    public var offset: Int
    /// Size in bytes (the whole array for `name[N]`; 4 for a `__data_loc` field's locator).
    public var size: Int
    /// `signed:1` in the format: integers are sign-extended when read.
    public var isSigned: Bool
    /// `N` of `name[N]`, nil for scalars.
    public var arrayLength: Int?
    /// `__data_loc` field: a u32 `(length << 16) | offset` pointing into the record.
    public var isDataLoc: Bool
    /// A common_* field shared by every event.
    public var isCommon: Bool
    /// char arrays and `__data_loc char[]`: printed as strings.
    public var isString: Bool {
        let t = type.hasPrefix("__data_loc ") ? String(type.dropFirst(11)) : type
        return (t.hasPrefix("char") || t.hasPrefix("const char")) && (arrayLength != nil || isDataLoc)
    }
}

/// A tracepoint's `format` file: name, ID, fields and print fmt, plus field decoding from RAW bytes.
public struct TracepointFormat: Sendable {
    /// The tracing subsystem the event is under, e.g. `sched` (its events directory in the tracing data).
    public var system: String
    /// The `name:` line, e.g. `sched_switch`; empty when the format has none.
    public var name: String
    /// The `ID:` line: the tracepoint id a tracepoint event's attr `config` holds; 0 when missing.
    public var id: UInt64
    /// Every field in format order, the common_* fields first.
    public var fields: [TracepointField]
    /// The text after `print fmt: `.
    public var printFormat: String
    /// `system:name`, as perf names the event.
    public var fullName: String { "\(system):\(name)" }

    init(system: String, text: String) {
        self.system = system
        name = ""
        id = 0
        fields = []
        printFormat = ""
        var common = true
        for lineSub in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = lineSub.trimmingCharacters(in: " \t")
            if line.isEmpty {
                // A blank line separates the common_* fields from the event's own.
                if !fields.isEmpty { common = false }
            } else if line.hasPrefix("name:") {
                name = String(line.dropFirst(5)).trimmingCharacters(in: " \t")
            } else if line.hasPrefix("ID:") {
                id = UInt64(line.dropFirst(3).trimmingCharacters(in: " \t")) ?? 0
            } else if line.hasPrefix("print fmt:") {
                printFormat = String(line.dropFirst(10)).trimmingCharacters(in: " \t")
            } else if line.hasPrefix("field:"), let f = TracepointFormat.parseField(line, common: common) {
                fields.append(f)
            }
        }
    }

    /// `field:DECL; offset:N; size:N; signed:N;`
    static func parseField(_ line: String, common: Bool) -> TracepointField? {
        var decl = "", offset: Int?, size: Int?, signed = false
        for part in line.split(separator: ";") {
            let p = part.trimmingCharacters(in: " \t")
            if p.hasPrefix("field:") { decl = String(p.dropFirst(6)) }
            else if p.hasPrefix("offset:") { offset = Int(p.dropFirst(7)) }
            else if p.hasPrefix("size:") { size = Int(p.dropFirst(5)) }
            else if p.hasPrefix("signed:") { signed = p.dropFirst(7) == "1" }
        }
        guard let offset, let size, offset >= 0, size >= 0 else { return nil }
        var tokens = decl.split(separator: " ").map(String.init)
        guard var last = tokens.popLast() else { return nil }
        var arrayLength: Int?
        if let open = last.firstIndex(of: "[") {
            let inner = last[last.index(after: open)...].dropLast()
            arrayLength = Int(inner) ?? 0
            last = String(last[..<open])
        }
        let isDataLoc = tokens.first == "__data_loc"
        return TracepointField(name: last, type: tokens.joined(separator: " "), offset: offset, size: size,
                               isSigned: signed, arrayLength: arrayLength, isDataLoc: isDataLoc,
                               isCommon: common && last.hasPrefix("common_"))
    }

    /// The field called `name`, nil when the format has none.
    public func field(_ name: String) -> TracepointField? { fields.first { $0.name == name } }

    /// The field as an integer (sign-extended when signed); nil if absent, not 1/2/4/8 bytes, or out of bounds.
    public func integer(_ name: String, in raw: UnsafeRawBufferPointer) -> Int64? {
        guard let f = field(name) else { return nil }
        return TracepointFormat.integer(f, in: raw)
    }

    /// As `integer(_:in:)` for a field looked up once (the fast way for many records).
    public static func integer(_ f: TracepointField, in raw: UnsafeRawBufferPointer) -> Int64? {
        switch f.size {
        case 1: return raw.load(UInt8.self, at: f.offset).map { f.isSigned ? Int64(Int8(bitPattern: $0)) : Int64($0) }
        case 2: return raw.load(UInt16.self, at: f.offset).map { f.isSigned ? Int64(Int16(bitPattern: $0)) : Int64($0) }
        case 4: return raw.load(UInt32.self, at: f.offset).map { f.isSigned ? Int64(Int32(bitPattern: $0)) : Int64($0) }
        case 8: return raw.load(UInt64.self, at: f.offset).map { Int64(bitPattern: $0) }
        default: return nil
        }
    }

    /// The field's bytes: the array itself, or what a `__data_loc` points at.
    public func bytes(_ name: String, in raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let f = field(name) else { return nil }
        return TracepointFormat.bytes(f, in: raw)
    }

    /// As `bytes(_:in:)` for a field looked up once.
    public static func bytes(_ f: TracepointField, in raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        if f.isDataLoc {
            guard let loc = raw.load(UInt32.self, at: f.offset) else { return nil }
            return raw.slice(Int(loc & 0xffff), Int(loc >> 16))
        }
        return raw.slice(f.offset, f.size)
    }

    /// A char array or `__data_loc` string, NUL-trimmed.
    public func string(_ name: String, in raw: UnsafeRawBufferPointer) -> String? {
        bytes(name, in: raw)?.nulTerminatedString()
    }

    /// The payload as perf script prints it, by evaluating `print fmt` (nil if it uses something unsupported).
    public func render(_ raw: UnsafeRawBufferPointer) -> String? {
        PrintFormat.parse(printFormat)?.render(self, raw)
    }

    /// `__print_flags` tables of the print fmt, keyed by the field they apply to (e.g. `prev_state`).
    public var flagTables: [String: [(value: UInt64, text: String)]] {
        PrintFormat.parse(printFormat)?.flagTables ?? [:]
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
