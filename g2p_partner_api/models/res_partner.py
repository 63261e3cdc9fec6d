import logging
import uuid

import psycopg2

from odoo import Command, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules import db
from odoo.tools import remove_accents

from ..services.caller_defaults import with_caller_defaults
from ..services.duplicate_finder import match_name_expression
from ..services.paging import REGISTRANT_SORTS
from ..services.registry_calendar import registry_today
from ..services.vocabularies import GENDER_VOCABULARY
from .g2p_api_event_emitter import BOOKKEEPING_FIELDS
from .g2p_source_mixin import PROVENANCE_FIELDS, Provenance

_logger = logging.getLogger(__name__)

# the duplicate search's name and birth date together (services/duplicate_finder.py), for the individuals it
# searches: the birth-date index alone leaves every registrant born that day (350 at 10,000,000 registrants) to be
# read from the table and compared; in this index a registrant whose name is not similar is ruled out unread
DUPLICATE_SEARCH_INDEX = "res_partner_g2p_individual_birthdate_match_name_idx"
DUPLICATE_SEARCH_INDIVIDUALS = "is_registrant AND is_group IS NOT TRUE AND active"

# set by the registry when a registrant is archived (and cleared when it is restored), never by users
ARCHIVE_FIELDS = frozenset({"archived_at", "archive_reason"})


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "g2p.source.mixin", "g2p.api.event.emitter"]

    is_registrant = fields.Boolean(index=True, help="Part of the social registry (individual or group).")
    is_group = fields.Boolean(index=True, help="A group (household) rather than an individual.")
    uuid = fields.Char(
        string="Registry ID",
        copy=False,
        readonly=True,
        index=True,
        help="Stable external handle of the registrant; the only one the APIs expose.",
    )
    given_name = fields.Char()
    family_name = fields.Char(index="trigram")
    addl_name = fields.Char(string="Additional name")
    birthdate = fields.Date(string="Birth date", index=True)
    gender_id = fields.Many2one(
        "g2p.vocabulary.code",
        ondelete="restrict",
        domain=[("namespace_uri", "=", GENDER_VOCABULARY)],
    )
    reg_id_ids = fields.One2many("g2p.reg.id", "partner_id", string="Identifiers")
    group_membership_ids = fields.One2many("g2p.group.membership", "individual_id", string="Group memberships")
    group_member_ids = fields.One2many("g2p.group.membership", "group_id", string="Members")
    program_membership_ids = fields.One2many("g2p.program.membership", "partner_id", string="Programme memberships")
    disclosure_ids = fields.One2many(
        "g2p.api.disclosure",
        "partner_id",
        string="Data shared",
        readonly=True,
        groups="g2p_partner_api.group_registry_viewer",
        help="Which partner system received this registrant's data, when, how and under which consent or legal basis",
    )
    group_head_id = fields.Many2one("res.partner", string="Head", compute="_compute_group_composition")
    archived_at = fields.Datetime(
        string="Archived on", readonly=True, copy=False, help="When the registrant was archived (set by the registry)."
    )
    archive_reason = fields.Char(
        readonly=True, copy=False, help="Why the registrant was archived, as the API caller gave it."
    )
    external_ref_ids = fields.One2many(
        "g2p.api.external.ref", "partner_id", string="Partner references", help="Set from partners' answers to events"
    )
    member_count = fields.Integer(
        string="Member count", compute="_compute_group_composition", help="Current members (memberships not ended)"
    )
    # the name duplicate searches compare (services/duplicate_finder.py), indexed for trigram search: without
    # accents and in lower case, computed here rather than with PostgreSQL's unaccent(): unaccent is not
    # immutable, so an index on unaccent(lower(name)) needs a wrapper function only a database superuser can
    # create; Odoo's trigram index on this column works on every database
    match_name = fields.Char(
        string="Name for matching",
        compute="_compute_match_name",
        store=True,
        index="trigram",
        copy=False,
        help="The registrant's name without accents and in lower case, compared when looking for duplicates.",
    )

    _sql_constraints = [("uuid_unique", "unique(uuid)", "The UUID of a registrant must be unique.")]

    def init(self):
        res = super().init()
        if not self.env.registry.has_trigram:
            # Odoo's database manager creates pg_trgm; databases made otherwise may lack it
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error:
                _logger.warning("PostgreSQL extension pg_trgm unavailable: duplicates are matched on identifiers only")
            # the trigram index of match_name is created right after init() when the function exists
            self.env.registry.has_trigram = db.has_trigram(self.env.cr)
        # every sort of the REST searches but the id's (the primary key) is a range of one of these, so a
        # page costs the same on the first and the last page; groups and individuals are told apart by a
        # filter (the ORM's is_group = False also matches NULL, which no index prefix could answer)
        for column in sorted({order.column for order in REGISTRANT_SORTS.values()} - {"id"}):
            tools.create_index(
                self.env.cr,
                f"res_partner_g2p_registrant_{column}_page_idx",
                self._table,
                [column, "id"],
                where="is_registrant",
            )
        # a name with a birth-date range (the DCI expression search's and the REST filters' commonest query):
        # one range of this index, where the family name's trigram index and the birth-date index would each
        # mark every registrant of that name or those years, a bitmap that grows with the register
        tools.create_index(
            self.env.cr,
            "res_partner_g2p_registrant_family_name_birthdate_idx",
            self._table,
            ["family_name", "birthdate"],
            where="is_registrant",
        )
        self._create_duplicate_search_index()
        return res

    def _create_duplicate_search_index(self):
        """The GiST index of (birthdate, match_name) the duplicate search reads, when PostgreSQL has
        ``btree_gist`` (a date in a GiST index): without it the search reads the birth-date index."""
        cr = self.env.cr
        if not self.env.registry.has_trigram or tools.index_exists(cr, DUPLICATE_SEARCH_INDEX):
            return
        cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
        if not cr.fetchone():
            try:
                with cr.savepoint(flush=False):
                    cr.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            except psycopg2.Error:
                _logger.warning(
                    "PostgreSQL extension btree_gist unavailable (a database administrator creates it, see "
                    "docs/deployment.md): duplicate searches read the birth-date index, slower at scale"
                )
                return
        # the name as the trigram index of match_name and the duplicate search's SQL hold it
        name = match_name_expression(self.env, '"match_name"')
        tools.create_index(
            cr,
            DUPLICATE_SEARCH_INDEX,
            self._table,
            ["birthdate", f"{name} gist_trgm_ops"],
            method="gist",
            where=DUPLICATE_SEARCH_INDIVIDUALS,
        )

    @api.model
    def _match_name(self, name):
        return " ".join(remove_accents(name or "").casefold().split()) or False

    @api.depends("name", "is_registrant", "is_group")
    def _compute_match_name(self):
        for rec in self:
            rec.match_name = self._match_name(rec.name) if rec.is_registrant and not rec.is_group else False

    def _g2p_event_type(self, operation):
        if not self.is_registrant:
            return None
        return f"group.{operation}" if self.is_group else f"individual.{operation}"

    def _g2p_members_changed(self, vals):
        if "group_member_ids" not in vals or not all(self.mapped("is_group")):
            return None
        if set(vals) - {"group_member_ids"} - PROVENANCE_FIELDS - BOOKKEEPING_FIELDS:
            return None
        return self._individuals_of_member_commands(vals["group_member_ids"])

    def _individuals_of_member_commands(self, commands):
        """Ids of the individuals whose memberships in these groups ``commands`` (of ``group_member_ids``) create,
        change, remove or replace; None for a command it cannot tell that of (then the event goes to every reader
        of the group, as any other change)."""
        individual_ids, membership_ids = set(), set()
        for command in commands:
            code = command[0] if isinstance(command, (list, tuple)) and command else None
            values = command[2] if code in (Command.CREATE, Command.UPDATE) and len(command) > 2 else {}
            if code == Command.CREATE and values.get("individual_id"):
                individual_ids.add(values["individual_id"])
            elif code in (Command.UPDATE, Command.DELETE, Command.UNLINK, Command.LINK):
                membership_ids.add(command[1])
                if values.get("individual_id"):  # the membership handed to someone else: both are told
                    individual_ids.add(values["individual_id"])
            elif code in (Command.CLEAR, Command.SET) or isinstance(command, int):
                # the whole list replaced (a bare id is one of a list of ids): whoever was in it changed too
                membership_ids |= set(self.sudo().group_member_ids.ids)
                if code == Command.SET:
                    membership_ids |= set(command[2])
                elif code is None:
                    membership_ids.add(command)
            else:
                return None
        memberships = self.env["g2p.group.membership"].sudo().browse(membership_ids).exists()
        return individual_ids | set(memberships.individual_id.ids)

    def _readable_as_registry(self):
        """These contacts as the registry reads them (superuser), less those the current user may not read: what a
        computed field shows of a registrant is the user's to read, on a record built in a form too (onchange)."""
        return self._filtered_access("read").sudo()

    def get_formview_id(self, access_uid=None):
        # a registrant opened from a link (a change request, a consent, a membership) shows the registry's form
        self.check_access("read")
        if len(self) == 1 and self.is_registrant:
            return self.env.ref("g2p_partner_api.view_registrant_form").id
        return super().get_formview_id(access_uid=access_uid)

    def _creation_message(self):
        # the chatter's first line says who registered the person: a partner system through the API, or staff
        if not self.is_registrant:
            return super()._creation_message()
        provenance = self.env.context.get("g2p_provenance")
        if isinstance(provenance, Provenance):
            client = self.env["g2p.api.client"].sudo().browse(provenance.client_id)
            if provenance.source_system:
                return _(
                    "Registered through the API by %(client)s (source system %(system)s)",
                    client=client.name,
                    system=provenance.source_system,
                )
            return _("Registered through the API by %(client)s", client=client.name)
        return _("Registrant created")

    def _archive_registrant(self, reason):
        """Archive (never unlink) with the caller's reason; server code only: the reason and the
        date are fields users cannot write."""
        self.sudo().write({"active": False, "archive_reason": reason})

    @api.depends("group_member_ids.end_date", "group_member_ids.kind_ids")
    def _compute_group_composition(self):
        groups = self.filtered("is_group")
        (self - groups).update({"group_head_id": False, "member_count": 0})
        if not groups:
            return
        # one query for the whole page of groups, not one per row
        Membership = self.env["g2p.group.membership"]
        current = Membership.search_fetch(
            [("group_id", "in", groups.ids), *Membership._open_domain(registry_today(self.env))],
            ["group_id", "individual_id", "kind_ids"],
        )
        counts, heads = {}, {}
        for membership in current:
            group_id = membership.group_id.id
            counts[group_id] = counts.get(group_id, 0) + 1
            if "head" in membership.kind_ids.mapped("code"):
                heads[group_id] = membership.individual_id.id
        for group in groups:
            group.member_count = counts.get(group.id, 0)
            group.group_head_id = heads.get(group.id, False)

    @api.model
    def _compose_name(self, given, addl, family):
        return " ".join(part for part in (given, addl, family) if part)

    def _check_archive_fields_not_given(self, vals_list):
        if not self.env.su and any(ARCHIVE_FIELDS.intersection(vals) for vals in vals_list):
            raise AccessError(_("The archive date and reason are recorded by the registry only."))

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        self._check_archive_fields_not_given(vals_list)
        self._check_contacts_named(vals_list)
        for vals in vals_list:
            if vals.get("is_registrant"):
                vals.setdefault("uuid", str(uuid.uuid4()))
                if not vals.get("is_group") and not vals.get("name"):
                    vals["name"] = self._compose_name(
                        vals.get("given_name"), vals.get("addl_name"), vals.get("family_name")
                    )
        partners = super().create(vals_list)
        self.env["g2p.registrant.change"]._record_registrants(partners)
        return partners

    def _check_contacts_named(self, vals_list):
        """Refuse a contact that names a registrant the caller may not read (Odoo reads a linked contact's name as
        the superuser: the link would show it), and a registrant as the parent of a contact, for everyone: a
        contact's name shows its parent's ("Household, Contact") to every employee, who may read plain contacts
        and not registrants; households are groups with members."""
        if self.env.su:
            return
        for vals in vals_list:
            if vals.get("parent_id") and self.browse(vals["parent_id"]).sudo().is_registrant:
                raise AccessError(_("A registrant is no parent of contacts: link people to a household as members."))
            named = self._named_contact_ids(vals)
            if named:
                self._check_registrants_readable(named)

    def unlink(self):
        self._check_registrants_kept("unlink")
        self.env["g2p.api.delivery"]._mark_naming_erased(self)
        return super().unlink()

    def _check_registrants_kept(self, operation):
        """Refuse, to all but a system administrator, to delete a registrant or make it a plain contact (which
        drops it from the register as deleting would): staff archive it (Archive; the API archives with a
        reason). The register is the record of whom programmes knew; partners hold its uuid, consents,
        disclosures and change requests name it; Odoo lets every contact manager (Officers) delete contacts.
        An administrator deletes one when the law requires an erasure or it was made by mistake."""
        if self.env["g2p.guarded.settings.mixin"]._is_system_administrator():
            return
        registrants = self.sudo().filtered("is_registrant")
        if registrants:
            self.check_access(operation)  # the right first: a refused caller learns nothing of the record
            raise AccessError(
                _(
                    "%(name)s is a registrant: archive it rather than delete it or make it a plain contact. Only a "
                    "system administrator may remove a registrant from the register.",
                    name=registrants[0].display_name,
                )
            )

    def write(self, vals):
        self._check_archive_fields_not_given([vals])
        self._check_contacts_named([vals])
        if "is_registrant" in vals and not vals["is_registrant"]:
            self._check_registrants_kept("write")
        if "active" in vals:
            # the archive record follows the state, whoever changes it (UI, API, server code)
            if vals["active"]:
                vals = dict(vals, archived_at=False, archive_reason=False)
            else:
                vals = dict({"archived_at": fields.Datetime.now()}, **vals)
        if "uuid" in vals:
            for rec in self:
                if rec.uuid and vals["uuid"] != rec.uuid:
                    raise UserError(_("The UUID of a registrant never changes."))
        if {"given_name", "addl_name", "family_name"} & set(vals) and "name" not in vals:
            for rec in self.filtered(lambda p: p.is_registrant and not p.is_group):
                name = self._compose_name(
                    vals.get("given_name", rec.given_name),
                    vals.get("addl_name", rec.addl_name),
                    vals.get("family_name", rec.family_name),
                )
                super(ResPartner, rec).write(dict(vals, name=name))
            rest = self.filtered(lambda p: not (p.is_registrant and not p.is_group))
            result = super(ResPartner, rest).write(vals) if rest else True
        else:
            result = super().write(vals)
        # archive and restore included: the pull feed answers an archived registrant as a tombstone. Memberships
        # alone: each one records its change, caused by its member (as group.updated events, _g2p_members_changed)
        if self._g2p_members_changed(vals) is None:
            self.env["g2p.registrant.change"]._record_registrants(self)
        return result

    @api.constrains("is_registrant", "uuid")
    def _check_registrant_uuid(self):
        for rec in self:
            if rec.is_registrant and not rec.uuid:
                raise ValidationError(_("A registrant needs a UUID."))

    @api.constrains("gender_id")
    def _check_gender_vocabulary(self):
        for rec in self:
            if rec.gender_id and rec.gender_id.namespace_uri != GENDER_VOCABULARY:
                raise ValidationError(_("Gender must be a code of the gender vocabulary."))

    @api.constrains("birthdate")
    def _check_birthdate(self):
        today = registry_today(self.env)
        for rec in self:
            if rec.birthdate and rec.birthdate > today:
                raise ValidationError(_("Birth date %s is in the future.", rec.birthdate))
