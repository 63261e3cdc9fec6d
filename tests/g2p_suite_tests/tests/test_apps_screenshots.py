"""The screenshots of the addons' Apps pages, taken in Chromium on the real screens with the demo data.

Not part of `make test`: `make screenshots` runs it (tag ``g2p_screenshots``) and writes
``<addon>/static/description/screenshots/<name>.jpg``; ``readme/APPS.md`` shows them. Each page is
opened as the person who works in it would, and the picture is taken once the screen shows what the
caption says (the ``ready`` selector), so a screen that stops showing it fails the run instead of
publishing a wrong picture.
"""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

ROOT = Path(__file__).resolve().parents[3]
MARKER = "g2p-screenshot:"
TAKEN_CLASS = "o_g2p_screenshot_taken"

# wait for the screen, ask Python for the picture (a console line), wait until it is taken
PAGE_CODE = """
(async () => {
    const until = async (selector) => {
        for (let i = 0; i < 300; i++) {
            if (document.querySelector(selector)) { return; }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error("the screen never showed " + selector);
    };
    await until(%(ready)s);
    document.querySelector(%(ready)s).scrollIntoView({block: %(block)s});
    // let fonts, the chatter and lazy widgets settle
    await new Promise((resolve) => setTimeout(resolve, 800));
    console.log(%(marker)s);
    await until("body.%(taken)s");
    console.log("test successful");
})();
"""


@tagged("post_install", "-at_install", "-standard", "g2p_screenshots")
class TestAppsScreenshots(HttpCase):
    browser_size = "1366,900"

    def _screenshot(self, addon, name, url, ready, login="admin", block="nearest"):
        target = ROOT / addon / "static" / "description" / "screenshots" / f"{name}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
            first = browser._from_remoteobject(args[0]) if args else ""
            if first == MARKER + name:
                # this runs on the browser's receiving thread: ask, and save when the answer arrives
                def save(future):
                    target.write_bytes(base64.b64decode(future.result()["data"]))
                    browser._websocket_send(
                        "Runtime.evaluate", params={"expression": f"document.body.classList.add('{TAKEN_CLASS}')"}
                    )

                shot = browser._websocket_send(
                    "Page.captureScreenshot", params={"format": "jpeg", "quality": 80}, with_future=True
                )
                shot.add_done_callback(save)
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        before = target.stat().st_mtime_ns if target.exists() else None
        code = PAGE_CODE % {
            "ready": repr(ready),
            "block": repr(block),
            "marker": repr(MARKER + name),
            "taken": TAKEN_CLASS,
        }
        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.browser_js(url, code, login=login, timeout=90)
        self.assertTrue(target.exists() and target.stat().st_mtime_ns != before, f"{target} was taken")
        self.assertGreater(target.stat().st_size, 10_000, f"{target} shows a screen, not a blank page")

    def setUp(self):
        super().setUp()
        if not os.environ.get("G2P_SCREENSHOTS"):
            self.skipTest("make screenshots runs this (it rewrites the addons' Apps-page pictures)")

    def test_partner_api(self):
        client = self.env.ref("g2p_partner_api.demo_api_client")
        self._screenshot(
            "g2p_partner_api",
            "client_form",
            f"/odoo/action-g2p_partner_api.action_api_clients/{client.id}",
            ".o_form_view .o_g2p_client_capabilities",
        )
        self._screenshot(
            "g2p_partner_api",
            "deliveries",
            "/odoo/action-g2p_partner_api.action_deliveries",
            ".o_list_view .o_data_row",
        )

    def test_consent(self):
        self._screenshot(
            "g2p_api_consent", "consents", "/odoo/action-g2p_api_consent.action_consents", ".o_list_view .o_data_row"
        )

    def test_ingest(self):
        request = self.env.ref("g2p_partner_ingest.demo_change_request_add")
        self._screenshot(
            "g2p_partner_ingest",
            "change_request",
            f"/odoo/action-g2p_partner_ingest.action_change_requests/{request.id}",
            ".o_form_view .o_form_sheet",
            login="approver",
        )
        duplicate = self.env["g2p.change.request"].search([("possible_duplicate", "=", True)], limit=1)
        self.assertTrue(duplicate, "the demo data holds a possible duplicate")
        self._screenshot(
            "g2p_partner_ingest",
            "duplicate",
            f"/odoo/action-g2p_partner_ingest.action_change_requests/{duplicate.id}",
            "[name=duplicate_ids] .o_data_row, [name=duplicate_ids] .o_kanban_record",
            login="approver",
            block="center",
        )

    def test_dci(self):
        register = self.env.ref("g2p_dci_search.register_individual")
        self._screenshot(
            "g2p_dci_search",
            "dci_register",
            f"/odoo/action-g2p_dci_search.action_dci_registers/{register.id}",
            ".o_form_view .o_form_sheet",
        )
