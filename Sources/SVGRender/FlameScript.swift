// The interactive part of every flame graph: a stylesheet and a script that the
// renderer embeds verbatim into the SVG.
//
// DOM contract the script relies on (emitted by the renderer):
//   - root <svg> with width/viewBox and the settings data-fontsize, data-fontwidth,
//     data-frameheight, data-xpad, data-inverted, data-nametype, data-countname,
//     data-searchcolor, data-unit-ns, and onload="init(evt)";
//   - text controls #title, #subtitle (optional), #unzoom, #search, #ignorecase,
//     #matched and #details;
//   - <g id="frames"> holding one <g class="f" data-d="DEPTH" data-v="TOTAL" data-s="SELF">
//     per frame in depth-first pre-order, each with <title>, <rect> and <text>.
//     The frame name is the first line of the <title>; the other lines are the
//     human-readable details shown on hover.
//
// Ancestry comes from the pre-order depths, never from pixel positions: a frame's
// subtree is the run of following frames deeper than it.
//
// Performance (100,000 frames): load only reads each frame's depth and finds its
// <rect>; names and values are read on first use. Zooming never touches the frames in #frames:
// the whole group is moved out of sight with one class ("zoomed"; a CSS
// translation, which unlike display:none or visibility:hidden does not make the
// browser recompute the style of 400,000 descendants) and the zoomed view is
// built from clones of the visible frames (the zoomed subtree plus its
// ancestors) in a sibling group <g id="zoomview"> that the script creates.
// So a zoom costs work proportional to the frames it shows, and resetting it
// just drops the clones and unhides #frames, whose style and layout the browser
// has kept. Neither path reads layout.
//
// Frame names are untrusted: they are only ever read from and written to
// textContent / attribute values.
//
// The script must never contain the CDATA terminator (two closing square
// brackets followed by a greater-than sign).

/// The CSS and JavaScript embedded in every flame graph SVG; see the DOM contract above.
enum FlameScript {
    /// CSS placed in the SVG's <style> element.
    static let css: String = #"""
    svg { font-family: Verdana, sans-serif; font-size: 12px; } /* inherited defaults only */
    text { fill: rgb(0,0,0); }
    #title { text-anchor: middle; font-size: 17px; }
    #subtitle { text-anchor: middle; fill: rgb(160,160,160); }
    #unzoom, #search, #ignorecase { cursor: pointer; }
    #search, #ignorecase { opacity: 0.5; }
    #search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }
    #search.show, #ignorecase.show { font-weight: bold; }
    g.f { cursor: pointer; }
    g.f:hover > rect, g.f:focus > rect { stroke: rgb(0,0,0); stroke-width: 0.5; }
    g.f:focus { outline: none; }
    g.f > text { pointer-events: none; }
    #frames.zoomed { transform: translate(-100000px, 0); }
    .parent { opacity: 0.5; }
    .hide { display: none; }
    """#

    /// JavaScript placed in <script type="text/ecmascript"><![CDATA[ ... ]]></script>.
    static let javascript: String = #"""
    "use strict";
    var FlameGraph = (function () {
        var SVG_NS = "http://www.w3.org/2000/svg";
        var ready = false;
        var svg = null, framesEl = null, viewEl = null;
        var detailsEl = null, unzoomBtn = null, searchBtn = null, ignoreCaseBtn = null, matchedEl = null;

        // Settings from the root element's data-* attributes.
        var graphWidth = 0, xpad = 10, charWidth = 12 * 0.59;
        var nameType = "Function:", searchColor = "rgb(230,0,230)";

        // Per-frame data, indexed in document (depth-first pre-) order.
        var n = 0;
        var groups = [];
        var depthOf = null, parentOf = null, endOf = null; // endOf[i]: first index after i's subtree
        var indexOfGroup = new Map();
        var rects = [];
        var names = [], values = []; // filled on first use

        // Zoom state: the clones shown in #zoomview.
        var zoomedIndex = -1;
        var viewIndices = [], viewRects = [], indexOfClone = new Map();

        // Search state.
        var searchTerm = null, ignoreCase = false;
        var matchMark = null, matchList = [], savedFill = [];

        var ASTRAL = /[\uD800-\uDFFF]/;
        var URL_KEYS = { x: 1, y: 1, s: 1, i: 1 };

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

        function nameOf(i) {
            var s = names[i];
            if (s === undefined) {
                var title = childByTag(groups[i], "title");
                s = title ? title.textContent : "";
                var nl = s.indexOf("\n");
                if (nl >= 0) s = s.slice(0, nl);
                if (s.charAt(s.length - 1) === "\r") s = s.slice(0, -1);
                names[i] = s;
            }
            return s;
        }

        function valueOf(i) {
            var v = values[i];
            if (v === undefined) v = values[i] = Number(groups[i].getAttribute("data-v")) || 0;
            return v;
        }

        // Label rule shared with the renderer: the whole name if it fits in
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

        function init() {
            if (ready) return;
            framesEl = document.getElementById("frames");
            if (!framesEl) return;
            svg = framesEl.ownerSVGElement || document.documentElement;
            detailsEl = document.getElementById("details");
            unzoomBtn = document.getElementById("unzoom");
            searchBtn = document.getElementById("search");
            ignoreCaseBtn = document.getElementById("ignorecase");
            matchedEl = document.getElementById("matched");

            var fontSize = numberAttr(svg, "data-fontsize", 12);
            var fontWidth = numberAttr(svg, "data-fontwidth", 0.59);
            charWidth = fontSize * fontWidth;
            if (!(charWidth > 0)) charWidth = 12 * 0.59;
            xpad = numberAttr(svg, "data-xpad", 10);
            nameType = svg.getAttribute("data-nametype");
            if (nameType === null) nameType = "Function:";
            searchColor = svg.getAttribute("data-searchcolor") || "rgb(230,0,230)";
            var vb = svg.viewBox && svg.viewBox.baseVal;
            graphWidth = vb && vb.width > 0 ? vb.width : numberAttr(svg, "width", 1200);

            // "Matched: ... (... of zoom)" can be long: right-align it at the margin.
            if (matchedEl) {
                matchedEl.setAttribute("x", fmt(graphWidth - xpad));
                matchedEl.setAttribute("text-anchor", "end");
            }

            var kids = framesEl.children, cap = kids.length;
            depthOf = new Int32Array(cap);
            for (var k = 0; k < cap; k++) {
                var g = kids[k];
                if (!g.classList.contains("f")) continue;
                var rect = childByTag(g, "rect");
                if (!rect) continue;
                groups.push(g);
                rects.push(rect);
                depthOf[n] = parseInt(g.getAttribute("data-d"), 10) || 0;
                indexOfGroup.set(g, n);
                n++;
            }

            // Parent and subtree end from the pre-order depths.
            parentOf = new Int32Array(n);
            endOf = new Int32Array(n);
            var stack = [];
            for (var i = 0; i < n; i++) {
                while (stack.length && depthOf[stack[stack.length - 1]] >= depthOf[i]) {
                    endOf[stack.pop()] = i;
                }
                parentOf[i] = stack.length ? stack[stack.length - 1] : -1;
                stack.push(i);
            }
            while (stack.length) endOf[stack.pop()] = n;
            matchMark = new Uint8Array(n);

            viewEl = document.createElementNS(SVG_NS, "g");
            viewEl.setAttribute("id", "zoomview");
            framesEl.parentNode.insertBefore(viewEl, framesEl.nextSibling);

            window.addEventListener("click", onClick, false);
            window.addEventListener("mouseover", onOver, false);
            window.addEventListener("mouseout", onOut, false);
            window.addEventListener("focusin", onOver, false);
            window.addEventListener("focusout", onOut, false);
            window.addEventListener("keydown", onKey, false);
            ready = true;
            restoreFromURL();
        }

        // ---- frame lookup ------------------------------------------------

        // Index of the frame (original or zoom clone) containing node, or -1.
        function frameIndexOf(node) {
            for (var el = node; el && el.parentNode; el = el.parentNode) {
                var p = el.parentNode, i;
                if (p === framesEl) {
                    i = indexOfGroup.get(el);
                    return i === undefined ? -1 : i;
                }
                if (p === viewEl) {
                    i = indexOfClone.get(el);
                    return i === undefined ? -1 : i;
                }
            }
            return -1;
        }

        function controlIdOf(node) {
            for (var el = node; el && el !== svg && el.nodeType === 1; el = el.parentNode) {
                var id = el.id;
                if (id === "unzoom" || id === "search" || id === "ignorecase") return id;
            }
            return "";
        }

        function describe(i) {
            var title = childByTag(groups[i], "title");
            var lines = title ? title.textContent.split("\n") : [];
            var info = [];
            for (var k = 1; k < lines.length; k++) {
                var line = lines[k].trim();
                if (line) info.push(line);
            }
            var s = (nameType ? nameType + " " : "") + nameOf(i);
            return info.length ? s + " (" + info.join(", ") + ")" : s;
        }

        // ---- zoom --------------------------------------------------------

        function addClone(frag, i, x, w, asParent) {
            var c = groups[i].cloneNode(true);
            var r = null, t = null;
            for (var e = c.firstElementChild; e; e = e.nextElementSibling) {
                if (e.localName === "rect") { if (!r) r = e; }
                else if (e.localName === "text") { if (!t) t = e; }
            }
            if (asParent) c.classList.add("parent");
            r.setAttribute("x", fmt(x));
            r.setAttribute("width", fmt(w));
            if (t) {
                t.setAttribute("x", fmt(x + 3));
                var label = fitLabel(nameOf(i), w);
                if (t.textContent !== label) t.textContent = label;
            }
            frag.appendChild(c);
            viewIndices.push(i);
            viewRects.push(r);
            indexOfClone.set(c, i);
        }

        function clearView() {
            viewEl.textContent = "";
            viewIndices = [];
            viewRects = [];
            indexOfClone = new Map();
        }

        function zoom(z) {
            if (!ready || z < 0 || z >= n) return;
            if (parentOf[z] < 0) { resetZoom(); return; }
            if (z === zoomedIndex) return;
            var zr = rects[z];
            var zx = numberAttr(zr, "x", 0), zw = numberAttr(zr, "width", 0);
            if (!(zw > 0)) return;
            var full = graphWidth - 2 * xpad, ratio = full / zw, end = endOf[z];

            clearView();
            var frag = document.createDocumentFragment();
            var chain = [];
            for (var a = parentOf[z]; a >= 0; a = parentOf[a]) chain.push(a);
            for (var k = chain.length - 1; k >= 0; k--) addClone(frag, chain[k], xpad, full, true);
            for (var i = z; i < end; i++) {
                var r = rects[i];
                addClone(frag, i, xpad + (numberAttr(r, "x", 0) - zx) * ratio,
                         numberAttr(r, "width", 0) * ratio, false);
            }
            viewEl.appendChild(frag);
            framesEl.classList.add("zoomed");
            if (unzoomBtn) unzoomBtn.classList.remove("hide");
            zoomedIndex = z;
            refreshMatched();
            writeURL();
        }

        function resetZoom() {
            if (!ready) return;
            clearView();
            framesEl.classList.remove("zoomed");
            if (unzoomBtn) unzoomBtn.classList.add("hide");
            zoomedIndex = -1;
            refreshMatched();
            writeURL();
        }

        // ---- search ------------------------------------------------------

        function originalFill(i) {
            return savedFill[i] === undefined ? rects[i].getAttribute("fill") : savedFill[i];
        }

        function setFill(r, fill) {
            if (fill === null) r.removeAttribute("fill");
            else r.setAttribute("fill", fill);
        }

        // Highlight exactly the frames in next (ascending indices).
        function highlight(next) {
            var i, k;
            var nextMark = new Uint8Array(n);
            for (k = 0; k < next.length; k++) nextMark[next[k]] = 1;
            for (k = 0; k < viewIndices.length; k++) {
                i = viewIndices[k];
                if (nextMark[i] !== matchMark[i]) {
                    setFill(viewRects[k], nextMark[i] ? searchColor : originalFill(i));
                }
            }
            for (k = 0; k < matchList.length; k++) {
                i = matchList[k];
                if (!nextMark[i]) setFill(rects[i], originalFill(i));
            }
            for (k = 0; k < next.length; k++) {
                i = next[k];
                if (!matchMark[i]) {
                    var r = rects[i];
                    if (savedFill[i] === undefined) savedFill[i] = r.getAttribute("fill");
                    r.setAttribute("fill", searchColor);
                }
            }
            matchMark = nextMark;
            matchList = next;
        }

        // Sum of the values of matched frames in [from, to) that have no
        // matched ancestor in that range; matchList is ascending (pre-order).
        function matchedSum(from, to) {
            var sum = 0, skipTo = from;
            for (var k = 0; k < matchList.length; k++) {
                var i = matchList[k];
                if (i < skipTo) continue;
                if (i >= to) break;
                sum += valueOf(i);
                skipTo = endOf[i];
            }
            return sum;
        }

        function percent(part, whole) {
            return (whole > 0 ? (100 * part) / whole : 0).toFixed(2) + "%";
        }

        function refreshMatched() {
            if (searchTerm === null) {
                setText(matchedEl, " ");
                return;
            }
            var s = "Matched: " + percent(matchedSum(0, n), n ? valueOf(0) : 0);
            if (zoomedIndex >= 0) {
                s += " (" + percent(matchedSum(zoomedIndex, endOf[zoomedIndex]), valueOf(zoomedIndex)) + " of zoom)";
            }
            setText(matchedEl, s);
        }

        function setSearchButton(active) {
            if (!searchBtn) return;
            if (active) searchBtn.classList.add("show");
            else searchBtn.classList.remove("show");
            setText(searchBtn, active ? "Reset Search" : "Search");
        }

        function search(term) {
            if (!ready) return;
            term = String(term);
            if (term === "") { clearSearch(); return; }
            var re;
            try {
                re = new RegExp(term, ignoreCase ? "i" : "");
            } catch (err) {
                highlight([]);
                searchTerm = null;
                setSearchButton(false);
                setText(matchedEl, "Invalid regex");
                writeURL();
                return;
            }
            var next = [];
            for (var i = 0; i < n; i++) {
                if (re.test(nameOf(i))) next.push(i);
            }
            highlight(next);
            searchTerm = term;
            setSearchButton(true);
            refreshMatched();
            writeURL();
        }

        function clearSearch() {
            if (!ready) return;
            highlight([]);
            searchTerm = null;
            setSearchButton(false);
            refreshMatched();
            writeURL();
        }

        function promptSearch() {
            var answer = null;
            try {
                answer = window.prompt(
                    "Search frames by regular expression (e.g. ^ext4_)" +
                    (ignoreCase ? ", ignoring case" : "") +
                    ".\nCtrl-I toggles case sensitivity.",
                    searchTerm === null ? "" : searchTerm);
            } catch (err) {
                answer = null;
            }
            if (answer === null || answer === undefined) return;
            search(answer);
        }

        function setIgnoreCase(on) {
            ignoreCase = !!on;
            if (ignoreCaseBtn) {
                if (ignoreCase) ignoreCaseBtn.classList.add("show");
                else ignoreCaseBtn.classList.remove("show");
            }
        }

        function toggleIgnoreCase() {
            if (!ready) return;
            setIgnoreCase(!ignoreCase);
            if (searchTerm !== null) search(searchTerm);
            else writeURL();
        }

        // ---- URL state -----------------------------------------------------

        function decode(s) {
            try { return decodeURIComponent(s); } catch (err) { return s; }
        }

        function readParams() {
            var q = "";
            try { q = String(window.location.search || ""); } catch (err) { q = ""; }
            if (q.charAt(0) === "?") q = q.slice(1);
            var out = [];
            var parts = q.split("&");
            for (var k = 0; k < parts.length; k++) {
                var part = parts[k];
                if (!part) continue;
                var eq = part.indexOf("=");
                out.push({
                    raw: part,
                    key: decode(eq < 0 ? part : part.slice(0, eq)),
                    value: eq < 0 ? "" : decode(part.slice(eq + 1))
                });
            }
            return out;
        }

        function paramValue(params, key) {
            var v = null;
            for (var k = 0; k < params.length; k++) {
                if (params[k].key === key) v = params[k].value;
            }
            return v;
        }

        function writeURL() {
            try {
                var h = window.history, loc = window.location;
                if (!h || typeof h.replaceState !== "function" || !loc) return;
                var parts = [];
                var old = readParams();
                for (var k = 0; k < old.length; k++) {
                    if (!URL_KEYS.hasOwnProperty(old[k].key)) parts.push(old[k].raw);
                }
                if (zoomedIndex >= 0) {
                    var zr = rects[zoomedIndex];
                    parts.push("x=" + encodeURIComponent(zr.getAttribute("x") || ""));
                    parts.push("y=" + encodeURIComponent(zr.getAttribute("y") || ""));
                }
                if (searchTerm !== null) parts.push("s=" + encodeURIComponent(searchTerm));
                if (ignoreCase) parts.push("i=1");
                var href = String(loc.href);
                var hashAt = href.indexOf("#");
                var hash = hashAt < 0 ? "" : href.slice(hashAt);
                var base = hashAt < 0 ? href : href.slice(0, hashAt);
                var qAt = base.indexOf("?");
                if (qAt >= 0) base = base.slice(0, qAt);
                var url = base + (parts.length ? "?" + parts.join("&") : "") + hash;
                if (url !== href) h.replaceState(null, "", url);
            } catch (err) {
                // History unavailable (sandboxed or embedded): zoom and search still work.
            }
        }

        function findFrame(xs, ys) {
            var i, r;
            for (i = 0; i < n; i++) {
                r = rects[i];
                if (r.getAttribute("y") === ys && r.getAttribute("x") === xs) return i;
            }
            var x = parseFloat(xs), y = parseFloat(ys);
            if (!isFinite(x) || !isFinite(y)) return -1;
            for (i = 0; i < n; i++) {
                r = rects[i];
                if (Math.abs(numberAttr(r, "x", NaN) - x) < 0.005 &&
                    Math.abs(numberAttr(r, "y", NaN) - y) < 0.005) return i;
            }
            return -1;
        }

        function restoreFromURL() {
            var params = readParams();
            if (paramValue(params, "i") === "1") setIgnoreCase(true);
            var xs = paramValue(params, "x"), ys = paramValue(params, "y");
            if (xs !== null && ys !== null) {
                var z = findFrame(xs, ys);
                if (z >= 0) zoom(z);
            }
            var s = paramValue(params, "s");
            if (s) search(s);
        }

        // ---- events --------------------------------------------------------

        function onClick(e) {
            if (!ready) return;
            var i = frameIndexOf(e.target);
            if (i >= 0) {
                zoom(i);
                return;
            }
            var id = controlIdOf(e.target);
            if (id === "unzoom") resetZoom();
            else if (id === "search") {
                if (searchTerm !== null) clearSearch();
                else promptSearch();
            } else if (id === "ignorecase") toggleIgnoreCase();
        }

        function onOver(e) {
            if (!ready) return;
            var i = frameIndexOf(e.target);
            if (i >= 0) setText(detailsEl, describe(i));
        }

        function onOut(e) {
            if (!ready) return;
            if (frameIndexOf(e.target) >= 0) setText(detailsEl, " ");
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
                if (zoomedIndex >= 0) resetZoom();
                else if (searchTerm !== null) clearSearch();
            } else if (key === "Enter" && !mod) {
                var i = frameIndexOf(e.target);
                if (i >= 0) {
                    e.preventDefault();
                    zoom(i);
                }
            }
        }

        return {
            init: init,
            zoom: zoom,
            resetZoom: resetZoom,
            search: search,
            clearSearch: clearSearch,
            toggleIgnoreCase: toggleIgnoreCase,
            frameCount: function () { return n; }
        };
    })();

    function init(evt) {
        FlameGraph.init(evt);
    }
    """#
}
