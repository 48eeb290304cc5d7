    // ---- focus ---------------------------------------------------------

    var lastStep = null; // the child a parent was reached from, to go back up to it

    function focusFrame(p, i) {
        if (!p || i < 0 || i >= p.n || !isShown(p, i)) return;
        var el = shownElement(p, i);
        if (!el) return;
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
        if (!el.hasAttribute("aria-label")) {
            var main = titleLines(p.groups[i])[1];
            el.setAttribute("role", "img");
            el.setAttribute("aria-label", nameOf(p, i) + (main ? ", " + main : ""));
        }
        try { el.focus({ preventScroll: true }); } catch (err) { el.focus(); }
    }

    // Arrow keys move as drawn: up goes to a child in a flame graph, to the parent in an icicle.
    function moveFocus(key) {
        var at = frameAt(document.activeElement);
        if (!at) {
            var first = panes[0];
            focusFrame(first, first.zoomed >= 0 ? first.zoomed : 0);
            return;
        }
        var p = at.p, i = at.i, j = -1, parent = p.parentOf[i];
        var toParent = inverted ? key === "ArrowUp" : key === "ArrowDown";
        var toChild = inverted ? key === "ArrowDown" : key === "ArrowUp";
        if (toParent) {
            j = parent;
            if (j >= 0) lastStep = { p: p, parent: j, child: i };
        } else if (toChild) {
            if (lastStep && lastStep.p === p && lastStep.parent === i) j = lastStep.child;
            else if (i + 1 < p.endOf[i]) j = i + 1;
        } else if (key === "ArrowRight") {
            if (parent >= 0 && p.endOf[i] < p.endOf[parent]) j = p.endOf[i];
        } else if (key === "ArrowLeft" && parent >= 0) {
            for (var c = parent + 1; c < i; c = p.endOf[c]) {
                if (p.endOf[c] === i) { j = c; break; }
            }
        }
        if (j >= 0 && isShown(p, j)) {
            focusFrame(p, j);
        } else if (parent < 0 && (key === "ArrowRight" || key === "ArrowLeft")) {
            // From a root, sideways goes to the next or previous pane.
            var q = panes[p.k + (key === "ArrowRight" ? 1 : -1)];
            if (q) focusFrame(q, q.zoomed >= 0 ? q.zoomed : 0);
        }
    }

    // ---- events --------------------------------------------------------

    function controlAt(node) {
        for (var el = node; el && el.nodeType === 1 && el !== svg; el = el.parentNode) {
            var id = el.id;
            if (id === "unzoom" || id === "search" || id === "ignorecase") return { id: id, p: null };
            if (el.classList && el.classList.contains("punzoom")) {
                for (var k = 0; k < panes.length; k++) {
                    if (panes[k].unzoom === el) return { id: "punzoom", p: panes[k] };
                }
            }
        }
        return null;
    }

    function onClick(e) {
        if (!ready) return;
        var hit = frameAt(e.target);
        if (hit) {
            zoomPane(hit.p, hit.i);
            focusFrame(hit.p, hit.i);
            return;
        }
        var c = controlAt(e.target);
        if (!c) return;
        if (c.id === "unzoom") resetAll();
        else if (c.id === "punzoom") resetPane(c.p);
        else if (c.id === "search") {
            if (searchTerm !== null) clearSearch();
            else promptSearch();
        } else if (c.id === "ignorecase") toggleIgnoreCase();
    }

    function onOver(e) {
        if (!ready) return;
        var hit = frameAt(e.target);
        if (hit) {
            setText(hit.p.details, describe(hit.p, hit.i));
            if (hit.p.range) rangeTitle(hit.p, hit.i);
        }
    }

    function onOut(e) {
        if (!ready) return;
        var hit = frameAt(e.target);
        if (hit) setText(hit.p.details, " ");
    }

    function isEditable(el) {
        if (!el || el.nodeType !== 1) return false;
        var tag = String(el.localName || "").toLowerCase();
        return !!el.isContentEditable || tag === "input" || tag === "textarea" || tag === "select";
    }

    function onKey(e) {
        // Leave typing alone when the graph is inlined in a page with form fields.
        if (!ready || isEditable(e.target)) return;
        var key = e.key, mod = e.ctrlKey || e.metaKey;
        if ((mod && (key === "f" || key === "F")) || key === "F3" ||
            (key === "/" && !mod && !e.altKey)) {
            e.preventDefault();
            promptSearch();
        } else if (mod && (key === "i" || key === "I")) {
            e.preventDefault();
            toggleIgnoreCase();
        } else if (key === "Escape" || key === "Esc") {
            if (anyZoomed()) resetAll();
            else if (searchTerm !== null) clearSearch();
            else if (range) clearRange();
        } else if (mod || e.altKey) {
            return;
        } else if (key === "n" || key === "N") {
            e.preventDefault();
            stepMatch(key === "n" ? 1 : -1);
        } else if (key === "Enter" || key === " ") {
            var hit = frameAt(e.target);
            if (hit) {
                e.preventDefault();
                zoomPane(hit.p, hit.i);
                focusFrame(hit.p, hit.i);
            }
        } else if (key === "ArrowUp" || key === "ArrowDown" || key === "ArrowLeft" || key === "ArrowRight") {
            e.preventDefault();
            moveFocus(key);
        }
    }

    function paneAt(k) {
        return panes[k === undefined ? 0 : k] || null;
    }

    return {
        init: init,
        zoom: function (i, k) { zoomPane(paneAt(k), i); },
        resetZoom: function (k) { if (k === undefined) resetAll(); else resetPane(paneAt(k)); },
        search: search,
        clearSearch: clearSearch,
        toggleIgnoreCase: toggleIgnoreCase,
        next: function () { stepMatch(1); },
        previous: function () { stepMatch(-1); },
        focus: function (i, k) { focusFrame(paneAt(k), i); },
        paneCount: function () { return panes.length; },
        frameCount: function (k) { var p = paneAt(k); return p ? p.n : 0; },
        zoomedIndex: function (k) { var p = paneAt(k); return p ? p.zoomed : -1; },
        selectRange: function (t0, t1) { selectRange(Number(t0), Number(t1)); },
        clearRange: clearRange,
        range: function () { return range ? [range.t0, range.t1] : null; },
        rangeTotal: function (k) { var p = paneAt(k); return p && p.range ? p.range.total : null; },
        strip: function () { return strip ? [stripT0, stripT1, stripCx, stripCw] : null; },
        stripRows: function () { return strip ? stripRows() : null; },
        showStripRows: function (kind) { showStripRows(kind); },
        spans: function () {
            var out = [], gs = strip ? strip.querySelectorAll("g.span") : [];
            for (var i = 0; i < gs.length; i++) {
                out.push([Number(gs[i].getAttribute("data-s")), Number(gs[i].getAttribute("data-e"))]);
            }
            return out;
        },
        // [first bucket's start, bucket width, quantum of data-b values, cells]: a cell's value is
        // rounded to the quantum, so a range's total is exact within cells * quantum / 2.
        buckets: function (k) { var p = paneAt(k); return p && loadBuckets(p) ? [p.bt0, p.bw, p.bq, p.bIdx.length] : null; }
    };
})();

function init(evt) {
    FlameGraph.init(evt);
}
