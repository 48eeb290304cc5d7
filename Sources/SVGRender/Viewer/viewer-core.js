"use strict";
var FlameGraph = (function () {
    var SVG_NS = "http://www.w3.org/2000/svg";
    var ready = false;
    var svg = null;
    var unzoomBtn = null, searchBtn = null, ignoreCaseBtn = null;

    // Settings from the root element's data-* attributes.
    var xpad = 10, charWidth = 12 * 0.59, inverted = false;
    var nameType = "Function:", searchColor = "rgb(230,0,230)";

    var panes = [];
    var paneOfLayer = new Map(); // .graph and .zoomview groups -> their pane

    // Search state shared by the panes; each pane keeps its own matches.
    var searchTerm = null, ignoreCase = false;
    var cursor = -1; // position in all panes' matches, for n / N

    var ASTRAL = /[\uD800-\uDFFF]/;

    function numberAttr(el, name, fallback) {
        var v = parseFloat(el.getAttribute(name));
        return isFinite(v) ? v : fallback;
    }

    function setText(el, text) {
        if (el && el.textContent !== text) el.textContent = text;
    }

    function fmt(v) {
        return String(Math.round(v * 100) / 100);
    }

    function childByTag(el, tag) {
        for (var c = el.firstElementChild; c; c = c.nextElementSibling) {
            if (c.localName === tag) return c;
        }
        return null;
    }

    function titleLines(el) {
        var title = childByTag(el, "title");
        return title ? title.textContent.split("\n") : [];
    }

    function nameOf(p, i) {
        var s = p.names[i];
        if (s === undefined) {
            s = titleLines(p.groups[i])[0] || "";
            if (s.charAt(s.length - 1) === "\r") s = s.slice(0, -1);
            p.names[i] = s;
        }
        return s;
    }

    function valueOf(p, i) {
        var v = p.values[i];
        if (v === undefined) v = p.values[i] = Number(p.groups[i].getAttribute("data-v")) || 0;
        return v;
    }

    // Label rule shared with the renderer: the whole text if it fits in
    // floor(width / charWidth) characters, else a prefix ending in "..";
    // nothing at all if fewer than three characters fit.
    function fitLabel(name, w) {
        var max = Math.floor(w / charWidth);
        if (!(max >= 3)) return "";
        if (name.length <= max) return name;
        if (ASTRAL.test(name)) {
            var cps = Array.from(name);
            if (cps.length <= max) return name;
            return cps.slice(0, max - 2).join("") + "..";
        }
        return name.slice(0, max - 2) + "..";
    }

    // ---- load -------------------------------------------------------

    function loadPane(el, k) {
        var p = {
            k: k, el: el, graph: null, view: null, details: null, matched: null, unzoom: null,
            left: 0, full: 0, n: 0, groups: [], rects: [], indexOfGroup: new Map(),
            depthOf: null, parentOf: null, endOf: null, names: [], values: [],
            zoomed: -1, viewIndices: [], viewRects: [], cloneOf: new Map(), indexOfClone: new Map(),
            matchMark: null, matchList: [], savedFill: []
        };
        for (var c = el.firstElementChild; c; c = c.nextElementSibling) {
            var cl = c.classList;
            if (c.localName === "g" && cl.contains("graph")) p.graph = c;
            else if (cl.contains("details")) p.details = c;
            else if (cl.contains("matched")) p.matched = c;
            else if (cl.contains("punzoom")) p.unzoom = c;
        }
        if (!p.graph) return null;
        var x = numberAttr(el, "data-x", 0);
        var vb = svg.viewBox && svg.viewBox.baseVal;
        var w = numberAttr(el, "data-width", vb && vb.width > 0 ? vb.width : 1200);
        p.left = x + xpad;
        p.full = w - 2 * xpad;

        var kids = p.graph.children, cap = kids.length, n = 0;
        var depthOf = new Int32Array(cap);
        for (var j = 0; j < cap; j++) {
            var g = kids[j];
            if (!g.classList.contains("f")) continue;
            var rect = childByTag(g, "rect");
            if (!rect) continue;
            p.groups.push(g);
            p.rects.push(rect);
            depthOf[n] = parseInt(g.getAttribute("data-d"), 10) || 0;
            p.indexOfGroup.set(g, n);
            n++;
        }
        p.n = n;
        p.depthOf = depthOf;

        // Parent and subtree end from the pre-order depths.
        p.parentOf = new Int32Array(n);
        p.endOf = new Int32Array(n);
        var stack = [];
        for (var i = 0; i < n; i++) {
            while (stack.length && depthOf[stack[stack.length - 1]] >= depthOf[i]) {
                p.endOf[stack.pop()] = i;
            }
            p.parentOf[i] = stack.length ? stack[stack.length - 1] : -1;
            stack.push(i);
        }
        while (stack.length) p.endOf[stack.pop()] = n;
        p.matchMark = new Uint8Array(n);

        p.view = document.createElementNS(SVG_NS, "g");
        p.view.setAttribute("class", "zoomview");
        p.graph.parentNode.insertBefore(p.view, p.graph.nextSibling);
        paneOfLayer.set(p.graph, p);
        paneOfLayer.set(p.view, p);
        // The pane's entry in the tab order; arrow keys go on from there.
        if (n) p.groups[0].setAttribute("tabindex", "0");
        return p;
    }

    function init() {
        if (ready) return;
        svg = document.documentElement;
        if (!svg || svg.localName !== "svg") {
            var any = document.getElementsByClassName("pane")[0];
            svg = any ? any.ownerSVGElement : null;
        }
        if (!svg) return;
        unzoomBtn = document.getElementById("unzoom");
        searchBtn = document.getElementById("search");
        ignoreCaseBtn = document.getElementById("ignorecase");

        var fontSize = numberAttr(svg, "data-fontsize", 12);
        var fontWidth = numberAttr(svg, "data-fontwidth", 0.59);
        charWidth = fontSize * fontWidth;
        if (!(charWidth > 0)) charWidth = 12 * 0.59;
        xpad = numberAttr(svg, "data-xpad", 10);
        inverted = svg.getAttribute("data-inverted") === "1";
        nameType = svg.getAttribute("data-nametype");
        if (nameType === null) nameType = "Function:";
        searchColor = svg.getAttribute("data-searchcolor") || "rgb(230,0,230)";

        var els = svg.getElementsByClassName("pane");
        for (var k = 0; k < els.length; k++) {
            var p = loadPane(els[k], panes.length);
            if (p) panes.push(p);
        }
        if (!panes.length) return;

        window.addEventListener("click", onClick, false);
        window.addEventListener("mouseover", onOver, false);
        window.addEventListener("mouseout", onOut, false);
        window.addEventListener("focusin", onOver, false);
        window.addEventListener("focusout", onOut, false);
        window.addEventListener("keydown", onKey, false);
        ready = true;
        loadStrip();
        restoreFromURL();
    }

    // ---- frame lookup ------------------------------------------------

    // The pane and index of the frame (original or zoom clone) containing node, or null.
    function frameAt(node) {
        for (var el = node; el && el.parentNode; el = el.parentNode) {
            var p = paneOfLayer.get(el.parentNode);
            if (p) {
                var i = el.parentNode === p.graph ? p.indexOfGroup.get(el) : p.indexOfClone.get(el);
                return i === undefined ? null : { p: p, i: i };
            }
        }
        return null;
    }

    // The element that shows frame i now: its clone while the pane is zoomed.
    function shownElement(p, i) {
        return p.zoomed >= 0 ? (p.cloneOf.get(i) || null) : p.groups[i];
    }

    function isShown(p, i) {
        var z = p.zoomed;
        return z < 0 || (i >= z && i < p.endOf[z]) || (i < z && p.endOf[i] > z);
    }

    function describe(p, i) {
        var lines = titleLines(p.groups[i]);
        var info = [];
        for (var k = 1; k < lines.length; k++) {
            var line = lines[k].trim();
            if (line) info.push(line);
        }
        if (p.range) info = [rangeLine(p, i)];
        var s = (nameType ? nameType + " " : "") + nameOf(p, i);
        if (info.length) s += " (" + info.join(", ") + ")";
        // Keep clear of the pane's "Matched" text on the same line.
        var used = p.matched ? p.matched.textContent.length + 2 : 0;
        return fitLabel(s, p.full - used * charWidth) || s.slice(0, 3);
    }

    // ---- zoom --------------------------------------------------------

    function addClone(p, frag, i, x, w, asParent) {
        var c = p.groups[i].cloneNode(true);
        var r = null, t = null;
        for (var e = c.firstElementChild; e; e = e.nextElementSibling) {
            if (e.localName === "rect") { if (!r) r = e; }
            else if (e.localName === "text") { if (!t) t = e; }
        }
        if (asParent) c.classList.add("parent");
        c.removeAttribute("tabindex");
        r.setAttribute("x", fmt(x));
        r.setAttribute("width", fmt(w));
        if (t) {
            t.setAttribute("x", fmt(x + 3));
            var label = fitLabel(nameOf(p, i), w);
            if (t.textContent !== label) t.textContent = label;
        }
        frag.appendChild(c);
        p.viewIndices.push(i);
        p.viewRects.push(r);
        p.indexOfClone.set(c, i);
        p.cloneOf.set(i, c);
    }

    function clearView(p) {
        p.view.textContent = "";
        p.viewIndices = [];
        p.viewRects = [];
        p.indexOfClone = new Map();
        p.cloneOf = new Map();
    }

    function anyZoomed() {
        for (var k = 0; k < panes.length; k++) if (panes[k].zoomed >= 0) return true;
        return false;
    }

    function showControls(p) {
        if (p.unzoom) p.unzoom.classList.toggle("hide", p.zoomed < 0);
        if (unzoomBtn) unzoomBtn.classList.toggle("hide", !anyZoomed());
        if (p.n) p.groups[0].setAttribute("tabindex", p.zoomed < 0 ? "0" : "-1");
    }

    function zoomPane(p, z) {
        if (!ready || !p || z < 0 || z >= p.n) return;
        if (p.parentOf[z] < 0) { resetPane(p); return; }
        if (z === p.zoomed) return;
        var zr = p.rects[z];
        var zx = numberAttr(zr, "x", 0), zw = numberAttr(zr, "width", 0);
        if (!(zw > 0)) return;
        var ratio = p.full / zw, end = p.endOf[z];

        clearView(p);
        var frag = document.createDocumentFragment();
        var chain = [];
        for (var a = p.parentOf[z]; a >= 0; a = p.parentOf[a]) chain.push(a);
        for (var k = chain.length - 1; k >= 0; k--) addClone(p, frag, chain[k], p.left, p.full, true);
        for (var i = z; i < end; i++) {
            var r = p.rects[i];
            addClone(p, frag, i, p.left + (numberAttr(r, "x", 0) - zx) * ratio,
                     numberAttr(r, "width", 0) * ratio, false);
        }
        p.view.appendChild(frag);
        p.graph.classList.add("zoomed");
        p.zoomed = z;
        p.cloneOf.get(z).setAttribute("tabindex", "0");
        showControls(p);
        refreshMatched(p);
        writeURL();
    }

    function resetPane(p) {
        if (!ready || !p) return;
        clearView(p);
        p.graph.classList.remove("zoomed");
        p.zoomed = -1;
        showControls(p);
        refreshMatched(p);
        writeURL();
    }

    function resetAll() {
        for (var k = 0; k < panes.length; k++) if (panes[k].zoomed >= 0) resetPane(panes[k]);
    }

