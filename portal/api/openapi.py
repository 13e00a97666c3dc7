"""The API's OpenAPI 3.1 description, served at /api/v1/openapi.json."""

from __future__ import annotations

from functools import cache

from portal.api.flags import DEFAULT_LIMIT, MAX_LIMIT

_STR = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}
_STRS = {"type": "array", "items": _STR}


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_AUTH = {
    "type": "string",
    "description": 'Bearer realm="housing-flags", with error=... when a token was sent',
}
REFUSALS = {
    "401": _error(
        "No token, or one not recognised or revoked.",
        {"WWW-Authenticate": {"schema": _AUTH}},
    ),
    "403": _error("The token does not have the flags:read scope."),
    "429": _error(
        "Too many calls with this token (API_RATE_LIMIT).",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    ),
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": _STR, "message": _STR},
    },
    "Alert": {
        "type": "object",
        "description": "A health and safety alert in force (policy §8.5).",
        "required": ["summary", "advice", "raised_on"],
        "properties": {"summary": _STR, "advice": _STR, "raised_on": {**_STR, "format": "date"}},
    },
    "AlwaysOpen": {
        "type": "object",
        "description": "A route no restriction ever closes (§4.6), with how to use it.",
        "required": ["route", "text", "contact"],
        "properties": {
            "route": {"enum": ["complaints", "emergency_and_safety"]},
            "text": _STR,
            "contact": _STR,
        },
    },
    "Restriction": {
        "type": "object",
        "required": ["kind", "starts_on", "ends_on", "review_on", "headline", "how", "until"],
        "properties": {
            "kind": {
                "enum": ["channel_only", "named_manager", "set_times", "third_party", "termination"]
            },
            "route": {"type": ["string", "null"], "enum": ["letter", "email", None]},
            "starts_on": {**_STR, "format": "date"},
            "ends_on": _DATE,
            "review_on": {**_STR, "format": "date"},
            "headline": _STR,
            "how": _STR,
            "until": _STR,
        },
    },
    "Contact": {
        "type": "object",
        "description": "What contact IS allowed now, all restrictions in force read together "
        "(§8.21).",
        "required": ["restricted", "all_contact_ended", "routes", "always_open"],
        "properties": {
            "restricted": {"type": "boolean"},
            "all_contact_ended": {
                "type": "boolean",
                "description": "§9.5: only the always-open routes remain.",
            },
            "headline": _STR,
            "how": _STRS,
            "notes": _STRS,
            "until": _STR,
            "routes": {
                "type": ["array", "null"],
                "items": {"enum": ["letter", "email"]},
                "description": "The only routes the customer may use; null when no restriction "
                "limits the route, empty when all contact has ended.",
            },
            "named_contacts": _STRS,
            "representatives": _STRS,
            "call_times": _STRS,
            "ends_on": _DATE,
            "next_review_on": _DATE,
            "restrictions": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Restriction"},
            },
            "always_open": {"type": "array", "items": {"$ref": "#/components/schemas/AlwaysOpen"}},
            "agreed_arrangements": {
                "type": "array",
                "description": "Informal arrangements the customer agreed (§8.15).",
                "items": {
                    "type": "object",
                    "properties": {"review_on": {**_STR, "format": "date"}, "terms": _STRS},
                },
            },
        },
    },
    "Flag": {
        "type": "object",
        "required": ["housing_ref", "reference", "name", "flagged", "alerts", "contact"],
        "properties": {
            "housing_ref": _STR,
            "reference": _STR,
            "name": _STR,
            "flagged": {"type": "boolean"},
            "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
            "contact": {"$ref": "#/components/schemas/Contact"},
        },
    },
    "FlagPage": {
        "type": "object",
        "required": ["as_of", "changed_since", "next_changed_since", "count", "flags", "next"],
        "properties": {
            "as_of": {**_STR, "format": "date-time"},
            "changed_since": {"type": ["string", "null"], "format": "date-time"},
            "next_changed_since": {
                **_STR,
                "format": "date-time",
                "description": "Pass this as changed_since next time (take it from any page).",
            },
            "count": {"type": "integer"},
            "flags": {"type": "array", "items": {"$ref": "#/components/schemas/Flag"}},
            "next": {"type": ["string", "null"], "format": "uri"},
        },
    },
}


def _moment(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "format": "date-time"},
    }


PATHS = {
    "/customers/{housing_ref}/flag": {
        "get": {
            "operationId": "customerFlag",
            "summary": "One customer's flag: alerts and what contact is allowed now.",
            "security": [{"bearer": ["flags:read"]}],
            "parameters": [
                {
                    "name": "housing_ref",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 40},
                },
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": _STR,
                    "description": "The ETag of the flag you hold: 304 if it is unchanged.",
                },
            ],
            "responses": {
                "200": {
                    "description": "The flag.",
                    "headers": {"ETag": {"schema": _STR}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Flag"}}
                    },
                },
                "304": {
                    "description": "Unchanged since the ETag sent.",
                    "headers": {"ETag": {"schema": _STR}},
                },
                "400": _error("A bad request."),
                **REFUSALS,
                "404": _error("No customer has that housing reference."),
            },
        }
    },
    "/flags": {
        "get": {
            "operationId": "flagFeed",
            "summary": "Flags that changed since a moment, or every flag in force.",
            "security": [{"bearer": ["flags:read"]}],
            "parameters": [
                _moment(
                    "changed_since",
                    "ISO 8601 with an offset; not in the future, nor more than 400 days ago. "
                    "Flags that cleared are included. Without it: every flag in force.",
                ),
                _moment("as_of", "Set by the next link: the first page's moment."),
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                },
                {
                    "name": "after",
                    "in": "query",
                    "required": False,
                    "description": "Set by the next link: where the next page starts.",
                    "schema": {"type": "integer", "minimum": 0},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of flags.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/FlagPage"}}
                    },
                },
                "400": _error("changed_since, as_of, limit or after is not valid."),
                **REFUSALS,
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This description (no token needed).",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Customer Conduct Portal: flags for the housing management system",
            "version": "1",
            "description": "Read-only. Every call is recorded. See docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": ["flags:read"]}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token an administrator made (Admin, API tokens).",
                }
            },
            "schemas": SCHEMAS,
        },
    }
