"""Renders each addon's readme/ fragments into static/description/index.html (its page in Apps).

    .venv/bin/python scripts/gen_addon_readme.py           # rewrite every addon's page
    .venv/bin/python scripts/gen_addon_readme.py --check   # exit 1 when a page is not current

What OCA's `oca-gen-addon-readme` does (it is not on PyPI): DESCRIPTION, CONFIGURE, USAGE (and
the other OCA fragments present), then the credits from the manifest. Markdown by markdown-it-py.
Run it after editing a readme/ fragment; tests/g2p_suite_tests checks the pages are current.
"""

import ast
import re
import sys
from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
# fragment → section title, in OCA's order (DESCRIPTION has none: it opens the page)
FRAGMENTS = [("DESCRIPTION", None), ("INSTALL", "Installation"), ("CONFIGURE", "Configuration"),
             ("USAGE", "Usage"), ("ROADMAP", "Known issues / Roadmap"), ("HISTORY", "Changelog"),
             ("CONTRIBUTORS", "Contributors")]


def addons():
    return sorted(p.parent for p in ROOT.glob("*/__manifest__.py"))


def _markdown(text):
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    # a fragment's own headings sit below the page's section titles
    return re.sub(r"<(/?)h([1-5])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", html)


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"/>',
        f"<title>{escape(manifest['name'])}</title></head><body>",
        '<div class="document">',
        f"<h1>{escape(manifest['name'])}</h1>",
        f"<p><strong>{escape(manifest.get('summary', ''))}</strong></p>",
        f"<p>Version {escape(manifest['version'])} · License {escape(manifest['license'])}</p>",
    ]
    for fragment, title in FRAGMENTS:
        path = addon / "readme" / f"{fragment}.md"
        if not path.exists():
            continue
        if title:
            parts.append(f"<h2>{title}</h2>")
        parts.append(_markdown(path.read_text()))
    parts.append("<h2>Credits</h2>")
    parts.append(f"<p>Authors: {escape(manifest['author'])}</p>")
    if manifest.get("maintainers"):
        parts.append(f"<p>Maintainers: {escape(', '.join(manifest['maintainers']))}</p>")
    parts.append("</div></body></html>")
    return "\n".join(parts) + "\n"


def main(argv):
    stale = []
    for addon in addons():
        page = addon / "static" / "description" / "index.html"
        html = render(addon)
        if page.exists() and page.read_text() == html:
            continue
        if "--check" in argv:
            stale.append(str(page.relative_to(ROOT)))
        else:
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(html)
            print(page.relative_to(ROOT))
    if stale:
        sys.exit("not current (run scripts/gen_addon_readme.py): " + ", ".join(stale))


if __name__ == "__main__":
    main(sys.argv[1:])
