"""Bases of the wire models, their field types and how answers are built from records."""

import functools
import re
from datetime import date
from typing import Annotated

from extendable.exceptions import RegistryNotInitializedError
from extendable_pydantic import StrictExtendableBaseModel
from fastapi import Body
from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError


def _contains_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


def _not_blank(value):
    if isinstance(value, str) and value and not value.strip():
        raise PydanticCustomError("string_blank", "must not be only whitespace")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value):
    # pydantic would also take a number (seconds since 1970) or a date-time: a birth date is sent as written
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "must be a date written YYYY-MM-DD")


# Text that is refused, not stored blank, when it holds only whitespace
NotBlankText = Annotated[str, AfterValidator(_not_blank)]
# A date as written on the wire (YYYY-MM-DD), nothing converted into one
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class ApiModel(StrictExtendableBaseModel):
    """Base of the wire models: unknown fields are refused in what a client sends, while the
    OpenAPI of answers leaves them open (no ``additionalProperties: false`` on responses), so
    clients generated from it keep working when a later version answers more fields."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        json_schema = handler(core_schema)
        if handler.mode == "serialization":
            handler.resolve_ref_schema(json_schema).pop("additionalProperties", None)
        return json_schema


class WireModel(ApiModel):
    """Base of the wire models: text with NUL characters (which PostgreSQL cannot store) is refused."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data):
        if _contains_nul(data):
            raise ValueError("NUL characters are not allowed")
        return data


READ_ONLY_DOC = (
    "Read-only: accepted when equal to the current value (a resource as read can be PUT back), "
    "else refused (422 naming the field)"
)


def read_only(**kwargs):
    """A field of a write body that only echoes what a read answered (``services.resource_version.check_read_only``)."""
    return Field(None, description=READ_ONLY_DOC, **kwargs)


def assembled(schema):
    """``schema`` with every extension addons made of it, as ``extendable`` calls it: its class
    methods called on that class skip the check of their arguments against the signature that
    ``extendable`` makes on every call of the original class (a third of rendering a registrant).
    Outside a request (no registry of extensions), ``schema`` itself, as ``extendable`` does."""
    try:
        return schema._get_assembled_cls()
    except (RegistryNotInitializedError, KeyError):
        return schema


IMMUTABLE_DEFAULTS = (type(None), str, int, float, bool, tuple, frozenset, type)


@functools.cache
def _construction(cls):
    """What ``model_construct`` works out again for every instance of ``cls``: (constant defaults of the
    fields, fields whose default is made per instance, private attributes' defaults); None when ``cls``
    has a ``model_post_init`` of its own (then ``model_construct`` itself must run)."""
    if cls.__pydantic_post_init__ and cls.model_post_init.__name__ != "init_private_attributes":
        return None
    private = {name: attr.get_default() for name, attr in cls.__private_attributes__.items()}
    if not all(isinstance(value, IMMUTABLE_DEFAULTS) for value in private.values()):
        return None
    constant, per_instance = {}, []
    for name, field in cls.model_fields.items():
        if field.is_required():
            continue
        if field.default_factory is None and isinstance(field.default, IMMUTABLE_DEFAULTS):
            constant[name] = field.default
        else:
            per_instance.append((name, field))
    return constant, per_instance, private


def trusted(schema, **values):
    """An answer's ``schema`` (as extended) made of values read from the database, not validated. The wire
    models revalidate every model given to them (``revalidate_instances``): validated, a registrant was built
    once per level of nesting, which was most of rendering a page or a bulk lookup. What a client sends is
    always validated; only answers are built this way.

    The instance is what ``model_construct`` makes, without its per-call work (the fields' defaults
    deep-copied and the private attributes set up by a chain of wrappers were half of building a bulk
    lookup's answer): the defaults and private attributes of each class are worked out once. Its fields are
    in their declared order, as validation would put them (and as answers built from values list them)."""
    cls = assembled(schema)
    construction = _construction(cls)
    if construction is None or not values.keys() <= cls.model_fields.keys():
        return cls.model_construct(**values)
    constant, per_instance, private = construction
    fields_values = {**constant, **values}
    for name, field in per_instance:
        if name not in values:
            fields_values[name] = field.get_default(call_default_factory=True, validated_data=fields_values)
    # in the fields' order, as validation puts them: the order they are serialised in
    fields_values = {name: fields_values[name] for name in cls.model_fields}
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", fields_values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", dict(private) if private else None)
    return instance


def utc_iso(value):
    """An Odoo (naive UTC) datetime as on the wire: ISO 8601 with Z."""
    return value.isoformat() + "Z" if value else None


def optional_body(model):
    """A request body the client may leave out; give the parameter the default ``None``. Not
    ``model | None``: generated clients send their "unset" marker as the JSON of a nullable body."""
    return Annotated[model, Body()]
