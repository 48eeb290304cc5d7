import ProfileModel

/// How `flame diff` draws: one difference graph, or the before and after graphs beside it.
public enum DiffView: String, CaseIterable, Sendable {
    /// The difference graph alone.
    case single
    /// The before and after graphs, then the difference, in one document.
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
        var totals = "before \(amount(diff.beforeTotal)) → after \(amount(diff.afterTotal))"
        if diff.scale != 1 {
            totals += " (normalized: before scaled ×\(ValueFormat.fixed(diff.scale, decimals: 3)) to the after total)"
        } else if diff.normalized {
            totals += " (normalized: the totals are equal)"
        } else {
            totals += " (as measured; --normalize compares shapes)"
        }
        let legend = "red grew, blue shrank, dashed: new or gone; widths are before + after"
        let tree = FlameTree(diff.profile, collapseRuns: options.collapseRuns)
        var pane = FlamePane(tree: tree, unit: after.unit,
                             title: self == .single ? options.title ?? "Differential Flame Graph" : "Difference",
                             palette: options.palette, countName: countName)
        pane.diff = DiffShare(diff: diff, tree: tree)
        switch self {
        case .single:
            o.subtitle = ([options.subtitle].compactMap { $0 } + [totals, legend]).joined(separator: " · ")
            return FlameDocument(options: o, panes: [pane])
        case .panes:
            let b = FlamePane(tree: FlameTree(before, collapseRuns: options.collapseRuns), unit: before.unit, title: "Before",
                              summary: FlameGraphRenderer.amount(diff.beforeTotal, before.unit, countName: countName),
                              palette: options.palette, countName: countName)
            let a = FlamePane(tree: FlameTree(after, collapseRuns: options.collapseRuns), unit: after.unit, title: "After",
                              summary: amount(diff.afterTotal), palette: options.palette, countName: countName)
            pane.summary = legend
            return FlameDocument(options: o, layout: .sideBySide, headline: totals, panes: [b, a, pane])
        }
    }
}
