"""`mpsync sandbox`: run the Wildberries / Ozon / Yandex Market simulator until Ctrl-C.

Parses options into a SandboxConfig, prints base URLs (and credentials), serves with uvicorn.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
import uvicorn

from mpsync.sandbox import MARKETPLACES, FaultConfig, SandboxConfig, SandboxState, create_app


def build_config(
    *,
    seed: int = 1,
    orders_per_minute: float = 30.0,
    backlog: int = 0,
    rate_limit_scale: float = 1.0,
    strict_credentials: bool = False,
    push_url: str | None = None,
    ozon_push_url: str | None = None,
    ym_push_url: str | None = None,
    speed: float = 1.0,
    faults: FaultConfig | None = None,
) -> SandboxConfig:
    """The SandboxConfig the CLI options describe."""
    return SandboxConfig(
        seed=seed,
        orders_per_minute=orders_per_minute,
        backlog=backlog,
        rate_limit_scale=rate_limit_scale,
        strict_credentials=strict_credentials,
        push_url=push_url,
        ozon_push_url=ozon_push_url,
        yandex_market_push_url=ym_push_url,
        speed=speed,
        faults=faults or FaultConfig(),
    )


def banner(config: SandboxConfig, host: str, port: int, seconds: float) -> list[str]:
    """The lines printed at start: base URLs, credentials when strict, push targets."""
    lines = [
        f"mpsync sandbox ready in {seconds:.1f}s (seed {config.seed}, backlog {config.backlog})"
    ]
    lines += [f"  {mp:<14} http://{host}:{port}/{mp}" for mp in MARKETPLACES]
    lines.append(
        f"  {'control':<14} http://{host}:{port}/_sandbox/  (truth, stats, faults, advance)"
    )
    if config.strict_credentials:
        for mp, values in config.credentials.as_dict().items():
            shown = ", ".join(f"{key}={value}" for key, value in values.items())
            lines.append(f"  credentials {mp}: {shown}")
    else:
        lines.append("  credentials: any non-empty value is accepted except 'invalid'")
    for mp in ("ozon", "yandex_market"):
        target = config.push_target(mp)
        if target:
            lines.append(f"  push {mp} -> {target}")
    return lines


def serve(state: SandboxState, host: str, port: int) -> None:
    """Serve until interrupted (tests replace this)."""
    uvicorn.run(create_app(state=state), host=host, port=port, log_level="warning")


def sandbox(
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8800,
    host: Annotated[
        str, typer.Option(help="Interface to bind (keep 127.0.0.1 unless needed).")
    ] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed: same seed, same orders.")] = 1,
    orders_per_minute: Annotated[
        float, typer.Option(help="New buyer orders per simulated minute, per marketplace.")
    ] = 30.0,
    backlog: Annotated[
        int, typer.Option(help="Historical orders per marketplace created at start (last 29 days).")
    ] = 0,
    rate_limit_scale: Annotated[
        float, typer.Option(help="Multiply documented rate limits (0 disables them).")
    ] = 1.0,
    strict_credentials: Annotated[
        bool, typer.Option(help="Accept only the credentials printed at start.")
    ] = False,
    push_url: Annotated[
        str | None, typer.Option(help="Webhook URL for Ozon and Yandex Market pushes.")
    ] = None,
    ozon_push_url: Annotated[
        str | None, typer.Option(help="Ozon push URL (overrides --push-url).")
    ] = None,
    ym_push_url: Annotated[
        str | None, typer.Option(help="Yandex Market notification base URL (overrides --push-url).")
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per wall second (0 freezes).")
    ] = 1.0,
    error_rate: Annotated[float, typer.Option(help="Probability of a 5xx answer.")] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Probability of a slow answer.")] = 0.0,
    slow_seconds: Annotated[float, typer.Option(help="Delay of a slow answer, seconds.")] = 2.0,
    malformed_rate: Annotated[
        float, typer.Option(help="Probability of a truncated JSON body.")
    ] = 0.0,
    duplicate_rate: Annotated[
        float, typer.Option(help="Probability a page repeats the previous page's last record.")
    ] = 0.0,
    out_of_order_rate: Annotated[
        float, typer.Option(help="Probability a read shows an order's previous (older) status.")
    ] = 0.0,
    push_duplicate_rate: Annotated[
        float, typer.Option(help="Probability a push is sent twice.")
    ] = 0.0,
) -> None:
    """Run the marketplace simulator (Wildberries, Ozon, Yandex Market) until Ctrl-C."""
    faults = FaultConfig()
    try:
        faults.update(
            {
                "error_rate": error_rate,
                "slow_rate": slow_rate,
                "slow_seconds": slow_seconds,
                "malformed_rate": malformed_rate,
                "duplicate_rate": duplicate_rate,
                "out_of_order_rate": out_of_order_rate,
                "push_duplicate_rate": push_duplicate_rate,
            }
        )
        config = build_config(
            seed=seed,
            orders_per_minute=orders_per_minute,
            backlog=backlog,
            rate_limit_scale=rate_limit_scale,
            strict_credentials=strict_credentials,
            push_url=push_url,
            ozon_push_url=ozon_push_url,
            ym_push_url=ym_push_url,
            speed=speed,
            faults=faults,
        )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    started = time.perf_counter()
    state = SandboxState(config)
    for line in banner(config, host, port, time.perf_counter() - started):
        typer.echo(line)
    serve(state, host, port)
