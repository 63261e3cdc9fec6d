import re

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.query_log import logged_queries

from .common import IngestCase


@tagged("post_install", "-at_install")
class TestIngestStatementsPerChunk(IngestCase):
    """The pipeline's statements are per chunk, not per item: transforming and ingesting 20 items runs as many
    statements as 5 (row 4 of make bench: 7.4 statements an item when each item matched, named, resolved its
    codes and checked its identifiers alone), and the batch still proposes and applies what item by item would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.person_list_model("PERSON_STATEMENTS")
        cls.RawSu = cls.Raw.sudo()

    def received(self, tag, count, first=0):
        """``count`` people (no registrant's name, birth date or national id), stored and classified."""
        people = [
            self.person(
                nid=f"93{tag}{i:05d}",
                first=f"Chunk{tag}",
                last=f"Person{tag}x{i}",
                dob=f"19{40 + i % 50:02d}-0{1 + i % 9}-1{i % 9}",
            )
            for i in range(first, first + count)
        ]
        rows = self.RawSu._receive(self.client, self.model, f"statements-{tag}", people)
        rows._run_step("classification")
        return rows

    def statements(self, rows, step):
        """The statements of the job running ``step`` for ``rows``."""
        with logged_queries(self.env) as log:
            rows._run_step(step)
        return log

    def test_statements_do_not_grow_with_the_chunk(self):
        if "g2p.dci.subscription" in self.env:
            # a DCI subscription in force (the demo's) is told of each new registrant at the savepoint's flush, a
            # few statements per registrant of g2p_dci_search's own: this test bounds the pipeline's
            self.patch(type(self.env["g2p.dci.subscription"]), "_active_ids", lambda self: ())
        warm = self.received("1", 3)  # caches of this worker (reference data, job functions) filled once
        self.statements(warm, "transformation")
        self.statements(warm, "ingestion")
        small, large = self.received("2", 5), self.received("3", 20)
        for step in ("transformation", "ingestion"):
            of_small, of_large = self.statements(small, step), self.statements(large, step)
            self.assertEqual(
                len(of_large),
                len(of_small),
                f"{step}: statements grew with the chunk ({len(of_small)} for 5 items, {len(of_large)} for 20):\n"
                f"{of_large}",
            )
        self.assertLessEqual(len(of_large), 40, f"ingestion of a chunk:\n{of_large}")
        self.assertEqual((small | large).mapped("state"), ["done"] * 25)
        requests = (small | large).change_request_id
        self.assertEqual(requests.mapped("state"), ["applied"] * 25)
        self.assertEqual(len(set(requests.mapped("name"))), 25, "each request its own reference")
        self.assertTrue(all(re.fullmatch(r"CR/\d{4}/\d{6}", name) for name in requests.mapped("name")))
        self.assertEqual(
            sorted(requests.registrant_id.reg_id_ids.mapped("value")),
            sorted(f"93{t}{i:05d}" for t, n in (("2", 5), ("3", 20)) for i in range(n)),
        )
        self.assertEqual(requests.registrant_id.mapped("source_client_id"), self.client)

    def test_chunk_matched_as_each_item_alone(self):
        """A chunk's items matched together: each the registrant holding its national id (UPDATE), or an ADD."""
        national_id = self.env.ref("g2p_partner_api.id_type_national_id")
        first, second = (
            self.env["res.partner"].create(
                {
                    "is_registrant": True,
                    "given_name": "Held",
                    "family_name": nid,
                    "reg_id_ids": [(0, 0, {"id_type_id": national_id.id, "value": nid})],
                }
            )
            for nid in ("94000001", "94000003")
        )
        rows = self.received("4", 5)
        for row in rows:
            row.payload = row.payload.replace(f"934{row.item_index:05d}", f"9400000{row.item_index + 1}")
        rows._run_step("transformation")
        rows._run_step("ingestion")
        requests = rows.change_request_id
        self.assertEqual(requests.mapped("operation"), ["update", "add", "update", "add", "add"])
        self.assertEqual(requests.mapped("state"), ["applied"] * 5)
        self.assertEqual(requests[0].registrant_id, first)
        self.assertEqual(requests[2].registrant_id, second)
        self.assertEqual(first.given_name, "Chunk4", "the UPDATE applied")
        added = requests[1] | requests[3] | requests[4]
        alone = [self.CR._match(self.model, self.proposed(request)) for request in added]
        self.assertEqual([(op, r) for op, r in alone], [("update", r.registrant_id) for r in added])


@tagged("post_install", "-at_install")
class TestRejectPolicyChunkMatchedOnce(IngestCase):
    """A chunk of a data model whose duplicate policy is "reject" is matched against the register once: the
    match that refuses the possible duplicates (an ADD only) is the one the others are proposed by."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.person_list_model("PERSON_REJECT_CHUNK")
        cls.model.duplicate_policy = "reject"
        national_id = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.held, cls.lookalike = (
            cls.env["res.partner"].create(
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": family,
                    "birthdate": birthdate,
                    "reg_id_ids": [(0, 0, {"id_type_id": national_id.id, "value": nid})],
                }
            )
            for given, family, birthdate, nid in (
                ("Held", "Banda", "1970-01-01", "95000001"),
                ("Chikondi", "Phiri", "1985-04-12", "95000099"),
            )
        )

    def received(self, tag, people):
        rows = self.Raw.sudo()._receive(self.client, self.model, f"reject-chunk-{tag}", people)
        rows._run_step("classification")
        rows._run_step("transformation")
        return rows

    def test_refused_and_proposed_as_when_matched_twice(self):
        if "g2p.dci.subscription" in self.env:  # as in TestIngestStatementsPerChunk: the pipeline's statements
            self.patch(type(self.env["g2p.dci.subscription"]), "_active_ids", lambda self: ())
        warm = [self.person(nid=f"9500010{i}", first="Warm", last=f"Up{i}", dob=f"195{i}-02-03") for i in range(2)]
        # an UPDATE too (of the look-alike, which stays one): its outbound event reads as the REST app's user
        warm.append(self.person(nid="95000099", first="Chikondi", last="Phiri", dob="1985-04-12"))
        self.received("warm", warm)._run_step("ingestion")  # caches of this worker filled once
        # the company's REST readers (which candidates the sender may read), cached per worker; the warm-up's outbound
        # event reads as its subscription's endpoint, another cache
        self.env["fastapi.endpoint"]._rest_reader_env(self.env.company)
        rows = self.received("logged", self.chunk())
        before = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        with logged_queries(self.env) as log:
            rows._run_step("ingestion")
        matching = [s for s in log.statements if s.endswith(" _find_registrants")]
        self.assertEqual(len(matching), 2, f"the chunk matched once (registrants, their identifiers):\n{log}")
        self.assertEqual(
            len(self.duplicate_searches(log)),
            3,
            f"the chunk's ADDs searched for possible duplicates once (threshold, identifiers, names):\n{log}",
        )
        # 67 when the duplicate check and the proposals matched the chunk each, and applying looked up the
        # gender code and the ID type (the UPDATE's and the batch of ADDs' once each); 61 when the proposals
        # searched again for duplicates of the ADDs the check had just found like nobody; 57 with the statement
        # reading which candidates the sender may read (only those refuse an item)
        self.assertLessEqual(len(log), 57, f"ingestion of the chunk:\n{log}")
        self.assertRefusedAndProposed(rows, before)

    def test_item_by_item_matches_each_item_once(self):
        """When the chunk's batch fails, each item goes alone: its duplicate check's match and search are the
        ones its proposal uses (each item matched and searched once, not once more by its proposal), and the
        same item is refused, the same proposed, as by the batch."""
        if "g2p.dci.subscription" in self.env:  # as in TestIngestStatementsPerChunk: the pipeline's statements
            self.patch(type(self.env["g2p.dci.subscription"]), "_active_ids", lambda self: ())

        def batch_fails(self, raws, *checked):
            raise ValueError("the batch fails: item by item")

        self.patch(type(self.CR), "_propose_batch", batch_fails)
        rows = self.received("alone", self.chunk())
        before = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        with logged_queries(self.env) as log:
            rows._run_step("ingestion")
        matching = [s for s in log.statements if s.endswith(" _find_registrants")]
        # the batch's match (registrants, identifiers: 2), then each item's own: the UPDATE 2 (its registrant
        # found, then its identifiers), each of the two ADDs 1; the refused item is not tried again
        self.assertEqual(len(matching), 2 + 2 + 1 + 1, f"each item matched once:\n{log}")
        # the batch's search of its ADDs (3 statements), then each ADD's own (3 each); the UPDATE none
        self.assertEqual(len(self.duplicate_searches(log)), 3 + 3 + 3, f"each ADD searched once:\n{log}")
        self.assertRefusedAndProposed(rows, before)

    @staticmethod
    def duplicate_searches(log):
        """The statements of the duplicate searches (threshold, identifiers, names), settings apart."""
        return [s for s in log.statements if s.endswith((" prepare", " _by_identifier", " _by_names"))]

    def chunk(self):
        return [
            self.person(nid="95000001", first="Held", last="Banda", dob="1970-01-01"),  # holds it: an UPDATE
            self.person(nid="95000002", first="Chikondi", last="Phiri", dob="1985-04-12"),  # an ADD like someone
            self.person(nid="95000003", first="Tiyamike", last="Mwale", dob="1990-06-20"),
            self.person(nid="95000004", first="Kondwani", last="Zgambo", dob="2001-09-03"),
        ]

    def assertRefusedAndProposed(self, rows, before):
        """The look-alike ADD refused (and nothing proposed for it), the three others proposed and applied."""
        refused = rows[1]
        self.assertEqual(
            (refused.ingestion_status, refused.error_code, refused.change_request_id),
            ("failed", "DUPLICATE_SUSPECTED", self.CR),
        )
        self.assertEqual(refused.duplicate_candidate_ids, self.lookalike)
        self.assertEqual(
            refused.error_message,
            "This item may add someone already registered: resolve it upstream, or send the registrant's "
            "identifier so the item updates them.",
        )
        proposed = rows - refused
        requests = proposed.change_request_id
        self.assertEqual(proposed.mapped("ingestion_status"), ["done"] * 3)
        self.assertEqual(requests.mapped("operation"), ["update", "add", "add"])
        self.assertEqual(requests.mapped("state"), ["applied"] * 3)
        self.assertEqual(requests[0].registrant_id, self.held)
        self.assertFalse(requests.duplicate_ids, "nothing like the others in the register")
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), before + 2)
