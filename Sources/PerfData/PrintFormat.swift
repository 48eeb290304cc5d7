/// A tracepoint's `print fmt` (a C printf format plus argument expressions), evaluated like libtraceevent.
struct PrintFormat {
    indirect enum Expr {
        case number(Int64)
        case string(String)
        case field(String)
        case call(String, [Expr])
        case pair(Expr, Expr)
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case ternary(Expr, Expr, Expr)
    }

    enum Value {
        case int(Int64)
        case str(String)
        var int: Int64 {
            if case .int(let v) = self { return v }
            return 0
        }
    }

    let format: String
    let args: [Expr]

    /// Parses `"fmt", arg, ...`; nil when the text uses syntax this evaluator does not know.
    static func parse(_ text: String) -> PrintFormat? {
        var p = Parser(tokens: tokenize(text))
        guard case .string(let fmt)? = p.next() else { return nil }
        var args: [Expr] = []
        while p.peek() != nil {
            guard case .punct(",")? = p.next(), let e = p.expression() else { return nil }
            args.append(e)
        }
        return PrintFormat(format: fmt, args: args)
    }

    /// `__print_flags(REC->x ..., delim, {v, "s"}, ...)` tables keyed by the first field they mention.
    var flagTables: [String: [(value: UInt64, text: String)]] {
        var out: [String: [(value: UInt64, text: String)]] = [:]
        func walk(_ e: Expr) {
            switch e {
            case .call(let name, let a):
                if name == "__print_flags" || name == "__print_symbolic", let first = a.first, let f = firstField(first) {
                    out[f] = a.compactMap {
                        if case .pair(let v, .string(let s)) = $0 { return (UInt64(bitPattern: constant(v) ?? 0), s) }
                        return nil
                    }
                }
                a.forEach(walk)
            case .unary(_, let x): walk(x)
            case .binary(_, let x, let y): walk(x); walk(y)
            case .ternary(let x, let y, let z): walk(x); walk(y); walk(z)
            case .pair(let x, let y): walk(x); walk(y)
            default: break
            }
        }
        args.forEach(walk)
        return out
    }

    private func firstField(_ e: Expr) -> String? {
        switch e {
        case .field(let f): return f
        case .unary(_, let x): return firstField(x)
        case .binary(_, let x, let y): return firstField(x) ?? firstField(y)
        default: return nil
        }
    }

    private func constant(_ e: Expr) -> Int64? {
        if case .number(let v) = e { return v }
        if case .unary("-", .number(let v)) = e { return -v }
        return nil
    }

    /// Renders the payload; nil when an argument cannot be evaluated.
    func render(_ format: TracepointFormat, _ raw: UnsafeRawBufferPointer) -> String? {
        var values: [Value] = []
        for a in args {
            guard let v = eval(a, format, raw) else { return nil }
            values.append(v)
        }
        return Printf.format(self.format, values)
    }

    private func eval(_ e: Expr, _ f: TracepointFormat, _ raw: UnsafeRawBufferPointer) -> Value? {
        switch e {
        case .number(let v): return .int(v)
        case .string(let s): return .str(s)
        case .field(let name):
            guard let fd = f.field(name) else { return nil }
            if fd.isString { return TracepointFormat.bytes(fd, in: raw).map { .str($0.nulTerminatedString()) } }
            return TracepointFormat.integer(fd, in: raw).map { .int($0) }
        case .pair: return nil
        case .unary(let op, let x):
            guard let v = eval(x, f, raw)?.int else { return nil }
            switch op {
            case "-": return .int(0 &- v)
            case "~": return .int(~v)
            case "!": return .int(v == 0 ? 1 : 0)
            default: return .int(v) // a cast
            }
        case .ternary(let c, let a, let b):
            guard let cv = eval(c, f, raw) else { return nil }
            return cv.int != 0 ? eval(a, f, raw) : eval(b, f, raw)
        case .binary(let op, let x, let y):
            guard let a = eval(x, f, raw)?.int, let b = eval(y, f, raw)?.int else { return nil }
            return .int(PrintFormat.apply(op, a, b))
        case .call(let name, let a):
            return call(name, a, f, raw)
        }
    }

    private static func apply(_ op: String, _ a: Int64, _ b: Int64) -> Int64 {
        switch op {
        case "|": return a | b
        case "&": return a & b
        case "^": return a ^ b
        case "+": return a &+ b
        case "-": return a &- b
        case "*": return a &* b
        case "/": return b == 0 ? 0 : a / b
        case "%": return b == 0 ? 0 : a % b
        case "<<": return b < 0 || b > 63 ? 0 : a << b
        case ">>": return b < 0 || b > 63 ? 0 : a >> b
        case "==": return a == b ? 1 : 0
        case "!=": return a != b ? 1 : 0
        case "<": return a < b ? 1 : 0
        case ">": return a > b ? 1 : 0
        case "<=": return a <= b ? 1 : 0
        case ">=": return a >= b ? 1 : 0
        case "&&": return a != 0 && b != 0 ? 1 : 0
        case "||": return a != 0 || b != 0 ? 1 : 0
        default: return 0
        }
    }

    private func call(_ name: String, _ a: [Expr], _ f: TracepointFormat, _ raw: UnsafeRawBufferPointer) -> Value? {
        switch name {
        case "__get_str":
            guard case .field(let n)? = a.first, let fd = f.field(n) else { return nil }
            return TracepointFormat.bytes(fd, in: raw).map { .str($0.nulTerminatedString()) }
        case "__print_flags", "__print_symbolic":
            guard let first = a.first, var v = eval(first, f, raw)?.int else { return nil }
            let symbolic = name == "__print_symbolic"
            var delim = ""
            var pairs = a.dropFirst()
            if !symbolic, case .string(let d)? = pairs.first {
                delim = d
                pairs = pairs.dropFirst()
            }
            var out = ""
            for p in pairs {
                guard case .pair(let ve, let se) = p, let fv = eval(ve, f, raw)?.int, case .str(let s)? = eval(se, f, raw) else {
                    return nil
                }
                if symbolic {
                    if v == fv { return .str(s) }
                    continue
                }
                if v == 0 && fv == 0 { out += s; v = 0; break }
                if fv != 0 && v & fv == fv {
                    if !out.isEmpty { out += delim }
                    out += s
                    v &= ~fv
                }
            }
            if v != 0 || symbolic {
                if !out.isEmpty { out += delim }
                out += "0x" + String(UInt64(bitPattern: v), radix: 16)
            }
            return .str(out)
        default:
            return nil
        }
    }
}
