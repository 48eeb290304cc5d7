#!/usr/bin/env python3
"""Clicks each span drawn under the time strip of a flame SVG in headless Chromium (real mouse
events) and reports, as JSON on stdout, what the viewer then shows: per span its window (data-s,
data-e), the range selected and each pane's total in it, and the pane bucket grids; then clicks the
rows toggle twice (per thread, per process). The screenshot is taken after the first span's click. SpansCaptureTests.swift checks the numbers; this script decides
nothing about what is right.

Usage: spans.py SVG SCREENSHOT
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from session import Session  # noqa: E402


def main():
    svg, shot = sys.argv[1], sys.argv[2]
    session = Session(svg)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    d, wait_for = session.driver, session.wait_for
    out = {"clicks": []}

    try:
        d.get(session.url)
        wait_for("return typeof FlameGraph !== 'undefined' && FlameGraph.strip() !== null")
        out["strip"] = d.execute_script("return FlameGraph.strip()")
        out["buckets"] = d.execute_script("return [FlameGraph.buckets(0), FlameGraph.buckets(1)]")
        out["spans"] = d.execute_script("return FlameGraph.spans()")
        for k, g in enumerate(d.find_elements(By.CSS_SELECTOR, "#spans g.span")):
            d.execute_script("FlameGraph.clearRange()")
            rect = g.find_element(By.TAG_NAME, "rect")
            ActionChains(d).move_to_element(rect).click().perform()
            wait_for("return FlameGraph.range() !== null", timeout=5)
            got = d.execute_script("return [FlameGraph.range(), FlameGraph.rangeTotal(0), FlameGraph.rangeTotal(1)]")
            out["clicks"].append({"span": [int(g.get_attribute("data-s")), int(g.get_attribute("data-e"))],
                                  "name": g.find_element(By.TAG_NAME, "title").get_attribute("textContent"),
                                  "range": got[0], "total0": got[1], "total1": got[2]})
            if k == 0:
                d.save_screenshot(shot)
        # The toggle under the row labels: rows per thread, then per process again.
        out["rows"] = [d.execute_script("return FlameGraph.stripRows()")]
        toggle = d.find_elements(By.ID, "stoggle")
        for _ in range(2 if toggle else 0):
            ActionChains(d).move_to_element(toggle[0]).click().perform()
            out["rows"].append(d.execute_script("return FlameGraph.stripRows()"))
            out.setdefault("toggleText", []).append(toggle[0].text)
        out["console"] = session.console_errors()
    finally:
        session.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
