"""``icu auth login|status|logout`` and ``icu whoami``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from intervals_icu.cli.output import AthleteOpt, ExitCode, JsonOpt, Out, command_group

app = command_group(no_args_is_help=True)


def _me(client: Any) -> dict[str, Any]:
    athlete = client.athletes.get()
    data: dict[str, Any] = athlete.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: data.get(k) for k in ("id", "name", "email", "timezone", "plan")
            if data.get(k) is not None}


@app.command("login")
def login(
    key: Annotated[str | None, typer.Option(
        "--key", help="The API key (asked for, hidden, when not given).")] = None,
    athlete_id: Annotated[str | None, typer.Option(
        "--athlete-id", help="Default athlete for commands (default: the key's owner).")] = None,
    no_keyring: Annotated[bool, typer.Option(
        "--no-keyring", help="Store the key in the config file even if a keyring exists.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask for the API key, check it against the API, and store it (mode 0600 file, or the
    system keyring when the `keyring` package is installed)."""
    from intervals_icu import ApiKey, Client
    from intervals_icu.cli import config
    from intervals_icu.cli.session import root_option

    out = Out(as_json=as_json)
    if key is None:
        key = typer.prompt("API key (Settings > Developer Settings)", hide_input=True, err=True)
    key = key.strip()
    if not key:
        out.error("the API key is empty")
        raise typer.Exit(ExitCode.BAD_INPUT)
    resolved = config.resolve(base_url=root_option("base_url"))
    with Client(ApiKey(key), athlete_id="0", base_url=resolved.base_url) as client:
        me = _me(client)
    where = config.save(key, athlete_id=athlete_id or me.get("id"),
                        base_url=resolved.base_url, use_keyring=not no_keyring)
    place = "the system keyring" if where == "keyring" else str(config.config_path())
    if as_json:
        out.json({"athlete": me, "stored_in": where})
    else:
        out.success(f"logged in as {me.get('name') or '?'} ({me.get('id')}); key stored in "
                    f"{place}")


@app.command("status")
def status(
    offline: Annotated[bool, typer.Option(
        "--offline", help="Only say where credentials come from; do not call the API.")] = False,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Where the credentials, athlete and server come from, and whether the key works."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    with Session(athlete) as session:
        r = session.resolved
        report: dict[str, Any] = {
            "credentials": r.key_source,
            "athlete_id": r.athlete_id or "0",
            "athlete_from": r.athlete_source,
            "base_url": r.base_url or "https://intervals.icu",
            "base_url_from": r.base_url_source,
        }
        if r.credentials is None:
            report["valid"] = False
            if as_json:
                out.json(report)
            else:
                out.record(report, title="icu auth status")
                out.error("not logged in: run `icu auth login` or set INTERVALS_API_KEY")
            raise typer.Exit(ExitCode.AUTH)
        if not offline:
            report["athlete"] = _me(session.client)
            report["valid"] = True
        if as_json:
            out.json(report)
        else:
            out.record({k: v for k, v in report.items() if k != "athlete"},
                       title="icu auth status")
            if not offline:
                me = report["athlete"]
                out.success(f"the key works: {me.get('name') or '?'} ({me.get('id')})")


@app.command("logout")
def logout(as_json: JsonOpt = False) -> None:
    """Forget the stored key (environment variables are not touched)."""
    import os

    from intervals_icu.cli import config

    out = Out(as_json=as_json)
    removed = config.forget()
    if as_json:
        out.json({"removed": removed})
        return
    if removed:
        out.success("logged out: removed " + ", ".join(removed))
    else:
        out.note("nothing was stored")
    if os.environ.get(config.ENV_API_KEY):
        out.warn("INTERVALS_API_KEY is still set in this shell")


def whoami(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """Who the credentials belong to (and which athlete commands act on)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    with Session(athlete) as session:
        me = _me(session.client.for_athlete("0"))
        acting = session.client.athlete_id
        me["acting_on"] = me.get("id") if acting == "0" else acting
        me["credentials"] = session.resolved.key_source
        if as_json:
            out.json(me)
        else:
            out.record(me, title="whoami")
