"""Screenshots of the review page on a laptop and on a phone, into docs/ (``make screenshots``).

A throwaway project made from the sample statements in source/, drafted by Apertium (offline),
a few sentences saved, approved and commented by two volunteers, served on a free loopback
port and photographed by Debian's Chromium:

    .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chorus.editing import Editor  # noqa: E402
from chorus.ingest import apply, plan_add  # noqa: E402
from chorus.project import Project  # noqa: E402
from chorus.users import UserStore  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SLUG = "stop-the-attacks"
PASSWORD = "a long password for the pictures"
LAPTOP = {"viewport": {"width": 1280, "height": 860}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SHOTS = {  # file name → (browser context, where the page is scrolled: the top, or the sentence to work on)
    "review-laptop.png": (LAPTOP, "top"),
    "review-phone.png": (PHONE, "top"),
    "review-phone-sentence.png": (PHONE, "focus"),
}


def make_project(folder: Path) -> Project:
    project = Project.create(folder, "en", ["es"])
    sources = REPO / "source"
    apply(project, plan_add(project, sorted(sources.glob("*.txt")) + sorted(sources.glob("*.md"))))
    from chorus.pretranslate import pretranslate

    try:
        pretranslate(project, [SLUG], ["es"])
    except Exception as error:  # noqa: BLE001 — no Apertium here: the pictures show untranslated sentences
        print(f"no drafts ({error}); the pictures go without them", file=sys.stderr)
    accounts = UserStore.for_project(project)
    ana = accounts.add("ana", PASSWORD, role="translator", langs=["es"])
    rita = accounts.add("rita", PASSWORD, role="reviewer", langs=["es"])
    accounts.add("maria", PASSWORD, role="coordinator")
    editor = Editor(project)
    segments = editor.segments(SLUG, "es")
    title, first = segments[0], segments[1]
    editor.save(SLUG, "es", title.id, "Paren los ataques contra los trabajadores del puerto", title.revision, ana)
    title = editor.segment(SLUG, "es", title.id)
    editor.approve(SLUG, "es", title.id, title.revision, rita)
    editor.save(SLUG, "es", first.id, "Nosotras, las redes y los sindicatos abajo firmantes, apoyamos a los "
                "estibadores del puerto norte.", first.revision, ana)
    editor.comment(SLUG, "es", first.id, "¿«Estibadores» o «trabajadores portuarios»? El glosario dice «estibadores».",
                   rita)
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs"), help="folder for the pictures (default: docs/)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="chorus-screenshots-"))
    try:
        project = make_project(folder / "project")
        from playwright.sync_api import sync_playwright
        from werkzeug.serving import make_server

        from webui import create_app

        server = make_server("127.0.0.1", 0, create_app(project.root, {"QUEUE_CONSUMER": False}), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
                for name, (settings, where) in SHOTS.items():
                    context = browser.new_context(**settings)
                    page = context.new_page()
                    page.goto(url + "/login")
                    page.fill("input[name=username]", "ana")
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url(url + "/")
                    page.evaluate("localStorage.setItem('chorus-shortcuts', 'closed')")  # not the first visit
                    page.goto(url + f"/review/{SLUG}/es?filter=all")
                    page.wait_for_selector("#segments[data-live-ready='1']")
                    if where == "top":
                        page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(out / name))
                    print(out / name)
                    context.close()
                browser.close()
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
