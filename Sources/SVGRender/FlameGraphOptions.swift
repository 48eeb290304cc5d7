/// The smallest frame drawn: in pixels, or in percent of the total weight.
public enum MinWidth: Equatable, Sendable {
    /// At least this many pixels wide.
    case pixels(Double)
    /// At least this percent of the total weight (`0.5` is 0.5%).
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

/// How deep a graph is drawn. A thin tower of deep stacks (a broken unwind, a deep recursion of
/// little weight) would push the rest of the graph below the first screen and out of its PNG
/// preview: frames deeper than the limit are merged into one placeholder per cut stack, and the
/// graph says so.
public enum DepthLimit: Equatable, Sendable {
    /// Cut below the depth that the stacks holding 99.5% of the weight stay within, when the
    /// graph would be deeper than `DepthLimit.firstScreen` rows and more than 8 rows beyond it.
    case automatic
    /// Cut at this depth (frames below the root).
    case frames(Int)
    /// Draw every frame.
    case none

    /// Rows that fit the first screen of a common browser window (about 850 px of page) with the header.
    public static let firstScreen = 40

    /// `--max-depth`: `auto`, a number of frames, or 0 for no limit.
    public init?(_ text: String) {
        if text == "auto" { self = .automatic; return }
        guard let n = Int(text), n >= 0 else { return nil }
        self = n == 0 ? .none : .frames(n)
    }
}

/// What a flame graph looks like: flamegraph.pl's options, with its defaults.
public struct FlameGraphOptions: Sendable {
    /// Title; nil picks "Flame Graph", "Icicle Graph" or "Flame Chart".
    public var title: String?
    /// A second line under the title (`--subtitle`); the pane's summary, or the headline, is added to it.
    public var subtitle: String?
    /// Free text stored in the SVG's description.
    public var notes: String?
    /// Image width in pixels.
    public var width: Double = 1200
    /// Draw the time strip above the panes when they carry weights over time (`FlamePane.buckets`).
    public var timeStrip = true
    /// Height of one frame row in pixels.
    public var frameHeight: Double = 16
    /// Frames narrower than this are merged into one placeholder per parent.
    public var minWidth: MinWidth = .pixels(0.1)
    /// CSS font family of all text, with sans-serif as fallback.
    public var fontType = "Verdana"
    /// Font size in pixels; header heights scale with it.
    public var fontSize: Double = 12
    /// Average character width relative to the font size, for fitting labels.
    public var fontWidth: Double = 0.59
    /// What a unit of weight is called when weights are plain counts.
    public var countName = "samples"
    /// Label before the name in the details bar.
    public var nameType = "Function:"
    /// Frame colours of a single graph (each pane of a document carries its own).
    public var palette: Palette = .hot
    /// Background; nil picks the palette's default.
    public var background: Background?
    /// flamegraph.pl's `--hash`: colours weighted by the first characters of the name.
    public var hashByName = false
    /// Icicle graph: root at the top.
    public var inverted = false
    /// The tree is in time order (a flame chart); only changes the default title.
    public var flameChart = false
    /// Fill of frames matching a search in the viewer (any CSS colour).
    public var searchColor = "rgb(230,0,230)"
    /// Draw a run of identical frames in a stack as one frame with a count (`[unknown] ×120`).
    public var collapseRuns = true
    /// Stacks deeper than this are cut at a placeholder (see `DepthLimit`).
    public var maxDepth: DepthLimit = .automatic

    /// flamegraph.pl's defaults: 1200 px wide, 16 px rows, Verdana 12, the hot palette.
    public init() {}

    var resolvedTitle: String {
        if let title { return title }
        if flameChart { return "Flame Chart" }
        return inverted ? "Icicle Graph" : "Flame Graph"
    }
}
