import Fold

/// What the renderer left out, so the picture never hides a loss.
public struct PruneSummary: Equatable, Sendable {
    /// Frames not drawn because they were narrower than the minimum width.
    public var hiddenFrames = 0
    /// Their weight (each hidden subtree counted once).
    public var hiddenWeight: UInt64 = 0
    /// Placeholders drawn for them.
    public var placeholders = 0
}

/// Renders a `FlameTree` as one self-contained interactive SVG (see `FlameScript` for the DOM).
public struct FlameGraphRenderer {
    public var options: FlameGraphOptions
    /// What the weights measure, for tooltips.
    public var unit: WeightUnit

    public init(options: FlameGraphOptions = FlameGraphOptions(), unit: WeightUnit = .samples) {
        self.options = options
        self.unit = unit
    }

    private var xpad: Double { 10 }
    private var framePad: Double { 1 }
    private var ypad1: Double { options.fontSize * 3 }
    private var ypad2: Double { options.fontSize * 2 + 10 }
    private var ypad3: Double { options.fontSize * 2 }

    /// The SVG document and what was pruned.
    public func render(_ tree: FlameTree) -> (svg: [UInt8], pruned: PruneSummary) {
        let (items, summary, maxDepth) = layout(tree)
        var out = SVGBuffer(capacity: items.count * 260 + 64 * 1024)
        let grand = tree.total[0]
        let width = options.width
        let widthPerWeight = grand > 0 ? (width - 2 * xpad) / Double(grand) : 0
        let subtitle = subtitleText(summary)
        let top = ypad1 + (subtitle == nil ? 0 : ypad3)
        let height = Double(maxDepth + 1) * options.frameHeight + top + ypad2

        header(&out, width: width, height: height, subtitle: subtitle)
        out.raw("<g id=\"frames\">\n")
        let charWidth = options.fontSize * options.fontWidth
        for item in items {
            let x1 = xpad + Double(item.x) * widthPerWeight
            let w = Double(item.weight) * widthPerWeight
            let y1 = options.inverted
                ? top + Double(item.depth) * options.frameHeight
                : height - ypad2 - Double(item.depth + 1) * options.frameHeight + framePad
            let h = options.frameHeight - framePad
            let isPlaceholder = item.node < 0
            let name: [UInt8] = isPlaceholder
                ? Array("[\(item.hiddenFrames) narrow frame\(item.hiddenFrames == 1 ? "" : "s")]".utf8)
                : FlameGraphRenderer.displayName(tree.nameBytes(item.node))
            let fill: RGB = isPlaceholder
                ? RGB(r: 210, g: 210, b: 210)
                : options.palette.color(for: tree.nameBytes(item.node), hashByName: options.hashByName)
            let selfWeight = isPlaceholder ? 0 : tree.selfWeight[item.node]

            out.raw(isPlaceholder ? "<g class=\"f pruned\" data-d=\"" : "<g class=\"f\" data-d=\"")
            out.int(item.depth)
            out.raw("\" data-v=\"")
            out.int(item.weight)
            out.raw("\" data-s=\"")
            out.int(selfWeight)
            out.raw("\"><title>")
            name.withUnsafeBufferPointer { out.text($0) }
            if isPlaceholder {
                let pct = ValueFormat.percent(item.weight, of: grand)
                out.raw("\n")
                out.text("\(amount(item.weight)) (\(pct)) in frames narrower than \(options.minWidth.description) each")
                out.raw("\n")
                out.text("not drawn; lower --minwidth to see them")
            } else {
                let (main, selfLine) = ValueFormat.lines(
                    total: item.weight, totalSamples: tree.totalSamples[item.node],
                    selfWeight: selfWeight, selfSamples: tree.selfSamples[item.node],
                    grandTotal: grand, unit: unit, countName: options.countName)
                out.raw("\n")
                out.text(main)
                out.raw("\n")
                out.text(selfLine)
            }
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
            out.raw(")\" rx=\"2\" ry=\"2\"/><text x=\"")
            out.coord(x1 + 3)
            out.raw("\" y=\"")
            out.coord(3 + y1 + h / 2)
            out.raw("\">")
            FlameGraphRenderer.label(name, fitting: w, charWidth: charWidth).withUnsafeBufferPointer { out.text($0) }
            out.raw("</text></g>\n")
        }
        out.raw("</g>\n</svg>\n")
        return (out.bytes, summary)
    }

    /// A weight with its unit: a duration for clock and off-CPU weights, else a count.
    private func amount(_ weight: UInt64) -> String {
        switch unit {
        case .samples: return "\(ValueFormat.grouped(weight)) \(options.countName)"
        case .nanoseconds, .offCPU: return ValueFormat.duration(nanoseconds: weight)
        case .events(let e): return "\(ValueFormat.grouped(weight)) \(e.split(separator: ":").first.map(String.init) ?? e)"
        }
    }

    /// Depth-first pre-order placement: children packed from the parent's left edge in display
    /// order; children narrower than the minimum merged into one placeholder after them.
    func layout(_ tree: FlameTree) -> ([LayoutItem], PruneSummary, Int) {
        let grand = tree.total[0]
        let widthPerWeight = grand > 0 ? (options.width - 2 * xpad) / Double(grand) : 0
        let minWeight: Double
        switch options.minWidth {
        case .pixels(let px): minWeight = widthPerWeight > 0 ? px / widthPerWeight : 0
        case .percent(let pc): minWeight = Double(grand) * pc / 100
        }
        // A placeholder is drawn when it is at least a tenth of a pixel wide.
        let visibleWeight = widthPerWeight > 0 ? 0.1 / widthPerWeight : 0
        var items: [LayoutItem] = []
        var summary = PruneSummary()
        var maxDepth = 0
        var stack = [LayoutItem(node: 0, depth: 0, x: 0, weight: grand, hiddenFrames: 0)]
        var pushes: [LayoutItem] = []
        while let item = stack.popLast() {
            items.append(item)
            maxDepth = max(maxDepth, item.depth)
            guard item.node >= 0 else { continue }
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
                    pushes.append(LayoutItem(node: -1, depth: item.depth + 1, x: cursor, weight: hiddenWeight,
                                             hiddenFrames: hiddenFrames))
                }
            }
            stack.append(contentsOf: pushes.reversed())
        }
        return (items, summary, maxDepth)
    }

    private func subtitleText(_ summary: PruneSummary) -> String? {
        var parts: [String] = []
        if let s = options.subtitle, !s.isEmpty { parts.append(s) }
        if summary.hiddenFrames > 0 {
            parts.append("\(ValueFormat.grouped(UInt64(summary.hiddenFrames))) frames narrower than "
                + "\(options.minWidth.description) (\(amount(summary.hiddenWeight))) "
                + "are merged into \(summary.placeholders) grey placeholders")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    private func header(_ out: inout SVGBuffer, width: Double, height: Double, subtitle: String?) {
        let o = options
        out.raw("<?xml version=\"1.0\" standalone=\"no\"?>\n")
        out.raw("<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n")
        out.raw("<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        out.coord(width); out.raw("\" height=\""); out.coord(height)
        out.raw("\" viewBox=\"0 0 "); out.coord(width); out.raw(" "); out.coord(height)
        out.raw("\" onload=\"init(evt)\" data-fontsize=\""); out.coord(o.fontSize)
        out.raw("\" data-fontwidth=\""); out.trusted(String(o.fontWidth))
        out.raw("\" data-frameheight=\""); out.coord(o.frameHeight)
        out.raw("\" data-xpad=\""); out.coord(xpad)
        out.raw("\" data-inverted=\""); out.raw(o.inverted ? "1" : "0")
        out.raw("\" data-nametype=\""); out.text(o.nameType)
        out.raw("\" data-countname=\""); out.text(o.countName)
        out.raw("\" data-searchcolor=\""); out.text(o.searchColor)
        out.raw("\" data-unit-ns=\"")
        switch unit {
        case .nanoseconds, .offCPU: out.raw("1")
        default: out.raw("0")
        }
        out.raw("\">\n<!-- Flame graph generated by flame. -->\n")
        if let notes = o.notes {
            out.raw("<desc id=\"notes\">"); out.text(notes); out.raw("</desc>\n")
        }
        let (stop1, stop2) = (o.background ?? o.palette.defaultBackground).stops
        out.raw("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"")
        out.text(stop1); out.raw("\" offset=\"5%\"/><stop stop-color=\""); out.text(stop2)
        out.raw("\" offset=\"95%\"/></linearGradient></defs>\n<style type=\"text/css\">\n")
        out.raw("text { font-family: \""); out.text(cssSafe(o.fontType)); out.raw("\", sans-serif; font-size: ")
        out.coord(o.fontSize); out.raw("px; fill: rgb(0,0,0); }\n")
        out.trusted(FlameScript.css)
        out.raw("\n</style>\n<script type=\"text/ecmascript\"><![CDATA[\n")
        out.trusted(FlameScript.javascript)
        out.raw("\n]]></script>\n")
        out.raw("<rect x=\"0\" y=\"0\" width=\""); out.coord(width); out.raw("\" height=\""); out.coord(height)
        out.raw("\" fill=\"url(#background)\"/>\n")
        textElement(&out, id: "title", x: width / 2, y: o.fontSize * 2, o.resolvedTitle)
        if let subtitle {
            textElement(&out, id: "subtitle", x: width / 2, y: o.fontSize * 4, subtitle)
        }
        textElement(&out, id: "details", x: xpad, y: height - ypad2 / 2, " ")
        textElement(&out, id: "unzoom", x: xpad, y: o.fontSize * 2, "Reset Zoom", cssClass: "hide")
        textElement(&out, id: "search", x: width - xpad - 100, y: o.fontSize * 2, "Search")
        textElement(&out, id: "ignorecase", x: width - xpad - 16, y: o.fontSize * 2, "ic")
        textElement(&out, id: "matched", x: width - xpad - 100, y: height - ypad2 / 2, " ")
    }

    private func textElement(_ out: inout SVGBuffer, id: StaticString, x: Double, y: Double, _ text: String,
                             cssClass: StaticString? = nil) {
        out.raw("<text id=\""); out.raw(id); out.raw("\"")
        if let cssClass { out.raw(" class=\""); out.raw(cssClass); out.raw("\"") }
        out.raw(" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(y); out.raw("\">")
        out.text(text)
        out.raw("</text>\n")
    }

    /// Font names end up inside a CSS string: keep only characters that cannot end it.
    private func cssSafe(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0 != "<" && $0 != ";" && $0 != "}" && $0.value >= 0x20 })
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
        let chars = charWidth > 0 ? Int(width / charWidth) : 0
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
}
