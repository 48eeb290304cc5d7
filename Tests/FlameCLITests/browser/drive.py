#!/usr/bin/env python3
"""Drives headless Chromium through flame's SVGs with real input events and reports what the DOM
shows, as JSON on stdout. BrowserTests.swift makes the SVGs, writes the plan and checks the report;
this script decides nothing about what is right.

Usage: drive.py PLAN.json

The plan names the SVG files (all in one directory, served over HTTP on 127.0.0.1 so that
history.replaceState behaves as on a web server), the frames to click, the search, the hostile
names, and where screenshots go. When Chromium, chromedriver or Selenium are missing or Chromium
does not start, the report is {"skip": "why"}.
"""
import base64
import functools
import http.server
import json
import os
import shutil
import sys
import threading
import time
import traceback

SNAPSHOT = r"""
var svg = document.documentElement, sc = svg.getAttribute("data-searchcolor");
var xpad = +svg.getAttribute("data-xpad");
function first(el, tag) { return el ? el.getElementsByTagName(tag)[0] : null; }
function nameOf(g) { var t = first(g, "title"); return t ? t.textContent.split("\n")[0] : null; }
var out = { url: String(location.href), panes: [],
            globalUnzoomHidden: document.getElementById("unzoom").classList.contains("hide"),
            searchButton: document.getElementById("search").textContent, focus: null };
var panes = document.getElementsByClassName("pane");
for (var k = 0; k < panes.length; k++) {
    var p = panes[k], g = p.getElementsByClassName("graph")[0], v = p.getElementsByClassName("zoomview")[0];
    var hl = [];
    for (var f = g.firstElementChild; f; f = f.nextElementSibling) {
        if (first(f, "rect").getAttribute("fill") === sc) hl.push(nameOf(f));
    }
    var zoomed = null, shownHighlighted = 0;
    if (v) {
        for (var c = v.firstElementChild; c; c = c.nextElementSibling) {
            var r = first(c, "rect");
            if (r.getAttribute("fill") === sc) shownHighlighted++;
            if (!zoomed && !c.classList.contains("parent")) {
                zoomed = { name: nameOf(c), x: +r.getAttribute("x"), width: +r.getAttribute("width") };
            }
        }
    }
    var pu = p.getElementsByClassName("punzoom")[0];
    var root = first(g, "rect");
    out.panes.push({
        title: (p.getElementsByClassName("ptitle")[0] || document.getElementById("title")).textContent,
        frames: g.children.length, graphZoomed: g.classList.contains("zoomed"),
        zoomed: zoomed, shown: v ? v.children.length : -1, shownHighlighted: shownHighlighted,
        matched: p.getElementsByClassName("matched")[0].textContent,
        details: p.getElementsByClassName("details")[0].textContent,
        highlighted: hl, punzoomHidden: pu ? pu.classList.contains("hide") : null,
        graphWidth: +p.getAttribute("data-width") - 2 * xpad, left: +p.getAttribute("data-x") + xpad,
        rootX: +root.getAttribute("x"), rootWidth: +root.getAttribute("width")
    });
}
var a = document.activeElement;
if (a && a.classList && a.classList.contains("f")) {
    var pane = a.closest(".pane");
    out.focus = { name: nameOf(a), pane: pane ? +pane.id.replace("pane", "") : -1,
                  role: a.getAttribute("role"), label: a.getAttribute("aria-label"),
                  tabindex: a.getAttribute("tabindex"), clone: a.parentNode.classList.contains("zoomview") };
}
return out;
"""

# The <rect> of the frame named `name` in pane `k` as shown now (its clone while zoomed).
FIND_RECT = r"""
var p = document.getElementById("pane" + arguments[0]), name = arguments[1];
var v = p.getElementsByClassName("zoomview")[0], g = p.getElementsByClassName("graph")[0];
var layer = v && v.children.length ? v : g;
for (var f = layer.firstElementChild; f; f = f.nextElementSibling) {
    var t = f.getElementsByTagName("title")[0];
    if (t && t.textContent.split("\n")[0] === name) return f.getElementsByTagName("rect")[0];
}
return null;
"""


# Everything an injected name could have added: element names, event-handler and link attributes
# (flame's own onload on the root is the only one expected), and the text shown.
AUDIT = r"""
var all = document.getElementsByTagName("*"), tags = {}, handlers = [];
for (var i = 0; i < all.length; i++) {
    var el = all[i];
    tags[el.localName] = (tags[el.localName] || 0) + 1;
    for (var j = 0; j < el.attributes.length; j++) {
        var a = el.attributes[j].name;
        if (/^on/i.test(a) || /(^|:)(href|src|action|formaction)$/i.test(a)) handlers.push(el.localName + "@" + a);
    }
}
function texts(sel) { return Array.prototype.map.call(document.querySelectorAll(sel), function (t) { return t.textContent; }); }
var notes = document.getElementById("notes");
return { tags: tags, handlers: handlers,
         titles: texts("g.f > title").map(function (t) { return t.split("\n")[0]; }),
         texts: texts("text"), notes: notes ? notes.textContent : null,
         labels: Array.prototype.map.call(document.querySelectorAll("[aria-label]"), function (e) { return e.getAttribute("aria-label"); }),
         scripts: document.getElementsByTagNameNS("*", "script").length };
"""

# The <rect> of a frame named `name` in any pane (the graph layer, not a zoom clone).
FIND_ANY = r"""
var gs = document.querySelectorAll(".graph > g.f");
for (var i = 0; i < gs.length; i++) {
    var t = gs[i].getElementsByTagName("title")[0];
    if (t && t.textContent.split("\n")[0] === arguments[0]) return gs[i].getElementsByTagName("rect")[0];
}
return null;
"""


def skip(reason):
    print(json.dumps({"skip": reason}))
    sys.exit(0)


def find(executable, candidates):
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return shutil.which(executable)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        # No favicon: a 404 for it would be logged as a console error.
        if self.path.startswith("/favicon"):
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


def serve(directory):
    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    try:
        from selenium import webdriver
        from selenium.common.exceptions import NoAlertPresentException, WebDriverException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
    except ImportError as e:
        skip(f"selenium is not importable by {sys.executable}: {e} (scripts/install-deps.sh installs it)")
    chromium = find("chromium", [os.environ.get("FLAME_CHROMIUM"), "/usr/bin/chromium"])
    driver_bin = find("chromedriver", [os.environ.get("FLAME_CHROMEDRIVER"), "/usr/bin/chromedriver"])
    if not chromium or not driver_bin:
        skip("chromium or chromedriver is not installed (Debian: apt-get install chromium chromium-driver; "
             "scripts/install-deps.sh does it)")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1900,1300"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Leave any dialog open, so that one opened by a frame name is seen rather than dismissed.
    options.set_capability("unhandledPromptBehavior", "ignore")
    try:
        d = webdriver.Chrome(service=Service(driver_bin), options=options)
    except WebDriverException as e:
        skip(f"chromium did not start: {str(e).splitlines()[0]}")

    server = serve(plan["dir"])
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    report = {"errors": [], "console": [], "screenshots": []}
    os.makedirs(plan["outdir"], exist_ok=True)

    def step(name):
        def wrap(fn):
            try:
                report[name] = fn()
            except Exception as e:  # noqa: BLE001 - every failure goes to the report
                report["errors"].append(f"{name}: {type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
                try:
                    d.switch_to.alert.dismiss()
                except Exception:  # noqa: BLE001
                    pass
            return fn
        return wrap

    def snapshot():
        return d.execute_script(SNAPSHOT)

    def dialog_open():
        try:
            return d.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def console():
        entries = d.get_log("browser")
        report["console"] += [{"level": e.get("level"), "message": e.get("message"), "page": d.current_url}
                              for e in entries]

    def load(url):
        d.get(url)
        for _ in range(100):
            if d.execute_script("return document.getElementsByClassName('zoomview').length === "
                                "document.getElementsByClassName('pane').length && "
                                "document.getElementsByClassName('pane').length > 0"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{url}: the script never set up its panes")

    def click_frame(k, name):
        rect = d.execute_script(FIND_RECT, k, name)
        if rect is None:
            raise RuntimeError(f"no frame {name!r} in pane {k}")
        ActionChains(d).move_to_element(rect).click().perform()

    def click_id(selector):
        el = d.execute_script("return document.querySelector(arguments[0])", selector)
        ActionChains(d).move_to_element(el).click().perform()

    def keys(*ks):
        chain = ActionChains(d)
        for k in ks:
            chain = chain.send_keys(k)
        chain.perform()

    def search_by_keyboard(term):
        keys("/")
        alert = d.switch_to.alert
        alert.send_keys(term)
        alert.accept()

    def screenshot(name):
        # The whole document, whatever the window and scroll position.
        w, h = d.execute_script("var s = document.documentElement; return [s.width.baseVal.value, s.height.baseVal.value]")
        shot = d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}})
        path = os.path.join(plan["outdir"], name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        report["screenshots"].append(path)

    if plan.get("mode") == "first-screen":
        first_screen(plan, base, report, step, d, load, screenshot)
        d.quit()
        server.shutdown()
        print(json.dumps(report))
        return

    if plan.get("mode") == "hostile-views":
        hostile_views(plan, base, report, step, d, load, snapshot, dialog_open, console, keys,
                      search_by_keyboard, screenshot, ActionChains, Keys)
        d.quit()
        server.shutdown()
        print(json.dumps(report))
        return

    both = base + plan["both"]
    clicks = plan["click"]  # one frame name per pane

    @step("load")
    def _():
        load(both)
        return snapshot()

    @step("click")
    def _():
        out = []
        for k, name in enumerate(clicks):
            click_frame(k, name)
            out.append(snapshot())
        return out

    @step("resetPane")
    def _():
        click_id("#pane0 .punzoom")
        return snapshot()

    @step("resetAll")
    def _():
        click_frame(0, clicks[0])
        before = snapshot()
        click_id("#unzoom")
        return {"before": before, "after": snapshot()}

    @step("search")
    def _():
        search_by_keyboard(plan["search"])
        return snapshot()

    @step("urlState")
    def _():
        for k, name in enumerate(clicks):
            click_frame(k, name)
        before = snapshot()
        screenshot("side-by-side-zoomed-search")
        load(before["url"])
        return {"before": before, "after": snapshot(), "dialog": dialog_open()}

    @step("escape")
    def _():
        keys(Keys.ESCAPE)
        zoomReset = snapshot()
        keys(Keys.ESCAPE)
        return {"first": zoomReset, "second": snapshot()}

    @step("nextMatch")
    def _():
        search_by_keyboard(plan["search"])
        out = []
        for k in plan["steps"]:
            keys(k)
            out.append(snapshot())
        keys(Keys.ESCAPE, Keys.ESCAPE)
        return out

    @step("arrows")
    def _():
        load(both)
        out = []
        for k in [Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_RIGHT, Keys.ARROW_LEFT, Keys.ARROW_DOWN, Keys.ARROW_UP,
                  Keys.ENTER, Keys.ESCAPE, Keys.ARROW_UP, Keys.ARROW_RIGHT]:
            keys(k)
            out.append(snapshot())
        return out

    @step("hover")
    def _():
        load(both)
        rect = d.execute_script(FIND_RECT, 1, clicks[1])
        ActionChains(d).move_to_element(rect).perform()
        return snapshot()

    @step("views")
    def _():
        load(both)
        screenshot("side-by-side")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                          {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        dark = d.execute_script("return getComputedStyle(document.getElementById('bg')).fill")
        screenshot("side-by-side-dark")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        for name in ["stacked", "single", "combined", "mixed"]:
            if plan.get(name):
                load(base + plan[name])
                screenshot(name)
        return {"darkBackground": dark}

    @step("other")
    def _():
        out = {}
        for name in ["stacked", "mixed", "combined"]:
            if plan.get(name):
                load(base + plan[name])
                out[name] = snapshot()
        return out

    @step("single")
    def _():
        load(base + plan["single"])
        click_frame(0, plan["singleClick"])
        zoomed = snapshot()
        load(zoomed["url"])
        return {"zoomed": zoomed, "reopened": snapshot()}

    @step("hostile")
    def _():
        load(base + plan["hostile"])
        time.sleep(0.3)
        opened = dialog_open()
        titles = d.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('g.f > title'), "
            "function (t) { return t.textContent.split('\\n')[0]; })")
        counts = d.execute_script(
            "return { img: document.getElementsByTagNameNS('*', 'img').length, "
            "script: document.getElementsByTagNameNS('*', 'script').length, "
            "elements: document.getElementsByTagName('*').length }")
        hovered = []
        for name in plan["hostileNames"]:
            rect = d.execute_script(FIND_RECT, 0, name)
            if rect is not None:
                ActionChains(d).move_to_element(rect).perform()
                hovered.append(snapshot()["panes"][0]["details"])
        search_by_keyboard(plan["hostileSearch"])
        searched = snapshot()
        click_frame(0, plan["hostileNames"][0])
        clicked = snapshot()
        load(clicked["url"])
        reopened = snapshot()
        after = d.execute_script(
            "return { img: document.getElementsByTagNameNS('*', 'img').length, "
            "script: document.getElementsByTagNameNS('*', 'script').length }")
        screenshot("hostile")
        return {"dialog": opened, "dialogLater": dialog_open(), "titles": titles, "counts": counts,
                "after": after, "hovered": hovered, "searched": searched, "clicked": clicked, "reopened": reopened}

    try:
        console()
    except Exception as e:  # noqa: BLE001
        report["errors"].append(f"console: {e}")
    d.quit()
    server.shutdown()
    print(json.dumps(report))


# Where the graph of the first pane sits on the page, and the names of its frames.
LAYOUT = r"""
var g = document.getElementsByClassName("graph")[0], frames = g.children, root = null, names = [];
for (var i = 0; i < frames.length; i++) {
    var t = frames[i].getElementsByTagName("title")[0];
    var name = t ? t.textContent.split("\n")[0] : "";
    names.push(name);
    if (name === "all") root = frames[i].getElementsByTagName("rect")[0].getBoundingClientRect();
}
var labels = Array.prototype.map.call(g.querySelectorAll("g.f > text"), function (t) { return t.textContent; });
return { innerHeight: window.innerHeight, documentHeight: document.documentElement.height.baseVal.value,
         rootTop: root ? root.top + window.scrollY : -1, rootBottom: root ? root.bottom + window.scrollY : -1,
         names: names, labels: labels };
"""


def first_screen(plan, base, report, step, d, load, screenshot):
    """Each view in a window of the given size: where the root frame is (is it on the first
    screen?), the frames' names and labels, and after clicking one frame, what the zoomed view
    labels it."""
    from urllib.parse import quote
    d.set_window_size(plan["width"], plan["height"])

    @step("views")
    def _():
        out = {}
        for name in plan["views"]:
            load(base + quote(name))
            v = d.execute_script(LAYOUT)
            click = plan.get("click")
            if click:
                rect = d.execute_script(FIND_RECT, 0, click)
                if rect is not None:
                    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", rect)
                    rect.click()
                    v["zoomedLabels"] = d.execute_script(
                        "var v = document.getElementsByClassName('zoomview')[0];"
                        "return Array.prototype.map.call(v.querySelectorAll('g.f > text'), function (t) { return t.textContent; });")
            d.execute_script("window.scrollTo(0, 0)")
            d.save_screenshot(os.path.join(plan["outdir"], "first-screen-" + name.replace(".svg", "") + ".png"))
            out[name] = v
        return out


def hostile_views(plan, base, report, step, d, load, snapshot, dialog_open, console, keys, search_by_keyboard,
                  screenshot, ActionChains, Keys):
    """Every view flame draws, made from inputs full of hostile names, titles and notes: each is
    loaded, hovered over the hostile frames, searched, zoomed, walked with the keyboard and
    reopened from its URL (and from a URL carrying a hostile search), with what the document
    holds recorded before and after, and any dialog seen."""
    from urllib.parse import quote

    def view(name):
        url = base + quote(name)
        load(url)
        time.sleep(0.2)
        out = {"dialog": dialog_open(), "before": d.execute_script(AUDIT), "hovered": []}
        for frame in plan["hover"]:
            rect = d.execute_script(FIND_ANY, frame)
            if rect is not None:
                ActionChains(d).move_to_element(rect).perform()
                out["hovered"].append(" | ".join(p["details"] for p in snapshot()["panes"]))
        search_by_keyboard(plan["search"])
        out["searched"] = [p["matched"] for p in snapshot()["panes"]]
        rect = d.execute_script(FIND_ANY, plan["click"])
        if rect is not None:
            ActionChains(d).move_to_element(rect).click().perform()
        keys(Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_DOWN, Keys.ARROW_RIGHT, Keys.ARROW_LEFT)
        out["zoomed"] = [p["zoomed"]["name"] if p["zoomed"] else None for p in snapshot()["panes"]]
        load(d.current_url)
        out["reopened"] = [p["zoomed"]["name"] if p["zoomed"] else None for p in snapshot()["panes"]]
        load(url + "?s=" + quote(plan["urlSearch"], safe=""))
        out["urlSearched"] = [p["matched"] for p in snapshot()["panes"]]
        time.sleep(0.2)
        out["dialogLater"] = dialog_open()
        out["after"] = d.execute_script(AUDIT)
        console()
        screenshot("hostile-" + name.replace("/", "-").replace(".svg", ""))
        return out

    @step("hostileViews")
    def _():
        out = {}
        for name in plan["views"]:
            try:
                out[name] = view(name)
            except Exception as e:  # noqa: BLE001 - one view's failure must not hide the others'
                report["errors"].append(f"{name}: {type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
                try:
                    d.switch_to.alert.dismiss()
                except Exception:  # noqa: BLE001
                    pass
        return out


if __name__ == "__main__":
    main()
