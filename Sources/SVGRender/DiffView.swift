import Fold

/// How `flame diff` draws: one difference graph, or the before and after graphs beside it.
public enum DiffView: String, CaseIterable, Sendable {
    case single
    case panes
}

extension DiffView {
    /// The document of a difference: one pane of the union stacks (widths: both sides together,
    /// colours: the change), and with `.panes` the before and after graphs first, all three with
    /// the shared search of `flame both`. (To draw reversed stacks, reverse the profiles first.)
    public func document(_ diff: ProfileDiff, before: Profile, after: Profile,
                         countName: String, options: FlameGraphOptions) -> FlameDocument {
        var o = options
        let amount = { (w: UInt64) in FlameGraphRenderer.amount(w, after.unit, countName: countName) }
        var totals = "before \(amount(diff.beforeTotal)) · after \(amount(diff.afterTotal))"
        if diff.scale != 1 {
            totals += " (before scaled ×\(ValueFormat.fixed(diff.scale, decimals: 3)) to the after total; --no-normalize compares raw)"
        }
        let legend = "red grew, blue shrank, dashed: new or gone; widths are before + after"
        let tree = FlameTree(diff.profile)
        var pane = FlamePane(tree: tree, unit: after.unit,
                             title: self == .single ? options.title ?? "Differential Flame Graph" : "Difference",
                             palette: options.palette, countName: countName)
        pane.diff = DiffShare(diff: diff)
        switch self {
        case .single:
            o.subtitle = ([options.subtitle].compactMap { $0 } + [totals, legend]).joined(separator: " · ")
            return FlameDocument(options: o, panes: [pane])
        case .panes:
            let b = FlamePane(tree: FlameTree(before), unit: before.unit, title: "Before",
                              summary: FlameGraphRenderer.amount(diff.beforeTotal, before.unit, countName: countName),
                              palette: options.palette, countName: countName)
            let a = FlamePane(tree: FlameTree(after), unit: after.unit, title: "After",
                              summary: amount(diff.afterTotal), palette: options.palette, countName: countName)
            pane.summary = legend
            return FlameDocument(options: o, layout: .sideBySide, headline: totals, panes: [b, a, pane])
        }
    }
}
