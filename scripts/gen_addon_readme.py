"""Renders each addon's readme/ fragments into static/description/index.html (its page in Apps)
and README.md (what the repository and pylint-odoo's missing-readme see).

The Apps page is for the registry administrator who installs the addon: ``readme/APPS.md`` (what
the addon does for them, set-up steps, screenshots from ``make screenshots``) and a pointer to the
reference. README.md is that page followed by the developer reference: the OCA fragments
(DESCRIPTION, CONFIGURE, USAGE, ...). An addon without APPS.md gets the reference on both.

    .venv/bin/python scripts/gen_addon_readme.py           # rewrite what is not current
    .venv/bin/python scripts/gen_addon_readme.py --check   # exit 1 when something is not current

What OCA's `oca-gen-addon-readme` does (it is not on PyPI): DESCRIPTION, CONFIGURE, USAGE (and
the other OCA fragments present), then the credits from the manifest. Markdown by markdown-it-py.
Run it after editing a readme/ fragment (`make lint` runs it as a pre-commit hook).
"""

import ast
import re
import sys
from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
# fragment → section title, in OCA's order (DESCRIPTION has none: it opens the page)
FRAGMENTS = [
    ("DESCRIPTION", None),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
    ("CONTRIBUTORS", "Contributors"),
]


def addons():
    return sorted(p.parent for pattern in ("*/__manifest__.py", "tests/*/__manifest__.py") for p in ROOT.glob(pattern))


def _fragments(addon):
    for fragment, title in FRAGMENTS:
        path = addon / "readme" / f"{fragment}.md"
        if path.exists():
            yield title, path.read_text()


def _apps_page(addon):
    path = addon / "readme" / "APPS.md"
    return path.read_text() if path.exists() else None


def _markdown(text, shift=2):
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    # a fragment's own headings sit below the page's section titles
    return re.sub(r"<(/?)h([1-5])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + shift}>", html)


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text())


def _credits(manifest):
    lines = [f"Authors: {manifest['author']}"]
    if manifest.get("maintainers"):
        lines.append(f"Maintainers: {', '.join(manifest['maintainers'])}")
    return lines


def render_html(addon):
    manifest = _manifest(addon)
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"/>',
        f"<title>{escape(manifest['name'])}</title></head><body>",
        '<div class="document">',
    ]
    apps_page = _apps_page(addon)
    if apps_page is not None:
        # Odoo shows the addon's name above the page: no title of its own
        parts.append(_markdown(apps_page, shift=0))
        parts.append(f"<p>Version {escape(manifest['version'])} · License {escape(manifest.get('license', ''))}</p>")
        parts.append("</div></body></html>")
        return "\n".join(parts) + "\n"
    parts += [
        f"<h1>{escape(manifest['name'])}</h1>",
        f"<p><strong>{escape(manifest.get('summary', ''))}</strong></p>",
        f"<p>Version {escape(manifest['version'])} · License {escape(manifest.get('license', ''))}</p>",
    ]
    for title, text in _fragments(addon):
        if title:
            parts.append(f"<h2>{title}</h2>")
        parts.append(_markdown(text))
    parts.append("<h2>Credits</h2>")
    parts.extend(f"<p>{escape(line)}</p>" for line in _credits(manifest))
    parts.append("</div></body></html>")
    return "\n".join(parts) + "\n"


def render_markdown(addon):
    manifest = _manifest(addon)
    parts = [
        "<!-- generated from readme/ by scripts/gen_addon_readme.py: edit the fragments, then run it -->",
        f"# {manifest['name']}",
        f"**{manifest.get('summary', '')}**",
        f"Version {manifest['version']} · License {manifest.get('license', '')}",
    ]
    apps_page = _apps_page(addon)
    if apps_page is not None:
        # the Apps page's images are relative to static/description/
        parts.append(re.sub(r"\]\((screenshots/[^)]+)\)", r"](static/description/\1)", apps_page.strip()))
        parts.append("# Developer reference")
    for title, text in _fragments(addon):
        if title:
            parts.append(f"## {title}")
        parts.append(text.strip())
    parts.append("## Credits")
    parts.append("\n".join(f"- {line}" for line in _credits(manifest)))
    return "\n\n".join(parts) + "\n"


def main(argv):
    stale = []
    for addon in addons():
        for path, text in (
            (addon / "static" / "description" / "index.html", render_html(addon)),
            (addon / "README.md", render_markdown(addon)),
        ):
            if path.exists() and path.read_text() == text:
                continue
            if "--check" in argv:
                stale.append(str(path.relative_to(ROOT)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(path.relative_to(ROOT))
    if stale:
        sys.exit("not current (run scripts/gen_addon_readme.py): " + ", ".join(stale))


if __name__ == "__main__":
    main(sys.argv[1:])
