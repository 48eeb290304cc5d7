/// flamegraph.pl's colour schemes: the same palette names and hue ranges, picked by frame name.
public enum Palette: String, CaseIterable, Sendable {
    /// flamegraph.pl's `--colors` names: `hot` (default), `mem`, `io`, `wakeup`; `java`, `js` and `perl`
    /// pick a hue by the kind of frame; the rest are single hues.
    case hot, mem, io, wakeup, java, js, perl, red, green, blue, aqua, yellow, purple, orange

    /// The background gradient flamegraph.pl pairs with this palette.
    public var defaultBackground: Background {
        switch self {
        case .mem: return .green
        case .io, .wakeup: return .blue
        case .red, .green, .blue, .aqua, .yellow, .purple, .orange: return .grey
        default: return .yellow
        }
    }

    /// The fill for a frame. `name` is the folded name, annotations (`_[k]`...) included.
    /// Colours depend only on the name, so a function keeps its colour across graphs.
    public func color(for name: UnsafeBufferPointer<UInt8>, hashByName: Bool) -> RGB {
        if name.elementsEqual("--".utf8) { return RGB(r: 160, g: 160, b: 160) }
        if name.elementsEqual("-".utf8) { return RGB(r: 200, g: 200, b: 200) }
        let v1: Double, v2: Double, v3: Double
        if hashByName {
            v1 = Palette.weightedHash(Array(name))
            v2 = Palette.weightedHash(Array(name.reversed()))
            v3 = v2
        } else {
            let h = stableHash(name)
            v1 = Double(h & 0xFFFF) / 65536
            v2 = Double((h >> 16) & 0xFFFF) / 65536
            v3 = Double((h >> 32) & 0xFFFF) / 65536
        }
        switch self {
        case .hot: return RGB(r: 205 + Int(50 * v3), g: Int(230 * v1), b: Int(55 * v2))
        case .mem: return RGB(r: 0, g: 190 + Int(50 * v2), b: Int(210 * v1))
        case .io:
            let r = 80 + Int(60 * v1)
            return RGB(r: r, g: r, b: 190 + Int(55 * v2))
        default:
            return Palette.hue(resolvedHue(name), v1)
        }
    }

    /// The multi-hue palettes choose a base hue from the name, as flamegraph.pl does.
    private func resolvedHue(_ name: UnsafeBufferPointer<UInt8>) -> Palette {
        let s = String(decoding: name, as: UTF8.self)
        switch self {
        case .java:
            if s.hasSuffix("_[j]") { return .green }
            if s.hasSuffix("_[i]") { return .aqua }
            if Palette.isJavaPackage(s) || s.contains(":::") { return .green }
            if s.contains("::") { return .yellow }
            if s.hasSuffix("_[k]") { return .orange }
            return .red
        case .perl:
            if s.contains("::") { return .yellow }
            if s.contains("Perl") || s.contains(".pl") { return .green }
            if s.hasSuffix("_[k]") { return .orange }
            return .red
        case .js:
            if s.hasSuffix("_[j]") { return s.contains("/") ? .green : .aqua }
            if s.contains("::") { return .yellow }
            if let slash = s.firstIndex(of: "/"), s[slash...].contains(".js") { return .green }
            if s.contains(":") { return .aqua }
            if s == " " { return .green }
            if s.contains("_[k]") { return .orange }
            return .red
        case .wakeup:
            return .aqua
        default:
            return self
        }
    }

    private static func isJavaPackage(_ s: String) -> Bool {
        var t = Substring(s)
        if t.hasPrefix("L") { t = t.dropFirst() }
        return ["java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/"].contains { t.hasPrefix($0) }
    }

    private static func hue(_ p: Palette, _ v: Double) -> RGB {
        switch p {
        case .red:
            let x = 50 + Int(80 * v)
            return RGB(r: 200 + Int(55 * v), g: x, b: x)
        case .green:
            let x = 50 + Int(60 * v)
            return RGB(r: x, g: 200 + Int(55 * v), b: x)
        case .blue:
            let x = 80 + Int(60 * v)
            return RGB(r: x, g: x, b: 205 + Int(50 * v))
        case .yellow:
            let x = 175 + Int(55 * v)
            return RGB(r: x, g: x, b: 50 + Int(20 * v))
        case .purple:
            let x = 190 + Int(65 * v)
            return RGB(r: x, g: 80 + Int(60 * v), b: x)
        case .aqua:
            return RGB(r: 50 + Int(60 * v), g: 165 + Int(55 * v), b: 165 + Int(55 * v))
        case .orange:
            return RGB(r: 190 + Int(65 * v), g: 90 + Int(65 * v), b: 0)
        default:
            return RGB(r: 0, g: 0, b: 0)
        }
    }

    /// flamegraph.pl's `--hash`: a value in [0, 1] weighted towards the first characters, and
    /// the module prefix (up to a backtick) reduced to its first character.
    static func weightedHash(_ name: [UInt8]) -> Double {
        var bytes = name
        if let tick = bytes.firstIndex(of: 0x60), tick > 0 {
            bytes.removeSubrange(1...tick)
        }
        var vector = 0.0, weight = 1.0, maxValue = 1.0
        var mod = 10
        for c in bytes {
            let i = Int(c) % mod
            vector += Double(i) / Double(mod - 1) * weight
            mod += 1
            maxValue += weight
            weight *= 0.70
            if mod > 12 { break }
        }
        return 1 - vector / maxValue
    }

    private func stableHash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }
}

/// A colour as flamegraph.pl writes it: `rgb(r,g,b)`.
public struct RGB: Equatable, Sendable {
    /// Red, green and blue, 0–255.
    public var r: Int, g: Int, b: Int
    /// A colour from its three components (0–255; not checked).
    public init(r: Int, g: Int, b: Int) { self.r = r; self.g = g; self.b = b }
}

/// The background gradient: a named one or a single `#rrggbb` colour.
public enum Background: Equatable, Sendable {
    /// flamegraph.pl's named gradients (`gray` parses as `grey`).
    case yellow, blue, green, grey
    /// One `#rrggbb` colour, as given, at both ends of the gradient.
    case custom(String)

    /// Parses `--bgcolors`; nil for an unknown value.
    public init?(_ text: String) {
        switch text {
        case "yellow": self = .yellow
        case "blue": self = .blue
        case "green": self = .green
        case "grey", "gray": self = .grey
        default:
            let hex = text.utf8.dropFirst()
            guard text.hasPrefix("#"), hex.count == 6,
                  hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
            else { return nil }
            self = .custom(text)
        }
    }

    /// Gradient start and stop colours.
    var stops: (String, String) {
        switch self {
        case .yellow: return ("#eeeeee", "#eeeeb0")
        case .blue: return ("#eeeeee", "#e0e0ff")
        case .green: return ("#eef2ee", "#e0ffe0")
        case .grey: return ("#f8f8f8", "#e8e8e8")
        case .custom(let c): return (c, c)
        }
    }
}
