"""The OpenAPI document's answers beyond success: every operation says how it refuses.

drf-spectacular describes what a view returns when it works. The API also answers 400 (a value
it refuses, with a message per field), 401 (no usable token), 403 (the token's scope or the
owner's rules do not allow it) and 404 (nothing of that id inside the owner's scope). Saying so
in the document is what lets a client, and Schemathesis in our suite, hold us to it.
"""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A refused value: a list of messages per field ("detail" for the object as a whole).
INVALID = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}
REFUSALS = {
    "400": ("The request's values are refused; each field says why.", "ValidationError"),
    "401": ("No usable token: missing, unknown, expired or revoked.", "Error"),
    "403": ("The token's scope, or its owner's permissions, do not allow this.", "Error"),
    "404": ("Nothing of that id within the token owner's reach.", "Error"),
}


def add_refusals(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = INVALID
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            public_operation = operation.get("security") == [{}] or not operation.get("security")
            for code, (description, schema) in REFUSALS.items():
                if public_operation and code in {"401", "403"}:
                    continue
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{schema}"}
                            }
                        },
                    },
                )
    return result
