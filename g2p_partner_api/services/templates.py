"""The suite's one Jinja environment: sandboxed, for every partner-editable template."""

import json
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import strict_json


class TemplateRenderError(Exception):
    pass


# one encoder for every value: json.dumps with options builds a new one at each call, and a template
# calls tojson for each field of each record it renders
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def _tojson(value):
    return _ENCODER.encode(value)


@lru_cache(maxsize=1)
def _environment():
    env = ImmutableSandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["tojson"] = _tojson
    return env


@lru_cache(maxsize=512)
def _compile(source):
    return _environment().from_string(source)


def check(source):
    """Raise TemplateRenderError when ``source`` is not a valid template (for form constraints)."""
    try:
        _compile(source)
    except TemplateError as exc:
        raise TemplateRenderError(str(exc)) from exc


def render(source, **context):
    try:
        return _compile(source).render(**context)
    except TemplateError as exc:
        raise TemplateRenderError(str(exc)) from exc


def render_json(source, **context):
    """Render a template that produces JSON and parse it; a member the rendered JSON names twice is refused,
    never resolved by keeping one of the values."""
    text = render(source, **context)
    try:
        return strict_json.loads(text)
    except strict_json.RepeatedMember as exc:
        raise TemplateRenderError(f"template did not produce JSON with unique members: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise TemplateRenderError(f"template did not produce JSON: {exc}") from exc
