"""The batched duplicate finder finds what a search of each person alone finds (#27, row 4d).

The pipeline searches the people of a chunk of ingested items together (``duplicate_finder.find_many``: one
identifier statement, one name statement per kind of birth date). Here its answers are compared with a search
per person written apart: the one-person name statement (``duplicate_finder.name_query``) and an ORM search of
the identifiers, on varied data: misspelt and accented names, same birth date, a birth year alone, shared
identifiers, a registrant of another company, archived registrants, a household, and excluded registrants.
"""

from odoo.tests import TransactionCase, tagged

from ..services import duplicate_finder

NID = "urn:g2p:id:national-id"


@tagged("post_install", "-at_install")
class TestBatchedFinderFindsWhatOneByOneFinds(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        other_company = cls.env["res.company"].create({"name": "Other registry office"})

        def registrant(given, family, birthdate, number=None, **vals):
            ids = [(0, 0, {"id_type_id": nid.id, "value": number})] if number else []
            return cls.env["res.partner"].create(
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": family,
                    "birthdate": birthdate,
                    "reg_id_ids": ids,
                    **vals,
                }
            )

        cls.amina = registrant("Amina", "Okonkwo", "1988-03-02", "93100001")
        cls.peter = registrant("Peter", "Phiri", "1988-03-02")
        cls.archived = registrant("Grace", "Mwale", "1970-05-05", "93100002")
        cls.archived.action_archive()
        cls.elsewhere = registrant("Joseph", "Banda", "1975-07-07", "93100003", company_id=other_company.id)
        cls.ruths = registrant("Ruth", "Kamau", "1985-01-01") | registrant("Ruth", "Kamau", "1985-01-01", "93100004")
        cls.esther = registrant("Esther", "Diallo", "1990-06-06")
        cls.env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "name": "Amina Okonkwo", "birthdate": "1988-03-02"}
        )
        cls.people = [
            {"given_name": "Aminah", "family_name": "Okonkwo", "birthdate": "1988-03-02"},
            {"name": "Amína Okonkwó", "birthdate": "1988-03-02"},
            {"given_name": "Amina", "family_name": "Okonkwo", "birthdate": "1989"},
            {"given_name": "Gracie", "family_name": "Mwale", "birthdate": "1970-05-05"},
            {"given_name": "Zawadi", "family_name": "Zulu", "identifiers": [{"system": NID, "value": "93100002"}]},
            {"given_name": "Josef", "family_name": "Banda", "birthdate": "1975-07-07"},
            {"given_name": "Zawadi", "family_name": "Zulu", "identifiers": [{"system": NID, "value": "93100003"}]},
            {"given_name": "Ruth", "family_name": "Kamau", "birthdate": "1985-01-01"},
            {"given_name": "Esther", "family_name": "Dialo", "birthdate": "1991"},
            {"given_name": "Esther", "family_name": "Diallo", "birthdate": "1993"},
            {
                "given_name": "Petr",
                "family_name": "Phiri",
                "birthdate": "1988-03-02",
                "identifiers": [{"system": NID, "value": "93100001"}, {"system": "urn:other", "value": "93100001"}],
            },
            {"family_name": "Okonkwo", "birthdate": "1988-03-02"},
            {"given_name": "Nobody", "family_name": "Known", "birthdate": "1988-03-02"},
            {
                "given_name": "Ruth",
                "family_name": "Kamau",
                "birthdate": "1985",
                "identifiers": [{"system": NID, "value": "93100004"}],
            },
        ]

    def one_by_one(self, person, settings, exclude_ids):
        """The candidates of ``person`` searched alone, without ``find_many``: (partner id, score, same identifier)."""
        env = self.env
        found = {}
        for pair in person.get("identifiers") or []:
            reg_ids = (
                env["g2p.reg.id"]
                .with_context(active_test=False)
                .search([("id_type_id.namespace_uri", "=", pair["system"]), ("value", "=", pair["value"])])
            )
            for partner in reg_ids.partner_id:
                if partner.is_registrant and not partner.is_group and partner.active and partner.id not in exclude_ids:
                    found[partner.id] = (partner.id, 1.0, True)
        query = duplicate_finder.name_query(env, person, settings, exclude_ids)
        for partner_id, score in env.execute_query(query) if query else []:
            if score >= settings.threshold and partner_id not in found:
                found[partner_id] = (partner_id, round(score, 2), False)
        return sorted(found.values(), key=lambda c: (-c[1], c[0]))[: duplicate_finder.CANDIDATE_LIMIT]

    def assert_same_as_one_by_one(self, settings, exclude_ids=()):
        env = self.env
        env.flush_all()
        duplicate_finder.prepare(env, settings)
        expected = [self.one_by_one(person, settings, exclude_ids) for person in self.people]
        together = duplicate_finder.find_many(env, self.people, settings, exclude_ids=exclude_ids)
        self.assertEqual(
            [[(c.partner_id, c.score, c.same_identifier) for c in candidates] for candidates in together], expected
        )
        return expected

    def test_the_same_candidates_as_one_by_one(self):
        found = self.assert_same_as_one_by_one(duplicate_finder.Settings())
        ids = [[candidate[0] for candidate in candidates] for candidates in found]
        amina, peter, elsewhere, esther = self.amina.id, self.peter.id, self.elsewhere.id, self.esther.id
        # what the data says, so that the comparison above compares answers that differ from person to person
        self.assertEqual(ids[0], [amina])  # misspelt, same day
        self.assertEqual(ids[1], [amina])  # accents and case
        self.assertEqual(ids[2], [amina])  # a birth year within one year
        self.assertEqual(ids[3:5], [[], []])  # archived: by name and by identifier
        self.assertEqual(ids[5:7], [[elsewhere], [elsewhere]])  # another company: by name and by identifier
        self.assertEqual(sorted(ids[7]), sorted(self.ruths.ids))
        self.assertEqual(ids[8:10], [[esther], []])  # birth year 1991 is within one year of 1990, 1993 is not
        self.assertEqual(sorted(ids[10]), sorted([amina, peter]))  # identifier and name, each for its own
        self.assertEqual(found[10][0], (amina, 1.0, True))
        self.assertEqual(ids[11:13], [[], []])  # the family name alone is not similar enough; nobody similar
        self.assertEqual(sorted(ids[13]), sorted(self.ruths.ids))

    def test_the_same_candidates_with_exclusions_threshold_and_locality(self):
        self.assert_same_as_one_by_one(duplicate_finder.Settings(), exclude_ids=(self.amina.id, self.ruths[0].id))
        self.assert_same_as_one_by_one(duplicate_finder.Settings(threshold=0.3))
        self.assert_same_as_one_by_one(duplicate_finder.Settings(threshold=0.9))
        self.people = [dict(person, city="Zomba") for person in self.people]
        self.ruths[0].city = "Zomba"
        self.assert_same_as_one_by_one(duplicate_finder.Settings(same_locality=True))
