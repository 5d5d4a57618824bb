#!/usr/bin/env python3
"""Print every spec operation compactly (params, body, response) — a reading aid.

    python scripts/describe_operations.py [TAG-or-operationId ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from intervals_icu.spec import operations


def schema_text(schema: dict) -> str:
    if not schema:
        return "-"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if schema.get("type") == "array":
        return f"[{schema_text(schema.get('items', {}))}]"
    if "oneOf" in schema:
        return " | ".join(schema_text(s) for s in schema["oneOf"])
    return schema.get("type", "?") + (f"({schema['format']})" if "format" in schema else "")


def main() -> None:
    wanted = set(sys.argv[1:])
    for op in operations():
        if wanted and op.tag not in wanted and op.operation_id not in wanted:
            continue
        params = []
        for p in op.definition.get("parameters", []):
            req = "*" if p.get("required") else ""
            params.append(f"{p['in'][0]}:{p['name']}{req}={schema_text(p.get('schema', {}))}")
        body = op.definition.get("requestBody", {}).get("content", {})
        body_text = ", ".join(f"{ct}:{schema_text(c.get('schema', {}))}" for ct, c in body.items())
        responses = []
        for code, r in op.definition.get("responses", {}).items():
            content = r.get("content", {})
            schema = next(iter(content.values()), {}).get("schema", {}) if content else {}
            responses.append(f"{code}:{schema_text(schema)}")
        print(f"{op.tag:12} {op.operation_id:32} {op.method:6} {op.path}")
        print(f"{'':12} params: {' '.join(params) or '-'}")
        if body_text:
            print(f"{'':12} body: {body_text}")
        print(f"{'':12} -> {' '.join(responses)}  # {op.summary}")


if __name__ == "__main__":
    main()
