"""Translations: every addon's i18n/<addon>.pot holds every term Odoo exports for it, the French of
every addon of the suite is complete, loads, and is what a user who works in French reads in the
web client."""

import importlib.util
import json
from pathlib import Path

import polib

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

ROOT = Path(__file__).resolve().parents[3]
ADDONS = ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search")
FRENCH = ADDONS


def po_untranslated():
    spec = importlib.util.spec_from_file_location("g2p_po_untranslated", ROOT / "scripts" / "po_untranslated.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_french(env):
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(list(FRENCH), ["fr_FR"], overwrite=True)


def french_partner_proposes(env, mnemonic, given_name, national_id):
    """API client "Partenaire FR" and a pending change request of it adding a person."""
    client = env["g2p.api.client"].create({"name": "Partenaire FR", "partner_mnemonic": mnemonic})
    proposal = {
        "given_name": given_name,
        "family_name": "Zzfrancais",
        "identifiers": [{"system": "urn:g2p:id:national-id", "value": national_id}],
    }
    env["g2p.change.request"].sudo().create(
        {"operation": "add", "target": "individual", "client_id": client.id, "proposed_values": json.dumps(proposal)}
    )


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
        self.assertEqual(consents.fields_get(["scope_ids"])["scope_ids"]["string"], "Portées")
        self.assertEqual(
            consents.fields_get(["data_category_ids"])["data_category_ids"]["string"], "Catégories de données"
        )
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

    def test_french_loads_for_the_registry_and_partner_screens(self):
        load_french(self.env)
        fr = self.env(context={"lang": "fr_FR"})
        # g2p_partner_api: its menus, the registrant form, the API client form, the deliveries
        self.assertEqual(fr.ref("g2p_partner_api.menu_g2p_root").name, "Registre social")
        self.assertEqual(fr.ref("g2p_partner_api.menu_g2p_partner_api").name, "API partenaires")
        self.assertEqual(fr.ref("g2p_partner_api.menu_deliveries").name, "Envois")
        self.assertEqual(fr.ref("g2p_partner_api.action_api_clients").name, "Clients API")
        registrants = fr["res.partner"]
        labels = registrants.fields_get(["given_name", "family_name", "birthdate", "gender_id", "reg_id_ids"])
        self.assertEqual(
            [labels[name]["string"] for name in ("given_name", "family_name", "birthdate", "gender_id", "reg_id_ids")],
            ["Prénom", "Nom de famille", "Date de naissance", "Genre", "Identifiants"],
        )
        self.assertEqual(fr.ref("g2p_partner_api.vocab_gender_female").display, "Féminin")
        client_form = fr["g2p.api.client"].get_view(self.env.ref("g2p_partner_api.view_api_client_form").id)["arch"]
        for label in (
            "Générer un secret",
            "Renouveler le secret",
            "Ce que ce client peut faire",
            "Identité et signatures",
        ):
            self.assertIn(label, client_form)
        self.assertEqual(fr["g2p.api.client"].fields_get(["scope_ids"])["scope_ids"]["string"], "Portées")
        self.assertIn(("failed", "En échec"), fr["g2p.api.delivery"].fields_get(["state"])["state"]["selection"])
        # a message raised in Python, and one built in Python for the client form
        with self.assertRaisesRegex(ValidationError, "La date de naissance .* est dans le futur."):
            fr["res.partner"].create({"name": "Zzfutur", "is_registrant": True, "birthdate": "2999-01-01"})
        # the programme's target type inside the message is French too, not the English label
        programme = self.env["g2p.program"].create({"name": "Zzménages", "target_type": "group", "state": "active"})
        person = self.env["res.partner"].create({"name": "Zzpersonne", "is_registrant": True})
        with self.assertRaisesRegex(ValidationError, "Le programme Zzménages n'enrôle que des groupes."):
            fr["g2p.program.membership"].create({"partner_id": person.id, "program_id": programme.id})
        client = self.env["g2p.api.client"].create({"name": "Partenaire FR", "partner_mnemonic": "FRLOAD"})
        self.assertIn("il n'a aucune portée", client.with_env(fr).blocked_reason)
        self.assertIn("Jetons d'accès: valides 3600 secondes", client.with_env(fr).capabilities.striptags())
        # g2p_dci_search: its menu, a register's labels, a transaction's mode, a message raised in Python
        self.assertEqual(fr.ref("g2p_dci_search.action_dci_registers").name, "Registres DCI")
        self.assertEqual(fr.ref("g2p_dci_search.menu_dci_registers").name, "Registres")
        self.assertIn(
            ("async", "Asynchrone (rappel)"), fr["g2p.dci.transaction"].fields_get(["mode"])["mode"]["selection"]
        )
        self.assertEqual(
            fr["g2p.dci.transaction"].fields_get(["callback_url"])["callback_url"]["string"], "URL de rappel"
        )
        with self.assertRaisesRegex(UserError, "Seuls les abonnements actifs peuvent prendre fin."):
            fr["g2p.dci.subscription"].new({"state": "unsubscribe"}).action_unsubscribe()


@tagged("post_install", "-at_install")
class TestFieldLabels(TransactionCase):
    def test_no_two_fields_of_a_model_share_a_label(self):
        """Filters, exports and the custom-filter menu name fields by label: two alike cannot be told apart (and
        Odoo warns at every start). Pairs with at least one field of the suite's addons."""
        clashes = []
        for model in self.env.values():
            by_label = {}
            for field in model._fields.values():
                other = by_label.setdefault(field.string, field)
                if other is not field and {field._module, other._module} & set(ADDONS):
                    clashes.append(f"{model._name}: {other.name}, {field.name} ({field.string})")
        self.assertEqual(clashes, [])


class TestFrenchReviewScreen(HttpCase):
    def test_admin_in_french_reads_the_review_screens_in_french(self):
        load_french(self.env)
        self.env.ref("base.user_admin").lang = "fr_FR"
        french_partner_proposes(self.env, "FRTOUR", "Amélie", "97000077")
        self.start_tour("/odoo/change-requests", "g2p_change_request_french", login="admin")


@tagged("post_install", "-at_install")
class TestFrenchMainScreens(HttpCase):
    def test_user_in_french_reads_the_main_screens_in_french(self):
        """From the menus, a user whose language is French opens a person, a change request, an API
        client and the deliveries (the demo's failed one): menus, titles, labels and buttons are
        French, and the French labels fit in their buttons, tabs and columns."""
        load_french(self.env)
        self.env.ref("base.user_admin").lang = "fr_FR"
        self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Amélie",
                "family_name": "Zzfrancais",
                "birthdate": "1990-05-04",
                "gender_id": self.env.ref("g2p_partner_api.vocab_gender_female").id,
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "97000078"})
                ],
            }
        )
        french_partner_proposes(self.env, "FRSCREENS", "Benoît", "97000079")
        self.assertTrue(
            self.env["g2p.api.delivery"].search_count([("state", "=", "failed")]), "the demo's failed delivery"
        )
        self.start_tour("/odoo", "g2p_main_screens_french", login="admin")
