import ProfileModel

/// How the panes of a document are placed.
public enum PaneLayout: String, CaseIterable, Sendable {
    /// Next to each other, roots on one baseline.
    case sideBySide = "side-by-side"
    /// One above the other, each as wide as the document.
    case stacked
}

/// One flame graph of a document, scaled on its own.
public struct FlamePane {
    /// The frames to draw, already built (the caller chooses `reverse` and `collapseRuns`).
    public var tree: FlameTree
    /// What the weights measure, for tooltips.
    public var unit: WeightUnit
    /// Drawn above the pane when the document has several; else the document title is used.
    public var title: String
    /// What the pane's total is ("CPU time: 1.23 s in 1,234 samples"), under its title.
    public var summary: String?
    /// Colours of the pane's frames (of its on-CPU frames in a hot/cold pane).
    public var palette: Palette
    /// What a unit of weight is called when weights are plain counts.
    public var countName: String
    /// For a hot/cold graph: the off-CPU part of every node's weight. Frames mostly off-CPU are
    /// drawn in `coldPalette`, and tooltips split the time.
    public var cold: ColdShare?
    /// Colours of the frames drawn as off-CPU when `cold` is set.
    public var coldPalette: Palette = .io
    /// For a differential graph: every node's weight before and after. Frames are coloured by
    /// the change (red grew, blue shrank), marked new or gone, and tooltips give both sides.
    public var diff: DiffShare?
    /// The pane's weights over time (`Profile.buckets`): drawn on the document's time strip, and
    /// what a range selected on it re-aggregates the pane from.
    public var buckets: TimeBuckets?
    /// The program's own spans (`--spans`), drawn under the time strip; a click selects one's range.
    public var spans: [Span] = []

    /// A pane; a hot/cold one passes `cold`, a differential one gets `diff` set afterwards.
    public init(tree: FlameTree, unit: WeightUnit, title: String, summary: String? = nil,
                palette: Palette = .hot, countName: String = "samples", cold: ColdShare? = nil) {
        self.tree = tree
        self.unit = unit
        self.title = title
        self.summary = summary
        self.palette = palette
        self.countName = countName
        self.cold = cold
    }
}

/// Several flame graphs in one SVG, sharing search, keyboard and URL state (see `ViewerScript`).
/// A single graph is the one-pane case.
public struct FlameDocument {
    /// Drawing options shared by every pane; `title` and `subtitle` belong to the document,
    /// `palette` and `countName` are taken from each pane instead.
    public var options: FlameGraphOptions
    /// Side by side (panes share the width) or stacked (each as wide as the document).
    public var layout: PaneLayout
    /// A header line (several panes only): the totals of the panes, the capture's wall time.
    public var headline: String?
    /// The graphs, drawn in order: left to right, or top to bottom.
    public var panes: [FlamePane]

    /// A document of `panes`; `headline` is drawn only when there are several.
    public init(options: FlameGraphOptions, layout: PaneLayout = .sideBySide, headline: String? = nil,
                panes: [FlamePane]) {
        self.options = options
        self.layout = layout
        self.headline = headline
        self.panes = panes
    }
}

/// The off-CPU part of the weight of every node of a hot/cold tree (on-CPU and off-CPU stacks
/// merged), found by walking the merged tree and the off-CPU-only tree along equal paths.
public struct ColdShare {
    /// Off-CPU weight of each node of the merged tree, descendants included.
    public private(set) var total: [UInt64]
    /// Off-CPU weight of the stacks ending at each node.
    public private(set) var selfWeight: [UInt64]

    /// `cold` must have been built from a profile whose names table is the merged profile's,
    /// so equal frames have equal ids: nodes are matched by frame, path by path.
    public init(merged: FlameTree, cold: FlameTree) {
        precondition(merged.names === cold.names, "the cold tree's frames must be the merged tree's names")
        total = [UInt64](repeating: 0, count: merged.count)
        selfWeight = total
        guard merged.count > 0, cold.count > 0 else { return }
        var pairs: [(Int, Int)] = [(0, 0)]
        var byFrame: [Int32: Int] = [:]
        while let (m, c) = pairs.popLast() {
            total[m] = cold.total[c]
            selfWeight[m] = cold.selfWeight[c]
            let coldChildren = cold.children(c)
            if coldChildren.isEmpty { continue }
            byFrame.removeAll(keepingCapacity: true)
            for child in merged.children(m) { byFrame[merged.frame[Int(child)]] = Int(child) }
            for child in coldChildren {
                if let match = byFrame[cold.frame[Int(child)]] { pairs.append((match, Int(child))) }
            }
        }
    }

    /// Whether node `n` is drawn as off-CPU: at least half of its weight is.
    func isCold(_ n: Int, of tree: FlameTree) -> Bool {
        // cold >= all - cold, not 2 * cold >= all: weights past 2^63 must not overflow.
        total[n] > 0 && (total[n] >= tree.total[n] || total[n] >= tree.total[n] - total[n])
    }
}

/// Before and after weights of every node of a differential tree (whose own weights are their
/// sum, so that a frame keeps a width whichever side it has).
public struct DiffShare {
    /// Before weight of each node of the tree, descendants included (scaled when normalized).
    public var before: [UInt64]
    /// After weight of each node of the tree, descendants included.
    public var after: [UInt64]
    /// Before weight of the stacks ending at each node (scaled when normalized).
    public var beforeSelf: [UInt64]
    /// After weight of the stacks ending at each node.
    public var afterSelf: [UInt64]
    /// Totals of each side, for the shares in tooltips.
    public var beforeTotal: UInt64
    /// The after side's total: the root's `after`.
    public var afterTotal: UInt64

    /// For `tree`, a `FlameTree(diff.profile)` (runs collapsed, stacks reversed or not): each
    /// side's weights land on the tree's nodes through the tree's own map of the diff's trie.
    public init(diff: ProfileDiff, tree: FlameTree) {
        (before, beforeSelf) = tree.share(selfWeights: diff.beforeSelf)
        (after, afterSelf) = tree.share(selfWeights: diff.afterSelf)
        beforeTotal = before.first ?? 0
        afterTotal = after.first ?? 0
    }

    enum Mark { case new, gone }

    /// Whether only one side has the frame (a CSS class marks it).
    func mark(_ n: Int) -> Mark? {
        if before[n] == 0 && after[n] > 0 { return .new }
        if after[n] == 0 && before[n] > 0 { return .gone }
        return nil
    }

    /// Red for growth, blue for shrinking, saturated by the change relative to the larger side;
    /// near white when a frame did not change.
    func color(_ n: Int) -> RGB {
        let b = Double(before[n]), a = Double(after[n])
        let larger = max(a, b)
        guard larger > 0 else { return RGB(r: 235, g: 235, b: 235) }
        let change = (a - b) / larger   // -1 ... 1
        let fade = Int((1 - min(abs(change), 1)) * 210)
        return change >= 0 ? RGB(r: 255, g: 45 + fade, b: 45 + fade) : RGB(r: 45 + fade, g: 45 + fade, b: 255)
    }
}

/// Where a pane sits in the document and where its rows go.
struct PaneFrame {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    /// Baseline of each header text row (title, summary, pruning note), document coordinates.
    var rows: [Double]
    /// Top of the first frame row (icicle) and bottom of the last (flame).
    var framesTop: Double
    var framesBottom: Double
    /// Baseline of the details and matched line.
    var footer: Double
}
