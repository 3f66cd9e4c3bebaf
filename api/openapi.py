"""The OpenAPI 3.1 document, generated from the views themselves.

Views carry an :class:`EndpointDoc` (set by :func:`endpoint`); :func:`build_openapi`
walks ``app.url_map`` and assembles the document with apispec, registering every
pydantic model (and its ``$defs``) as a component.

>>> from flask import Flask
>>> from api.schemas import CollectionRequest, DoorOpened
>>> app = Flask(__name__)
>>> @app.post("/api/v1/things/<int:thing_id>")
... @endpoint("Open a thing", tags=["demo"], body=CollectionRequest, responses={201: DoorOpened})
... def open_thing(thing_id):
...     return {}
>>> doc = build_openapi(app)
>>> sorted(doc["paths"]["/api/v1/things/{thing_id}"]), doc["openapi"]
(['post'], '3.1.0')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from apispec import APISpec
from flask import Flask
from pydantic import BaseModel

from locker.validation import PATTERNS

from .schemas import ErrorBody

F = TypeVar("F", bound=Callable[..., Any])

REF = "#/components/schemas/{model}"
_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_INTEGER_CONVERTERS = {"int", "id"}

ERROR_STATUSES: dict[int, str] = {
    400: "Invalid input (`invalid_input` with `field`, or `invalid_json`).",
    401: "Missing or unknown bearer token (`unauthorized`).",
    403: "Not allowed (`forbidden`, `kiosk_only`, `foreign_host`, `invalid_credentials`).",
    404: "Not found (`not_found`; a dossier code the kiosk's lookup does not know: `dossier_unknown`).",
    409: "Conflicts with the current state (`conflict`, `no_compartment`, `no_low_compartment`).",
    413: "Body larger than the limit (`too_large`).",
    415: "Body is not JSON (`unsupported_media_type`).",
    429: "Too many failed attempts or wrong kiosk tokens (`throttled`), or too many drop-offs or status lookups "
         "at one kiosk (`dropoff_rate_limited`, `lookup_rate_limited`); see the Retry-After header.",
    503: "Hardware or database unavailable.",
}


#: Path parameters that mean the same everywhere: a compartment label, a dossier code.
PATH_PARAMS: dict[str, dict[str, Any]] = {
    "label": {"type": "string", "maxLength": 40, "pattern": PATTERNS["compartment"]},
    "code": {"type": "string", "maxLength": 200, "pattern": PATTERNS["dossier_code"]},
}


@dataclass(frozen=True)
class EndpointDoc:
    summary: str
    tags: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    responses: Mapping[int, Any] = field(default_factory=dict)
    query: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    description: str = ""
    security: str | None = None
    path: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def endpoint(summary: str, *, tags: list[str] | tuple[str, ...] = (), body: type[BaseModel] | None = None,
             responses: Mapping[int, Any] | None = None, query: Mapping[str, dict[str, Any]] | None = None,
             errors: tuple[int, ...] = (), description: str = "",
             path: Mapping[str, dict[str, Any]] | None = None) -> Callable[[F], F]:
    """Record how a view is documented.

    ``responses`` maps a status to a pydantic model, ``[Model]`` for a JSON array,
    ``None`` for an empty body, or a media type string such as ``"image/png"``.
    ``path`` gives a path parameter a schema of its own (e.g. the pattern the view checks).
    Put it below the route decorator and above ``citizen_only``/``require_role``.
    """

    def decorate(view: F) -> F:
        view.openapi = EndpointDoc(  # type: ignore[attr-defined]
            summary=summary, tags=tuple(tags), body=body, responses=dict(responses or {}),
            query=dict(query or {}), errors=tuple(errors), description=description,
            security=getattr(view, "security", None), path=dict(path or {}),
        )
        return view

    return decorate


def build_openapi(app: Flask, *, title: str = "Dossier locker API", version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented view of ``app``."""
    spec = APISpec(title=title, version=version, openapi_version="3.1.0", info={
        "description": "Drop-off and pickup lockers for one-stop-shop offices. Error bodies are "
                       "`{\"error\", \"message\"}`; messages follow `?lang=` or Accept-Language (vi default).",
    })
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "API token of a clerk (or higher) account."})
    spec.components.security_scheme("kiosk", {
        "type": "apiKey", "in": "header", "name": "X-Kiosk-Token",
        "description": "Kiosk token; loopback clients count as kiosks unless configured otherwise."})
    components = _Components(spec)
    components.add(ErrorBody)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = getattr(app.view_functions.get(rule.endpoint), "openapi", None)
        if not isinstance(doc, EndpointDoc):
            continue
        path, params = _path(rule.rule)
        ops = paths.setdefault(path, {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            ops[method.lower()] = _operation(doc, params, components, rule.endpoint)
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    hooks = _webhooks(components)
    return {**spec.to_dict(), "webhooks": hooks}


def _webhooks(components: "_Components") -> dict[str, Any]:
    """The OpenAPI 3.1 ``webhooks`` section: one ``POST`` per event type."""
    from .schemas_webhooks import SIGNATURE_HEADERS, WEBHOOK_EVENTS, WebhookPayload

    body = {"required": True, "content": {"application/json": {"schema": components.add(WebhookPayload)}}}
    return {name: {"post": {
        "summary": f"{name}: {text}", "operationId": "webhook_" + name.replace(".", "_"),
        "parameters": SIGNATURE_HEADERS, "requestBody": body,
        "responses": {"2XX": {"description": "Received; anything else (or no answer) is retried with back-off."}},
    }} for name, text in WEBHOOK_EVENTS.items()}


class _Components:
    def __init__(self, spec: APISpec) -> None:
        self.spec = spec
        self.names: set[str] = set()

    def add(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF)
        for name, sub in schema.pop("$defs", {}).items():
            self._register(name, sub)
        self._register(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}

    def _register(self, name: str, schema: dict[str, Any]) -> None:
        if name not in self.names:
            self.names.add(name)
            self.spec.components.schema(name, schema)


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []

    def replace(match: re.Match[str]) -> str:
        schema: dict[str, Any] = {"type": "string"}
        if match["conv"] in _INTEGER_CONVERTERS:
            schema = {"type": "integer", **({"minimum": 1, "maximum": 2**63 - 1} if match["conv"] == "id" else {})}
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
        return "{" + match["name"] + "}"

    return _RULE_ARG.sub(replace, rule), params


def _operation(doc: EndpointDoc, params: list[dict[str, Any]], components: _Components,
               operation_id: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": doc.summary, "operationId": operation_id.replace(".", "_"),
                          "tags": list(doc.tags), "responses": {}}
    if doc.description:
        op["description"] = doc.description
    query = [{"name": name, "in": "query", "required": False, "schema": schema}
             for name, schema in doc.query.items()]
    params = [{**param, "schema": doc.path.get(param["name"], PATH_PARAMS.get(param["name"], param["schema"]))}
              for param in params]
    if params or query:
        op["parameters"] = params + query
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": components.add(doc.body)}}}
    for status, shape in doc.responses.items():
        op["responses"][str(status)] = _response(shape, components)
    error_ref = {"$ref": REF.format(model="ErrorBody")}
    for status in _error_statuses(doc):
        op["responses"].setdefault(str(status), {
            "description": ERROR_STATUSES[status], "content": {"application/json": {"schema": error_ref}}})
    if doc.security == "bearer":
        op["security"] = [{"bearer": []}]
    elif doc.security == "kiosk":
        op["security"] = [{"kiosk": []}, {}]
    return op


def _error_statuses(doc: EndpointDoc) -> list[int]:
    statuses = set(doc.errors)
    if doc.body is not None:
        statuses |= {400, 413, 415}
    if doc.security == "bearer":
        statuses |= {401, 403}
    elif doc.security == "kiosk":
        statuses |= {403, 429}
    return sorted(statuses)


def _response(shape: Any, components: _Components) -> dict[str, Any]:
    if shape is None:
        return {"description": "No content."}
    if isinstance(shape, str):
        return {"description": shape, "content": {shape: {"schema": {"type": "string"}}}}
    if isinstance(shape, list):
        schema: dict[str, Any] = {"type": "array", "items": components.add(shape[0])}
        return {"description": f"A list of {shape[0].__name__}.", "content": {"application/json": {"schema": schema}}}
    doc = (shape.__doc__ or shape.__name__).strip().splitlines()[0]
    return {"description": doc, "content": {"application/json": {"schema": components.add(shape)}}}
