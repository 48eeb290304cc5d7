#!/usr/bin/env python3
"""Drags a range on the time strip of a flame SVG in headless Chromium with real mouse events and
reports, as JSON on stdout, what the viewer then shows: the range, each pane's total in it, each
pane's bucket grid, the URL, and what happens on a zoom inside the range, on opening the URL again
and on a double-click that clears the range. TimeStripBrowserTests.swift checks the numbers; this
script decides nothing about what is right.

Usage: range.py SVG FROM TO SCREENSHOT (FROM and TO: fractions of the strip's width)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from session import Session  # noqa: E402


def main():
    svg, lo, hi, shot = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    session = Session(svg)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    d, url, wait_for = session.driver, session.url, session.wait_for
    out = {}

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
        out["console"] = session.console_errors()
    finally:
        session.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
