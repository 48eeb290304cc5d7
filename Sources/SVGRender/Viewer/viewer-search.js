    // ---- search ------------------------------------------------------

    function originalFill(p, i) {
        return p.savedFill[i] === undefined ? p.rects[i].getAttribute("fill") : p.savedFill[i];
    }

    function setFill(r, fill) {
        if (fill === null) r.removeAttribute("fill");
        else r.setAttribute("fill", fill);
    }

    // Highlight exactly the frames in next (ascending indices) of pane p.
    function highlight(p, next) {
        var i, k;
        var nextMark = new Uint8Array(p.n);
        for (k = 0; k < next.length; k++) nextMark[next[k]] = 1;
        for (k = 0; k < p.viewIndices.length; k++) {
            i = p.viewIndices[k];
            if (nextMark[i] !== p.matchMark[i]) {
                setFill(p.viewRects[k], nextMark[i] ? searchColor : originalFill(p, i));
            }
        }
        for (k = 0; k < p.matchList.length; k++) {
            i = p.matchList[k];
            if (!nextMark[i]) setFill(p.rects[i], originalFill(p, i));
        }
        for (k = 0; k < next.length; k++) {
            i = next[k];
            if (!p.matchMark[i]) {
                var r = p.rects[i];
                if (p.savedFill[i] === undefined) p.savedFill[i] = r.getAttribute("fill");
                r.setAttribute("fill", searchColor);
            }
        }
        p.matchMark = nextMark;
        p.matchList = next;
    }

    // Sum of the values of matched frames in [from, to) that have no
    // matched ancestor in that range; matchList is ascending (pre-order).
    function matchedSum(p, from, to) {
        var sum = 0, skipTo = from;
        for (var k = 0; k < p.matchList.length; k++) {
            var i = p.matchList[k];
            if (i < skipTo) continue;
            if (i >= to) break;
            sum += valueOf(p, i);
            skipTo = p.endOf[i];
        }
        return sum;
    }

    function percent(part, whole) {
        return (whole > 0 ? (100 * part) / whole : 0).toFixed(2) + "%";
    }

    function refreshMatched(p) {
        if (searchTerm === null) {
            setText(p.matched, " ");
            return;
        }
        var s = "Matched: " + percent(matchedSum(p, 0, p.n), p.n ? valueOf(p, 0) : 0);
        var z = p.zoomed;
        if (z >= 0) s += " (" + percent(matchedSum(p, z, p.endOf[z]), valueOf(p, z)) + " of zoom)";
        setText(p.matched, s);
    }

    function setSearchButton(active) {
        if (!searchBtn) return;
        searchBtn.classList.toggle("show", active);
        setText(searchBtn, active ? "Reset Search" : "Search");
    }

    function search(term) {
        if (!ready) return;
        term = String(term);
        if (term === "") { clearSearch(); return; }
        var re, k;
        try {
            re = new RegExp(term, ignoreCase ? "i" : "");
        } catch (err) {
            searchTerm = null;
            for (k = 0; k < panes.length; k++) {
                highlight(panes[k], []);
                setText(panes[k].matched, "Invalid regex");
            }
            setSearchButton(false);
            writeURL();
            return;
        }
        searchTerm = term;
        cursor = -1;
        for (k = 0; k < panes.length; k++) {
            var p = panes[k], next = [];
            for (var i = 0; i < p.n; i++) {
                if (re.test(nameOf(p, i))) next.push(i);
            }
            highlight(p, next);
            refreshMatched(p);
        }
        setSearchButton(true);
        writeURL();
    }

    function clearSearch() {
        if (!ready) return;
        searchTerm = null;
        cursor = -1;
        for (var k = 0; k < panes.length; k++) {
            highlight(panes[k], []);
            refreshMatched(panes[k]);
        }
        setSearchButton(false);
        writeURL();
    }

    function promptSearch() {
        var answer = null;
        try {
            answer = window.prompt(
                "Search frames by regular expression (e.g. ^ext4_)" +
                (ignoreCase ? ", ignoring case" : "") +
                ".\nCtrl-I toggles case sensitivity; n and N step through the matches.",
                searchTerm === null ? "" : searchTerm);
        } catch (err) {
            answer = null;
        }
        if (answer === null || answer === undefined) return;
        search(answer);
    }

    function setIgnoreCase(on) {
        ignoreCase = !!on;
        if (ignoreCaseBtn) ignoreCaseBtn.classList.toggle("show", ignoreCase);
    }

    function toggleIgnoreCase() {
        if (!ready) return;
        setIgnoreCase(!ignoreCase);
        if (searchTerm !== null) search(searchTerm);
        else writeURL();
    }

    // Zoom to the next (step 1) or previous (step -1) match, through the panes in order.
    function stepMatch(step) {
        var total = 0, k;
        for (k = 0; k < panes.length; k++) total += panes[k].matchList.length;
        if (!ready || !total) return;
        cursor = cursor < 0 ? (step > 0 ? 0 : total - 1) : ((cursor + step) % total + total) % total;
        var at = cursor;
        for (k = 0; k < panes.length; k++) {
            var list = panes[k].matchList;
            if (at < list.length) {
                zoomPane(panes[k], list[at]);
                focusFrame(panes[k], list[at]);
                return;
            }
            at -= list.length;
        }
    }

    // ---- URL state -----------------------------------------------------
    // ?x=&y= is pane 0's zoomed frame (the keys of a single graph, so old links
    // still open), x1=&y1= pane 1's and so on; s= the search, i=1 ignore-case.

    function isStateKey(key) {
        return /^(?:[xy][0-9]*|s|i|t)$/.test(key);
    }

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
                if (!isStateKey(old[k].key)) parts.push(old[k].raw);
            }
            if (range) parts.push("t=" + perfTime(range.t0) + "," + perfTime(range.t1));
            for (k = 0; k < panes.length; k++) {
                var p = panes[k];
                if (p.zoomed < 0) continue;
                var zr = p.rects[p.zoomed], suffix = k ? String(k) : "";
                parts.push("x" + suffix + "=" + encodeURIComponent(zr.getAttribute("x") || ""));
                parts.push("y" + suffix + "=" + encodeURIComponent(zr.getAttribute("y") || ""));
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

    function findFrame(p, xs, ys) {
        var i, r;
        for (i = 0; i < p.n; i++) {
            r = p.rects[i];
            if (r.getAttribute("y") === ys && r.getAttribute("x") === xs) return i;
        }
        var x = parseFloat(xs), y = parseFloat(ys);
        if (!isFinite(x) || !isFinite(y)) return -1;
        for (i = 0; i < p.n; i++) {
            r = p.rects[i];
            if (Math.abs(numberAttr(r, "x", NaN) - x) < 0.005 &&
                Math.abs(numberAttr(r, "y", NaN) - y) < 0.005) return i;
        }
        return -1;
    }

    function restoreFromURL() {
        var params = readParams();
        if (paramValue(params, "i") === "1") setIgnoreCase(true);
        var t = paramValue(params, "t");
        if (t) {
            var ends = t.split(",");
            var t0 = parsePerfTime(ends[0]), t1 = parsePerfTime(ends[1] || "");
            if (t1 > t0) selectRange(t0, t1);
        }
        for (var k = 0; k < panes.length; k++) {
            var suffix = k ? String(k) : "";
            var xs = paramValue(params, "x" + suffix), ys = paramValue(params, "y" + suffix);
            if (xs !== null && ys !== null) {
                var z = findFrame(panes[k], xs, ys);
                if (z >= 0) zoomPane(panes[k], z);
            }
        }
        var s = paramValue(params, "s");
        if (s) search(s);
    }

