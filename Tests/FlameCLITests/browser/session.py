"""A headless Chromium session on one flame SVG, for the time-strip scripts (range.py, spans.py):
finds Chromium and chromedriver (or reports a skip as JSON and exits), serves the SVG's folder on
127.0.0.1 (so that the URL, history and console behave as on a web page), and polls for the
viewer's state, since a loaded machine's Chromium takes its time."""
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


class Session:
    """`driver` (selenium's), `url` (the SVG served), `wait_for(script)`; `close()` when done."""

    def __init__(self, svg, size="1900,1100"):
        try:
            from selenium import webdriver
            from selenium.common.exceptions import WebDriverException
            from selenium.webdriver.chrome.service import Service
        except ImportError as e:
            skip(f"selenium is not importable by {sys.executable}: {e} (scripts/install-deps.sh installs it)")
        self.WebDriverException = WebDriverException
        chromium = find("chromium", [os.environ.get("FLAME_CHROMIUM"), "/usr/bin/chromium"])
        driver_bin = find("chromedriver", [os.environ.get("FLAME_CHROMEDRIVER"), "/usr/bin/chromedriver"])
        if not chromium or not driver_bin:
            skip("chromium or chromedriver is not installed (scripts/install-deps.sh installs them)")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--force-device-scale-factor=1", f"--window-size={size}"]:
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(service=Service(driver_bin), options=options)
        except WebDriverException as e:
            skip(f"chromium did not start: {str(e).splitlines()[0]}")
        directory, name = os.path.split(os.path.abspath(svg))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def wait_for(self, script, timeout=20):
        """Polls `script` until it returns true, or `timeout` seconds pass (then False)."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                if self.driver.execute_script(script):
                    return True
            except self.WebDriverException:
                pass
            time.sleep(0.1)
        return False

    def console_errors(self):
        return [e.get("message") for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def close(self):
        self.driver.quit()
        self.server.shutdown()
