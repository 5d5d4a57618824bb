"""What changed between two versions of the published spec (API-NOTES §1.2: drift is usually
additive; a removed operation or field is what breaks clients)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SpecDiff", "diff_specs"]


@dataclass
class SpecDiff:
    added_operations: list[str] = field(default_factory=list)
    removed_operations: list[str] = field(default_factory=list)
    added_schemas: list[str] = field(default_factory=list)
    removed_schemas: list[str] = field(default_factory=list)
    added_fields: list[str] = field(default_factory=list)
    removed_fields: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    @property
    def breaking(self) -> bool:
        return bool(self.removed_operations or self.removed_schemas or self.removed_fields
                    or self.changed_fields)

    def report(self) -> str:
        if not self.changed:
            return "no differences"
        lines = []
        for name in self.__dataclass_fields__:
            items = getattr(self, name)
            if items:
                lines.append(f"{name.replace('_', ' ')} ({len(items)}):")
                lines.extend(f"  {item}" for item in items)
        return "\n".join(lines)


def _operations(spec: dict[str, Any]) -> dict[str, str]:
    found = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[f"{method.upper()} {path}"] = op["operationId"]
    return found


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    kind = str(prop.get("type", "any"))
    if kind == "array":
        return f"[{_type_of(prop.get('items', {}))}]"
    return kind + (f"({prop['format']})" if "format" in prop else "")


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> SpecDiff:
    diff = SpecDiff()
    old_ops, new_ops = _operations(old), _operations(new)
    diff.added_operations = sorted(f"{k} ({new_ops[k]})" for k in new_ops.keys() - old_ops.keys())
    diff.removed_operations = sorted(
        f"{k} ({old_ops[k]})" for k in old_ops.keys() - new_ops.keys()
    )
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    diff.added_schemas = sorted(new_schemas.keys() - old_schemas.keys())
    diff.removed_schemas = sorted(old_schemas.keys() - new_schemas.keys())
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        old_props = old_schemas[name].get("properties", {})
        new_props = new_schemas[name].get("properties", {})
        diff.added_fields += [f"{name}.{p}" for p in sorted(new_props.keys() - old_props.keys())]
        diff.removed_fields += [f"{name}.{p}" for p in sorted(old_props.keys() - new_props.keys())]
        for prop in sorted(old_props.keys() & new_props.keys()):
            before, after = _type_of(old_props[prop]), _type_of(new_props[prop])
            if before != after:
                diff.changed_fields.append(f"{name}.{prop}: {before} -> {after}")
    return diff
