import CDemangle
#if canImport(Glibc)
import Glibc
#endif

/// Turns mangled C++, Rust and Swift symbol names into readable ones.
///
/// Order of checks: Swift prefixes, Rust v0 (`_R`), then Itanium (`_Z`), whose result is
/// cleaned up as Rust legacy when it ends in a `::h<16 hex>` hash.
public enum Demangler {
    /// The readable name, or `name` unchanged when it is not mangled (or cannot be demangled).
    /// `parameters: false` drops the top-level C++ parameter list and qualifiers, as Debian's perf prints.
    public static func demangle(_ name: String, parameters: Bool = false) -> String {
        if isSwift(name) {
            guard let text = swift(name) else { return name }
            return parameters ? text : dropSwiftSignatures(text)
        }
        if name.hasPrefix("_R") {
            return RustDemangler.demangleV0(name) ?? name
        }
        if name.hasPrefix("_Z") {
            // LLVM's ThinLTO renames local functions `<mangled>.llvm.<digits>`, a suffix
            // __cxa_demangle refuses; perf shows the Rust path alone.
            guard var text = cxx(name) ?? withoutLLVMSuffix(name).flatMap(cxx) else { return name }
            if let rust = RustDemangler.cleanLegacy(text) { return rust }
            if text.hasSuffix("]"), let rust = RustDemangler.cleanLegacy(withoutCloneSuffix(text)) { return rust }
            // perf prints `hash` for `hash(...) [clone .constprop.0]`.
            if !parameters { text = dropReturnType(dropParameters(withoutCloneSuffix(text))) }
            return text
        }
        return name
    }

    /// `_ZN...E.llvm.1234` -> `_ZN...E`; nil without such a suffix.
    static func withoutLLVMSuffix(_ name: String) -> String? {
        let b = Array(name.utf8)
        let marker = Array(".llvm.".utf8)
        guard b.count > marker.count else { return nil }
        for i in 0...(b.count - marker.count) where b[i] == marker[0] && b[i..<i + marker.count].elementsEqual(marker) {
            return String(decoding: b[..<i], as: UTF8.self)
        }
        return nil
    }

    /// `name [clone .llvm.1234]` -> `name` (the first ` [clone .` starts the suffixes).
    static func withoutCloneSuffix(_ text: String) -> String {
        let b = Array(text.utf8)
        let marker = Array(" [clone .".utf8)
        guard b.count > marker.count else { return text }
        for i in 0...(b.count - marker.count) where b[i] == marker[0] && b[i..<i + marker.count].elementsEqual(marker) {
            return String(decoding: b[..<i], as: UTF8.self)
        }
        return text
    }

    /// Swift's mangling prefixes (Swift 5+, Embedded, Swift 4).
    static func isSwift(_ name: String) -> Bool {
        name.hasPrefix("$s") || name.hasPrefix("$S") || name.hasPrefix("_$s") || name.hasPrefix("_$S")
            || name.hasPrefix("$e") || name.hasPrefix("_T0")
    }

    /// `swprog.drive(Swift.Int) -> Swift.Int` -> `swprog.drive`, and `closure #1 () -> () in f() -> ()`
    /// -> `closure #1 in f`: function signatures outside generic brackets are dropped, as perf drops
    /// C++ parameters. Flame graphs need it: stackcollapse's rules would cut the name at `(` and
    /// split it at `->` into fake inlined frames.
    static func dropSwiftSignatures(_ text: String) -> String {
        let b = Array(text.utf8)
        let n = b.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        func startsWith(_ s: String, at i: Int) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= n && b[i..<i + u.count].elementsEqual(u)
        }
        var angle = 0
        var i = 0
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "-") && i + 1 < n && b[i + 1] == UInt8(ascii: ">") {
                out += [c, b[i + 1]]
                i += 2
                continue
            }
            if c == UInt8(ascii: "<") { angle += 1 }
            if c == UInt8(ascii: ">") { angle = max(0, angle - 1) }
            guard c == UInt8(ascii: "("), angle == 0 else {
                out.append(c)
                i += 1
                continue
            }
            // The matching ')'.
            var depth = 0
            var j = i
            while j < n {
                if b[j] == UInt8(ascii: "(") { depth += 1 }
                if b[j] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                j += 1
            }
            guard j < n else { out += b[i...]; break }
            var k = j + 1
            while true {
                if startsWith(" async", at: k) { k += 6 } else if startsWith(" throws", at: k) { k += 7 } else { break }
            }
            if k == n {
                i = n
            } else if startsWith(" -> ", at: k) {
                while out.last == UInt8(ascii: " ") { out.removeLast() }
                // The result type runs to the next top-level " in " (closures) or the end.
                var d = 0
                k += 4
                while k < n {
                    if b[k] == UInt8(ascii: "(") || b[k] == UInt8(ascii: "<") { d += 1 }
                    if b[k] == UInt8(ascii: ")") { d -= 1 }
                    if b[k] == UInt8(ascii: ">") && !(k > 0 && b[k - 1] == UInt8(ascii: "-")) { d -= 1 }
                    if d <= 0 && startsWith(" in ", at: k) { break }
                    k += 1
                }
                i = k
            } else {
                out += b[i...j]
                i = j + 1
            }
        }
        while out.last == UInt8(ascii: " ") { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// libstdc++'s `__cxa_demangle`; nil when not a C++ name.
    public static func cxx(_ name: String) -> String? {
        guard let p = flame_cxx_demangle(name) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The Swift runtime's `swift_demangle`; nil when not a Swift name.
    public static func swift(_ name: String) -> String? {
        var copy = name
        return copy.withUTF8 { buf -> String? in
            guard let base = buf.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: buf.count) { chars -> String? in
                guard let p = flame_swift_demangle(chars, buf.count) else { return nil }
                defer { free(p) }
                return String(cString: p)
            }
        }
    }

    /// `void drive<F>` -> `drive<F>`: template functions demangle with their return type first;
    /// perf prints the name alone. The cut is the last space outside brackets and before any
    /// `operator` (so `operator new` and conversion operators stay whole).
    static func dropReturnType(_ text: String) -> String {
        let chars = Array(text.utf8)
        var depth = 0
        var cut: Int?
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case UInt8(ascii: "<"), UInt8(ascii: "("), UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: ">"), UInt8(ascii: ")"), UInt8(ascii: "}"), UInt8(ascii: "]"): depth = max(0, depth - 1)
            case UInt8(ascii: " ") where depth == 0: cut = i
            case UInt8(ascii: "o") where depth == 0 && text.utf8.dropFirst(i).starts(with: "operator".utf8):
                i = chars.count  // nothing after `operator` is a return type boundary
                continue
            default: break
            }
            i += 1
        }
        guard let cut else { return text }
        return String(decoding: chars[(cut + 1)...], as: UTF8.self)
    }

    /// `ns::W<long>::spin(long) const` -> `ns::W<long>::spin`: the parameter list that closes the
    /// name, and what follows it, removed; parentheses inside template arguments are kept.
    static func dropParameters(_ text: String) -> String {
        let chars = Array(text.utf8)
        guard chars.last == UInt8(ascii: ")") || text.hasSuffix(" const") || text.hasSuffix("&")
            || text.hasSuffix(" volatile") else { return text }
        // Walk back from the end to the '(' that opens the last top-level parameter list.
        var depth = 0
        var angle = 0
        var i = chars.count - 1
        var closeSeen = false
        while i >= 0 {
            let c = chars[i]
            if c == UInt8(ascii: ")") { depth += 1; closeSeen = true }
            else if c == UInt8(ascii: "(") {
                depth -= 1
                if depth == 0 && angle == 0 && closeSeen {
                    // `operator()(int)`: the name itself ends in "()".
                    return String(decoding: chars[0..<i], as: UTF8.self)
                }
            } else if c == UInt8(ascii: ">") && depth == 0 { angle += 1 }
            else if c == UInt8(ascii: "<") && depth == 0 && angle > 0 { angle -= 1 }
            i -= 1
        }
        return text
    }
}
