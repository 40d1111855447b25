"""The digest the seller receives (event ``report.digest``): the KPIs of the last day or
week with the main chart, through the outbox, once per period.

``enqueue_digest`` runs on a schedule in the daemon. It finds the latest period whose
digest time (``[analytics] digest_at``, display zone) has passed and writes one outbox
row per channel of the rules listing ``report.digest``, keyed ``report.digest:PERIOD:
CHANNEL``: a restart, a second replica or a later tick finds the keys and does nothing.
"""

from __future__ import annotations

import base64
from datetime import datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine, select

from mpsync.analytics.extra import MissingExtra
from mpsync.analytics.kpi import kpis
from mpsync.analytics.period import Period
from mpsync.analytics.sql import OUTBOX, Scope
from mpsync.config import Settings
from mpsync.display import Display, format_money, to_local
from mpsync.domain.events import EventKind
from mpsync.notify.outbox import enqueue
from mpsync.notify.rules import plan_notifications

EVENT = EventKind.REPORT_DIGEST
log = structlog.get_logger("mpsync.analytics")
ROWS = (  # (key, ru, en, kind)
    ("orders", "Заказы", "Orders", "count"),
    ("units", "Штук", "Units", "count"),
    ("revenue", "Выручка", "Revenue", "money"),
    ("aov", "Средний чек", "Average order", "money"),
    ("net_revenue", "Чистая выручка", "Net revenue", "money"),
    ("payout", "К выплате", "Payout", "money"),
    ("cancellation_rate", "Отмены", "Cancelled", "rate"),
    ("return_rate", "Возвраты", "Returned", "rate"),
    ("ship_by_compliance", "Отгружено в срок", "Shipped on time", "rate"),
)


def wants_digest(settings: Settings) -> bool:
    return any(EVENT in rule.events for rule in settings.notifications.rules)


def due_period(settings: Settings, now: datetime) -> Period:
    """The latest day (or Monday-Sunday week) whose digest time has passed at *now*."""
    display = settings.display.display()
    local = to_local(now, display.zone)
    hour, minute = map(int, settings.analytics.digest_at.split(":"))
    passed = local.time() >= time(hour, minute)
    if settings.analytics.digest == "daily":
        day = local.date() - timedelta(days=1 if passed else 2)
        return Period(day, day, display.zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and not passed:
        monday -= timedelta(days=7)
    return Period(monday - timedelta(days=7), monday - timedelta(days=1), display.zone)


def enqueue_digest(engine: Engine, settings: Settings, now: datetime) -> int:
    """Write the due digest to the outbox once per channel; returns how many rows were new."""
    period = due_period(settings, now)
    planned = plan_notifications(settings, EVENT, {}, event_key=f"{EVENT}:{period.label}")
    if not planned:
        return 0
    with engine.connect() as connection:
        keys = [key for _, key in planned]
        done = set(connection.execute(select(OUTBOX.c.dedupe_key)
                                      .where(OUTBOX.c.dedupe_key.in_(keys))).scalars())  # fmt: skip
    if done >= set(keys):
        return 0
    payload = digest_payload(engine, settings, period, now)
    new = 0
    with engine.begin() as connection:
        for channel, key in planned:
            new += enqueue(connection, dedupe_key=key, channel=channel, event_kind=EVENT,
                           payload=payload, now=now)  # fmt: skip
    log.info("digest queued", period=period.label, messages=new)
    return new


def digest_payload(engine: Engine, settings: Settings, period: Period,
                   now: datetime) -> dict[str, Any]:  # fmt: skip
    """The KPIs, their changes, table rows in both languages and the chart as base64 PNG."""
    data = kpis(engine, period, Scope(), now=now)
    currency = "RUB"
    payload: dict[str, Any] = {
        "period": period.label,
        "kpi": {key: data[key] for key, *_ in ROWS},
        "previous": {key: data["previous"][key] for key, *_ in ROWS},
        "change": data["change"],
        "currency": currency,
        "table": {lang: table(data, lang, currency) for lang in ("ru", "en")},
        "unanswered": unanswered(engine, now),  # buyers' questions and reviews still open
    }
    for lang, label in (
        ("ru", "Вопросы и отзывы без ответа"),
        ("en", "Unanswered questions and reviews"),
    ):
        if payload["unanswered"]:
            payload["table"][lang].append([label, str(payload["unanswered"]), "—", "—"])
    try:
        from mpsync.analytics.charts import png

        chart = png("kpi", data, Display(settings.display.display().zone, "ru"))
        payload["chart_png"] = base64.b64encode(chart).decode()
    except MissingExtra as error:
        log.warning("digest without its chart", reason=str(error))
    return payload


def unanswered(engine: Engine, now: datetime) -> int:
    """Buyers' messages still to answer at *now* (unanswered or a draft, deadline ahead)."""
    from sqlalchemy import func

    from mpsync.inbox.answers import OPEN
    from mpsync.inbox.store import MESSAGES

    query = (
        select(func.count())
        .select_from(MESSAGES)
        .where(
            MESSAGES.c.state.in_(OPEN), MESSAGES.c.deadline.is_(None) | (MESSAGES.c.deadline > now)
        )
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def table(data: dict[str, Any], language: str, currency: str) -> list[list[str]]:
    """``[label, value, previous, change]`` rows in *language* for the e-mail's table."""
    head = ["", data["period"], data["previous"]["period"], "Δ"]
    rows = [head]
    for key, ru, en, kind in ROWS:
        shown = [_shown(data[key], kind, language, currency),
                 _shown(data["previous"][key], kind, language, currency),
                 _change(data["change"].get(key), kind)]  # fmt: skip
        rows.append([ru if language == "ru" else en, *shown])
    return rows


def _shown(value: Any, kind: str, language: str, currency: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return format_money(value, currency, language)
    if kind == "rate":
        return f"{float(value) * 100:.1f} %"
    return str(value)


def _change(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:+.1f} pp"
    return f"{float(value) * 100:+.0f} %"
