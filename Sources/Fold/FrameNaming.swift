import ProfileModel

/// How `perf script` frames become folded frame names: stackcollapse-perf.pl's rules
/// (`[unknown]` → `[dso basename]`, offsets and parameter lists removed, quotes dropped,
/// Java `L` prefixes, `_[k]`/`_[j]`/`_[i]` annotations), except where those rules are wrong:
/// parentheses inside C++ template arguments, `operator()`, the scope of lambdas and local
/// classes (`f(long)::{lambda(long)#1}`) and `(anonymous namespace)` functions are kept.
public struct FrameNaming: Sendable {
    /// Append `_[k]` to kernel frames.
    public var annotateKernel = false
    /// Append `_[j]` to frames from perf JIT maps (`/tmp/perf-PID.map`).
    public var annotateJit = false
    /// Show `[dso <addr>]` instead of `[dso]` for unknown symbols.
    public var includeAddrs = false

    /// The rules with these annotations; all off gives stackcollapse-perf.pl's default names.
    public init(annotateKernel: Bool = false, annotateJit: Bool = false, includeAddrs: Bool = false) {
        self.annotateKernel = annotateKernel
        self.annotateJit = annotateJit
        self.includeAddrs = includeAddrs
    }

    /// The folded names for one frame line, outermost last as perf's `a->b` inline notation
    /// lists them. Empty when the frame is skipped: a symbol in parentheses is a process name,
    /// except C++'s `(anonymous namespace)::f`, which stackcollapse-perf.pl wrongly drops.
    public func names(symbol: UnsafeBufferPointer<UInt8>, dso: UnsafeBufferPointer<UInt8>,
                      address: UnsafeBufferPointer<UInt8>, java: Bool) -> [[UInt8]] {
        if symbol.first == UInt8(ascii: "("), !FrameNaming.hasPrefix(Array(symbol), 0, "(anonymous namespace)") {
            return []
        }
        var out: [[UInt8]] = []
        for (index, piece) in splitInline(symbol).enumerated() {
            var name: [UInt8]
            if piece.elementsEqual("[unknown]".utf8) {
                var inner: [UInt8]
                if dso.elementsEqual("[unknown]".utf8) {
                    inner = Array("unknown".utf8)
                } else {
                    inner = Array(dso)
                    // The kernel marks a mapped file deleted since; the name is what matters.
                    if inner.ends(with: Array(" (deleted)".utf8)) { inner.removeLast(10) }
                    if let slash = inner.lastIndex(of: UInt8(ascii: "/")) { inner.removeSubrange(...slash) }
                }
                name = [UInt8(ascii: "[")] + inner
                if includeAddrs { name += Array(" <".utf8) + Array(address) + [UInt8(ascii: ">")] }
                name.append(UInt8(ascii: "]"))
            } else {
                name = Array(piece)
            }
            tidy(&name)
            if java && name.contains(UInt8(ascii: "/")) && name.first == UInt8(ascii: "L") {
                name.removeFirst()
            }
            if index > 0 {
                if !contains(name, "_[i]") { name += Array("_[i]".utf8) }
            } else if annotateKernel && isKernel(dso) {
                name += Array("_[k]".utf8)
            } else if annotateJit && isJitMap(dso) {
                if !contains(name, "_[j]") { name += Array("_[j]".utf8) }
            }
            out.append(name)
        }
        return out
    }

    /// `;` becomes `:`, the parameter list is cut, quotes are removed.
    func tidy(_ name: inout [UInt8]) {
        for i in name.indices where name[i] == UInt8(ascii: ";") { name[i] = UInt8(ascii: ":") }
        if !looksLikeGoMethod(name), let cut = FrameNaming.parameterListStart(name) {
            name.removeSubrange(cut...)
        }
        name.removeAll { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
    }

    /// Where a function's parameter list begins: the first `(` outside template arguments,
    /// lambda braces and `(anonymous namespace)`, not the name of `operator()`, and not a
    /// scope (a parameter list followed by `::`).
    /// Falls back to stackcollapse-perf.pl's first-`(` rule when brackets do not balance.
    static func parameterListStart(_ name: [UInt8]) -> Int? {
        let n = name.count
        var angle = 0
        var brace = 0
        var i = 0
        var candidate: Int?
        while i < n {
            let c = name[i]
            if c == UInt8(ascii: "o"), let skip = operatorLength(name, i) {
                i += skip
                continue
            }
            switch c {
            case UInt8(ascii: "<"): angle += 1
            case UInt8(ascii: ">"): if angle > 0 { angle -= 1 }
            case UInt8(ascii: "{"): brace += 1
            case UInt8(ascii: "}"): if brace > 0 { brace -= 1 }
            case UInt8(ascii: "("):
                if hasPrefix(name, i, "(anonymous namespace)") {
                    i += 21
                    continue
                }
                if angle == 0 && brace == 0 && candidate == nil {
                    // `f(long)::{lambda(long)#1}`: a parameter list followed by `::` is the scope
                    // of a local entity, part of the name.
                    if let close = matchingParen(name, i), hasPrefix(name, close + 1, "::") {
                        i = close + 1
                        continue
                    }
                    candidate = i
                }
            default: break
            }
            i += 1
        }
        if angle == 0 && brace == 0 { return candidate }
        return perlParameterListStart(name)
    }

    /// The index of the `)` that closes the `(` at `open`, if any.
    static func matchingParen(_ name: [UInt8], _ open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < name.count {
            if name[i] == UInt8(ascii: "(") { depth += 1 }
            if name[i] == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// stackcollapse-perf.pl: the first `(` not followed by `anonymous namespace)`.
    static func perlParameterListStart(_ name: [UInt8]) -> Int? {
        var i = 0
        while i < name.count {
            if name[i] == UInt8(ascii: "("), !hasPrefix(name, i, "(anonymous namespace)") { return i }
            i += 1
        }
        return nil
    }

    /// Length of `operator<symbols>` at `i` when the symbols are brackets that must not count
    /// (`operator()`, `operator<<`, `operator->`, ...); nil otherwise.
    private static func operatorLength(_ name: [UInt8], _ i: Int) -> Int? {
        guard hasPrefix(name, i, "operator") else { return nil }
        if i > 0 {
            let before = name[i - 1]
            if isIdentifierByte(before) { return nil }
        }
        var j = i + 8
        while j < name.count && name[j] == UInt8(ascii: " ") { j += 1 }
        for op in ["()", "<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "<", ">", "[]"]
        where hasPrefix(name, j, op) {
            return j - i + op.utf8.count
        }
        return nil
    }

    /// stackcollapse-perf.pl keeps Go method names such as `net/http.(*Client).Do` whole.
    private func looksLikeGoMethod(_ name: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < name.count {
            if name[i] == UInt8(ascii: "."), name[i + 1] == UInt8(ascii: "(") {
                var j = i + 2
                while j + 1 < name.count {
                    if name[j] == UInt8(ascii: ")"), name[j + 1] == UInt8(ascii: ".") { return true }
                    j += 1
                }
                return false
            }
            i += 1
        }
        return false
    }

    /// perf's legacy inline notation `outer->inner`; `operator->` is not a separator.
    private func splitInline(_ symbol: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>] {
        var parts: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        var i = 0
        let n = symbol.count
        while i + 1 < n {
            if symbol[i] == UInt8(ascii: "-"), symbol[i + 1] == UInt8(ascii: ">"),
               !(i >= 8 && FrameNaming.hasPrefix(Array(symbol[(i - 8)..<i]), 0, "operator")) {
                parts.append(UnsafeBufferPointer(rebasing: symbol[start..<i]))
                start = i + 2
                i += 2
                continue
            }
            i += 1
        }
        parts.append(UnsafeBufferPointer(rebasing: symbol[start..<n]))
        return parts
    }

    /// stackcollapse-perf.pl: a dso that starts with `[` or ends with `vmlinux`, and is not unknown.
    private func isKernel(_ dso: UnsafeBufferPointer<UInt8>) -> Bool {
        let d = Array(dso)
        guard d.first == UInt8(ascii: "[") || d.ends(with: Array("vmlinux".utf8)) else { return false }
        return !contains(d, "unknown")
    }

    /// `/tmp/perf-<digits>.map` anywhere in the dso.
    private func isJitMap(_ dso: UnsafeBufferPointer<UInt8>) -> Bool {
        let d = Array(dso)
        let prefix = Array("/tmp/perf-".utf8)
        var i = 0
        while i + prefix.count < d.count {
            if FrameNaming.hasPrefix(d, i, "/tmp/perf-") {
                var j = i + prefix.count
                let digits = j
                while j < d.count && d[j] >= 0x30 && d[j] <= 0x39 { j += 1 }
                if j > digits && FrameNaming.hasPrefix(d, j, ".map") { return true }
            }
            i += 1
        }
        return false
    }

    static func hasPrefix(_ a: [UInt8], _ at: Int, _ s: String) -> Bool {
        let u = Array(s.utf8)
        guard at >= 0, at + u.count <= a.count else { return false }
        for k in 0..<u.count where a[at + k] != u[k] { return false }
        return true
    }

    private func contains(_ a: [UInt8], _ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count <= a.count else { return false }
        for i in 0...(a.count - u.count) where FrameNaming.hasPrefix(a, i, s) { return true }
        return false
    }
}

private func isIdentifierByte(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
