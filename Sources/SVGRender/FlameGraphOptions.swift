/// The smallest frame drawn: in pixels, or in percent of the total weight.
public enum MinWidth: Equatable, Sendable {
    case pixels(Double)
    case percent(Double)

    /// Parses flamegraph.pl's `--minwidth` value: `0.1` (pixels) or `0.5%`.
    public init?(_ text: String) {
        let isPercent = text.hasSuffix("%")
        guard let v = Double(isPercent ? String(text.dropLast()) : text), v >= 0, v.isFinite else { return nil }
        self = isPercent ? .percent(v) : .pixels(v)
    }

    var description: String {
        switch self {
        case .pixels(let v): return "\(ValueFormat.significant(v)) px"
        case .percent(let v): return "\(ValueFormat.significant(v))%"
        }
    }
}

/// What a flame graph looks like: flamegraph.pl's options, with its defaults.
public struct FlameGraphOptions: Sendable {
    /// Title; nil picks "Flame Graph", "Icicle Graph" or "Flame Chart".
    public var title: String?
    public var subtitle: String?
    /// Free text stored in the SVG's description.
    public var notes: String?
    /// Image width in pixels.
    public var width: Double = 1200
    /// Height of one frame row in pixels.
    public var frameHeight: Double = 16
    /// Frames narrower than this are merged into one placeholder per parent.
    public var minWidth: MinWidth = .pixels(0.1)
    public var fontType = "Verdana"
    public var fontSize: Double = 12
    /// Average character width relative to the font size, for fitting labels.
    public var fontWidth: Double = 0.59
    /// What a unit of weight is called when weights are plain counts.
    public var countName = "samples"
    /// Label before the name in the details bar.
    public var nameType = "Function:"
    public var palette: Palette = .hot
    /// Background; nil picks the palette's default.
    public var background: Background?
    /// flamegraph.pl's `--hash`: colours weighted by the first characters of the name.
    public var hashByName = false
    /// Icicle graph: root at the top.
    public var inverted = false
    /// The tree is in time order (a flame chart); only changes the default title.
    public var flameChart = false
    public var searchColor = "rgb(230,0,230)"

    public init() {}

    var resolvedTitle: String {
        if let title { return title }
        if flameChart { return "Flame Chart" }
        return inverted ? "Icicle Graph" : "Flame Graph"
    }
}
