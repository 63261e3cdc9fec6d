"""What a reviewer reads on a change request: the diff in the registry's words, and proposal errors in words.

The diff says what approving would do (see ``G2PChangeRequest._write_registrant``): a field the proposal
leaves out is kept, identifiers are only ever added, a household's members are matched by identifier and
the open members a household proposal leaves out are ended. A member who is a registered person from
outside the household is shown as an existing person who will change, registered values beside proposed.
"""

import datetime

from markupsafe import Markup
from pydantic import ValidationError as PydanticValidationError

from odoo.tools.misc import format_date

from odoo.addons.g2p_partner_api.services.country_codes import find_country
from odoo.addons.g2p_partner_api.services.vocabularies import GENDER_VOCABULARY, KIND_VOCABULARY

from ..schemas.canonical import CanonicalGroup, CanonicalRegistrant, plain_loc

PERSON_FIELDS = ("given_name", "addl_name", "family_name", "birthdate", "gender", "city", "country")
# section states, in the order a reviewer reads them
STATUS_ORDER = ("existing", "changed", "added", "ended", "left_out", "unchanged")
DATE_ERRORS = frozenset({"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"})


def person_name(env, data):
    """The name the registry gives a person made of these canonical values."""
    return env["res.partner"]._compose_name(data.get("given_name"), data.get("addl_name"), data.get("family_name"))


def subject_name(env, target, data):
    """The name of the person or household a canonical proposal is about."""
    return (data.get("name") if target == "group" else person_name(env, data)) or ""


class ChangeRequestReview:
    """Builds the reviewer's view of one proposal against the registrant as it was when proposed."""

    def __init__(self, env):
        self.env = env
        _ = env._
        self.labels = {
            "name": _("Name"),
            "given_name": _("Given name"),
            "addl_name": _("Additional name"),
            "family_name": _("Family name"),
            "birthdate": _("Birth date"),
            "gender": _("Gender"),
            "city": _("City"),
            "country": _("Country"),
            "identifiers": _("Identifier"),
            "kinds": _("Role in the household"),
            "membership": _("Membership"),
            "members": _("Members"),
            "system": _("ID type"),
            "value": _("Number"),
        }
        self.status_labels = {
            "existing": _("Existing person will change"),
            "left_out": _("Left out by decision"),
            "changed": _("Changed"),
            "added": _("Added"),
            "ended": _("Membership ended"),
            "unchanged": _("Unchanged"),
        }
        # every ID type and code, archived ones too, from the worker's snapshot (g2p.reference.data, cleared when
        # they change): the pipeline builds one of these per item it transforms, two queries each otherwise. The
        # active ones are those applying the request resolves (g2p.vocabulary.code._resolve, g2p.id.type._resolve)
        reference = env["g2p.reference.data"]
        lang = env.lang or "en_US"
        id_types = reference._snapshot("g2p.id.type", ("name", "namespace_uri"), lang).values()
        self.id_types = {t["namespace_uri"]: t["name"] for t in id_types}
        self.active_id_types = {system for (system,) in reference._active_ids("g2p.id.type", ("namespace_uri",))}
        codes = [
            c
            for c in reference._snapshot("g2p.vocabulary.code", ("code", "display", "namespace_uri"), lang).values()
            if c["namespace_uri"] in (GENDER_VOCABULARY, KIND_VOCABULARY)
        ]
        self.codes = {(c["namespace_uri"], c["code"]): c["display"] for c in codes}
        self.active_codes = reference._active_ids("g2p.vocabulary.code", ("namespace_uri", "code")).keys()

    # --- values in words ----------------------------------------------------------------------
    def _code(self, vocabulary, code):
        return self.codes.get((vocabulary, code), code)

    def identifier_text(self, identifier):
        id_type = self.id_types.get(identifier.get("system"), identifier.get("system"))
        return f"{id_type}: {identifier.get('value')}"

    def _value_text(self, key, value):
        if value in (None, "", []):
            return ""
        if key == "gender":
            return self._code(GENDER_VOCABULARY, value)
        if key == "kinds":
            return ", ".join(self._code(KIND_VOCABULARY, code) for code in value)
        if key == "birthdate":
            try:
                return format_date(self.env, datetime.date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        return str(value)

    # --- rows ---------------------------------------------------------------------------------
    def _row(self, key, current, proposed, label=None):
        return {
            "label": label or self.labels[key],
            "current": current,
            "proposed": proposed,
            "changed": current != proposed,
        }

    def _field_rows(self, keys, current, proposed, kept_when_absent=True):
        rows = []
        for key in keys:
            if key not in current and key not in proposed:
                continue
            old = self._value_text(key, current.get(key))
            new = self._value_text(key, proposed[key]) if key in proposed or not kept_when_absent else old
            rows.append(self._row(key, old, new))
        return rows

    def _identifier_rows(self, current, proposed):
        """Approval adds the identifiers the registrant does not hold yet and removes none."""
        held = [self.identifier_text(i) for i in current.get("identifiers", [])]
        new = [self.identifier_text(i) for i in proposed.get("identifiers", [])]
        rows = [self._row("identifiers", text, text) for text in held]
        rows += [self._row("identifiers", "", text) for text in dict.fromkeys(new) if text not in held]
        return rows

    def _person_rows(self, current, proposed, with_kinds=False):
        rows = self._field_rows(PERSON_FIELDS, current, proposed)
        rows += self._identifier_rows(current, proposed)
        if with_kinds:
            rows += self._field_rows(("kinds",), current, proposed, kept_when_absent=False)
        return rows

    # --- sections -----------------------------------------------------------------------------
    def _section(self, title, rows, status=None, subtitle="", with_current=None):
        if status is None:
            status = "changed" if any(r["changed"] for r in rows) else "unchanged"
        return {"title": title, "subtitle": subtitle, "status": status, "rows": rows, "with_current": with_current}

    @staticmethod
    def _identifier_keys(data):
        return {(i.get("system"), i.get("value")) for i in data.get("identifiers", [])}

    def _member_sections(self, current_members, proposed_members, existing):
        unmatched = list(current_members)
        sections = []
        for index, member in enumerate(proposed_members):
            keys = self._identifier_keys(member)
            match = next((m for m in unmatched if keys & self._identifier_keys(m)), None)
            if match is not None:
                unmatched.remove(match)
            subtitle = self._value_text("kinds", member.get("kinds"))
            if match is None and index in existing:
                # a registered person from outside the household: what they are now beside what they would be
                registered, resolution = existing[index]
                rows = [self._row("membership", "", subtitle or self.env._("Member"))]
                rows += self._person_rows(registered, member)
                status = "left_out" if resolution == "member_rejected" else "existing"
                sections.append(self._section(person_name(self.env, member), rows, status, subtitle, True))
                continue
            rows = self._person_rows(match or {}, member, with_kinds=True)
            status = None if match is not None else "added"
            sections.append(self._section(person_name(self.env, member), rows, status, subtitle))
        if proposed_members:
            for member in unmatched:
                # the person stays in the register: only the membership ends
                membership = self._value_text("kinds", member.get("kinds")) or self.env._("Member")
                rows = [self._row("membership", membership, self.env._("Ended"))]
                rows += self._person_rows(member, member)
                sections.append(
                    self._section(
                        person_name(self.env, member), rows, "ended", self._value_text("kinds", member.get("kinds"))
                    )
                )
        else:  # a household proposal without members leaves its members as they are
            for member in unmatched:
                rows = self._person_rows(member, member, with_kinds=True)
                sections.append(
                    self._section(
                        person_name(self.env, member), rows, "unchanged", self._value_text("kinds", member.get("kinds"))
                    )
                )
        return sorted(sections, key=lambda s: STATUS_ORDER.index(s["status"]))

    def sections(self, target, current, proposed, existing=None):
        """The proposal as sections (the registrant, then each household member, changed ones first).
        ``existing``: {member index: (the registered person's snapshot, decision)} for members who are
        registered people from outside the household."""
        if target == "group":
            rows = self._field_rows(("name",), current, proposed)
            # approval writes the household's city as proposed, even when left out
            rows += self._field_rows(("city",), current, proposed, kept_when_absent=False)
            rows += self._identifier_rows(current, proposed)
            main = self._section(self.env._("Household"), rows)
            return [
                main,
                *self._member_sections(current.get("members", []), proposed.get("members", []), existing or {}),
            ]
        return [self._section(self.env._("Person"), self._person_rows(current, proposed))]

    # --- HTML ---------------------------------------------------------------------------------
    def _table(self, rows, with_current):
        head = Markup("<th>{}</th>").format(self.env._("Field"))
        if with_current:
            head += Markup("<th>{}</th>").format(self.env._("Current"))
        head += Markup("<th>{}</th>").format(self.env._("Proposed"))
        body = Markup("")
        for row in rows:
            cells = Markup("<th scope='row'>{}</th>").format(row["label"])
            if with_current:
                cells += Markup("<td>{}</td>").format(row["current"])
            cells += Markup("<td>{}</td>").format(row["proposed"])
            css = "o_g2p_changed table-warning" if row["changed"] else "o_g2p_unchanged_row"
            body += Markup("<tr class='{}'>{}</tr>").format(css, cells)
        return Markup(
            "<table class='table table-sm o_g2p_diff'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>"
        ).format(head, body)

    def _section_html(self, section, with_current):
        changed = [r for r in section["rows"] if r["changed"]]
        unchanged = [r for r in section["rows"] if not r["changed"]]
        if section["with_current"] is not None:
            with_current = section["with_current"]
        badge = {
            "existing": "text-bg-danger",
            "changed": "text-bg-warning",
            "added": "text-bg-success",
            "ended": "text-bg-danger",
        }.get(section["status"], "text-bg-light")
        html = Markup(
            "<h5 class='o_g2p_review_title'>{} <small class='text-muted'>{}</small>"
            " <span class='badge {}'>{}</span></h5>"
        ).format(section["title"], section["subtitle"], badge, self.status_labels[section["status"]])
        if changed:
            html += self._table(changed, with_current)
        if unchanged:
            html += Markup(
                "<details class='o_g2p_unchanged'><summary class='text-muted'>{}</summary>{}</details>"
            ).format(
                self.env._("%(count)s unchanged", count=len(unchanged)),
                self._table(unchanged, with_current),
            )
        return Markup("<section class='o_g2p_review_section mb-3' data-status='{}'>{}</section>").format(
            section["status"], html
        )

    def html(self, target, current, proposed, existing=None):
        with_current = bool(current)
        sections = self.sections(target, current, proposed, existing)
        return Markup("<div class='o_g2p_review'>{}</div>").format(
            Markup("").join(self._section_html(s, with_current) for s in sections)
        )

    # --- proposal errors in words ---------------------------------------------------------------
    def _location(self, loc):
        words = []
        for index, part in enumerate(loc):
            if isinstance(part, int):
                continue
            label = self.labels.get(part, part)
            position = loc[index + 1] if index + 1 < len(loc) and isinstance(loc[index + 1], int) else None
            if position is not None and part == "members":
                label = self.env._("Member %(number)s", number=position + 1)
            elif position is not None and part in ("identifiers", "kinds"):
                label = f"{label} {position + 1}"
            words.append(str(label))
        return ", ".join(words) or self.env._("The proposal")

    def _problem(self, error):
        kind = error["type"]
        if kind in DATE_ERRORS:
            return self.env._("not a valid date")
        if kind == "missing":
            return self.env._("required")
        if kind == "string_too_short":
            return self.env._("must not be empty")
        if kind == "string_blank":
            return self.env._("must not be only spaces")
        if kind == "string_type":
            return self.env._("must be text")
        if kind == "extra_forbidden":
            return self.env._("not a field the registry knows")
        if kind in ("list_type", "model_type", "dict_type"):
            return self.env._("not the expected kind of value")
        if kind == "too_long":
            return self.env._("too many")
        return error["msg"]

    def validation_errors(self, target, data):
        """What is wrong with a canonical proposal, one sentence per problem (empty when it is valid)."""
        schema = CanonicalGroup if target == "group" else CanonicalRegistrant
        try:
            schema.model_validate(data)
        except PydanticValidationError as exc:
            return [f"{self._location(plain_loc(e['loc']))}: {self._problem(e)}" for e in exc.errors()]
        problems = []
        for loc, code, vocabulary in self.reference_problems(target, data):
            where = self._location(loc)
            if vocabulary == "country":
                problems.append(
                    self.env._("%(field)s: %(code)r is not an ISO 3166-1 country code", field=where, code=code)
                )
            elif vocabulary == "id_type":
                problems.append(self.env._("%(field)s: unknown ID type %(system)r", field=where, system=code))
            else:
                problems.append(self.env._("%(field)s: unknown code %(code)r", field=where, code=code))
        return problems

    def reference_problems(self, target, data):
        """[(location, value, what it should be)] for each value of a valid canonical proposal that names
        something the register does not have: an ID type, a code of a vocabulary, a country."""
        problems = []
        people = [((), data)]
        if target == "group":
            people += [(("members", index), member) for index, member in enumerate(data.get("members", []))]
        for where, person in people:
            for identifier in person.get("identifiers", []):
                if identifier["system"] not in self.active_id_types:
                    problems.append(((*where, "identifiers"), identifier["system"], "id_type"))
            if person.get("gender") and (GENDER_VOCABULARY, person["gender"]) not in self.active_codes:
                problems.append(((*where, "gender"), person["gender"], GENDER_VOCABULARY))
            for code in person.get("kinds", []):
                if (KIND_VOCABULARY, code) not in self.active_codes:
                    problems.append(((*where, "kinds"), code, KIND_VOCABULARY))
            if person.get("country") is not None and not find_country(self.env, person["country"]):
                problems.append(((*where, "country"), person["country"], "country"))
        return problems
