"""Search items of a DCI request, each answered on its own (a bad item rejects only itself)."""

import logging

from odoo.addons.g2p_partner_api.services.registry_service import visible_groups
from odoo.addons.g2p_partner_api.services.templates import TemplateRenderError

from . import dci_records
from .dci_envelope import now_iso, parse_ts
from .dci_query import SCOPE, DciQuery, DciQueryError

_logger = logging.getLogger(__name__)


def _expression_of(query):
    """The Mongo-style expression: bare (seed form) or in the spec's {type, value: {expression: {query}}}."""
    if isinstance(query, dict) and isinstance(query.get("value"), dict) and "expression" in query["value"]:
        expression = query["value"]["expression"]
        return expression.get("query", expression) if isinstance(expression, dict) else expression
    return query


def _idtype_value_of(query):
    if not isinstance(query, dict):
        raise DciQueryError("idtype-value query must be an object")
    if "id_type" in query or "id_value" in query:  # the seed's form
        return query.get("id_type"), query.get("id_value")
    return query.get("type"), query.get("value")


def _pagination(register, pagination):
    pagination = pagination or {}
    size, number = pagination.get("page_size", 10), pagination.get("page_number", 1)
    valid = all(isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() for v in (size, number))
    if not valid or not 1 <= size <= register.max_page_size or number < 1:
        raise DciQueryError(f"page_size must be 1 to {register.max_page_size} and page_number at least 1",
                            "rjct.pagination.invalid")
    return int(size), int(number)


def _wire(register, client, record):
    if register.target == "group":
        members = client._filter_readable_registrants(record.group_member_ids.individual_id, SCOPE)
        return dci_records.group_wire(register, record, members, client, SCOPE)
    return dci_records.individual_wire(register, record, visible_groups(client, record, SCOPE))


def resolve_register(env, criteria):
    """The register a search_criteria (or subscribe_criteria) addresses; DciQueryError when none.

    The spec's expression wrapper may name a ``collection`` (``Group``, ``Member``): it counts as
    ``response_entity`` when that is absent; an idtype-value query's id type prefers the registers
    that map it.
    """
    query = criteria.get("query") if isinstance(criteria.get("query"), dict) else {}
    expression = query.get("value", {}).get("expression") if isinstance(query.get("value"), dict) else None
    collection = expression.get("collection") if isinstance(expression, dict) else None
    entity = criteria.get("response_entity") or (collection if collection in ("Group", "Member") else None)
    id_type = _idtype_value_of(criteria.get("query"))[0] if criteria.get("query_type") == "idtype-value" else None
    return env["g2p.dci.register"]._resolve(criteria.get("reg_type"), entity, criteria.get("reg_record_type"), id_type)


def query_domain(query, query_type, criteria_query):
    """ORM domain of a search query or subscription filter of one of the spec's query types."""
    if query_type == "idtype-value":
        return query.idtype_value_domain(*_idtype_value_of(criteria_query))
    if query_type == "expression":
        return query.to_domain(_expression_of(criteria_query))
    if query_type == "predicate":
        return query.predicate_to_domain(criteria_query)
    raise DciQueryError(f"unknown query_type {query_type!r}")


def wire_record(register, client, record):
    """One registry record as the register's outgoing template renders it for ``client``."""
    return register._render(_wire(register, client, record))


def search_item(env, client, item):
    """One search_response entry for one search_request entry."""
    reference_id = item.get("reference_id") if isinstance(item, dict) else None
    response = {"reference_id": str(reference_id or ""), "timestamp": now_iso()}
    try:
        if not reference_id:
            raise DciQueryError("reference_id is required", "rjct.reference_id.invalid")
        if parse_ts(item.get("timestamp")) is None:
            raise DciQueryError("timestamp must be an ISO 8601 date-time", "rjct.timestamp.invalid")
        criteria = item.get("search_criteria")
        if not isinstance(criteria, dict):
            raise DciQueryError("search_criteria is required")
        register = resolve_register(env, criteria)
        query = DciQuery(register, client)
        domain = query_domain(query, criteria.get("query_type"), criteria.get("query"))
        order = query.order(criteria.get("sort"))
        page_size, page_number = _pagination(register, criteria.get("pagination"))
        # consent (when installed) narrows the search in SQL, so counts match what is returned
        domain = register._base_domain() + domain + client._readable_registrant_domain(SCOPE)
        Partner = env["res.partner"]
        total = Partner.search_count(domain)
        records = Partner.search(domain, order=order, offset=(page_number - 1) * page_size, limit=page_size)
        response.update(
            status="succ",
            data={"version": "1.0.0", "reg_type": criteria.get("reg_type") or register.reg_type,
                  "reg_record_type": register.reg_record_type,
                  "reg_records": [wire_record(register, client, r) for r in records]},
            pagination={"page_size": page_size, "page_number": page_number, "total_count": total},
        )
    except DciQueryError as exc:
        response.update(status="rjct", status_reason_code=exc.code, status_reason_message=str(exc)[:999])
    except TemplateRenderError:
        _logger.exception("DCI outgoing template failed")
        response.update(status="rjct", status_reason_code="rjct.search_criteria.invalid",
                        status_reason_message="The register's outgoing template failed; the registry was notified.")
    if item and isinstance(item, dict) and item.get("locale"):
        response["locale"] = dci_records.spec_locale(item["locale"])
    return response
