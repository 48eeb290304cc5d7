import ProfileModel

/// What the renderer left out, so the picture never hides a loss.
public struct PruneSummary: Equatable, Sendable {
    /// Frames not drawn because they were narrower than the minimum width.
    public var hiddenFrames = 0
    /// Their weight (each hidden subtree counted once).
    public var hiddenWeight: UInt64 = 0
    /// Placeholders drawn for them.
    public var placeholders = 0
    /// The depth stacks were cut at (`DepthLimit`), and the frames and weight below it.
    public var depthLimit: Int?
    /// Frames below `depthLimit` not drawn (wide enough cuts end in a `[… deeper frames]` placeholder).
    public var deepFrames = 0
    /// Their weight, in the pane's unit.
    public var deepWeight: UInt64 = 0
}

/// Renders flame graphs as one self-contained interactive SVG (see `ViewerScript` for the DOM):
/// a single `FlameTree`, or a `FlameDocument` of several panes. Both go through the same code;
/// a single graph is a document of one pane.
public struct FlameGraphRenderer {
    /// Drawing options for `render(_:)` of a single tree (a document carries its own).
    public var options: FlameGraphOptions
    /// What the weights measure, for tooltips.
    public var unit: WeightUnit

    /// A renderer for single graphs; `unit` decides how tooltips write amounts.
    public init(options: FlameGraphOptions = FlameGraphOptions(), unit: WeightUnit = .samples) {
        self.options = options
        self.unit = unit
    }

    static let xpad: Double = 10
    static let framePad: Double = 1

    /// The SVG document of one graph and what was pruned; with `buckets` (the profile's weights
    /// over time), a time strip above it.
    public func render(_ tree: FlameTree, buckets: TimeBuckets? = nil, spans: [Span] = []) -> (svg: [UInt8], pruned: PruneSummary) {
        var pane = FlamePane(tree: tree, unit: unit, title: options.resolvedTitle, palette: options.palette,
                             countName: options.countName)
        pane.buckets = buckets
        pane.spans = spans
        let (svg, pruned) = FlameGraphRenderer.render(FlameDocument(options: options, panes: [pane]))
        return (svg, pruned[0])
    }

    /// The SVG of a document of one or more panes and, per pane, what was pruned.
    public static func render(_ document: FlameDocument) -> (svg: [UInt8], pruned: [PruneSummary]) {
        let o = document.options
        let count = max(document.panes.count, 1)
        let paneWidth = document.layout == .sideBySide ? o.width / Double(count) : o.width
        let laid = document.panes.map {
            layout($0.tree, width: paneWidth, minWidth: o.minWidth, depthLimit: depthLimit($0.tree, o.maxDepth))
        }
        let strip = o.timeStrip ? TimeStrip(panes: document.panes) : nil
        let times = zip(document.panes, laid).map { pane, l in
            strip == nil ? nil : PaneTimeData(buckets: pane.buckets, tree: pane.tree, items: l.items, unit: pane.unit)
        }
        let geometry = DocumentGeometry(document: document, paneWidth: paneWidth,
                                        depths: laid.map(\.maxDepth), pruned: laid.map(\.summary),
                                        stripHeight: strip?.height(fontSize: o.fontSize) ?? 0)
        var out = SVGBuffer(capacity: laid.reduce(0) { $0 + $1.items.count } * 240 + 64 * 1024)
        geometry.header(&out)
        strip?.draw(&out, top: geometry.stripTop, width: geometry.width, options: o)
        for (k, pane) in document.panes.enumerated() {
            let frame = geometry.panes[k]
            geometry.paneOpen(&out, k, time: times[k])
            emitFrames(&out, pane: pane, items: laid[k].items, frame: frame, options: o, time: times[k])
            out.raw("</g></g>\n")
        }
        geometry.separators(&out)
        out.raw("</svg>\n")
        return (out.bytes, laid.map(\.summary))
    }

    /// The nodes above a `--` frame (the waker part of an off-wake stack, drawn in the wakeup
    /// palette as FlameGraph's chain graphs do), or below one in a reversed tree; nil when the
    /// tree has no such frame.
    private static func wakerPart(_ tree: FlameTree) -> [Bool]? {
        guard (1..<max(tree.count, 1)).contains(where: { tree.nameBytes($0).elementsEqual("--".utf8) }) else { return nil }
        var marks = [Bool](repeating: false, count: tree.count)
        if tree.isReversed {
            // Leaf first: the waker part is what lies between the root and a `--`.
            func mark(_ n: Int) -> Bool {
                var below = false
                for c in tree.children(n) { if mark(Int(c)) { below = true } }
                let separator = n > 0 && tree.nameBytes(n).elementsEqual("--".utf8)
                if below && !separator { marks[n] = n > 0 }
                return below || separator
            }
            _ = mark(0)
            return marks
        }
        var work: [Int] = [0]
        while let n = work.popLast() {
            let above = marks[n] || (n > 0 && tree.nameBytes(n).elementsEqual("--".utf8))
            for c in tree.children(n) {
                marks[Int(c)] = above
                work.append(Int(c))
            }
        }
        return marks
    }

    /// The nodes at or above a wait's frame (`[state X]`, `[runqueue]`, and the frames of a
    /// thread's time before its first run), drawn in the io palette where the graph mixes running
    /// and waiting in another one (the critical path); nil when the tree has none.
    private static func waitPart(_ tree: FlameTree) -> [Bool]? {
        func isWait(_ n: Int) -> Bool {
            let name = tree.nameBytes(n)
            return name.starts(with: "[state ".utf8) || name.elementsEqual("[runqueue]".utf8)
                || name.elementsEqual("[waiting since before the capture]".utf8) || name.elementsEqual("[not seen since the capture began]".utf8)
        }
        guard !tree.isReversed, (1..<max(tree.count, 1)).contains(where: isWait) else { return nil }
        var marks = [Bool](repeating: false, count: tree.count)
        var work: [Int] = [0]
        while let n = work.popLast() {
            for c in tree.children(n) {
                marks[Int(c)] = marks[n] || isWait(Int(c))
                work.append(Int(c))
            }
        }
        return marks
    }

    private static func emitFrames(_ out: inout SVGBuffer, pane: FlamePane, items: [LayoutItem], frame: PaneFrame,
                                   options o: FlameGraphOptions, time: PaneTimeData?) {
        let tree = pane.tree
        let grand = tree.total[0]
        let left = frame.x + xpad
        let widthPerWeight = grand > 0 ? (frame.width - 2 * xpad) / Double(grand) : 0
        let charWidth = o.fontSize * o.fontWidth
        let h = o.frameHeight - framePad
        let countName = Array(pane.countName.utf8)
        let wakers = wakerPart(tree)
        let waits = pane.palette == .io || pane.diff != nil || pane.cold != nil ? nil : waitPart(tree)
        for (index, item) in items.enumerated() {
            let x1 = left + Double(item.x) * widthPerWeight
            let w = Double(item.weight) * widthPerWeight
            let y1 = o.inverted
                ? frame.framesTop + Double(item.depth) * o.frameHeight
                : frame.framesBottom - Double(item.depth + 1) * o.frameHeight + framePad
            let isPlaceholder = item.node < 0
            let name: [UInt8]
            if isPlaceholder {
                name = Array((item.deep ? "[\(item.hiddenFrames) deeper frame\(item.hiddenFrames == 1 ? "" : "s")]"
                                        : "[\(item.hiddenFrames) narrow frame\(item.hiddenFrames == 1 ? "" : "s")]").utf8)
            } else if let runs = tree.runSuffix(item.node) {
                name = displayName(tree.nameBytes(item.node)) + Array(runs.utf8)
            } else {
                name = displayName(tree.nameBytes(item.node))
            }
            let fill: RGB
            if isPlaceholder {
                fill = RGB(r: 210, g: 210, b: 210)
            } else if let diff = pane.diff {
                fill = diff.color(item.node)
            } else {
                let palette = wakers.map { $0[item.node] ? Palette.wakeup : pane.palette }
                    ?? waits.map { $0[item.node] ? Palette.io : pane.palette }
                    ?? pane.cold.map { $0.isCold(item.node, of: tree) ? pane.coldPalette : pane.palette } ?? pane.palette
                fill = palette.color(for: tree.nameBytes(item.node), hashByName: o.hashByName)
            }
            let selfWeight = isPlaceholder ? 0 : tree.selfWeight[item.node]

            if isPlaceholder {
                out.raw("<g class=\"f pruned\" data-d=\"")
            } else if let mark = pane.diff?.mark(item.node) {
                out.raw(mark == .new ? "<g class=\"f new\" data-d=\"" : "<g class=\"f gone\" data-d=\"")
            } else {
                out.raw("<g class=\"f\" data-d=\"")
            }
            out.int(item.depth)
            out.raw("\" data-v=\"")
            out.int(item.weight)
            out.raw("\" data-s=\"")
            out.int(selfWeight)
            if let time, !time.items[index].isEmpty {
                out.raw("\" data-b=\"")
                time.attribute(index, &out)
            }
            out.raw("\"><title>")
            name.withUnsafeBufferPointer { out.text($0) }
            out.raw("\n")
            if isPlaceholder && item.deep {
                let pct = ValueFormat.percent(item.weight, of: grand)
                out.text("\(amount(item.weight, pane.unit, countName: pane.countName)) (\(pct)) in stacks deeper than "
                    + "\(item.depth - 1) frames")
                out.raw("\n")
                out.text("not drawn, so that the graph fits the screen; --max-depth 0 draws them")
            } else if isPlaceholder {
                let pct = ValueFormat.percent(item.weight, of: grand)
                out.text("\(amount(item.weight, pane.unit, countName: pane.countName)) (\(pct)) in frames narrower than "
                    + "\(o.minWidth.description) each")
                out.raw("\n")
                out.text("not drawn; lower --minwidth to see them")
            } else if pane.diff == nil, pane.cold == nil, case .samples = pane.unit {
                // The common case written as bytes: two Strings per frame were a third of the
                // drawing time. The same text as `ValueFormat.lines`.
                out.grouped(item.weight); out.raw(" "); countName.withUnsafeBufferPointer { out.text($0) }
                out.raw(" ("); out.percent(item.weight, of: grand); out.raw(")\nself: ")
                out.grouped(selfWeight); out.raw(" "); countName.withUnsafeBufferPointer { out.text($0) }
                out.raw(" ("); out.percent(selfWeight, of: grand); out.raw(")")
            } else {
                let (main, selfLine): (String, String)
                if let diff = pane.diff {
                    (main, selfLine) = ValueFormat.diffLines(
                        before: diff.before[item.node], after: diff.after[item.node], beforeTotal: diff.beforeTotal,
                        afterTotal: diff.afterTotal, beforeSelf: diff.beforeSelf[item.node], afterSelf: diff.afterSelf[item.node],
                        amount: { amount($0, pane.unit, countName: pane.countName) })
                } else if let cold = pane.cold {
                    (main, selfLine) = ValueFormat.hotColdLines(
                        total: item.weight, cold: cold.total[item.node], selfWeight: selfWeight,
                        selfCold: cold.selfWeight[item.node], grandTotal: grand)
                } else {
                    (main, selfLine) = ValueFormat.lines(
                        total: item.weight, totalSamples: tree.totalSamples[item.node],
                        selfWeight: selfWeight, selfSamples: tree.selfSamples[item.node],
                        grandTotal: grand, unit: pane.unit, countName: pane.countName)
                }
                out.text(main)
                out.raw("\n")
                out.text(selfLine)
            }
            // Corners are rounded by the stylesheet (rx is a CSS property): 16 bytes less per frame.
            out.raw("</title><rect x=\"")
            out.coord(x1)
            out.raw("\" y=\"")
            out.coord(y1)
            out.raw("\" width=\"")
            out.coord(w)
            out.raw("\" height=\"")
            out.coord(h)
            out.raw("\" fill=\"rgb(")
            out.int(fill.r); out.raw(","); out.int(fill.g); out.raw(","); out.int(fill.b)
            out.raw(")\"/><text x=\"")
            out.coord(x1 + 3)
            out.raw("\" y=\"")
            out.coord(3 + y1 + h / 2)
            out.raw("\">")
            label(name, fitting: w, charWidth: charWidth).withUnsafeBufferPointer { out.text($0) }
            out.raw("</text></g>\n")
        }
    }

    /// A weight with its unit: a duration for clock and off-CPU weights, else a count.
    package static func amount(_ weight: UInt64, _ unit: WeightUnit, countName: String) -> String {
        switch unit {
        case .samples: return "\(ValueFormat.grouped(weight)) \(countName)"
        case .nanoseconds, .offCPU: return ValueFormat.duration(nanoseconds: weight)
        case .events(let e): return "\(ValueFormat.grouped(weight)) \(e.split(separator: ":").first.map(String.init) ?? e)"
        }
    }

    /// The depth to cut a tree's stacks at, when `limit` asks for one: automatically, below the
    /// depth that the stacks holding 99.5% of the weight stay within (never above the first
    /// screen), when the tree is deeper than that by more than 8 rows.
    static func depthLimit(_ tree: FlameTree, _ limit: DepthLimit) -> Int? {
        switch limit {
        case .none: return nil
        case .frames(let n): return n
        case .automatic:
            guard tree.count > 1 else { return nil }
            // Weight of the frames at each depth (the root at 0).
            var depth = [Int32](repeating: 0, count: tree.count)
            var atDepth: [UInt64] = [tree.total[0]]
            for n in 0..<tree.count {
                for c in tree.children(n) {
                    let d = Int(depth[n]) + 1
                    depth[Int(c)] = Int32(d)
                    if d >= atDepth.count { atDepth.append(0) }
                    atDepth[d] &+= tree.total[Int(c)]
                }
            }
            let deepest = atDepth.count - 1
            let allowance = Double(tree.total[0]) * 0.005
            var bulk = deepest
            while bulk > 0 && Double(atDepth[bulk]) <= allowance { bulk -= 1 }
            let cut = max(bulk, DepthLimit.firstScreen)
            return deepest > cut + 8 ? cut : nil
        }
    }

    /// Depth-first pre-order placement on a graph `width` pixels wide (margins included):
    /// children packed from the parent's left edge in display order; children narrower than the
    /// minimum merged into one placeholder after them; below `depthLimit`, one placeholder for
    /// all the children of a frame.
    static func layout(_ tree: FlameTree, width: Double, minWidth: MinWidth, depthLimit: Int? = nil)
        -> (items: [LayoutItem], summary: PruneSummary, maxDepth: Int) {
        let grand = tree.total[0]
        let widthPerWeight = grand > 0 ? (width - 2 * xpad) / Double(grand) : 0
        let minWeight: Double
        switch minWidth {
        case .pixels(let px): minWeight = widthPerWeight > 0 ? px / widthPerWeight : 0
        case .percent(let pc): minWeight = Double(grand) * pc / 100
        }
        // A placeholder is drawn when it is at least a tenth of a pixel wide.
        let visibleWeight = widthPerWeight > 0 ? 0.1 / widthPerWeight : 0
        var items: [LayoutItem] = []
        var summary = PruneSummary()
        summary.depthLimit = depthLimit
        var maxDepth = 0
        var stack = [LayoutItem(node: 0, depth: 0, x: 0, weight: grand, hiddenFrames: 0)]
        var pushes: [LayoutItem] = []
        while let item = stack.popLast() {
            items.append(item)
            maxDepth = max(maxDepth, item.depth)
            guard item.node >= 0 else { continue }
            if let limit = depthLimit, item.depth >= limit {
                let children = tree.children(item.node)
                guard !children.isEmpty else { continue }
                let w = children.reduce(UInt64(0)) { $0 &+ tree.total[Int($1)] }
                let frames = children.reduce(0) { $0 + Int(tree.subtreeSize[Int($1)]) }
                summary.deepFrames += frames
                summary.deepWeight &+= w
                if Double(w) >= visibleWeight {
                    var cut = LayoutItem(node: -1, depth: item.depth + 1, x: item.x, weight: w, hiddenFrames: frames)
                    cut.deep = true
                    cut.parentNode = item.node
                    stack.append(cut)
                }
                continue
            }
            var cursor = item.x
            var hiddenWeight: UInt64 = 0
            var hiddenFrames = 0
            pushes.removeAll(keepingCapacity: true)
            for c in tree.children(item.node) {
                let child = Int(c)
                let w = tree.total[child]
                if Double(w) < minWeight {
                    hiddenWeight &+= w
                    hiddenFrames += Int(tree.subtreeSize[child])
                    continue
                }
                pushes.append(LayoutItem(node: child, depth: item.depth + 1, x: cursor, weight: w, hiddenFrames: 0))
                cursor &+= w
            }
            if hiddenFrames > 0 {
                summary.hiddenFrames += hiddenFrames
                summary.hiddenWeight &+= hiddenWeight
                if Double(hiddenWeight) >= visibleWeight {
                    summary.placeholders += 1
                    var narrow = LayoutItem(node: -1, depth: item.depth + 1, x: cursor, weight: hiddenWeight, hiddenFrames: hiddenFrames)
                    narrow.parentNode = item.node
                    pushes.append(narrow)
                }
            }
            stack.append(contentsOf: pushes.reversed())
        }
        return (items, summary, maxDepth)
    }

    /// The name as drawn: flamegraph.pl's colour annotations (`_[k]`, `_[j]`, `_[i]`, `_[w]`) removed.
    static func displayName(_ name: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = name.count
        if n >= 4, name[n - 4] == 0x5F, name[n - 3] == 0x5B, name[n - 1] == 0x5D,
           [UInt8(ascii: "k"), UInt8(ascii: "j"), UInt8(ascii: "i"), UInt8(ascii: "w")].contains(name[n - 2]) {
            return Array(name[0..<(n - 4)])
        }
        return Array(name)
    }

    /// The label that fits `width` pixels: the name, or its start and "..", or nothing.
    static func label(_ name: [UInt8], fitting width: Double, charWidth: Double) -> [UInt8] {
        // Held below any name's length first: a tiny --fontwidth must not overflow Int.
        let chars = charWidth > 0 ? Int(min(width / charWidth, 1e9)) : 0
        if chars < 3 { return [] }
        if name.count <= chars { return name }
        // Count characters, not bytes, and never cut a multi-byte sequence.
        let text = String(decoding: name, as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        if scalars.count <= chars { return name }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[0..<(chars - 2)])
        return Array(String(s).utf8) + [0x2E, 0x2E]
    }
}

/// One frame (or placeholder, node -1) placed in the graph.
struct LayoutItem {
    var node: Int
    var depth: Int
    /// Left edge in weight units from the root's left edge.
    var x: UInt64
    var weight: UInt64
    /// For placeholders: how many frames they stand for.
    var hiddenFrames: Int
    /// A placeholder for the frames below the depth limit (else for narrow frames).
    var deep = false
    /// For placeholders: the tree node whose children they stand for.
    var parentNode = -1
}
