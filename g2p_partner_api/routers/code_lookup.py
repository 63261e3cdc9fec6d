"""Code lookups: the vocabularies and identifier systems a partner may send, so it learns
valid codes from the API instead of from 422s. Any valid token may read them (no scope):
they hold no personal data. Answers carry a content ETag and may be cached by the client."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response
from fastapi.encoders import jsonable_encoder

from odoo.api import Environment

from ..dependencies import authenticated_client, odoo_env
from ..schemas.code_lookup import IdType, Vocabulary, VocabularyCode, VocabularySummary
from ..schemas.responses import NOT_FOUND, error_responses
from ..services.api_errors import ApiError
from ..services.resource_version import etag_of, none_match

# no scope: any valid token reads them
router = APIRouter(
    tags=["Code lookups"], responses=error_responses(401, 422, 429), dependencies=[Depends(authenticated_client)]
)

CACHE_CONTROL = "private, max-age=300"
CACHEABLE = {304: {"description": "Not modified since the ETag sent in If-None-Match"}}


def _cacheable(body, if_none_match):
    """The JSON answer with a strong ETag of its content; 304 when the client already holds it."""
    payload = jsonable_encoder(body)
    etag = etag_of(payload)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(json.dumps(payload), media_type="application/json", headers=headers)


def _summary(vocabulary):
    return VocabularySummary(
        system=vocabulary.namespace_uri, name=vocabulary.name, description=vocabulary.description or None
    )


@router.get(
    "/Vocabulary",
    response_model=list[VocabularySummary],
    responses=CACHEABLE,
    summary="List the vocabularies (coded value systems) the API accepts",
)
def list_vocabularies(
    env: Annotated[Environment, Depends(odoo_env)],
    if_none_match: Annotated[str | None, Header()] = None,
):
    vocabularies = env["g2p.vocabulary"].search_fetch([], ["namespace_uri", "name", "description"])
    return _cacheable([_summary(v) for v in vocabularies], if_none_match)


@router.get(
    "/Vocabulary/{system}",
    response_model=Vocabulary,
    responses={**CACHEABLE, **NOT_FOUND},
    summary="The codes of one vocabulary, with display names and definitions",
)
def read_vocabulary(
    system: Annotated[
        str,
        Path(
            max_length=256,
            pattern=r"^[^\s/]+$",
            examples=["urn:g2p:vocab:gender"],
            description="The vocabulary's system URI, as GET /Vocabulary lists it",
        ),
    ],
    env: Annotated[Environment, Depends(odoo_env)],
    include_inactive: bool = False,
    if_none_match: Annotated[str | None, Header()] = None,
):
    vocabulary = env["g2p.vocabulary"].search([("namespace_uri", "=", system)], limit=1)
    if not vocabulary:
        raise ApiError(404, "not_found", f"No vocabulary with system {system!r}: GET /Vocabulary lists them.")
    Code = env["g2p.vocabulary.code"].with_context(active_test=not include_inactive)
    codes = Code.search_fetch([("vocabulary_id", "=", vocabulary.id)], ["code", "display", "definition", "active"])
    body = Vocabulary(
        **_summary(vocabulary).model_dump(),
        codes=[
            VocabularyCode(code=c.code, display=c.display, definition=c.definition or None, active=c.active)
            for c in codes
        ],
    )
    return _cacheable(body, if_none_match)


@router.get(
    "/IdType", response_model=list[IdType], responses=CACHEABLE, summary="List the identifier systems the API accepts"
)
def list_id_types(
    env: Annotated[Environment, Depends(odoo_env)],
    if_none_match: Annotated[str | None, Header()] = None,
):
    id_types = env["g2p.id.type"].search_fetch([], ["namespace_uri", "name", "description", "value_regex"])
    return _cacheable(
        [
            IdType(
                system=t.namespace_uri,
                name=t.name,
                description=t.description or None,
                value_pattern=t.value_regex or None,
            )
            for t in id_types
        ],
        if_none_match,
    )
