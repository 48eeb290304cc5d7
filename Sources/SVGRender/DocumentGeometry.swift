import ProfileModel

/// Where everything of a document goes, and the markup around the frames: the root element,
/// style and script, the shared controls, and each pane's group with its texts.
struct DocumentGeometry {
    let document: FlameDocument
    private(set) var panes: [PaneFrame] = []
    private(set) var width: Double
    private(set) var height: Double = 0
    /// The document's second line: the user's subtitle and, for one pane, its pruning note; for
    /// several, the headline; wrapped into `subtitleLines` to fit the width.
    private(set) var subtitle: String?
    private(set) var subtitleLines: [String] = []
    /// Header rows of every pane (several panes only): title, summary, pruning note.
    private(set) var paneRows: [[String]] = []
    /// Where the time strip starts (it is `stripHeight` tall, between the header and the panes).
    private(set) var stripTop: Double = 0
    private var single: Bool { document.panes.count <= 1 }

    private var options: FlameGraphOptions { document.options }
    private var xpad: Double { FlameGraphRenderer.xpad }

    init(document: FlameDocument, paneWidth: Double, depths: [Int], pruned: [PruneSummary], stripHeight: Double = 0) {
        self.document = document
        let o = document.options
        let fs = o.fontSize, fh = o.frameHeight
        let footerPad = fs * 2 + 10
        width = o.width
        func joined(_ parts: [String?]) -> String? {
            let kept = parts.compactMap { $0 }.filter { !$0.isEmpty }
            return kept.isEmpty ? nil : kept.joined(separator: " · ")
        }
        let notes = zip(document.panes, pruned).map { DocumentGeometry.pruneNote($1, $0, o) }
        let lineStep = fs * 1.4
        func fit(_ text: String?, width: Double) -> [String] {
            guard let text else { return [] }
            return DocumentGeometry.wrap(text, maxCharacters: Int((width - 2 * FlameGraphRenderer.xpad) / max(fs * o.fontWidth, 0.01)))
        }
        if document.panes.count <= 1 {
            // The single graph keeps flamegraph.pl's geometry, so old links (?x=&y=) still open.
            subtitle = joined([o.subtitle, document.panes.first?.summary, notes.first ?? nil])
            subtitleLines = fit(subtitle, width: o.width)
            stripTop = fs * 3 + (subtitle == nil ? 0 : fs * 2) + Double(max(subtitleLines.count - 1, 0)) * lineStep
            let top = stripTop + stripHeight
            let bottom = top + Double((depths.first ?? 0) + 1) * fh
            height = bottom + footerPad
            panes = [PaneFrame(x: 0, y: 0, width: o.width, height: height, rows: [], framesTop: top,
                               framesBottom: bottom, footer: bottom + footerPad / 2)]
            return
        }
        subtitle = joined([o.subtitle, document.headline])
        subtitleLines = fit(subtitle, width: o.width)
        stripTop = fs * 2.6 + (subtitle == nil ? 0 : fs * 2) + Double(max(subtitleLines.count - 1, 0)) * lineStep
        let headerHeight = stripTop + stripHeight
        let paneWidthForText = document.layout == .sideBySide ? paneWidth : o.width
        paneRows = zip(document.panes, notes).map { pane, note in
            [pane.title] + [pane.summary, note].compactMap { $0 }.flatMap { fit($0, width: paneWidthForText) }
        }
        let rowStep = fs * 1.5
        func frame(x: Double, y: Double, width: Double, rows: Int, depth: Int) -> PaneFrame {
            let baselines = (0..<rows).map { y + fs * 1.6 + Double($0) * rowStep }
            let top = (baselines.last ?? y) + fs * 0.9
            let bottom = top + Double(depth + 1) * fh
            return PaneFrame(x: x, y: y, width: width, height: bottom + footerPad - y, rows: baselines,
                             framesTop: top, framesBottom: bottom, footer: bottom + footerPad / 2)
        }
        switch document.layout {
        case .sideBySide:
            // One frame area for all, so the roots share a baseline.
            let rows = paneRows.map(\.count).max() ?? 1
            let depth = depths.max() ?? 0
            panes = (0..<document.panes.count).map {
                frame(x: Double($0) * paneWidth, y: headerHeight, width: paneWidth, rows: rows, depth: depth)
            }
            height = headerHeight + (panes.first?.height ?? 0)
        case .stacked:
            var y = headerHeight
            for k in 0..<document.panes.count {
                let f = frame(x: 0, y: y, width: o.width, rows: paneRows[k].count, depth: depths[k])
                panes.append(f)
                y += f.height
            }
            height = y
        }
    }

    /// `text` in lines of at most `maxCharacters`, broken after a " · " where one fits, else at
    /// a space, else anywhere: a long subtitle is never clipped at both ends of a centred line.
    static func wrap(_ text: String, maxCharacters: Int) -> [String] {
        let limit = max(maxCharacters, 12)
        let chars = Array(text)
        var lines: [String] = []
        var start = 0
        while chars.count - start > limit {
            var cut = -1, next = -1
            // The last " · " that ends within the limit, else the last space.
            var i = start + limit - 2
            while i > start {
                if chars[i] == " " && chars[i + 1] == "·" && i + 2 < chars.count && chars[i + 2] == " " { cut = i; next = i + 3; break }
                i -= 1
            }
            if cut < 0 {
                i = start + limit
                while i > start { if chars[i] == " " { cut = i; next = i + 1; break }; i -= 1 }
            }
            if cut < 0 { cut = start + limit; next = cut }
            lines.append(String(chars[start..<cut]))
            start = next
        }
        if start < chars.count || lines.isEmpty { lines.append(String(chars[start...])) }
        return lines
    }

    static func pruneNote(_ summary: PruneSummary, _ pane: FlamePane, _ o: FlameGraphOptions) -> String? {
        var notes: [String] = []
        if let limit = summary.depthLimit, summary.deepFrames > 0 {
            notes.append("stacks deeper than \(limit) frames (\(FlameGraphRenderer.amount(summary.deepWeight, pane.unit, countName: pane.countName)), "
                + "\(ValueFormat.grouped(UInt64(summary.deepFrames))) frames) end in [… deeper frames]; --max-depth 0 draws them")
        }
        if let narrow = narrowNote(summary, pane, o) { notes.append(narrow) }
        return notes.isEmpty ? nil : notes.joined(separator: " · ")
    }

    static func narrowNote(_ summary: PruneSummary, _ pane: FlamePane, _ o: FlameGraphOptions) -> String? {
        guard summary.hiddenFrames > 0 else { return nil }
        let what = "\(ValueFormat.grouped(UInt64(summary.hiddenFrames))) frames narrower than \(o.minWidth.description) "
            + "(\(FlameGraphRenderer.amount(summary.hiddenWeight, pane.unit, countName: pane.countName)))"
        // Placeholders under a tenth of a pixel are not drawn either: say so rather than "0 placeholders".
        return summary.placeholders > 0 ? what + " are merged into \(summary.placeholders) grey placeholders"
                                        : what + " are not drawn (each parent's share under 0.1 px)"
    }

    func header(_ out: inout SVGBuffer) {
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
        out.raw("\" data-searchcolor=\""); out.text(o.searchColor)
        out.raw("\" data-panes=\""); out.int(document.panes.count)
        out.raw("\">\n<!-- Flame graph generated by flame. -->\n")
        if let notes = o.notes {
            out.raw("<desc id=\"notes\">"); out.text(notes); out.raw("</desc>\n")
        }
        let background = o.background ?? (document.panes.first?.palette ?? o.palette).defaultBackground
        let (stop1, stop2) = background.stops
        out.raw("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"")
        out.text(stop1); out.raw("\" offset=\"5%\"/><stop stop-color=\""); out.text(stop2)
        out.raw("\" offset=\"95%\"/></linearGradient></defs>\n<style type=\"text/css\">\n")
        out.raw("text { font-family: \""); out.text(cssSafe(o.fontType)); out.raw("\", sans-serif; font-size: ")
        out.coord(o.fontSize); out.raw("px; fill: rgb(0,0,0); }\n")
        out.trusted(ViewerScript.css)
        out.raw("\n</style>\n<script type=\"text/ecmascript\"><![CDATA[\n")
        out.trusted(ViewerScript.javascript)
        out.raw("\n]]></script>\n")
        out.raw("<rect id=\"bg\" x=\"0\" y=\"0\" width=\""); out.coord(width); out.raw("\" height=\""); out.coord(height)
        out.raw("\" fill=\"url(#background)\"/>\n")
        let title = single ? (document.panes.first?.title ?? o.resolvedTitle) : o.resolvedTitle
        text(&out, id: "title", x: width / 2, y: o.fontSize * 2, title)
        for (i, line) in subtitleLines.enumerated() {
            if i == 0 {
                text(&out, id: "subtitle", x: width / 2, y: o.fontSize * 4, line)
            } else {
                text(&out, x: width / 2, y: o.fontSize * 4 + Double(i) * o.fontSize * 1.4, line, cssClass: "subline")
            }
        }
        text(&out, id: "unzoom", x: xpad, y: o.fontSize * 2, single ? "Reset Zoom" : "Reset all zooms", cssClass: "hide")
        text(&out, id: "search", x: width - xpad - 100, y: o.fontSize * 2, "Search")
        text(&out, id: "ignorecase", x: width - xpad - 16, y: o.fontSize * 2, "ic")
    }

    /// Opens pane `k`'s group, writes its texts and opens its frame group.
    func paneOpen(_ out: inout SVGBuffer, _ k: Int, time: PaneTimeData? = nil) {
        let pane = document.panes[k], f = panes[k]
        out.raw("<g class=\"pane\" id=\"pane"); out.int(k)
        out.raw("\" role=\"group\" aria-label=\""); out.text(pane.title)
        out.raw("\" data-x=\""); out.coord(f.x)
        out.raw("\" data-width=\""); out.coord(f.width)
        out.raw("\" data-countname=\""); out.text(pane.countName)
        out.raw("\" data-unit-ns=\"")
        switch pane.unit {
        case .nanoseconds, .offCPU: out.raw("1")
        default: out.raw(pane.cold == nil ? "0" : "1")
        }
        out.raw("\"")
        time?.paneAttributes(&out)
        out.raw(">\n")
        if !single {
            for (r, line) in paneRows[k].enumerated() {
                text(&out, x: f.x + f.width / 2, y: f.rows[r], line, cssClass: r == 0 ? "ptitle" : "psub")
            }
            text(&out, x: f.x + xpad, y: f.rows.first ?? f.y, "Reset Zoom", cssClass: "punzoom hide")
        }
        text(&out, x: f.x + xpad, y: f.footer, " ", cssClass: "details")
        text(&out, x: f.x + f.width - xpad, y: f.footer, " ", cssClass: "matched")
        out.raw("<g class=\"graph\">\n")
    }

    /// Thin lines between panes.
    func separators(_ out: inout SVGBuffer) {
        for f in panes.dropFirst() {
            out.raw("<line class=\"sep\" x1=\"")
            switch document.layout {
            case .sideBySide:
                out.coord(f.x); out.raw("\" y1=\""); out.coord(f.y + options.fontSize * 0.5)
                out.raw("\" x2=\""); out.coord(f.x); out.raw("\" y2=\""); out.coord(f.y + f.height - options.fontSize * 0.5)
            case .stacked:
                out.coord(xpad); out.raw("\" y1=\""); out.coord(f.y)
                out.raw("\" x2=\""); out.coord(width - xpad); out.raw("\" y2=\""); out.coord(f.y)
            }
            out.raw("\"/>\n")
        }
    }

    private func text(_ out: inout SVGBuffer, id: StaticString? = nil, x: Double, y: Double, _ content: String,
                      cssClass: StaticString? = nil) {
        out.raw("<text")
        if let id { out.raw(" id=\""); out.raw(id); out.raw("\"") }
        if let cssClass { out.raw(" class=\""); out.raw(cssClass); out.raw("\"") }
        out.raw(" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(y); out.raw("\">")
        out.text(content)
        out.raw("</text>\n")
    }

    /// Font names end up inside a CSS string: keep only characters that cannot end it.
    private func cssSafe(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0 != "<" && $0 != ";" && $0 != "}" && $0.value >= 0x20 })
    }
}
