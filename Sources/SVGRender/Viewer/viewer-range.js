
    // ---- time range ----------------------------------------------------
    // A range dragged on the time strip (<g id="strip">) re-aggregates every pane that carries
    // weights over time (data-t0, data-bw, data-q on the pane; data-b on its frames: the weight
    // of the stacks ending at the frame, per bucket). A bucket that the range cuts counts pro
    // rata. Frames keep their order; their widths and positions are laid out again from the
    // range's totals, and frames with nothing in the range are hidden. Double-click, Escape or
    // Reset clears it. The range goes into the URL as t=START,STOP in perf's seconds.

    var strip = null, stripT0 = 0, stripT1 = 0, stripCx = 0, stripCw = 0;
    var stripSel = null, stripText = null, dragFrom = null, range = null;

    function loadStrip() {
        strip = document.getElementById("strip");
        if (!strip) return;
        stripT0 = Number(strip.getAttribute("data-t0")) || 0;
        stripT1 = Number(strip.getAttribute("data-t1")) || 0;
        stripCx = numberAttr(strip, "data-cx", 0);
        stripCw = numberAttr(strip, "data-cw", 0);
        stripSel = document.getElementById("srange");
        stripText = document.getElementById("stext");
        var hit = document.getElementById("shit");
        if (!hit || !(stripT1 > stripT0) || !(stripCw > 0)) { strip = null; return; }
        hit.addEventListener("mousedown", onStripDown, false);
        hit.addEventListener("dblclick", function () { clearRange(); }, false);
        window.addEventListener("mousemove", onStripMove, false);
        window.addEventListener("mouseup", onStripUp, false);
        var spans = strip.querySelectorAll("g.span");
        for (var i = 0; i < spans.length; i++) spans[i].addEventListener("click", onSpanClick, false);
        var toggle = document.getElementById("stoggle");
        if (toggle) toggle.addEventListener("click", function () { showStripRows(stripRows() === "process" ? "thread" : "process"); }, false);
    }

    // The strip's rows: per process (<g id="sprocs">) or per thread (<g id="sthreads">).
    function stripRows() {
        var t = document.getElementById("sthreads");
        return t && t.getAttribute("display") !== "none" ? "thread" : "process";
    }

    function showStripRows(kind) {
        var p = document.getElementById("sprocs"), t = document.getElementById("sthreads");
        var toggle = document.getElementById("stoggle");
        if (!p || !t || !toggle) return;
        p.setAttribute("display", kind === "thread" ? "none" : "inline");
        t.setAttribute("display", kind === "thread" ? "inline" : "none");
        toggle.textContent = kind === "thread" ? toggle.getAttribute("data-p") : toggle.getAttribute("data-t");
    }

    // A click on a span selects its window.
    function onSpanClick(e) {
        var g = e.currentTarget, t0 = Number(g.getAttribute("data-s")), t1 = Number(g.getAttribute("data-e"));
        if (t1 > t0) selectRange(Math.max(t0, stripT0), Math.min(t1, stripT1));
    }

    function svgX(e) {
        try {
            var m = svg.getScreenCTM();
            if (m) {
                var pt = svg.createSVGPoint();
                pt.x = e.clientX; pt.y = e.clientY;
                return pt.matrixTransform(m.inverse()).x;
            }
        } catch (err) { /* fall through */ }
        return e.clientX;
    }

    function timeAt(x) {
        var f = Math.min(Math.max((x - stripCx) / stripCw, 0), 1);
        return stripT0 + f * (stripT1 - stripT0);
    }

    function xAt(t) {
        return stripCx + (t - stripT0) / (stripT1 - stripT0) * stripCw;
    }

    function showSelection(a, b) {
        if (!stripSel) return;
        var x0 = Math.max(Math.min(a, b), stripCx), x1 = Math.min(Math.max(a, b), stripCx + stripCw);
        stripSel.setAttribute("x", fmt(x0));
        stripSel.setAttribute("width", fmt(Math.max(x1 - x0, 0)));
        stripSel.classList.remove("hide");
    }

    function onStripDown(e) {
        if (e.button !== 0) return;
        e.preventDefault();
        dragFrom = svgX(e);
        showSelection(dragFrom, dragFrom);
    }

    function onStripMove(e) {
        if (dragFrom === null) return;
        showSelection(dragFrom, svgX(e));
    }

    function onStripUp(e) {
        if (dragFrom === null) return;
        var a = dragFrom, b = svgX(e);
        dragFrom = null;
        if (Math.abs(b - a) < 2) {
            if (range) showSelection(xAt(range.t0), xAt(range.t1));
            else if (stripSel) stripSel.classList.add("hide");
            return;
        }
        selectRange(timeAt(Math.min(a, b)), timeAt(Math.max(a, b)));
    }

    // perf's time spelling: seconds and nine decimals.
    function perfTime(t) {
        t = Math.round(t);
        var s = Math.floor(t / 1e9), ns = String(t - s * 1e9);
        while (ns.length < 9) ns = "0" + ns;
        return s + "." + ns;
    }

    function parsePerfTime(s) {
        var m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(s);
        if (!m) return NaN;
        var frac = (m[2] || "") + "000000000";
        return Number(m[1]) * 1e9 + Number(frac.slice(0, 9));
    }

    function duration(ns) {
        function sig(v) { return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2); }
        if (ns >= 1e9) return sig(ns / 1e9) + " s";
        if (ns >= 1e6) return sig(ns / 1e6) + " ms";
        if (ns >= 1e3) return sig(ns / 1e3) + " \u00b5s";
        return Math.round(ns) + " ns";
    }

    function amountText(p, v) {
        if (p.el.getAttribute("data-unit-ns") === "1") return duration(v);
        var s = String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        return s + " " + (p.el.getAttribute("data-countname") || "samples");
    }

    // The pane's per-frame bucket data, parsed once; false when the pane has none.
    function loadBuckets(p) {
        if (p.bOff) return true;
        if (!p.el.hasAttribute("data-t0")) return false;
        p.bt0 = Number(p.el.getAttribute("data-t0"));
        p.bw = Number(p.el.getAttribute("data-bw")) || 1;
        p.bq = Number(p.el.getAttribute("data-q")) || 1;
        var off = new Int32Array(p.n + 1), idx = [], val = [];
        for (var i = 0; i < p.n; i++) {
            off[i] = idx.length;
            var s = p.groups[i].getAttribute("data-b");
            if (!s) continue;
            var parts = s.split(" "), b = 0;
            for (var k = 0; k < parts.length; k++) {
                var c = parts[k].indexOf(":");
                if (c < 0) continue;
                b += parseInt(parts[k].slice(0, c), 10) || 0;
                idx.push(b);
                val.push(Number(parts[k].slice(c + 1)) || 0);
            }
        }
        off[p.n] = idx.length;
        p.bOff = off;
        p.bIdx = Int32Array.from(idx);
        p.bVal = Float64Array.from(val);
        p.texts = [];
        for (i = 0; i < p.n; i++) p.texts.push(childByTag(p.groups[i], "text"));
        return true;
    }

    // The pane's totals over [t0, t1] (ns), frame by frame.
    function rangeTotals(p, t0, t1) {
        var n = p.n, tot = new Float64Array(n), off = p.bOff, idx = p.bIdx, val = p.bVal, bw = p.bw, base = p.bt0;
        for (var i = 0; i < n; i++) {
            var s = 0;
            for (var j = off[i]; j < off[i + 1]; j++) {
                var a = base + idx[j] * bw;
                var f = (Math.min(t1, a + bw) - Math.max(t0, a)) / bw;
                if (f > 0) s += val[j] * (f < 1 ? f : 1);
            }
            tot[i] = s * p.bq;
        }
        for (i = n - 1; i > 0; i--) if (p.parentOf[i] >= 0) tot[p.parentOf[i]] += tot[i];
        return tot;
    }

    function layoutPane(p, tot) {
        if (!p.orig) {
            p.orig = [];
            for (var i = 0; i < p.n; i++) {
                var t = p.texts[i];
                p.orig.push([p.rects[i].getAttribute("x"), p.rects[i].getAttribute("width"),
                             t ? t.getAttribute("x") : null, t ? t.textContent : null]);
            }
        }
        var scale = tot[0] > 0 ? p.full / tot[0] : 0, n = p.n;
        var x = new Float64Array(n), cursor = new Float64Array(n);
        for (i = 0; i < n; i++) {
            var par = p.parentOf[i], w = tot[i] * scale;
            x[i] = par < 0 ? p.left : cursor[par];
            cursor[i] = x[i];
            if (par >= 0) cursor[par] += w;
            var g = p.groups[i];
            if (w < 0.05) { g.classList.add("hide"); continue; }
            g.classList.remove("hide");
            p.rects[i].setAttribute("x", fmt(x[i]));
            p.rects[i].setAttribute("width", fmt(w));
            var te = p.texts[i];
            if (te) {
                te.setAttribute("x", fmt(x[i] + 3));
                var label = fitLabel(nameOf(p, i), w);
                if (te.textContent !== label) te.textContent = label;
            }
        }
    }

    function restorePane(p) {
        if (!p.orig) return;
        for (var i = 0; i < p.n; i++) {
            var o = p.orig[i], te = p.texts[i];
            p.groups[i].classList.remove("hide");
            p.rects[i].setAttribute("x", o[0]);
            p.rects[i].setAttribute("width", o[1]);
            if (te) { te.setAttribute("x", o[2]); te.textContent = o[3]; }
        }
        if (p.origTitles) {
            p.origTitles.forEach(function (text, title) { title.textContent = text; });
            p.origTitles = null;
        }
        p.values = [];
        p.range = null;
    }

    // Re-aggregates every timed pane to [t0, t1], ns of perf's clock.
    function selectRange(t0, t1) {
        if (!ready || !strip || !(t1 > t0)) return;
        resetAll();
        range = { t0: t0, t1: t1 };
        var parts = [];
        for (var k = 0; k < panes.length; k++) {
            var p = panes[k];
            if (!loadBuckets(p)) continue;
            var tot = rangeTotals(p, t0, t1);
            layoutPane(p, tot);
            p.values = Array.prototype.slice.call(tot);
            p.range = { t0: t0, t1: t1, total: tot[0] };
            parts.push((panes.length > 1 ? (p.el.getAttribute("aria-label") || "pane") + " " : "") + amountText(p, tot[0]));
        }
        showSelection(xAt(t0), xAt(t1));
        setText(stripText, "range " + duration(t1 - t0) + ": " + parts.join(" \u00b7 ") + " \u00b7 --time "
            + perfTime(t0) + "," + perfTime(t1) + " \u00b7 double-click the strip to clear");
        for (k = 0; k < panes.length; k++) refreshMatched(panes[k]);
        writeURL();
    }

    function clearRange() {
        if (!range) return;
        range = null;
        for (var k = 0; k < panes.length; k++) restorePane(panes[k]);
        if (stripSel) stripSel.classList.add("hide");
        setText(stripText, " ");
        for (k = 0; k < panes.length; k++) refreshMatched(panes[k]);
        writeURL();
    }

    // The hovered frame's <title> says its range total (the original comes back with the range).
    function rangeTitle(p, i) {
        var el = shownElement(p, i), title = el ? childByTag(el, "title") : null;
        if (!title) return;
        if (!p.origTitles) p.origTitles = new Map();
        if (!p.origTitles.has(title)) p.origTitles.set(title, title.textContent);
        title.textContent = nameOf(p, i) + "\n" + rangeLine(p, i);
    }

    // The tooltip line of a frame in a range: its total there.
    function rangeLine(p, i) {
        var v = valueOf(p, i), total = p.range.total;
        var pct = total > 0 ? Math.round(v / total * 10000) / 100 : 0;
        return amountText(p, v) + " (" + pct + "% of the range)";
    }
