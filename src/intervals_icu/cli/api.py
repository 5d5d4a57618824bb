"""``icu api OPERATION_ID --param k=v``: any operation of the official spec, by its operationId
(for what no command covers). Writes are journaled, previewable and undoable like the rest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import AthleteOpt, DryRunOpt, ExitCode, JsonOpt, Out, YesOpt


def _operation(operation_id: str) -> Any:
    import difflib

    from intervals_icu.spec import operations

    known = {op.operation_id: op for op in operations()}
    if operation_id in known:
        return known[operation_id]
    close = difflib.get_close_matches(operation_id, list(known), n=4, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise typer.BadParameter(f"no operation {operation_id!r} in the spec.{hint} "
                             "`icu api --list` shows them all.", param_hint="OPERATION_ID")


def build_request(op: Any, params: dict[str, Any], body: Any, athlete_id: str) -> Any:
    """The RequestSpec for ``op`` with path and query parameters from ``params``."""
    from intervals_icu._http import RequestSpec

    declared = {p["name"]: p.get("in") for p in op.definition.get("parameters", [])}
    path = op.path
    remaining = dict(params)
    for name, where in declared.items():
        if where != "path":
            continue
        if name in remaining:
            value = str(remaining.pop(name))
        elif name == "id" and "/athlete/{id}" in op.path:
            value = athlete_id
        else:
            raise typer.BadParameter(f"{op.operation_id} needs --param {name}=VALUE "
                                     f"(path {op.path})")
        path = path.replace("{" + name + "}", value)
    unknown = [k for k in remaining if declared.get(k) != "query"]
    if unknown:
        query = [k for k, v in declared.items() if v == "query"]
        raise typer.BadParameter(
            f"{op.operation_id} has no parameter {', '.join(map(repr, unknown))}; its query "
            f"parameters: {', '.join(query) or 'none'}")
    return RequestSpec(op.method, path, operation_id=op.operation_id, params=remaining or None,
                       json=body)


def _body(text: str | None) -> Any:
    import json

    if text is None:
        return None
    raw = Path(text[1:]).read_text("utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"the body is not JSON: {exc}", param_hint="--body") from None


def api(
    operation_id: Annotated[str | None, typer.Argument(
        metavar="OPERATION_ID", help="e.g. getActivity, listEvents (see --list).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="NAME=VALUE", help="Path or query parameter (repeatable).")
    ] = None,
    body: Annotated[str | None, typer.Option(
        "--body", "-d", metavar="JSON|@FILE", help="Request body as JSON, or @file.json.")
    ] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the response body to this file (for downloads).")
    ] = None,
    list_ops: Annotated[bool, typer.Option(
        "--list", help="List the operations (filtered by OPERATION_ID as a substring).")
    ] = False,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Call any operation of the API by its operationId and print the answer.

    The athlete id in /athlete/{id} paths defaults to yours (or --athlete). Writes are
    journaled (undoable with `icu undo` when the record is one the journal knows).
    """
    from intervals_icu.cli.fields import parse_assignments

    out = Out(as_json=as_json)
    if list_ops or operation_id is None:
        from intervals_icu.spec import operations

        needle = (operation_id or "").lower()
        rows = [{"operation": op.operation_id, "method": op.method, "path": op.path,
                 "summary": op.summary} for op in operations()
                if needle in op.operation_id.lower() or needle in op.path.lower()]
        out.rows(rows, ["operation", "method", "path", "summary"], title="API operations")
        return
    op = _operation(operation_id)
    params = parse_assignments(param or [], clear="", what="NAME=VALUE")
    payload = _body(body)
    from intervals_icu.cli.session import Change, Session, confirm_or_exit, show_changes

    with Session(athlete, journal=not dry_run) as session:
        spec = build_request(op, params, payload, session.client.athlete_id)
        if op.method == "GET":
            _print_answer(out, _send(session.client, spec), output)
            return
        from intervals_icu.journal import before_request_for, targets_of

        targets = targets_of(spec)
        if dry_run:
            before: Any = None
            read = before_request_for(spec)
            if read is not None:
                answer = session.client.request("GET", read.path, params=read.params,
                                                operation_id=read.operation_id)
                before = answer.json() if answer.content else None
            records = before if isinstance(before, list) else [before]
            changes = [Change(f"{op.method} {spec.path}", "update",
                              {"record": r} if r else {}, {"sent": payload or {}})
                       for r in records[:1]]
            if as_json:
                out.json({"dry_run": True, "method": op.method, "path": spec.path,
                          "params": spec.params, "body": payload, "before": before})
            else:
                show_changes(out, changes, dry_run=True)
            return
        confirm_or_exit(out, len(targets), yes=yes)
        # Sent as the athlete the path names, so the journal records whose record it is
        # (and `icu undo` reads and restores that athlete's record, not the caller's).
        named = re.search(r"^/api/v1/athlete/([^/]+)", spec.path)
        writer = session.client.for_athlete(named.group(1)) if named else session.client
        with session.batch(f"api {operation_id}", athlete_id=writer.athlete_id) as batch_id:
            response = _send(writer, spec)
        _print_answer(out, response, output)
        if not as_json:
            out.note(f"journal batch {batch_id}")


def _send(client: Any, spec: Any) -> Any:
    return client.request(spec.method, spec.path, operation_id=spec.operation_id,
                          params=spec.params, json=spec.json)


def _print_answer(out: Out, response: Any, output: Path | None) -> None:
    import sys

    if output is not None:
        output.write_bytes(response.content)
        out.success(f"wrote {len(response.content)} bytes to {output}")
        return
    kind = response.headers.get("content-type", "")
    if not response.content:
        out.note(f"HTTP {response.status_code} (no body)")
        return
    if "json" in kind or response.content[:1] in (b"{", b"["):
        try:
            out.json(response.json())
            return
        except ValueError:
            pass
    if kind.startswith("text/") or "csv" in kind:
        sys.stdout.write(response.text)
        return
    out.error(f"the answer is binary ({kind or 'unknown type'}, {len(response.content)} "
              "bytes): pass --output FILE")
    raise typer.Exit(ExitCode.BAD_INPUT)


__all__ = ["api", "build_request"]
