"""Optimistic concurrency: one version format, a strong ETag, for every resource of the REST API.

The ETag is a hash of the resource's wire form exactly as the calling client receives it
(identifiers, members, groups and provenance included), so it changes with anything that client
can see change, and reading, writing and comparing all go through ``etag_of``: the version is a
quoted hex string, never a number a client could re-encode (a float-vs-int mismatch cannot arise).
Two clients may see different versions of one group (each sees the members it may read); each
protects what it read, and a write never touches what its caller cannot see.
"""

import hashlib
import json

from fastapi import Response
from fastapi.encoders import jsonable_encoder

from .api_errors import ApiError
from .problem_details import body_error, header_error


def etag_of(wire):
    """Strong ETag of a wire model (or of its JSON-ready form)."""
    payload = json.dumps(jsonable_encoder(wire), sort_keys=True)
    return '"%s"' % hashlib.sha256(payload.encode()).hexdigest()[:32]


def with_etag(response, wire):
    """``wire``, its ETag put on ``response``."""
    response.headers["ETag"] = etag_of(wire)
    return wire


def none_match(if_none_match, etag):
    """True when ``If-None-Match`` (RFC 9110 §13.1.2, weak comparison) names ``etag`` or is ``*``."""
    tags = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")}
    return etag in tags or "*" in tags


def read_answer(response, wire, if_none_match):
    """``wire`` as read, its ETag put on ``response``; a 304 Not Modified with the ETag and no body
    when the caller's ``If-None-Match`` already names that version."""
    etag = etag_of(wire)
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return wire


def with_location(request, response, wire):
    """``wire`` just created, its address (RFC 9110 §10.2.2) put on ``response`` as an absolute path."""
    response.headers["Location"] = f"{request.url.path.rstrip('/')}/{wire.uuid}"
    return wire


def check_if_match(if_match, current_wire):
    """412 unless ``If-Match`` (RFC 9110 §13.1.1) names the version of ``current_wire()`` or is ``*``;
    without the header there is nothing to check (a client that must send it is refused earlier, 428)."""
    if if_match is None:
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" in tags:
        return
    current = etag_of(current_wire())
    if current not in tags:  # weak tags (W/"…") never match: strong comparison
        raise ApiError(
            412,
            "precondition_failed",
            f"The resource changed since it was read: its current ETag is {current}. Read it again, "
            "then send the new ETag in If-Match.",
            errors=[header_error("If-Match", "etag_mismatch", current)],
            headers={"ETag": current},
        )


def _read_only_error(field):
    return ApiError(
        422,
        "validation_error",
        f"{field} is read-only: send it as read, or leave it out.",
        errors=[body_error(field, "invalid_value", "differs from the current value")],
    )


def check_read_only_nested(body, prefix):
    """A resource created inside another one's body (a group's ``new_individual``) has no current value: any of its
    read-only fields sent is refused, named from the outer body (``members[0].new_individual.uuid``)."""
    for field in getattr(type(body), "READ_ONLY", ()):
        if field in body.model_fields_set:
            raise _read_only_error(f"{prefix}.{field}")


def check_read_only(body, current_wire=None):
    """A write ``body`` may echo the read-only fields of the resource as read (``current_wire``; ``None``
    when creating): each one sent must equal its current value, else 422 naming it. Group members'
    ``name`` is checked against the member of the same individual."""
    current = jsonable_encoder(current_wire) if current_wire is not None else {}
    sent = jsonable_encoder(body, include=body.model_fields_set)
    for field in getattr(type(body), "READ_ONLY", ()):
        if field in sent and (field not in current or sent[field] != current[field]):
            raise _read_only_error(field)
    names = {member["individual"]: member.get("name") for member in current.get("members") or ()}
    for index, member in enumerate(getattr(body, "members", None) or ()):
        if "name" in member.model_fields_set and names.get(member.individual, ...) != member.name:
            raise _read_only_error(f"members[{index}].name")
