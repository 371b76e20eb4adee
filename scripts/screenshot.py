"""Take screenshots of the running dashboard with headless Debian Chromium (dev tool, not CI).

python scripts/screenshot.py http://localhost:8501/ out.png [--width 1920 --height 1080] [--wait 60]
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("out")
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.add_argument("--wait", type=float, default=60)
    p.add_argument("--full", action="store_true")
    a = p.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": a.width, "height": a.height})
        page.goto(a.url)
        page.wait_for_selector("[data-testid='stApp']", timeout=a.wait * 1000)
        # Streamlit shows a running indicator while the script runs; wait until it is gone.
        page.wait_for_timeout(1500)
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=a.wait * 1000)
        page.wait_for_timeout(1500)
        page.screenshot(path=a.out, full_page=a.full)
        browser.close()


if __name__ == "__main__":
    main()
