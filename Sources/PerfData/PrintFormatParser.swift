/// Tokens of a `print fmt` line.
enum PrintToken: Equatable {
    case string(String)
    case number(Int64)
    case ident(String)
    case punct(String)
}

/// Splits a print fmt into C tokens (string literals with escapes, numbers, identifiers, operators).
func tokenize(_ text: String) -> [PrintToken] {
    let c = Array(text.utf8)
    var i = 0
    var out: [PrintToken] = []
    let twoChar: Set<String> = ["->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||"]
    func isIdent(_ b: UInt8) -> Bool { b == 95 || (b >= 48 && b <= 57) || ((b | 32) >= 97 && (b | 32) <= 122) }
    while i < c.count {
        let b = c[i]
        if b == 32 || b == 9 || b == 10 { i += 1; continue }
        if b == 34 { // string literal
            var s: [UInt8] = []
            i += 1
            while i < c.count && c[i] != 34 {
                if c[i] == 92 && i + 1 < c.count {
                    i += 1
                    switch c[i] {
                    case 110: s.append(10)
                    case 116: s.append(9)
                    default: s.append(c[i])
                    }
                } else {
                    s.append(c[i])
                }
                i += 1
            }
            i += 1
            out.append(.string(String(decoding: s, as: UTF8.self)))
        } else if b >= 48 && b <= 57 {
            var j = i
            while j < c.count && isIdent(c[j]) { j += 1 }
            var lit = String(decoding: c[i..<j], as: UTF8.self).lowercased()
            while lit.hasSuffix("u") || lit.hasSuffix("l") { lit.removeLast() }
            let v = lit.hasPrefix("0x") ? UInt64(lit.dropFirst(2), radix: 16) : UInt64(lit)
            out.append(.number(Int64(bitPattern: v ?? 0)))
            i = j
        } else if isIdent(b) {
            var j = i
            while j < c.count && isIdent(c[j]) { j += 1 }
            out.append(.ident(String(decoding: c[i..<j], as: UTF8.self)))
            i = j
        } else {
            if i + 1 < c.count, case let two = String(decoding: c[i...(i + 1)], as: UTF8.self), twoChar.contains(two) {
                out.append(.punct(two))
                i += 2
            } else {
                out.append(.punct(String(UnicodeScalar(b))))
                i += 1
            }
        }
    }
    return out
}

/// Recursive-descent parser for the C expression subset print fmts use.
struct Parser {
    let tokens: [PrintToken]
    var i = 0

    init(tokens: [PrintToken]) { self.tokens = tokens }

    func peek() -> PrintToken? { i < tokens.count ? tokens[i] : nil }
    mutating func next() -> PrintToken? {
        defer { i += 1 }
        return peek()
    }
    mutating func eat(_ p: String) -> Bool {
        if peek() == .punct(p) { i += 1; return true }
        return false
    }

    mutating func expression() -> PrintFormat.Expr? {
        guard let c = binary(0) else { return nil }
        if eat("?") {
            guard let a = expression(), eat(":"), let b = expression() else { return nil }
            return .ternary(c, a, b)
        }
        return c
    }

    private static let levels: [[String]] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="],
                                             ["<<", ">>"], ["+", "-"], ["*", "/", "%"]]

    private mutating func binary(_ level: Int) -> PrintFormat.Expr? {
        if level == Parser.levels.count { return unary() }
        guard var lhs = binary(level + 1) else { return nil }
        while case .punct(let op)? = peek(), Parser.levels[level].contains(op) {
            i += 1
            guard let rhs = binary(level + 1) else { return nil }
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private static let typeWords: Set<String> = ["unsigned", "signed", "int", "long", "short", "char", "u8", "u16", "u32",
                                                 "u64", "s8", "s16", "s32", "s64", "size_t", "pid_t", "bool", "void"]

    private mutating func unary() -> PrintFormat.Expr? {
        if case .punct(let op)? = peek(), ["-", "~", "!"].contains(op) {
            i += 1
            return unary().map { .unary(op, $0) }
        }
        // A cast such as `(unsigned long long)`.
        if peek() == .punct("("), case .ident(let w)? = (i + 1 < tokens.count ? tokens[i + 1] : nil), Parser.typeWords.contains(w) {
            var j = i + 1
            while j < tokens.count, case .ident = tokens[j] { j += 1 }
            while j < tokens.count, tokens[j] == .punct("*") { j += 1 }
            if j < tokens.count, tokens[j] == .punct(")") {
                i = j + 1
                return unary().map { .unary("cast", $0) }
            }
        }
        return primary()
    }

    private mutating func primary() -> PrintFormat.Expr? {
        switch next() {
        case .number(let v)?: return .number(v)
        case .string(var s)?:
            while case .string(let more)? = peek() { s += more; i += 1 } // adjacent literals concatenate
            return .string(s)
        case .punct("(")?:
            guard let e = expression(), eat(")") else { return nil }
            return e
        case .punct("{")?:
            guard let a = expression(), eat(","), let b = expression(), eat("}") else { return nil }
            return .pair(a, b)
        case .ident("REC")?:
            guard eat("->"), case .ident(let f)? = next() else { return nil }
            return .field(f)
        case .ident(let name)?:
            // A bare name is a field reference, as in `__get_str(comm)`.
            guard eat("(") else { return .field(name) }
            var args: [PrintFormat.Expr] = []
            if eat(")") { return .call(name, args) }
            repeat {
                guard let e = expression() else { return nil }
                args.append(e)
            } while eat(",")
            guard eat(")") else { return nil }
            return .call(name, args)
        default:
            return nil
        }
    }
}

/// The printf subset print fmts use: %s %d %i %u %x %X %c %p %%, flags `-0`, width, length modifiers.
enum Printf {
    static func format(_ fmt: String, _ values: [PrintFormat.Value]) -> String? {
        var out = ""
        var it = fmt.makeIterator()
        var next = 0
        while let ch = it.next() {
            guard ch == "%" else { out.append(ch); continue }
            var leftAlign = false, zero = false, width = 0
            var conv: Character?
            while let c = it.next() {
                if c == "-" && width == 0 { leftAlign = true } else if c == "0" && width == 0 { zero = true }
                else if let d = c.wholeNumberValue { width = width * 10 + d }
                else if "lLhzjt".contains(c) { continue }
                else { conv = c; break }
            }
            guard let conv else { return nil }
            if conv == "%" { out.append("%"); continue }
            guard next < values.count else { return nil }
            let v = values[next]
            next += 1
            var text: String
            switch (conv, v) {
            case ("s", .str(let s)): text = s
            case ("s", .int(let n)): text = String(n)
            case ("d", .int(let n)), ("i", .int(let n)): text = String(n)
            case ("u", .int(let n)): text = String(UInt64(bitPattern: n))
            case ("x", .int(let n)): text = String(UInt64(bitPattern: n), radix: 16)
            case ("X", .int(let n)): text = String(UInt64(bitPattern: n), radix: 16).uppercased()
            case ("p", .int(let n)): text = "0x" + String(UInt64(bitPattern: n), radix: 16)
            case ("c", .int(let n)): text = String(UnicodeScalar(UInt8(truncatingIfNeeded: n)))
            default: return nil
            }
            if text.count < width {
                let pad = String(repeating: zero && !leftAlign && conv != "s" ? "0" : " ", count: width - text.count)
                if leftAlign {
                    text += pad
                } else if zero, text.hasPrefix("-") {
                    text = "-" + pad + text.dropFirst()
                } else {
                    text = pad + text
                }
            }
            out += text
        }
        return out
    }
}
