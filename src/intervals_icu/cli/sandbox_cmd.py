"""``icu sandbox``: the local Intervals.icu as a server on 127.0.0.1, with seeded athletes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from intervals_icu.cli.output import JsonOpt, Out


def describe(sb: Any) -> dict[str, Any]:
    """What a user needs to point a client or the CLI at the sandbox."""
    return {
        "base_url": sb.base_url,
        "athlete_id": sb.athlete_id,
        "api_key": sb.api_key,
        "coach_id": sb.coach_id,
        "coach_api_key": sb.coach_api_key,
        "athlete_ids": sb.athlete_ids,
        "control_api": f"{sb.base_url}/_sandbox",
        "dashboard": sb.dashboard_url,
        "env": {
            "INTERVALS_BASE_URL": sb.base_url,
            "INTERVALS_API_KEY": sb.api_key,
            "INTERVALS_ATHLETE_ID": sb.athlete_id,
        },
    }


def sandbox(
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data and keys.")] = 42,
    athletes: Annotated[int, typer.Option("--athletes", help="Athletes the coach coaches.")] = 2,
    years: Annotated[float, typer.Option("--years", help="Years of history per athlete.")] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Run the sandbox until Ctrl-C; prints the base URL, the keys, the dashboard's address,
    and the environment variables that point the client and the CLI at it. No account or
    network needed."""
    import threading

    from intervals_icu.sandbox import Sandbox

    out = Out(as_json=as_json)
    if not as_json:
        out.note(f"seeding {athletes} athlete(s) with {years:g} year(s) of history "
                 f"(seed {seed})...")
    sb = Sandbox(seed=seed, athletes=athletes, years=years, host=host, port=port)
    sb.start()
    info = describe(sb)
    try:
        if as_json:
            out.json(info, redact=False)
        else:
            from rich.panel import Panel

            lines = [
                f"[bold]base URL[/bold]      {info['base_url']}",
                f"[bold]athlete[/bold]       {info['athlete_id']}  key {info['api_key']}",
                f"[bold]coach[/bold]         {info['coach_id']}  key {info['coach_api_key']}",
                f"[bold]athletes[/bold]      {', '.join(info['athlete_ids'])}",
                f"[bold]control API[/bold]   {info['control_api']}",
                f"[bold]dashboard[/bold]     {info['dashboard']}",
                "",
                "[bold]point the client and icu at it:[/bold]",
                *[f"  export {k}={v}" for k, v in info["env"].items()],
            ]
            out.console.print(Panel("\n".join(lines), title="icu sandbox", expand=False))
            out.note("Ctrl-C to stop")
        import sys

        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
