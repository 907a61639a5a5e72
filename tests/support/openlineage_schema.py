"""Validate OpenLineage events against JSON Schemas made from the OpenLineage client's classes.

The spec's own schema files (OpenLineage.json and one file per facet) ship in no package this
machine can install, and it has no internet. The client's classes in
``openlineage.client.generated`` are generated from those files, each naming the schema URL it
came from, so this module turns them back into JSON Schemas (draft 2020-12):

- every attrs field is a property, by the name it is serialized under (``_producer``, ...);
- a field without a default is required, and so are the ones every event and facet carries
  (``producer``/``schemaURL``, ``_producer``/``_schemaURL``: defaulted in the class, filled in
  after init);
- types come from the annotations: ``str``, ``int``, ``float``, ``bool``, lists, string-keyed
  dicts, enums, other generated classes by ``$ref``; ``X | None`` is ``X`` (the client drops
  None values when it serializes);
- the formats the generated validators check are formats: ``isoparse`` -> date-time (with a
  time), ``UUID`` -> uuid, ``urlparse`` -> uri (with a scheme).

Every facet in an event is then checked against the schema its ``_schemaURL`` names (the
Airflow provider's own facets name the core spec's base facets): an unknown one is an error,
not a pass.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import types
import typing
import uuid
from functools import cache
from urllib.parse import urlsplit

import attr
import jsonschema
import openlineage.client.generated as generated
from dateutil import parser as date_parser
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ALWAYS_SET = {"producer", "schemaURL", "_producer", "_schemaURL"}
FACET_MAPS = {"facets", "inputFacets", "outputFacets"}


def generated_classes() -> dict[str, type]:
    """schema URL (``<document>#/$defs/<Name>``) -> the generated class made from it."""
    classes = {}
    for module_info in pkgutil.iter_modules(generated.__path__):
        module = importlib.import_module(f"{generated.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if attr.has(cls) and cls.__module__ == module.__name__ and "_get_schema" in vars(cls):
                classes[cls._get_schema()] = cls
    return classes


def _format_of(field: attr.Attribute) -> str | None:
    if field.validator is None:
        return None
    source = inspect.getsource(field.validator)
    for marker, name in (("isoparse", "date-time"), ("UUID(", "uuid"), ("urlparse", "uri")):
        if marker in source:
            return name
    return None


def _type_schema(hint, urls: dict[type, str], namespace: dict) -> dict:
    if isinstance(hint, typing.ForwardRef):
        hint = eval(hint.__forward_arg__, namespace)  # noqa: S307
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [arg for arg in args if arg is not type(None)]
        if len(kinds) == 1:
            return _type_schema(kinds[0], urls, namespace)
        return {"anyOf": [_type_schema(kind, urls, namespace) for kind in kinds]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], urls, namespace)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], urls, namespace)}
    if hint is typing.Any:
        return {}
    if inspect.isclass(hint) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if hint in urls:
        return {"$ref": urls[hint]}
    if attr.has(hint):  # a helper class with no schema URL of its own: inline
        return _class_schema(hint, urls)
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for the annotation {hint!r}")


def _annotation(cls: type, field: attr.Attribute) -> tuple[typing.Any, dict]:
    """The field's type, evaluated in the module of the class that declares it, and that
    module's namespace (for the forward references inside it)."""
    owner = next(c for c in cls.__mro__ if field.name in vars(c).get("__annotations__", {}))
    namespace = vars(importlib.import_module(owner.__module__))
    if not isinstance(field.type, str):
        return field.type, namespace
    return eval(field.type, namespace), namespace  # noqa: S307


def _class_schema(cls: type, urls: dict[type, str]) -> dict:
    properties, required = {}, []
    for field in attr.fields(cls):
        hint, namespace = _annotation(cls, field)
        schema = _type_schema(hint, urls, namespace)
        if _format_of(field):
            schema["format"] = _format_of(field)
        properties[field.name] = schema
        if field.default is attr.NOTHING or field.name in ALWAYS_SET:
            required.append(field.name)
    return {"type": "object", "properties": properties, "required": required}


@cache
def registry() -> tuple[Registry, frozenset[str]]:
    """The schemas by URL, and the URLs of every facet schema known."""
    classes = generated_classes()
    urls = {cls: url for url, cls in classes.items()}
    documents: dict[str, dict] = {}
    for url, cls in classes.items():
        document, _, pointer = url.partition("#")
        name = pointer.removeprefix("/$defs/")
        defs = documents.setdefault(document, {"$id": document, "$defs": {}})["$defs"]
        defs[name] = _class_schema(cls, urls)
    facets = {url for url, cls in classes.items() if issubclass(cls, generated.base.BaseFacet)}
    resources = [(doc, Resource(schema, DRAFT202012)) for doc, schema in documents.items()]
    return Registry().with_resources(resources), frozenset(facets)


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: str) -> bool:
    date_parser.isoparse(value)
    return "t" in value.lower()


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: str) -> bool:
    return bool(uuid.UUID(value))


@FORMATS.checks("uri")
def _uri(value: str) -> bool:
    return bool(urlsplit(value).scheme)


def event_errors(event: dict) -> list[str]:
    """Every way the run event ``event`` breaks the spec, as ``<where>: <message>``."""
    schemas, facet_urls = registry()
    run_event = generated.base.RunEvent._get_schema()
    errors = _errors(event, run_event, schemas, "event")
    if event.get("schemaURL") != run_event:
        errors.append(f"event/schemaURL: {event.get('schemaURL')!r} is not {run_event!r}")
    for where, facet in _facets(event, "event"):
        url = str(facet.get("_schemaURL", ""))
        if url not in facet_urls:
            errors.append(f"{where}: no schema is known for _schemaURL {url!r}")
            continue
        errors += _errors(facet, url, schemas, where)
    return errors


def _errors(instance: dict, url: str, schemas: Registry, where: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        {"$ref": url}, registry=schemas, format_checker=FORMATS
    )
    return [
        f"{where}/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def _facets(node, where: str):
    """(where, facet) for every facet anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FACET_MAPS and isinstance(value, dict):
                for name, facet in value.items():
                    yield f"{where}/{key}/{name}", facet
                    yield from _facets(facet, f"{where}/{key}/{name}")
            else:
                yield from _facets(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _facets(item, f"{where}/{index}")
