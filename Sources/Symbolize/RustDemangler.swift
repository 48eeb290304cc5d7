/// Rust symbol demangling: legacy (`_ZN...17h<hash>E`, after C++ demangling) and v0 (`_R...`).
///
/// v0 follows the grammar of RFC 2603 as documented in the rustc book ("v0 Symbol Format"):
///
///     symbol-name  = "_R" [decimal-number] path [instantiating-crate] [vendor-specific-suffix]
///     path         = "C" identifier                    crate root
///                  | "M" impl-path type                inherent impl      <T>
///                  | "X" impl-path type path           trait impl         <T as Trait>
///                  | "Y" type path                     trait definition   <T as Trait>
///                  | "N" namespace path identifier     nested path        a::b, a::{closure#0}
///                  | "I" path {generic-arg} "E"        generic arguments  a::<T>, A<T>
///                  | backref
///     type         = basic-type (lowercase letter) | "A" type const | "S" type | "T" {type} "E"
///                  | "R" [lifetime] type | "Q" [lifetime] type | "P" type | "O" type
///                  | "F" fn-sig | "D" dyn-bounds lifetime | path | backref
///     generic-arg  = lifetime | type | "K" const
///     const        = type const-data | "p" | backref
///     fn-sig       = [binder] ["U"] ["K" abi] {type} "E" type
///     dyn-bounds   = [binder] {path {"p" undisambiguated-identifier type}} "E"
///     identifier   = ["s" base-62-number] ["u"] decimal-number ["_"] bytes
///     lifetime = "L" base-62-number,  binder = "G" base-62-number,  backref = "B" base-62-number
///
/// The output is the readable path only (as the book recommends): crate disambiguators, impl paths,
/// the instantiating crate and any vendor suffix (`.llvm.1234`) are parsed but not shown, and
/// integer constants are printed without a type suffix (`::<i32, 1>`, as in the book's examples).
///
/// Hostile input cannot trap or run away: every read is bounds-checked, recursion is limited to
/// `maxDepth` productions, the output to `maxOutput` bytes, and the total work to `maxSteps`
/// productions; back-references must point strictly backwards. Any violation yields nil.
enum RustDemangler {
    /// Deepest nesting of paths, types and consts (back-references included) that is demangled.
    static let maxDepth = 500
    /// Longest output, in UTF-8 bytes.
    static let maxOutput = 1 << 20
    /// Most productions parsed for one symbol (back-references can re-parse the same bytes).
    static let maxSteps = 1 << 20

    /// Demangles a Rust v0 symbol (`_R...`); nil when it is not one (or is malformed).
    static func demangleV0(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        // `_R` on ELF; Mach-O prepends another underscore.
        let start: Int
        if bytes.starts(with: [0x5F, 0x52]) { start = 2 }
        else if bytes.starts(with: [0x5F, 0x5F, 0x52]) { start = 3 }
        else { return nil }
        var parser = V0Parser(bytes: Array(bytes[start...]))
        return try? parser.symbol()
    }

    /// Cleans a legacy Rust name that libstdc++'s `__cxa_demangle` produced from `_ZN...17h<16 hex>E`,
    /// e.g. `core::fmt::write::h0123456789abcdef` -> `core::fmt::write`: drop the trailing `::h` + 16
    /// hex digits, unescape `$LT$ $GT$ $RF$ $BP$ $C$ $SP$ $LP$ $RP$ $u20$ $u22$ $u27$ $u5b$ $u5d$ $u7b$
    /// $u7d$ $u7e$` (and any `$uXX$` hex code point) and `..` -> `::` (a single leading `_` before `$`
    /// is dropped as rustc-demangle does). Returns nil when `text` does not end in such a hash (not Rust).
    static func cleanLegacy(_ text: String) -> String? {
        let b = Array(text.utf8)
        // "<body>::h" + 16 hex digits, with a non-empty body.
        let hashLength = 17
        guard b.count > hashLength + 2 else { return nil }
        let h = b.count - hashLength
        guard b[h - 2] == colon, b[h - 1] == colon, b[h] == UInt8(ascii: "h"),
              b[(h + 1)...].allSatisfy({ hexValue($0) != nil }) else { return nil }
        let body = b[..<(h - 2)]

        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        var componentStart = true  // at the start of a `::`-separated element of the C++ output
        while i < body.endIndex {
            let c = body[i]
            if componentStart, c == UInt8(ascii: "_"), i + 1 < body.endIndex, body[i + 1] == dollar {
                i += 1  // `_$LT$...`: the `_` only keeps the mangled element from starting with `$`
                componentStart = false
                continue
            }
            componentStart = false
            let next: UInt8? = i + 1 < body.endIndex ? body[i + 1] : nil
            if c == colon, next == colon {
                out += [colon, colon]
                i += 2
                componentStart = true
            } else if c == UInt8(ascii: "."), next == UInt8(ascii: ".") {
                out += [colon, colon]
                i += 2
            } else if c == dollar, let (decoded, end) = legacyEscape(body, at: i) {
                out += decoded
                i = end
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The escape `$...$` starting at `i` (a `$`): its UTF-8 text and the index after the closing `$`;
    /// nil when it is not a known escape (the `$` is then kept literally).
    private static func legacyEscape(_ b: ArraySlice<UInt8>, at i: Int) -> ([UInt8], Int)? {
        var j = i + 1
        while j < b.endIndex, j - i <= 9, b[j] != dollar { j += 1 }
        guard j < b.endIndex, b[j] == dollar, j > i + 1 else { return nil }
        let code = Array(b[(i + 1)..<j])
        let simple: [String: String] = [
            "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ",",
        ]
        let key = String(decoding: code, as: UTF8.self)
        if let text = simple[key] { return (Array(text.utf8), j + 1) }
        guard code.first == UInt8(ascii: "u"), code.count >= 2, code.count <= 7 else { return nil }
        var value: UInt32 = 0
        for d in code.dropFirst() {
            guard let v = hexValue(d) else { return nil }
            value = value << 4 | UInt32(v)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (Array(String(Character(scalar)).utf8), j + 1)
    }

    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let dollar = UInt8(ascii: "$")

    /// The value of an ASCII hex digit (either case).
    fileprivate static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Recursive-descent parser and printer for one v0 symbol (the bytes after `_R`), one method per
/// grammar production. Parsing and printing happen in one pass; `printing` is switched off for parts
/// that are parsed but not shown (impl paths, the instantiating crate).
private struct V0Parser {
    enum Failure: Error { case malformed, tooDeep, tooLong }

    /// An identifier's disambiguator (0 when absent) and decoded name.
    struct Identifier {
        var disambiguator: UInt64
        var name: String
    }

    let bytes: [UInt8]
    var pos = 0
    var out: [UInt8] = []
    var printing = true
    var depth = 0
    var steps = 0
    /// Lifetimes bound by the enclosing binders (`for<'a, ...>`), outermost first.
    var boundLifetimes = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Symbol

    /// symbol-name (after `_R`) = [decimal-number] path [instantiating-crate] [vendor-specific-suffix]
    mutating func symbol() throws -> String {
        // A version number is reserved and never emitted; refuse what we cannot know.
        guard let first = peek(), isUpper(first) else { throw Failure.malformed }
        try path(inValue: true)
        if let c = peek(), isUpper(c) {
            let saved = printing
            printing = false
            try path(inValue: false)  // instantiating crate: not shown
            printing = saved
        }
        if let c = peek(), c != UInt8(ascii: "."), c != UInt8(ascii: "$") {
            throw Failure.malformed  // trailing garbage; a vendor suffix (`.llvm.…`, `$tlv$…`) is dropped
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Paths

    /// path; `inValue` paths (the symbol's own, not a type) print generic arguments as `::<...>`.
    mutating func path(inValue: Bool) throws {
        try enter()
        defer { depth -= 1 }
        switch try next() {
        case UInt8(ascii: "C"):
            let crate = try identifier()
            emit(crate.name)
        case UInt8(ascii: "M"):
            try implPath()
            emit("<")
            try type()
            emit(">")
        case UInt8(ascii: "X"):
            try implPath()
            emit("<")
            try type()
            emit(" as ")
            try path(inValue: false)
            emit(">")
        case UInt8(ascii: "Y"):
            emit("<")
            try type()
            emit(" as ")
            try path(inValue: false)
            emit(">")
        case UInt8(ascii: "N"):
            try nestedPath(inValue: inValue)
        case UInt8(ascii: "I"):
            try path(inValue: inValue)
            emit(inValue ? "::<" : "<")
            try genericArgs()
            emit(">")
        case UInt8(ascii: "B"):
            if let resume = try backref() {
                try path(inValue: inValue)
                pos = resume
            }
        default:
            throw Failure.malformed
        }
        try checkOutput()
    }

    /// nested-path (after `N`) = namespace path identifier
    mutating func nestedPath(inValue: Bool) throws {
        let namespace = try next()
        guard isUpper(namespace) || isLower(namespace) else { throw Failure.malformed }
        try path(inValue: inValue)
        let item = try identifier()
        if isUpper(namespace) {
            // Special namespaces: closures, shims, and any future upper-case tag.
            emit("::{")
            switch namespace {
            case UInt8(ascii: "C"): emit("closure")
            case UInt8(ascii: "S"): emit("shim")
            default: emit(String(UnicodeScalar(namespace)))
            }
            if !item.name.isEmpty { emit(":" + item.name) }
            emit("#" + String(item.disambiguator) + "}")
        } else if !item.name.isEmpty {
            // Lower-case namespaces are implementation-internal and not shown.
            emit("::" + item.name)
        }
    }

    /// impl-path = [disambiguator] path, parsed but not shown.
    mutating func implPath() throws {
        let saved = printing
        printing = false
        defer { printing = saved }
        _ = try disambiguator()
        try path(inValue: false)
    }

    /// {generic-arg} "E", printed comma-separated (the opening `<` is the caller's).
    mutating func genericArgs() throws {
        var first = true
        while !eat("E") {
            if !first { emit(", ") }
            first = false
            try genericArg()
        }
    }

    /// generic-arg = lifetime | type | "K" const
    mutating func genericArg() throws {
        if eat("L") {
            try printLifetime(index: try base62())
        } else if eat("K") {
            try const()
        } else {
            try type()
        }
    }

    // MARK: Types

    /// type
    mutating func type() throws {
        try enter()
        defer { depth -= 1 }
        let tag = try next()
        if let basic = Self.basicType(tag) {
            emit(basic)
            return
        }
        switch tag {
        case UInt8(ascii: "A"):
            emit("[")
            try type()
            emit("; ")
            try const()
            emit("]")
        case UInt8(ascii: "S"):
            emit("[")
            try type()
            emit("]")
        case UInt8(ascii: "T"):
            try tupleType()
        case UInt8(ascii: "R"), UInt8(ascii: "Q"):
            emit("&")
            if eat("L") {
                let index = try base62()
                if index != 0 {  // an erased lifetime is not shown on references
                    try printLifetime(index: index)
                    emit(" ")
                }
            }
            if tag == UInt8(ascii: "Q") { emit("mut ") }
            try type()
        case UInt8(ascii: "P"):
            emit("*const ")
            try type()
        case UInt8(ascii: "O"):
            emit("*mut ")
            try type()
        case UInt8(ascii: "F"):
            try fnSig()
        case UInt8(ascii: "D"):
            try dynTrait()
        case UInt8(ascii: "B"):
            if let resume = try backref() {
                try type()
                pos = resume
            }
        case UInt8(ascii: "C"), UInt8(ascii: "M"), UInt8(ascii: "X"), UInt8(ascii: "Y"),
             UInt8(ascii: "N"), UInt8(ascii: "I"):
            pos -= 1
            try path(inValue: false)
        default:
            throw Failure.malformed
        }
        try checkOutput()
    }

    /// The one-letter basic types (`p` is the placeholder `_`).
    static func basicType(_ tag: UInt8) -> String? {
        switch tag {
        case UInt8(ascii: "a"): "i8"
        case UInt8(ascii: "b"): "bool"
        case UInt8(ascii: "c"): "char"
        case UInt8(ascii: "d"): "f64"
        case UInt8(ascii: "e"): "str"
        case UInt8(ascii: "f"): "f32"
        case UInt8(ascii: "h"): "u8"
        case UInt8(ascii: "i"): "isize"
        case UInt8(ascii: "j"): "usize"
        case UInt8(ascii: "l"): "i32"
        case UInt8(ascii: "m"): "u32"
        case UInt8(ascii: "n"): "i128"
        case UInt8(ascii: "o"): "u128"
        case UInt8(ascii: "s"): "i16"
        case UInt8(ascii: "t"): "u16"
        case UInt8(ascii: "u"): "()"
        case UInt8(ascii: "v"): "..."
        case UInt8(ascii: "x"): "i64"
        case UInt8(ascii: "y"): "u64"
        case UInt8(ascii: "z"): "!"
        case UInt8(ascii: "p"): "_"
        default: nil
        }
    }

    /// tuple-type (after `T`) = {type} "E"; a one-element tuple keeps its trailing comma.
    mutating func tupleType() throws {
        emit("(")
        var count = 0
        while !eat("E") {
            if count > 0 { emit(", ") }
            try type()
            count += 1
        }
        emit(count == 1 ? ",)" : ")")
    }

    /// fn-sig (after `F`) = [binder] ["U"] ["K" abi] {type} "E" type
    mutating func fnSig() throws {
        let bound = try binder()
        defer { boundLifetimes -= bound }
        if eat("U") { emit("unsafe ") }
        if eat("K") {
            // abi = "C" | undisambiguated-identifier (with `-` written as `_`)
            if eat("C") {
                emit("extern \"C\" ")
            } else {
                let abi = try undisambiguatedIdentifier()
                emit("extern \"" + String(abi.map { $0 == "_" ? "-" : $0 }) + "\" ")
            }
        }
        emit("fn(")
        var first = true
        while !eat("E") {
            if !first { emit(", ") }
            first = false
            try type()
        }
        emit(")")
        if !eat("u") {  // `-> ()` is not shown
            emit(" -> ")
            try type()
        }
    }

    /// dyn-trait-type (after `D`) = dyn-bounds lifetime;  dyn-bounds = [binder] {dyn-trait} "E"
    mutating func dynTrait() throws {
        emit("dyn ")
        do {
            let bound = try binder()
            defer { boundLifetimes -= bound }
            var first = true
            while !eat("E") {
                if !first { emit(" + ") }
                first = false
                try dynTraitBound()
            }
        }
        guard eat("L") else { throw Failure.malformed }
        let index = try base62()
        if index != 0 {
            emit(" + ")
            try printLifetime(index: index)
        }
    }

    /// dyn-trait = path {"p" undisambiguated-identifier type}: `Trait<Args, Assoc = T>`.
    mutating func dynTraitBound() throws {
        var open = try pathMaybeOpenGenerics()
        while eat("p") {
            emit(open ? ", " : "<")
            open = true
            let name = try undisambiguatedIdentifier()
            emit(name + " = ")
            try type()
        }
        if open { emit(">") }
    }

    /// A trait path whose generic-args list is left open (`Trait<A`) so that associated type
    /// bindings can follow; true when it was left open.
    mutating func pathMaybeOpenGenerics() throws -> Bool {
        if eat("B") {
            guard let resume = try backref() else { return false }
            try enter()
            defer { depth -= 1 }
            let open = try pathMaybeOpenGenerics()
            pos = resume
            return open
        }
        if eat("I") {
            try enter()
            defer { depth -= 1 }
            try path(inValue: false)
            emit("<")
            try genericArgs()
            return true
        }
        try path(inValue: false)
        return false
    }

    // MARK: Consts

    /// const = type const-data | "p" | backref
    mutating func const() throws {
        try enter()
        defer { depth -= 1 }
        if eat("p") {
            emit("_")
            return
        }
        if eat("B") {
            if let resume = try backref() {
                try const()
                pos = resume
            }
            return
        }
        let tag = try next()
        switch tag {
        case UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "l"), UInt8(ascii: "x"),
             UInt8(ascii: "n"), UInt8(ascii: "i"):
            let negative = eat("n")
            let digits = try hexDigits()
            emit((negative ? "-" : "") + Self.integerText(digits))
        case UInt8(ascii: "h"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "y"),
             UInt8(ascii: "o"), UInt8(ascii: "j"):
            emit(Self.integerText(try hexDigits()))
        case UInt8(ascii: "b"):
            switch try hexDigits() {
            case [0x30]: emit("false")
            case [0x31]: emit("true")
            default: throw Failure.malformed
            }
        case UInt8(ascii: "c"):
            let digits = try hexDigits()
            guard digits.count <= 8, let value = UInt32(exactly: Self.hexValue(digits)),
                  let scalar = Unicode.Scalar(value) else {
                throw Failure.malformed
            }
            emit(Self.charLiteral(scalar))
        default:
            throw Failure.malformed  // other const types are not (stably) defined
        }
        try checkOutput()
    }

    /// const-data digits: {hex-digit} "_" (lower-case), without leading zeros.
    mutating func hexDigits() throws -> [UInt8] {
        var digits: [UInt8] = []
        while true {
            let c = try next()
            if c == UInt8(ascii: "_") { break }
            guard isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) else {
                throw Failure.malformed
            }
            if digits.isEmpty && c == UInt8(ascii: "0") { continue }
            digits.append(c)
        }
        return digits.isEmpty ? [UInt8(ascii: "0")] : digits
    }

    /// Decimal when the value fits 64 bits, else `0x` and the hex digits.
    static func integerText(_ digits: [UInt8]) -> String {
        guard digits.count <= 16 else { return "0x" + String(decoding: digits, as: UTF8.self) }
        return String(hexValue(digits))
    }

    /// The value of at most 16 hex digits.
    static func hexValue(_ digits: [UInt8]) -> UInt64 {
        digits.reduce(0) { $0 << 4 | UInt64(RustDemangler.hexValue($1) ?? 0) }
    }

    /// A char constant as a Rust literal: `'a'`, `'\n'`, `'\u{7f}'`.
    static func charLiteral(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\t": return "'\\t'"
        case "\r": return "'\\r'"
        case "\n": return "'\\n'"
        case "\\": return "'\\\\'"
        case "'": return "'\\''"
        case "\0": return "'\\0'"
        default:
            if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) {
                return "'\\u{" + String(scalar.value, radix: 16) + "}'"
            }
            return "'" + String(Character(scalar)) + "'"
        }
    }

    // MARK: Lifetimes and binders

    /// binder = "G" base-62-number: prints `for<'a, 'b> ` and binds the lifetimes; returns how many
    /// were bound (0 without a binder), for the caller to release when leaving the scope.
    mutating func binder() throws -> Int {
        guard eat("G") else { return 0 }
        let count = try base62()
        guard count < 1 << 16 else { throw Failure.malformed }
        let n = Int(count) + 1
        emit("for<")
        for level in boundLifetimes..<(boundLifetimes + n) {
            if level > boundLifetimes { emit(", ") }
            emit(Self.lifetimeName(level: level))
            try checkOutput()
        }
        emit("> ")
        boundLifetimes += n
        return n
    }

    /// A lifetime's de Bruijn index (0 = erased) as a name: `'_`, or by level `'a`, `'b`, ...
    mutating func printLifetime(index: UInt64) throws {
        if index == 0 {
            emit("'_")
            return
        }
        guard index <= UInt64(boundLifetimes) else { throw Failure.malformed }
        emit(Self.lifetimeName(level: boundLifetimes - Int(index)))
    }

    static func lifetimeName(level: Int) -> String {
        guard level < 26 else { return "'_" + String(level) }
        return "'" + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(level)))
    }

    // MARK: Identifiers and numbers

    /// identifier = [disambiguator] undisambiguated-identifier
    mutating func identifier() throws -> Identifier {
        let dis = try disambiguator()
        return Identifier(disambiguator: dis, name: try undisambiguatedIdentifier())
    }

    /// disambiguator = "s" base-62-number, whose value is the number + 1; 0 when absent.
    mutating func disambiguator() throws -> UInt64 {
        guard eat("s") else { return 0 }
        let n = try base62()
        guard n < UInt64.max else { throw Failure.malformed }
        return n + 1
    }

    /// undisambiguated-identifier = ["u"] decimal-number ["_"] bytes; `u` marks Punycode.
    mutating func undisambiguatedIdentifier() throws -> String {
        let punycode = eat("u")
        let length = try decimal()
        _ = eat("_")
        guard length <= bytes.count - pos else { throw Failure.malformed }
        let raw = bytes[pos..<(pos + length)]
        pos += length
        if !printing { return "" }
        if punycode { return try Self.decodePunycode(raw) }
        var iterator = raw.makeIterator()
        var decoder = UTF8()
        var text = ""
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): text.unicodeScalars.append(scalar)
            case .emptyInput: return text
            case .error: throw Failure.malformed
            }
        }
    }

    /// decimal-number = "0" | non-zero-digit {digit}
    mutating func decimal() throws -> Int {
        let first = try next()
        guard isDigit(first) else { throw Failure.malformed }
        if first == UInt8(ascii: "0") { return 0 }
        var value = Int(first - UInt8(ascii: "0"))
        while let c = peek(), isDigit(c) {
            pos += 1
            value = value * 10 + Int(c - UInt8(ascii: "0"))
            guard value <= 1 << 30 else { throw Failure.malformed }
        }
        return value
    }

    /// base-62-number = {0-9 a-z A-Z} "_": `_` is 0, otherwise the digits' value + 1.
    mutating func base62() throws -> UInt64 {
        if eat("_") { return 0 }
        var value: UInt64 = 0
        while true {
            let c = try next()
            let digit: UInt64
            switch c {
            case UInt8(ascii: "_"):
                guard value < UInt64.max else { throw Failure.malformed }
                return value + 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = UInt64(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt64(c - UInt8(ascii: "A")) + 36
            default: throw Failure.malformed
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 62)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw Failure.malformed }
            value = sum
        }
    }

    /// backref (after `B`) = base-62-number, a byte offset into the symbol after `_R` that must lie
    /// before the backref. Moves the cursor there and returns where to resume afterwards; nil when
    /// not printing (the target was parsed before and nothing would be shown).
    mutating func backref() throws -> Int? {
        let start = pos - 1
        let target = try base62()
        guard target < UInt64(start) else { throw Failure.malformed }
        guard printing else { return nil }
        let resume = pos
        pos = Int(target)
        return resume
    }

    // MARK: Punycode

    /// RFC 3492 Punycode with `_` for the `-` delimiter: the ASCII characters before the last `_`,
    /// then base-36 deltas inserting the other code points.
    static func decodePunycode(_ input: ArraySlice<UInt8>) throws -> String {
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        guard input.count <= 1024 else { throw Failure.tooLong }
        var output: [Unicode.Scalar] = []
        var encoded = input
        if let delimiter = input.lastIndex(of: UInt8(ascii: "_")) {
            for c in input[..<delimiter] {
                guard c < 0x80 else { throw Failure.malformed }
                output.append(Unicode.Scalar(c))
            }
            encoded = input[(delimiter + 1)...]
        }
        guard !encoded.isEmpty else { throw Failure.malformed }

        func adapt(_ delta: Int, _ points: Int, _ first: Bool) -> Int {
            var delta = first ? delta / damp : delta / 2
            delta += delta / points
            var k = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                k += base
            }
            return k + (base - tMin + 1) * delta / (delta + skew)
        }

        var n = 0x80, i = 0, bias = 72
        var index = encoded.startIndex
        let limit = Int(Int32.max)
        while index < encoded.endIndex {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard index < encoded.endIndex else { throw Failure.malformed }
                let c = encoded[index]
                index += 1
                let digit: Int
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(c - UInt8(ascii: "a"))
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(c - UInt8(ascii: "A"))
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(c - UInt8(ascii: "0")) + 26
                default: throw Failure.malformed
                }
                guard digit <= (limit - i) / w else { throw Failure.malformed }
                i += digit * w
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if digit < t { break }
                guard w <= limit / (base - t) else { throw Failure.malformed }
                w *= base - t
                k += base
            }
            let points = output.count + 1
            bias = adapt(i - oldI, points, oldI == 0)
            guard i / points <= limit - n else { throw Failure.malformed }
            n += i / points
            i %= points
            guard let scalar = Unicode.Scalar(UInt32(n)) else { throw Failure.malformed }
            output.insert(scalar, at: i)
            i += 1
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: output)
        return text
    }

    // MARK: Cursor and output

    func peek() -> UInt8? {
        pos < bytes.count ? bytes[pos] : nil
    }

    mutating func next() throws -> UInt8 {
        guard pos < bytes.count else { throw Failure.malformed }
        defer { pos += 1 }
        return bytes[pos]
    }

    /// Consumes `c` when it is next.
    mutating func eat(_ c: Unicode.Scalar) -> Bool {
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: c) else { return false }
        pos += 1
        return true
    }

    /// Counts one production against the depth and work limits; callers `defer { depth -= 1 }`.
    mutating func enter() throws {
        depth += 1
        steps += 1
        guard depth <= RustDemangler.maxDepth else { throw Failure.tooDeep }
        guard steps <= RustDemangler.maxSteps else { throw Failure.tooLong }
    }

    mutating func emit(_ text: String) {
        if printing { out.append(contentsOf: text.utf8) }
    }

    func checkOutput() throws {
        guard out.count <= RustDemangler.maxOutput else { throw Failure.tooLong }
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
}
