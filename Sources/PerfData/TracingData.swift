/// The TRACING_DATA blob (feature 1 or pipe record 66): ftrace headers and every event's `format` text.
public struct TracingData: Sendable {
    /// e.g. "0.6".
    public var version: String
    /// Byte order of the recording machine; the blob's numbers are read in it.
    public var bigEndian: Bool
    /// Size of a C `long` on the recording machine, in bytes (8 on 64-bit).
    public var longSize: Int
    /// Page size of the recording machine, in bytes (e.g. 4096).
    public var pageSize: Int
    /// Text of ftrace's `events/header_page` (the ring-buffer page header's fields).
    public var headerPage: String
    /// Text of ftrace's `events/header_event` (how ring-buffer event headers are packed).
    public var headerEvent: String
    /// ftrace's own event formats (function, etc.).
    public var ftraceFormats: [TracepointFormat]
    /// Formats of the recorded events, by `system:name` order of appearance.
    public var formats: [TracepointFormat]
    /// A `/proc/kallsyms` copy carried in the blob; empty when perf stored none.
    public var kallsyms: String
    /// The kernel's `printk_formats` text: `0xADDR : "format"` lines for strings tracepoints print by address.
    public var printk: String
    /// ftrace's `saved_cmdlines` (`pid comm` lines); empty before version 0.6 or when perf stored none.
    public var savedCmdlines: String
    private var byID: [UInt64: Int] = [:]

    /// The format whose ID is `id` (a tracepoint event's `attr.config`).
    public func format(id: UInt64) -> TracepointFormat? { byID[id].map { formats[$0] } }

    /// The format named `system:name`.
    public func format(named full: String) -> TracepointFormat? { formats.first { $0.fullName == full } }

    /// Parses `b`, whose first byte is at offset `base` in the file (for error offsets).
    init(_ b: UnsafeRawBufferPointer, name: String, base: Int) throws {
        var r = Reader(b: b, name: name, base: base)
        let magic: [UInt8] = [0x17, 0x08, 0x44] + Array("tracing".utf8)
        guard try r.bytes(magic.count).elementsEqual(magic) else {
            throw PerfDataError.malformed(file: name, offset: base, message: "bad tracing data magic")
        }
        version = try r.cString()
        bigEndian = try r.bytes(1)[0] != 0
        r.swap = bigEndian != (UInt16(1).bigEndian == 1)
        longSize = Int(try r.bytes(1)[0])
        pageSize = Int(try r.u32())
        guard try r.cString() == "header_page" else {
            throw PerfDataError.malformed(file: name, offset: base + r.pos, message: "tracing data: no header_page")
        }
        headerPage = try r.text(Int(clamping: try r.u64()))
        guard try r.cString() == "header_event" else {
            throw PerfDataError.malformed(file: name, offset: base + r.pos, message: "tracing data: no header_event")
        }
        headerEvent = try r.text(Int(clamping: try r.u64()))
        ftraceFormats = []
        for _ in 0..<(try r.u32()) {
            ftraceFormats.append(TracepointFormat(system: "ftrace", text: try r.text(Int(clamping: try r.u64()))))
        }
        formats = []
        for _ in 0..<(try r.u32()) {
            let system = try r.cString()
            for _ in 0..<(try r.u32()) {
                formats.append(TracepointFormat(system: system, text: try r.text(Int(clamping: try r.u64()))))
            }
        }
        kallsyms = try r.text(Int(try r.u32()))
        printk = try r.text(Int(try r.u32()))
        let v = version.split(separator: ".").compactMap { Int($0) }
        savedCmdlines = (v.count >= 2 && (v[0] > 0 || v[1] >= 6) && r.pos < b.count) ? try r.text(Int(clamping: try r.u64())) : ""
        for (i, f) in formats.enumerated() where byID[f.id] == nil { byID[f.id] = i }
    }

    /// Bounds-checked reader in the blob's byte order.
    private struct Reader {
        let b: UnsafeRawBufferPointer
        let name: String
        let base: Int
        var pos = 0
        var swap = false

        init(b: UnsafeRawBufferPointer, name: String, base: Int) {
            self.b = b
            self.name = name
            self.base = base
        }

        func short(_ n: Int) -> PerfDataError {
            .truncated(file: name, what: "tracing data", offset: base + pos, need: n, fileEnd: base + b.count)
        }

        mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard let s = b.slice(pos, n) else { throw short(n) }
            pos += n
            return s
        }

        mutating func u32() throws -> UInt32 {
            let v = try bytes(4).loadUnchecked(UInt32.self, at: 0)
            return swap ? v.byteSwapped : v
        }

        mutating func u64() throws -> UInt64 {
            let v = try bytes(8).loadUnchecked(UInt64.self, at: 0)
            return swap ? v.byteSwapped : v
        }

        mutating func cString() throws -> String {
            let rest = UnsafeRawBufferPointer(rebasing: b[pos...])
            guard let nul = rest.firstIndex(of: 0) else { throw short(rest.count + 1) }
            pos += nul + 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: rest[0..<nul]), as: UTF8.self)
        }

        mutating func text(_ n: Int) throws -> String {
            String(decoding: try bytes(n), as: UTF8.self)
        }
    }
}
