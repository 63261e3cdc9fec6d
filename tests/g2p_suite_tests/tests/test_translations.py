"""Translations: every addon's i18n/<addon>.pot holds every term Odoo exports for it, the French of
the staff screens of g2p_partner_ingest and g2p_api_consent is complete, loads, and is what an
admin who works in French reads in the web client."""

import importlib.util
from pathlib import Path

import polib

from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

ROOT = Path(__file__).resolve().parents[3]
ADDONS = ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search")
FRENCH = ("g2p_partner_ingest", "g2p_api_consent")


def po_untranslated():
    spec = importlib.util.spec_from_file_location("g2p_po_untranslated", ROOT / "scripts" / "po_untranslated.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_french(env):
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(list(FRENCH), ["fr_FR"], overwrite=True)


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    def test_pot_files_hold_every_exported_term(self):
        for addon in ADDONS:
            with self.subTest(addon=addon):
                # Odoo's own export of the addon's terms (what `make pot` writes), from this database; one
                # addon at a time as `make pot` does (a model several addons extend is a term of each)
                exported = {row[4] for row in TranslationModuleReader(self.env.cr, modules=[addon])}
                pot = ROOT / addon / "i18n" / f"{addon}.pot"
                self.assertTrue(pot.exists(), f"{pot} is missing: run `make pot`")
                committed = {entry.msgid for entry in polib.pofile(str(pot))}
                missing, obsolete = sorted(exported - committed), sorted(committed - exported)
                self.assertFalse(
                    missing or obsolete,
                    f"{addon}/i18n/{addon}.pot is out of date: run `make pot` (then translate the new terms "
                    f"of the .po files: scripts/po_untranslated.py lists them).\n"
                    f"missing terms: {missing}\nterms no longer used: {obsolete}",
                )

    def test_french_is_complete(self):
        untranslated = po_untranslated().untranslated
        for addon in FRENCH:
            with self.subTest(addon=addon):
                problems = untranslated(ROOT / addon / "i18n" / "fr.po")
                self.assertFalse(
                    problems,
                    f"{addon}/i18n/fr.po is not complete: run `make pot`, translate these terms "
                    f"(`.venv/bin/python scripts/po_untranslated.py` lists them):\n"
                    + "\n".join(f"  {why}: {msgid!r}" for msgid, why in problems),
                )

    def test_french_loads(self):
        load_french(self.env)
        fr = self.env(context={"lang": "fr_FR"})
        self.assertEqual(fr.ref("g2p_partner_ingest.action_change_requests").name, "Demandes de modification")
        self.assertEqual(fr.ref("g2p_partner_ingest.menu_change_requests").name, "Demandes de modification")
        requests = fr["g2p.change.request"]
        self.assertEqual(requests.fields_get(["client_id"])["client_id"]["string"], "Client source")
        self.assertIn(("pending", "En attente"), requests.fields_get(["state"])["state"]["selection"])
        self.assertIn(
            "Approuver", requests.get_view(self.env.ref("g2p_partner_ingest.view_change_request_form").id)["arch"]
        )
        consents = fr["g2p.consent"]
        self.assertEqual(consents.fields_get(["scope_ids"])["scope_ids"]["string"], "Catégories de données")
        self.assertIn(("withdrawn", "Retiré"), consents.fields_get(["state"])["state"]["selection"])
        # messages raised in Python (code translations, read from fr.po at run time)
        with self.assertRaisesRegex(UserError, "Indiquez le motif du rejet."):
            requests.browse().action_reject("")
        consent = self.env["g2p.consent"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Zzconsent", "is_registrant": True}).id,
                "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_individual_read").ids)],
            }
        )
        consent.with_env(fr).action_withdraw()
        self.assertEqual(consent.withdraw_reason, "Retiré par l'inscrit")
        with self.assertRaisesRegex(UserError, "Seul un consentement actif peut être retiré."):
            consent.with_env(fr).action_withdraw()


@tagged("post_install", "-at_install")
class TestFrenchReviewScreen(HttpCase):
    def test_admin_in_french_reads_the_review_screens_in_french(self):
        load_french(self.env)
        self.env.ref("base.user_admin").lang = "fr_FR"
        client = self.env["g2p.api.client"].create({"name": "Partenaire FR", "partner_mnemonic": "FRTOUR"})
        self.env["g2p.change.request"].sudo().create(
            {
                "operation": "add",
                "target": "individual",
                "client_id": client.id,
                "proposed_values": '{"given_name": "Amélie", "family_name": "Zzfrancais", '
                '"identifiers": [{"system": "urn:g2p:id:national-id", "value": "97000077"}]}',
            }
        )
        self.start_tour("/odoo/change-requests", "g2p_change_request_french", login="admin")
