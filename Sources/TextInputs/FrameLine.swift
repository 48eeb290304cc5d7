/// One callchain line of a `perf script` record: `addr symbol[+0xoff] (dso)`.
///
/// Slices point into the reader's buffer and are valid only during the callback.
public struct FrameLine {
    /// The address as printed (hex digits, no `0x`): a file offset for mapped user frames.
    public var address: UnsafeBufferPointer<UInt8>
    /// The symbol with any `+0x…` offset removed; `[unknown]` when perf had none.
    public var symbol: UnsafeBufferPointer<UInt8>
    /// The offset perf printed after the symbol, if any.
    public var offset: UInt64?
    /// The mapping's path or a bracketed name (`[kernel.kallsyms]`, `[unknown]`, `[vdso]`).
    public var dso: UnsafeBufferPointer<UInt8>

    /// A frame made by another reader (perf.data), as perf script would print it.
    public init(address: UnsafeBufferPointer<UInt8>, symbol: UnsafeBufferPointer<UInt8>, offset: UInt64?,
                dso: UnsafeBufferPointer<UInt8>) {
        self.address = address
        self.symbol = symbol
        self.offset = offset
        self.dso = dso
    }

    /// Parses a frame line with stackcollapse-perf.pl's grammar: an address word, the symbol,
    /// and the dso in the last parenthesised group that follows ` (` (unlike the Perl script, a
    /// dso ending in ` (deleted)` stays whole). Returns nil otherwise.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> FrameLine? {
        let n = line.count
        var p = 0
        while p < n && isSpace(line[p]) { p += 1 }
        let addressStart = p
        while p < n && isWordByte(line[p]) { p += 1 }
        guard p > addressStart else { return nil }
        let address = slice(line, addressStart, p)
        let addressEnd = p
        while p < n && isSpace(line[p]) { p += 1 }
        // The last ')' closes the dso; the last " (" before it opens it. As in the Perl regex,
        // the symbol may borrow one of the spaces after the address (`addr  (dso)` has the
        // symbol " ").
        var close = n - 1
        while close > addressEnd && line[close] != 0x29 { close -= 1 }
        guard close > addressEnd + 1, line[close] == 0x29 else { return nil }
        // A mapped file deleted since (a rebuilt binary, memfd code) is `(/path (deleted))`:
        // the dso keeps its ` (deleted)`.
        var open = close - 2
        let deleted = " (deleted)".utf8
        if close - addressEnd > deleted.count + 2,
           UnsafeBufferPointer(rebasing: line[(close - deleted.count)..<close]).elementsEqual(deleted) {
            open = close - deleted.count - 2
        }
        while open > addressEnd && !(line[open] == 0x20 && line[open + 1] == 0x28) { open -= 1 }
        guard open > addressEnd, line[open] == 0x20, line[open + 1] == 0x28 else { return nil }
        let symbolStart = min(p, open - 1)
        let dso = slice(line, open + 2, close)
        var symbolEnd = open
        var offset: UInt64?
        // Strip a trailing "+0x<lowercase hex>".
        var h = symbolEnd
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while h > symbolStart, let digit = lowerHexValue(line[h - 1]) {
            if shift < 64 { value |= UInt64(digit) << shift }
            shift += 4
            h -= 1
        }
        if h < symbolEnd, h - 3 >= symbolStart, line[h - 1] == 0x78, line[h - 2] == 0x30, line[h - 3] == 0x2B {
            offset = value
            symbolEnd = h - 3
        }
        return FrameLine(address: address, symbol: slice(line, symbolStart, symbolEnd), offset: offset, dso: dso)
    }

    /// The address as a number (0 when it is not hex).
    public var addressValue: UInt64 {
        var value: UInt64 = 0
        for b in address {
            guard let d = hexValue(b) else { return 0 }
            value = value << 4 | UInt64(d)
        }
        return value
    }
}

@inline(__always) func isWordByte(_ b: UInt8) -> Bool {
    (b &- 0x30 < 10) || ((b | 0x20) &- 0x61 < 26) || b == 0x5F
}

@inline(__always) func lowerHexValue(_ b: UInt8) -> UInt8? {
    if b &- 0x30 < 10 { return b &- 0x30 }
    if b &- 0x61 < 6 { return b &- 0x61 + 10 }
    return nil
}

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    if let v = lowerHexValue(b) { return v }
    if b &- 0x41 < 6 { return b &- 0x41 + 10 }
    return nil
}
