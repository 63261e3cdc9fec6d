"""DCI queries → ORM domains on a register's allowed fields. Never SQL text."""

import contextlib
from datetime import date

from odoo.addons.g2p_partner_api.schemas.base import ISO_DATE

# Mongo-style operator → (ORM operator, pattern for LIKE operators)
OPERATORS = {
    "$eq": ("=", None),
    "$ne": ("!=", None),
    "$gt": (">", None),
    "$gte": (">=", None),
    "$lt": ("<", None),
    "$lte": ("<=", None),
    "$in": ("in", None),
    "$nin": ("not in", None),
    "$contains": ("=ilike", "%{}%"),
    "$startsWith": ("=ilike", "{}%"),
    "$endsWith": ("=ilike", "%{}"),
}
PREDICATE_OPERATORS = {"eq": "$eq", "gt": "$gt", "lt": "$lt", "ge": "$gte", "le": "$lte", "in": "$in"}
MAX_DEPTH = 6
MAX_CONDITIONS = 50
SCOPE = "dci:search"
# names of the spec's examples no register may search or sort on, whatever it maps, and why: each is refused by name
NOT_SEARCHABLE = {
    # the size to compare would count members the participant may not read (a search would tell how many)
    "group_size": "a household's size counts members the participant may not read",
}


class DciQueryError(Exception):
    def __init__(self, message, code="rjct.search_criteria.invalid"):
        super().__init__(message)
        self.code = code


def _why_not(name):
    """``: <why>`` when ``name`` is one of ``NOT_SEARCHABLE``, else nothing."""
    reason = NOT_SEARCHABLE.get(name) if isinstance(name, str) else None
    return f": {reason}" if reason else ""


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class DciQuery:
    def __init__(self, register, client):
        """Queries of ``client`` on ``register``: conditions on other registrants reached through a field
        (household members) only test those ``client`` may read (consent, scope dci:search)."""
        self.register = register
        self.fields = {name: field for name, field in register._search_fields().items() if name not in NOT_SEARCHABLE}
        self._conditions = 0
        self._readable = client._readable_registrant_domain(SCOPE)
        self._id_types = {}  # DCI id type name -> g2p.id.type

    # -- values --------------------------------------------------------------------------
    def _coerce(self, kind, value, name):
        """``value`` as a condition on a field of ``kind`` takes it, or DciQueryError naming ``name``: text is text
        and a whole number its digits, never the text of another JSON value (``98100000.0``, ``true``, a list)."""
        if isinstance(value, str) and "\x00" in value:
            raise DciQueryError(f"{name}: NUL characters are not allowed")
        if kind == "string" and isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
        if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if kind == "boolean" and isinstance(value, bool):
            return value
        if kind == "date" and isinstance(value, str) and ISO_DATE.fullmatch(value):
            # the date as sent or a refusal: never the first ten characters of a date-time or of anything longer
            with contextlib.suppress(ValueError):
                return date.fromisoformat(value)
        raise DciQueryError(f"{name}: {value!r} is not a valid {kind}")

    # -- expressions ---------------------------------------------------------------------
    def to_domain(self, expression, depth=0):
        if depth > MAX_DEPTH:
            raise DciQueryError("expression nested too deeply")
        if not isinstance(expression, dict) or not expression:
            raise DciQueryError("an expression is a non-empty object")
        parts = []
        for key, value in expression.items():
            if key in ("$and", "$or"):
                if not isinstance(value, list) or not value:
                    raise DciQueryError(f"{key} takes a non-empty list")
                subs = [self.to_domain(item, depth + 1) for item in value]
                operator = "&" if key == "$and" else "|"
                parts.append([operator] * (len(subs) - 1) + [leaf for sub in subs for leaf in sub])
            elif key.startswith("$"):
                raise DciQueryError(f"unknown operator {key}")
            else:
                parts.append(self._field_domain(key, value))
        return ["&"] * (len(parts) - 1) + [leaf for part in parts for leaf in part]

    def _field_domain(self, name, condition):
        field = self.fields.get(name)
        if not field:
            raise DciQueryError(f"{name} is not a searchable field of {self.register.reg_type}{_why_not(name)}")
        if not isinstance(condition, dict):
            condition = {"$eq": condition}  # shorthand {"f": v} means {"f": {"$eq": v}}
        if not condition:
            raise DciQueryError(f"{name}: empty condition")
        leaves = []
        for op, value in condition.items():
            self._conditions += 1
            if self._conditions > MAX_CONDITIONS:
                raise DciQueryError("too many conditions")
            if op not in OPERATORS:
                raise DciQueryError(f"unknown operator {op}")
            orm_op, pattern = OPERATORS[op]
            if orm_op in ("in", "not in"):
                if not isinstance(value, list) or not value or len(value) > 100:
                    raise DciQueryError(f"{name}: {op} takes a list of 1 to 100 values")
                value = [self._coerce(field.value_type, v, name) for v in value]
            elif pattern:
                if field.value_type != "string" or not isinstance(value, str) or not value or "\x00" in value:
                    raise DciQueryError(f"{name}: {op} works on text with a non-empty string")
                value = pattern.format(_escape_like(value))
            else:
                value = self._coerce(field.value_type, value, name)
            leaves.append(self._leaf(field.orm_path, orm_op, value))
        return ["&"] * (len(leaves) - 1) + leaves

    def _leaf(self, orm_path, operator, value, model_name="res.partner"):
        """One domain leaf on ``orm_path``. Where the path reaches another registrant, the rest of it is
        tested on readable registrants only: otherwise a household search on member_name would reveal,
        through total_count, the names of members who have not consented."""
        first, _dot, rest = orm_path.partition(".")
        if not rest:
            return (first, operator, value)
        comodel = self.register.env[model_name]._fields[first].comodel_name
        inner = self._leaf(rest, operator, value, comodel)
        return (first, "any", [inner, *self._readable] if comodel == "res.partner" else [inner])

    # -- the spec's other query forms ---------------------------------------------------------
    def predicate_to_domain(self, predicates):
        if not isinstance(predicates, list) or not predicates:
            raise DciQueryError("a predicate query is a non-empty list")
        expressions = []
        for item in predicates:
            if not isinstance(item, dict) or "expression1" not in item:
                raise DciQueryError("each predicate needs expression1")
            first = self._predicate_expression(item["expression1"])
            if item.get("expression2") is None:
                expressions.append(first)
                continue
            second = self._predicate_expression(item["expression2"])
            condition = item.get("condition", "and")
            if condition == "and":
                expressions.append({"$and": [first, second]})
            elif condition == "or":
                expressions.append({"$or": [first, second]})
            elif condition == "not":
                expressions.append({"$and": [first, self._negate(second)]})
            else:
                raise DciQueryError(f"unknown predicate condition {condition!r}")
        return self.to_domain({"$and": expressions} if len(expressions) > 1 else expressions[0])

    def _predicate_expression(self, expr):
        if (
            not isinstance(expr, dict)
            or expr.get("operator") not in PREDICATE_OPERATORS
            or "attribute_name" not in expr
        ):
            raise DciQueryError(
                "a predicate expression needs attribute_name, operator (gt lt eq ge le in) and attribute_value"
            )
        return {expr["attribute_name"]: {PREDICATE_OPERATORS[expr["operator"]]: expr.get("attribute_value")}}

    @staticmethod
    def _negate(expression):
        ((name, condition),) = expression.items()
        ((op, value),) = condition.items()
        negated = {"$eq": "$ne", "$in": "$nin", "$gt": "$lte", "$lt": "$gte", "$gte": "$lt", "$lte": "$gt"}[op]
        return {name: {negated: value}}

    def idtype_value(self, id_type, id_value, value_key="id_value"):
        """(g2p.id.type, value) an idtype-value query names; ``value_key`` is the query's key of the value."""
        if not isinstance(id_type, str) or not id_type or "\x00" in id_type or id_value in (None, ""):
            raise DciQueryError("idtype-value needs an id type and a value")
        value = self._coerce("string", id_value, value_key)
        if id_type not in self._id_types:
            self._id_types[id_type] = self.register._mapped_id_type(id_type)
        mapped = self._id_types[id_type]
        if not mapped:
            raise DciQueryError(f"unknown id type {id_type}")
        return mapped, value

    def idtype_value_domain(self, id_type, id_value, value_key="id_value"):
        mapped, value = self.idtype_value(id_type, id_value, value_key)
        return [("reg_id_ids", "any", [("id_type_id", "=", mapped.id), ("value", "=", value)])]

    def order(self, sort):
        if not sort:
            return "id"
        if not isinstance(sort, list) or not isinstance(sort[0], dict):
            raise DciQueryError("sort is a list of {attribute_name, sort_order}", "rjct.sort.invalid")
        first = sort[0]
        field = self.fields.get(first.get("attribute_name"))
        direction = first.get("sort_order", "asc")
        if not field or not field.sortable or direction not in ("asc", "desc"):
            name = first.get("attribute_name")
            raise DciQueryError(f"cannot sort on {name!r}{_why_not(name)}", "rjct.sort.invalid")
        return f"{field.orm_path} {direction}, id {direction}"
