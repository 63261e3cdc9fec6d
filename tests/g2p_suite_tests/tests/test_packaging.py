"""What Apps and pip show of each product addon: its icon, its page, its manifest, its wheel."""

import ast
import hashlib
import importlib.metadata
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parents[3]
ADDONS = ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search")


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_distributions(addon_dir):
    """PyPI distributions of the third-party modules the addon's code imports (its tests aside)."""
    top_levels = set()
    for path in addon_dir.rglob("*.py"):
        if "tests" in path.relative_to(addon_dir).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                top_levels.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                top_levels.add(node.module.split(".")[0])
    # psycopg2 is Odoo's own database driver, installed as psycopg2 or psycopg2-binary: a Requires-Dist
    # on one of them would make pip build or replace the driver Odoo already runs on
    top_levels -= set(sys.stdlib_module_names) | {"odoo", "psycopg2"}
    packages = importlib.metadata.packages_distributions()
    return {_normalize(dist) for module in top_levels for dist in packages.get(module, [module])}


@tagged("post_install", "-at_install")
class TestPackaging(TransactionCase):
    def _manifest(self, addon):
        return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())

    def test_one_icon_per_app(self):
        """Apps (default filter: applications) lists each of the four with an icon of its own."""
        digests = set()
        for addon in ADDONS:
            self.assertTrue(self._manifest(addon).get("application"), addon)
            with Image.open(ROOT / addon / "static" / "description" / "icon.png") as icon:
                self.assertEqual((icon.format, icon.size), ("PNG", (128, 128)), addon)
                digests.add(hashlib.sha256(icon.tobytes()).hexdigest())
        self.assertEqual(len(digests), len(ADDONS), "two apps share an icon")

    def test_description_page_in_apps(self):
        """The page Apps shows (static/description/index.html) is written for the administrator who installs
        the addon (readme/APPS.md): set-up steps and screenshots that exist, no developer reference, and no
        title of its own above the one Apps shows."""
        for addon in ADDONS:
            module = self.env["ir.module.module"].search([("name", "=", addon)])
            page = str(module.description_html)
            self.assertNotIn(f"<h1>{self._manifest(addon)['name']}</h1>", page, addon)
            self.assertIn("<h2>Setting it up</h2>", page, addon)
            for term in ("PBKDF2", "curl", "412", "res.partner", "g2p.api.client"):
                self.assertNotIn(term, page, f"{addon}: the developer reference stays in README.md")
            pictures = re.findall(r'<img src="/([^"]+)"', page)
            self.assertTrue(pictures, f"{addon} shows its screens")
            for picture in pictures:
                self.assertTrue((ROOT / picture).is_file(), picture)

    def test_description_pages_follow_the_readme_fragments(self):
        """An edited readme fragment without its page regenerated fails here, not in front of an admin."""
        check = subprocess.run(
            [sys.executable, str(ROOT / "scripts/gen_addon_readme.py"), "--check"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_manifests_declare_what_the_code_imports(self):
        for addon in ADDONS:
            manifest = self._manifest(addon)
            declared = {
                _normalize(re.split(r"[<>=!~\[ ]", dep)[0])
                for dep in manifest.get("external_dependencies", {}).get("python", [])
            }
            missing = _imported_distributions(ROOT / addon) - declared
            self.assertFalse(missing, f"{addon} imports {sorted(missing)} without declaring them")
            self.assertTrue(manifest.get("maintainers"), addon)
            self.assertNotIn("website", manifest, f"{addon}: no website of the project exists yet")

    def test_wheels_hold_manifest_data_and_views(self):
        """`pip wheel ./setup/<addon>` (OCA packaging with whool) builds an installable addon."""
        with tempfile.TemporaryDirectory() as out:
            for addon in ADDONS:
                build = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "wheel",
                        "--no-deps",
                        "--no-build-isolation",
                        "-q",
                        "-w",
                        out,
                        str(ROOT / "setup" / addon),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                self.assertEqual(build.returncode, 0, build.stderr[-2000:])
                [wheel] = Path(out).glob(f"odoo_addon_{addon}-*.whl")
                with zipfile.ZipFile(wheel) as archive:
                    names = set(archive.namelist())
                prefix = f"odoo/addons/{addon}/"
                manifest = self._manifest(addon)
                expected = {
                    "__manifest__.py",
                    "static/description/icon.png",
                    "static/description/index.html",
                    *manifest.get("data", []),
                    *manifest.get("demo", []),
                }
                expected |= {str(p.relative_to(ROOT / addon)) for p in (ROOT / addon / "views").glob("*.xml")}
                missing = sorted(f for f in expected if prefix + f not in names)
                self.assertFalse(missing, f"{wheel.name} lacks {missing}")
