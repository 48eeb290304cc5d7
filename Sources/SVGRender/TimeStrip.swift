import ProfileModel

/// The time strip above a document's panes: per process (the panes' root frames), how busy it
/// was over the capture in buckets, stacked by lane (on a CPU, runnable, disk, sleeping, other),
/// and the number of runnable threads over time, which is the workload's parallelism. Drawn as
/// plain paths, so that PNG previews and viewers without scripts show it; the script lets the
/// user drag a range on it, which re-aggregates the panes (`PaneTimeData`).
struct TimeStrip {
    /// At most this many process rows; the rest are summed into one.
    static let maxRows = 8
    static let columns = 120
    static let rowHeight = 13.0
    static let labelWidth = 190.0

    struct Row {
        var name: [UInt8]
        /// Per lane, per column: thread time (ns, or the pane's weight unit for on-CPU counts).
        var lanes: [[Double]]
        var total: Double { lanes.reduce(0) { $0 + $1.reduce(0, +) } }
    }

    let start: UInt64
    let end: UInt64
    private(set) var rows: [Row] = []
    /// Threads running or waiting for a CPU, on average, per column; nil when the panes cannot
    /// say (on-CPU weights that are not time).
    private(set) var runnable: [Double]?
    private(set) var onCPUIsTime = true
    /// Whether `runnable` counts run-queue time (an off-CPU pane recorded it), not only threads on a CPU.
    private(set) var countsQueue = false

    /// The strip of `panes` (those with buckets); nil when none has any.
    init?(panes: [FlamePane]) {
        let timed = panes.filter { $0.buckets?.origin != nil && $0.diff == nil }
        guard !timed.isEmpty else { return nil }
        start = timed.map { $0.buckets!.origin! }.min()!
        end = timed.map { $0.buckets!.origin! + UInt64($0.buckets!.count) * $0.buckets!.width }.max()!
        guard end > start else { return nil }
        let n = TimeStrip.columns
        let span = Double(end - start)
        var byName: [[UInt8]: Int] = [:]
        var all: [Row] = []
        var running = [Double](repeating: 0, count: n)
        var queued = [Double](repeating: 0, count: n)
        var haveQueue = false
        /// Spreads `w` over [a, a + len) onto the columns.
        func spread(_ a: UInt64, _ len: UInt64, _ w: Double, _ put: (Int, Double) -> Void) {
            let x0 = Double(a - start) / span * Double(n), x1 = Double(a + len - start) / span * Double(n)
            var c = max(Int(x0), 0)
            while Double(c) < x1 && c < n {
                let overlap = min(x1, Double(c + 1)) - max(x0, Double(c))
                if overlap > 0 { put(c, w * overlap / (x1 - x0)) }
                c += 1
            }
        }
        for pane in timed {
            let b = pane.buckets!, tree = pane.tree, o = b.origin!
            var isTime = true
            switch pane.unit {
            case .nanoseconds, .offCPU: break
            default: isTime = false
            }
            if !isTime { onCPUIsTime = false }
            // The root frame above each tree node (a reversed tree's roots are leaf frames: one row).
            var top = [Int32](repeating: 0, count: tree.count)
            for p in 0..<tree.count {
                for c in tree.children(p) { top[Int(c)] = p == 0 ? c : top[p] }
            }
            var rowOfTop: [Int32: Int] = [:]
            for (key, w) in b.cells {
                let (node, lane, bucket) = TimeBuckets.parts(key)
                guard node > 0, Int(node) < tree.trieNodeCount else { continue }
                let t = tree.isReversed ? 0 : top[tree.node(ofTrieNode: Int(node))]
                let row: Int
                if let r = rowOfTop[t] {
                    row = r
                } else {
                    let name = tree.isReversed || t == 0 ? Array("all threads".utf8) : FlameGraphRenderer.displayName(tree.nameBytes(Int(t)))
                    if let r = byName[name] { row = r } else {
                        row = all.count
                        byName[name] = row
                        all.append(Row(name: name, lanes: Array(repeating: [Double](repeating: 0, count: n), count: TimeBuckets.Lane.allCases.count)))
                    }
                    rowOfTop[t] = row
                }
                spread(o + UInt64(bucket) * b.width, b.width, Double(w)) { c, v in
                    all[row].lanes[Int(lane.rawValue)][c] += v
                    if lane == .onCPU && isTime { running[c] += v }
                }
            }
            for (bucket, w) in b.runqueue {
                haveQueue = true
                spread(o + bucket * b.width, b.width, Double(w)) { c, v in queued[c] += v }
            }
        }
        guard !all.isEmpty else { return nil }
        all.sort { $0.total > $1.total }
        if all.count > TimeStrip.maxRows {
            let rest = all[(TimeStrip.maxRows - 1)...]
            var other = Row(name: Array("\(rest.count) other processes".utf8), lanes: rest.first!.lanes)
            for r in rest.dropFirst() {
                for l in 0..<other.lanes.count { for c in 0..<n { other.lanes[l][c] += r.lanes[l][c] } }
            }
            all = Array(all[..<(TimeStrip.maxRows - 1)]) + [other]
        }
        rows = all
        countsQueue = haveQueue
        if onCPUIsTime {
            let width = span / Double(n)
            runnable = (0..<n).map { (running[$0] + (haveQueue ? queued[$0] : 0)) / width }
        }
    }

    /// Its height in the document.
    func height(fontSize fs: Double) -> Double {
        fs * 1.5 + Double(rows.count + (runnable == nil ? 0 : 1)) * TimeStrip.rowHeight + fs * 2.8
    }

    static let laneColors: [(TimeBuckets.Lane, String)] = [
        (.onCPU, "rgb(232,121,40)"), (.runnable, "rgb(80,170,80)"), (.disk, "rgb(150,90,200)"),
        (.sleeping, "rgb(90,140,220)"), (.other, "rgb(160,160,160)"),
    ]

    /// Draws the strip from `top`, across `width` pixels.
    func draw(_ out: inout SVGBuffer, top: Double, width: Double, options o: FlameGraphOptions) {
        let fs = o.fontSize, pad = FlameGraphRenderer.xpad
        let cx = pad + TimeStrip.labelWidth, cw = max(width - pad - cx, 10)
        let rowsTop = top + fs * 1.5
        let chartHeight = Double(rows.count + (runnable == nil ? 0 : 1)) * TimeStrip.rowHeight
        let n = Double(TimeStrip.columns)
        let span = end - start
        out.raw("<g id=\"strip\" data-t0=\""); out.trusted(String(start))
        out.raw("\" data-t1=\""); out.trusted(String(end))
        out.raw("\" data-cx=\""); out.coord(cx); out.raw("\" data-cw=\""); out.coord(cw)
        out.raw("\" data-top=\""); out.coord(rowsTop); out.raw("\" data-h=\""); out.coord(chartHeight)
        out.raw("\">\n")
        let legend = TimeStrip.laneColors.filter { lane, _ in rows.contains { $0.lanes[Int(lane.rawValue)].contains { $0 > 0 } } }
        let head = "Time: \(ValueFormat.duration(nanoseconds: span)), each row's busiest moment full height · drag to select a range"
        text(&out, x: pad, y: top + fs, head, cssClass: "stitle")
        var legendX = width - pad
        for (lane, color) in legend.reversed() {
            let name = TimeStrip.laneName(lane)
            legendX -= Double(name.count) * fs * o.fontWidth + 16
            out.raw("<rect x=\""); out.coord(legendX); out.raw("\" y=\""); out.coord(top + fs * 0.2)
            out.raw("\" width=\"10\" height=\"10\" fill=\""); out.trusted(color); out.raw("\"/>\n")
            text(&out, x: legendX + 13, y: top + fs, name, cssClass: "slegend")
        }
        let h = TimeStrip.rowHeight - 2
        for (r, row) in rows.enumerated() {
            let y = rowsTop + Double(r) * TimeStrip.rowHeight
            let peak = (0..<TimeStrip.columns).map { c in row.lanes.reduce(0) { $0 + $1[c] } }.max() ?? 0
            let cpu = row.lanes[0].reduce(0, +), waiting = row.lanes.dropFirst().reduce(0) { $0 + $1.reduce(0, +) }
            var label = String(decoding: row.name, as: UTF8.self)
            if onCPUIsTime { label += " " + ValueFormat.duration(nanoseconds: UInt64(cpu)) + " CPU" }
            if waiting > 0 { label += ", " + ValueFormat.duration(nanoseconds: UInt64(waiting)) + " off" }
            let fitted = FlameGraphRenderer.label(Array(label.utf8), fitting: TimeStrip.labelWidth - 6, charWidth: fs * o.fontWidth * 0.85)
            out.raw("<text class=\"slabel\" x=\""); out.coord(pad); out.raw("\" y=\""); out.coord(y + h - 1.5); out.raw("\">")
            fitted.withUnsafeBufferPointer { out.text($0) }
            out.raw("<title>"); out.text(label); out.raw("</title></text>\n")
            guard peak > 0 else { continue }
            // Stacked step areas, one path per lane, bottom to top in `laneColors` order.
            var base = [Double](repeating: 0, count: TimeStrip.columns)
            for (lane, color) in TimeStrip.laneColors {
                let values = row.lanes[Int(lane.rawValue)]
                guard values.contains(where: { $0 > 0 }) else { continue }
                let tops = (0..<TimeStrip.columns).map { base[$0] + values[$0] }
                out.raw("<path fill=\""); out.trusted(color); out.raw("\" d=\"M"); out.coord(cx); out.raw(",")
                out.coord(y + h - base[0] / peak * h)
                for c in 0..<TimeStrip.columns {
                    out.raw("V"); out.coord(y + h - tops[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c + 1) / n * cw)
                }
                var c = TimeStrip.columns - 1
                while c >= 0 {
                    out.raw("V"); out.coord(y + h - base[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c) / n * cw)
                    c -= 1
                }
                out.raw("Z\"/>\n")
                base = tops
            }
        }
        if let runnable {
            let y = rowsTop + Double(rows.count) * TimeStrip.rowHeight
            let peak = runnable.max() ?? 0
            let label = (countsQueue ? "runnable threads" : "threads on a CPU") + " (max \(ValueFormat.fixed(peak, decimals: 1)))"
            text(&out, x: pad, y: y + h - 1.5, label, cssClass: "slabel")
            if peak > 0 {
                out.raw("<path class=\"srun\" fill=\"rgb(60,60,60)\" d=\"M"); out.coord(cx); out.raw(","); out.coord(y + h)
                for c in 0..<TimeStrip.columns {
                    out.raw("V"); out.coord(y + h - runnable[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c + 1) / n * cw)
                }
                out.raw("V"); out.coord(y + h); out.raw("Z\"/>\n")
            }
        }
        // The time axis: seconds from the strip's start, and perf's absolute time at its ends.
        let axisY = rowsTop + chartHeight + fs
        for k in 0...4 {
            let t = Double(span) * Double(k) / 4
            let x = cx + cw * Double(k) / 4
            let s = k == 0 ? TimeWindow([.init(start: start, end: .max)]).description.dropLast() + " s"
                : "+" + ValueFormat.duration(nanoseconds: UInt64(t))
            out.raw("<text class=\"saxis\" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(axisY)
            out.raw(k == 0 ? "\">" : (k == 4 ? "\" text-anchor=\"end\">" : "\" text-anchor=\"middle\">"))
            out.text(String(s)); out.raw("</text>\n")
        }
        out.raw("<rect id=\"srange\" class=\"hide\" x=\""); out.coord(cx); out.raw("\" y=\""); out.coord(rowsTop)
        out.raw("\" width=\"0\" height=\""); out.coord(chartHeight); out.raw("\"/>\n")
        out.raw("<rect id=\"shit\" x=\""); out.coord(cx); out.raw("\" y=\""); out.coord(rowsTop)
        out.raw("\" width=\""); out.coord(cw); out.raw("\" height=\""); out.coord(chartHeight)
        out.raw("\" fill=\"rgb(0,0,0)\" fill-opacity=\"0\"/>\n")
        text(&out, x: cx, y: rowsTop + chartHeight + fs * 2.3, " ", cssClass: "stext", id: "stext")
        out.raw("</g>\n")
    }

    static func laneName(_ lane: TimeBuckets.Lane) -> String {
        switch lane {
        case .onCPU: return "on CPU"
        case .runnable: return "runnable"
        case .disk: return "disk (D)"
        case .sleeping: return "sleeping (S)"
        case .other: return "other"
        }
    }

    private func text(_ out: inout SVGBuffer, x: Double, y: Double, _ s: String, cssClass: StaticString, id: StaticString? = nil) {
        out.raw("<text class=\""); out.raw(cssClass); out.raw("\"")
        if let id { out.raw(" id=\""); out.raw(id); out.raw("\"") }
        out.raw(" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(y); out.raw("\">")
        out.text(s); out.raw("</text>\n")
    }
}
