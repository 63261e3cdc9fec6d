"""Incoming DCI bodies checked against the SPDCI Social Registry OpenAPI shipped with the module.

The envelope (header, message without its items) must follow the spec or the call is refused
with HTTP 400 ``err.request.bad``; each request item is checked on its own, so an item off the
spec is rejected alone, as the spec's per-item status allows.
"""

import os
import re
from functools import lru_cache

import fastjsonschema
import yaml
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .dci_records import spec_locale

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "spec", "social_api_v1.0.0.yaml")
HEADER = "/components/schemas/MsgHeader_V1.0.0"
# action -> (message schema, key of its list of items or None)
MESSAGES = {
    "search": ("SearchRequest", "search_request"),
    "subscribe": ("SubscribeRequest", "subscribe_request"),
    "unsubscribe": ("UnSubscribeRequest", None),
    "txn-status": ("TxnStatusRequest", None),
}


def request_items(action, message):
    """The request items of a parsed ``message`` of ``action`` (search_request, subscribe_request), or ()."""
    items_key = MESSAGES[action][1]
    return getattr(message, items_key) if items_key else ()


def item_count(action, message):
    """How many things a parsed ``message`` of ``action`` asks for: what its header's total_count must say."""
    if action == "unsubscribe":
        return len(message.subscription_codes)
    if action == "txn-status":
        return 1
    return len(request_items(action, message))


@lru_cache(maxsize=1)
def _spec():
    with open(SPEC_PATH) as spec_file:
        return yaml.safe_load(spec_file)


@lru_cache(maxsize=1)
def _registry():
    return Registry().with_resource("urn:spdci", Resource(contents=_spec(), specification=DRAFT7))


@lru_cache(maxsize=16)
def validator(pointer):
    """The schema at ``pointer`` as jsonschema checks it: every error, worded for the caller."""
    return Draft7Validator({"$ref": f"urn:spdci#{pointer}"}, registry=_registry())


@lru_cache(maxsize=16)
def compiled(pointer):
    """The schema at ``pointer`` compiled to Python code (fastjsonschema): it answers "valid" some
    twenty times faster than ``validator``, which then only words what a body got wrong. As
    ``validator``: formats unchecked, and the body is never changed (no defaults filled in). Its
    exceptions carry no detail (``validator`` words them): the spec's ``oneOf`` of value types and
    ``anyOf`` of query forms fail a branch or more per item, and a detailed failure built the name of
    the value and a copy of its schema each time (half of a batch's check)."""
    return fastjsonschema.compile(
        dict(_spec(), **{"$ref": f"#{pointer}"}), use_default=False, use_formats=False, detailed_exceptions=False
    )


def item_pointer(action):
    """The pointer of the schema each request item of ``action`` is checked against."""
    schema, items_key = MESSAGES[action]
    return f"/components/schemas/{schema}/properties/{items_key}/items"


def preload():
    """Read the spec and compile every schema incoming bodies are checked against. Called when the
    registry loads (``g2p.dci.register._register_hook``): with ``--workers`` that is in the main process,
    before it forks, so no worker reads the YAML and compiles at its first DCI call (some 130 ms of CPU
    per worker, again at each worker's restart)."""
    pointers = [HEADER, "/components/schemas/MsgSignature"]
    for action, (schema, items_key) in MESSAGES.items():
        pointers.append(f"/components/schemas/{schema}")
        if items_key:
            pointers.append(item_pointer(action))
    for pointer in pointers:
        compiled(pointer)
    _search_item_constants()


def _read_locale(locale):
    """``spec_locale`` of a string; any other value unchanged (the cached ``spec_locale`` cannot take an object
    or a list, and the spec check reports them)."""
    return spec_locale(locale) if isinstance(locale, str) else locale


def _with_spec_locales(value):
    """``value`` with each ``locale`` as the spec's three-letter code: participants send ``en`` (the
    spec's own example) where its pattern wants ``eng``; both are accepted, answers carry ``eng``."""
    if isinstance(value, dict):
        return {k: _read_locale(v) if k == "locale" else _with_spec_locales(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_spec_locales(v) for v in value]
    return value


def _valid(pointer, instance):
    try:
        compiled(pointer)(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _messages(pointer, instance, prefix, skip_key=None):
    instance = _with_spec_locales(instance)
    if _valid(pointer, instance):
        return []
    # the full list of what is wrong, in jsonschema's words
    return [
        f"{'.'.join([prefix, *map(str, error.absolute_path)])}: {error.message}"[:300]
        for error in validator(pointer).iter_errors(instance)
        if not (skip_key and error.absolute_path and error.absolute_path[0] == skip_key)
    ]


def envelope_errors(body, action):
    """What makes the envelope itself off the spec (items excluded)."""
    if not isinstance(body, dict):
        return ["body: must be a JSON object"]
    schema, items_key = MESSAGES[action]
    errors = _messages(HEADER, body.get("header"), "header")
    message = body.get("message")
    if isinstance(message, dict) and items_key:
        message = dict(message, **{items_key: []})
    errors += _messages(f"/components/schemas/{schema}", message, "message", skip_key=items_key)
    if body.get("signature") is not None:
        errors += _messages("/components/schemas/MsgSignature", body["signature"], "signature")
    return errors


def _at(pointer):
    """The spec's schema at ``pointer`` (resolved by the registry ``validator`` checks against)."""
    return _registry().resolver().lookup(f"urn:spdci#{pointer}").contents


@lru_cache(maxsize=1)
def _search_item_constants():
    """What ``plain_search_item`` compares with, read from the spec: its query types, response entities and
    locale pattern (``TestDciPlainItemCheck`` proves the check against the spec's full one)."""
    criteria = _at(item_pointer("search"))["properties"]["search_criteria"]["properties"]
    locale = _at(_at(item_pointer("search"))["properties"]["locale"]["$ref"][1:])
    return (
        frozenset(criteria["query_type"]["enum"]),
        frozenset(criteria["response_entity"]["enum"]),
        re.compile(locale["pattern"]),
    )


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _absent_or(mapping, key, kind):
    return key not in mapping or isinstance(mapping[key], kind)


def plain_search_item(item):
    """True when ``item`` is a search_request item of the common form, which the spec's item schema accepts: its
    required fields of their types, a ``query`` object whose ``type`` is a string (or absent) and ``value`` an
    object, a string (or absent), a ``pagination`` with a number ``page_size``, no ``sort``. False means "not
    known": the spec's full check decides (every error in jsonschema's words). The full check of a string
    ``value`` fails the ``anyOf``'s first branch, then runs a ``oneOf`` of five types (four exceptions per item,
    the larger part of an idtype-value batch's item checks). Each comparison is the spec's, read from it; the
    locale as ``_with_spec_locales`` gives it (a ``locale`` key elsewhere lies in an object the spec leaves
    open). ``TestDciPlainItemCheck`` runs both checks on thousands of forms: same verdict, same wording."""
    query_types, entities, locale_pattern = _search_item_constants()
    if not (
        isinstance(item, dict)
        and isinstance(item.get("reference_id"), str)
        and isinstance(item.get("timestamp"), str)
        and isinstance(item.get("search_criteria"), dict)
        and ("locale" not in item or _locale_matches(locale_pattern, item["locale"]))
    ):
        return False
    criteria = item["search_criteria"]
    query, pagination = criteria.get("query"), criteria.get("pagination", {})
    return (
        isinstance(criteria.get("query_type"), str)
        and criteria["query_type"] in query_types
        and all(_absent_or(criteria, key, str) for key in ("version", "reg_type", "reg_record_type"))
        and (
            "response_entity" not in criteria
            or (isinstance(criteria["response_entity"], str) and criteria["response_entity"] in entities)
        )
        and "sort" not in criteria
        and all(_absent_or(criteria, key, dict) for key in ("consent", "authorize"))
        and isinstance(pagination, dict)
        and ("pagination" not in criteria or _is_number(pagination.get("page_size")))
        and ("page_number" not in pagination or _is_number(pagination["page_number"]))
        and isinstance(query, dict)
        and _absent_or(query, "type", str)
        and _absent_or(query, "value", dict | str)
    )


def _locale_matches(pattern, locale):
    locale = _read_locale(locale)
    return isinstance(locale, str) and pattern.search(locale) is not None


def item_errors(action, items):
    """{index: reason} for the request items that are off the spec."""
    items_key = MESSAGES[action][1]
    # each item against the list's item schema (the list's own schema adds nothing but "an array"): the
    # whole list's compiled check worked out every item's name in the list, by far its largest cost
    pointer = item_pointer(action)
    plain = plain_search_item if action == "search" else None
    problems = {}
    for index, item in enumerate(items):
        if plain and plain(item):
            continue
        messages = _messages(pointer, item, f"{items_key}[{index}]")
        if messages:
            problems[index] = "off the SPDCI schema: " + "; ".join(messages)
    return problems


def checked_against_spec(action):
    """FastAPI dependency: the raw body must follow the spec's envelope for ``action``."""

    async def dependency(request: Request):
        try:
            body = await request.json()
        except ValueError:
            return None  # FastAPI's own body parsing reports it
        errors = envelope_errors(body, action)
        if errors:
            raise RequestValidationError([{"loc": ("body",), "msg": "; ".join(errors)[:900], "type": "spdci_schema"}])
        return body

    return dependency
