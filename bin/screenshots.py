"""The README's pictures: run by bin/screenshots against a uchat it serves with the demo data
(dashboard/management/commands/seed_demo.py). Each demo person logs in once per screen size;
the colour mode is the system's (their theme is "auto"), switched with emulate_media.

Usage: python bin/screenshots.py <site url> <output folder>
"""

import contextlib
import sys
import time
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "uchat-demo-2026"  # noqa: S105 - seed_demo's printed demo password
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
}
MODES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
TICKET = "Blender stops after 10 seconds"


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/")
    skip = page.get_by_role("button", name="Skip tour")  # the guided tour of a first log-in
    if skip.count():
        skip.click()


def settle(page: Page) -> None:
    """Live pages: wait until the socket is up and nothing is loading."""
    page.wait_for_load_state("networkidle")
    online = page.locator("#connection[data-state=online]")
    if page.locator("#connection").count():
        with contextlib.suppress(PlaywrightTimeout):  # a picture without the socket beats none
            online.first.wait_for(state="attached", timeout=5000)


def open_chat(page: Page) -> None:
    href = page.locator("#sidebar-rooms a, #room-list a").filter(has_text="Coding Group")
    page.goto(href.first.get_attribute("href") or "/")


def open_inbox(page: Page) -> None:
    page.goto("/tickets/inbox/")
    item = page.locator("[data-ticket-id]").filter(has_text=TICKET)
    if item.count():
        page.goto(f"/tickets/inbox/?ticket={item.first.get_attribute('data-ticket-id')}")


def open_ticket(page: Page) -> None:
    page.goto("/tickets/")
    href = page.get_by_role("link", name=TICKET).first.get_attribute("href")
    page.goto(href or "/tickets/")


SHOTS = [
    ("chat", "abhishek", open_chat),
    ("inbox", "priya", open_inbox),
    ("ticket", "suraj", open_ticket),
]


def main(site: str, out: Path) -> None:
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for size, options in SIZES.items():
            for name, person, go in SHOTS:
                context = browser.new_context(
                    base_url=site, timezone_id="UTC", device_scale_factor=1, **options
                )
                page = context.new_page()
                log_in(page, person)
                go(page)
                settle(page)
                for mode in MODES:
                    page.emulate_media(color_scheme=mode, reduced_motion="reduce")
                    page.wait_for_function(
                        "mode => document.documentElement.dataset.bsTheme === mode", arg=mode
                    )
                    page.wait_for_timeout(200)
                    path = out / f"{name}-{mode}-{size}.png"
                    page.screenshot(path=str(path), animations="disabled")
                    sys.stdout.write(f"  {path}  ({path.stat().st_size // 1024} KiB)\n")
                context.close()
        browser.close()
    sys.stdout.write(f"  {time.monotonic() - started:.0f} s\n")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
