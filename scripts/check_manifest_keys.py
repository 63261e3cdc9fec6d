"""Pre-commit hook: every key of the given __manifest__.py files is one Odoo or OCA's tools read.

Odoo loads a manifest with ast.literal_eval and ignores keys it does not know, so a typo
("dependz", "extenal_dependencies") installs an addon without its dependencies or data, silently.
Neither pylint-odoo nor OCA's module checks look for unknown keys. The known keys are Odoo's own
(_DEFAULT_MANIFEST of odoo/modules/module.py in the Odoo source of .venv, read without importing
Odoo, plus the keys Odoo fills in or requires) and the keys OCA's tools read.
"""

import ast
import importlib.util
import pathlib
import sys

# keys Odoo reads that are not in _DEFAULT_MANIFEST: mandatory, filled in by Odoo, or read by ir.module.module
ODOO_KEYS = {"name", "license", "icon", "addons_path", "excludes", "maintainer", "contributors", "url"}
# keys OCA's tools read (pylint-odoo, oca-gen-addon-readme, the apps store)
OCA_KEYS = {"maintainers", "development_status", "price", "currency", "support"}


def odoo_default_manifest_keys():
    spec = importlib.util.find_spec("odoo")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("check-manifest-keys: Odoo is not installed in this Python (run make setup)")
    source = pathlib.Path(next(iter(spec.submodule_search_locations)), "modules", "module.py")
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_DEFAULT_MANIFEST" for t in node.targets):
            return set(ast.literal_eval(node.value))
    sys.exit(f"check-manifest-keys: no _DEFAULT_MANIFEST in {source}")


def main(paths):
    known = odoo_default_manifest_keys() | ODOO_KEYS | OCA_KEYS
    failed = 0
    for path in paths:
        text = pathlib.Path(path).read_text()
        try:
            manifest = ast.parse(text, path).body[0].value
            keys = ast.literal_eval(manifest).keys()
            lines = {ast.literal_eval(k): k.lineno for k in manifest.keys}
        except (SyntaxError, ValueError, IndexError, AttributeError) as exc:
            print(f"{path}:1: the manifest is not one Python dict literal ({exc})")
            failed += 1
            continue
        for key in sorted(set(keys) - known):
            print(f"{path}:{lines[key]}: unknown manifest key {key!r} (Odoo ignores it; a typo?)")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
