#!/usr/bin/env python3
"""Drags a range on the time strip of a flame SVG in headless Chromium with real mouse events and
reports, as JSON on stdout, what the viewer then shows: the range, each pane's total in it, each
pane's bucket grid, the URL, and what happens on a zoom inside the range, on opening the URL again
and on a double-click that clears the range. TimeStripBrowserTests.swift checks the numbers; this
script decides nothing about what is right.

Usage: range.py SVG FROM TO SCREENSHOT (FROM and TO: fractions of the strip's width)
"""
import functools
import http.server
import json
import os
import shutil
import sys
import threading
import time


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


def main():
    svg, lo, hi, shot = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By
    except ImportError as e:
        skip(f"selenium is not importable by {sys.executable}: {e} (scripts/install-deps.sh installs it)")
    chromium = find("chromium", [os.environ.get("FLAME_CHROMIUM"), "/usr/bin/chromium"])
    driver_bin = find("chromedriver", [os.environ.get("FLAME_CHROMEDRIVER"), "/usr/bin/chromedriver"])
    if not chromium or not driver_bin:
        skip("chromium or chromedriver is not installed (scripts/install-deps.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--force-device-scale-factor=1", "--window-size=1900,1100"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(service=Service(driver_bin), options=options)
    except WebDriverException as e:
        skip(f"chromium did not start: {str(e).splitlines()[0]}")
    directory, name = os.path.split(os.path.abspath(svg))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
    out = {}

    def wait_for(script, timeout=20):
        """Polls `script` until it returns true: a slow machine's Chromium takes its time."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                if d.execute_script(script):
                    return True
            except WebDriverException:
                pass
            time.sleep(0.1)
        return False

    loaded = "return typeof FlameGraph !== 'undefined' && FlameGraph.strip() !== null"
    try:
        d.get(url)
        wait_for(loaded)
        state = "return [FlameGraph.range(), FlameGraph.rangeTotal(0), FlameGraph.rangeTotal(1)]"
        out["strip"] = d.execute_script("return FlameGraph.strip()")
        out["buckets"] = d.execute_script("return [FlameGraph.buckets(0), FlameGraph.buckets(1)]")
        hit = d.find_element(By.ID, "shit")
        w = hit.size["width"]
        # Offsets from the element's centre.
        a, b = int(w * (lo - 0.5)), int(w * (hi - 0.5))
        ActionChains(d).move_to_element_with_offset(hit, a, 0).click_and_hold().move_by_offset(b - a, 0).release().perform()
        wait_for("return FlameGraph.range() !== null")
        out["range"], out["total0"], out["total1"] = d.execute_script(state)
        out["url"] = d.current_url
        out["text"] = d.find_element(By.ID, "stext").text
        out["hidden"] = d.execute_script("return document.querySelectorAll('#pane0 .graph g.f.hide').length")
        d.save_screenshot(shot)
        # A click on the widest non-root frame of pane 0 zooms inside the range.
        out["zoomed"] = d.execute_script(
            "var gs = document.querySelectorAll('#pane0 .graph g.f:not(.hide)'), best = null, bw = 0;"
            "for (var i = 1; i < gs.length; i++) { var w = +gs[i].querySelector('rect').getAttribute('width');"
            " if (w > bw && w < 1000) { bw = w; best = i; } }"
            "if (best === null) return -1; FlameGraph.zoom(best, 0); return FlameGraph.zoomedIndex(0);")
        # The URL brings the range back.
        d.get("about:blank")
        d.get(out["url"])
        wait_for(loaded)
        wait_for("return FlameGraph.range() !== null", timeout=5)
        out["reopened"] = d.execute_script(state)
        # A double-click on the strip clears it.
        ActionChains(d).double_click(d.find_element(By.ID, "shit")).perform()
        wait_for("return FlameGraph.range() === null", timeout=5)
        out["cleared"] = d.execute_script(state)
        out["clearedURL"] = d.current_url
        out["console"] = [e.get("message") for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    finally:
        d.quit()
        server.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
