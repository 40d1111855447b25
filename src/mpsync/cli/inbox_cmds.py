"""``mpsync inbox``: buyers' questions and reviews from every marketplace, and answers.

``list``/``show`` read the store; ``answer``/``approve`` queue an answer through the outbox
and deliver it now (read back, outcome shown); ``test`` shows which knowledge-base rule
would answer a text, and with what.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mpsync.cli.common import (
    EXIT_RUNTIME,
    ConfigOption,
    JsonOption,
    choice,
    console,
    fail,
    load_settings,
    print_json,
    require_secrets,
    store,
)
from mpsync.cli.tables import Col, WideOption, render
from mpsync.domain.events import MessageState

inbox_app = typer.Typer(
    help="Buyers' questions and reviews from every marketplace: read, answer, approve drafts.",
    no_args_is_help=True,
)
AccountOption = Annotated[str | None, typer.Option("--account", help="Only this account.")]


def _now() -> datetime:
    return datetime.now(UTC)


@inbox_app.command("list")
def inbox_list(
    config: ConfigOption = None,
    unanswered: Annotated[
        bool, typer.Option("--unanswered", help="Only those still to answer (or drafts).")
    ] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="question or review.")] = None,
    rating_max: Annotated[
        int | None, typer.Option("--rating-max", min=1, max=5, help="Reviews of N stars or fewer.")
    ] = None,
    account: AccountOption = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="unanswered, draft, sending, answered, expired, unavailable."),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most N rows; 0 = all.")] = 100,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Questions and reviews, newest first, with their state and answer."""
    from mpsync.inbox.listing import KINDS, STATES, list_messages

    kind = choice(kind, KINDS, "--kind")
    state = choice(state, STATES, "--state")
    settings = load_settings(config)
    _known_account(settings, account)
    with store(settings) as engine:
        rows = list_messages(engine, now=_now(), unanswered=unanswered, kind=kind,
                             rating_max=rating_max, account=account, state=state,
                             limit=limit)  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = (Col("id", key=True, justify="right"), Col("account", key=True), Col("kind"),
               Col("sku", wide=True), Col("★"), Col("text"), Col("state"),
               Col("answer", wide=True))  # fmt: skip
    render(console, f"Inbox ({len(rows)})", columns, wide=wide, rows=(
        [str(r["id"]), r["account"], r["kind"], r["sku"] or "", str(r["rating"] or ""),
         _short(r["text"]), r["state"], _short(r["answer"] or r["draft"] or "")]
        for r in rows))  # fmt: skip


@inbox_app.command("show")
def inbox_show(
    message_id: Annotated[int, typer.Argument(help="The message's id (inbox list).")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """One question or review: the buyer's text, the product, the answer or draft."""
    from mpsync.inbox.listing import show_message

    settings = load_settings(config)
    with store(settings) as engine:
        row = show_message(engine, message_id, now=_now())
    if row is None:
        fail(f"no message {message_id}; see `mpsync inbox list`")
    if as_json:
        print_json({key: value for key, value in row.items() if key != "buyer"})
        return
    _print_card(row)


@inbox_app.command("answer")
def inbox_answer(
    message_id: Annotated[int, typer.Argument(help="The message's id (inbox list).")],
    text: Annotated[str | None, typer.Option("--text", help="The answer.")] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help="An [answers.templates] name or an answer rule's name."),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a question or review now: queued through the outbox, sent, read back."""
    if (text is None) == (template is None):
        fail("give exactly one of --text or --template")
    settings = load_settings(config)
    with store(settings) as engine:
        answer = text if text is not None else _from_template(engine, settings, message_id,
                                                              str(template))  # fmt: skip
        _queue_and_send(engine, settings, message_id, answer, approve=False, as_json=as_json)


@inbox_app.command("approve")
def inbox_approve(
    message_id: Annotated[int, typer.Argument(help="The draft's message id (inbox list).")],
    text: Annotated[
        str | None, typer.Option("--text", help="Send this instead of the draft's text.")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a draft answer a rule proposed (``mode = "draft"``), as it is or edited."""
    settings = load_settings(config)
    with store(settings) as engine:
        _queue_and_send(engine, settings, message_id, text, approve=True, as_json=as_json)


@inbox_app.command("test")
def inbox_test(
    text: Annotated[str, typer.Argument(help='A buyer\'s text, e.g. "когда будет доставка?"')],
    kind: Annotated[str, typer.Option("--kind", help="question or review.")] = "question",
    rating: Annotated[int | None, typer.Option("--rating", min=1, max=5)] = None,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    account: AccountOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which [[answers.rules]] would answer TEXT, and with what (nothing is sent)."""
    from mpsync.connector.registry import load_connector
    from mpsync.inbox.knowledge import Subject, decide

    choice(kind, ("question", "review"), "--kind")
    settings = load_settings(config)
    _known_account(settings, account)
    marketplace = settings.account(account).marketplace if account else None
    policy = load_connector(marketplace).answer_policies.get(kind) if marketplace else None
    subject = Subject(kind, text, account or "", sku, rating, product=sku)
    decision = decide(settings.answers, subject, policy, marketplace or "the marketplace")
    problem = decision.problem if decision else None
    if decision is not None and marketplace is None and problem and "does not take" in problem:
        problem = None  # no account given: no marketplace limits to check
    result = {"rule": decision.rule.name if decision else None,
              "mode": decision.mode if decision else None,
              "answer": decision.text if decision else None, "problem": problem}  # fmt: skip
    if as_json:
        print_json(result)
        return
    if decision is None:
        console.print("No rule answers this text.", highlight=False)
        return
    console.print(f"Rule: {decision.rule.name} ({decision.mode})", highlight=False, markup=False)
    console.print(decision.text, highlight=False, markup=False)
    if problem:
        console.print(f"Not sendable: {problem}", highlight=False, markup=False)


def _queue_and_send(engine: Any, settings: Any, message_id: int, text: str | None, *,
                    approve: bool, as_json: bool) -> None:  # fmt: skip
    from mpsync.inbox.answers import AnswerRefused
    from mpsync.inbox.listing import show_message
    from mpsync.inbox.service import deliver, queue

    row = show_message(engine, message_id, now=_now())
    if row is None:
        fail(f"no message {message_id}; see `mpsync inbox list`")
    require_secrets(settings, [row["account"]])
    try:
        queue(engine, message_id, now=_now(), text=text, approve=approve)
    except AnswerRefused as exc:
        fail(str(exc))
    after = asyncio.run(deliver(engine, settings, message_id, clock=_now))
    assert after is not None
    if as_json:
        print_json({key: value for key, value in after.items() if key != "buyer"})
    else:
        _print_card(after)
    if after["state"] not in (MessageState.ANSWERED, MessageState.SENDING):
        raise typer.Exit(EXIT_RUNTIME)


def _from_template(engine: Any, settings: Any, message_id: int, name: str) -> str:
    from mpsync.inbox.answers import AnswerRefused, by_ids
    from mpsync.inbox.knowledge import TemplateProblem, render, subject_of, template_text

    with engine.connect() as connection:
        rows = by_ids(connection, [message_id])
    if not rows:
        fail(f"no message {message_id}; see `mpsync inbox list`")
    try:
        return render(template_text(settings.answers, name), subject_of(rows[0]),
                      name=f"template {name!r}")  # fmt: skip
    except (TemplateProblem, AnswerRefused) as exc:
        fail(str(exc))


def _print_card(row: dict[str, Any]) -> None:
    lines = [
        f"#{row['id']} {row['kind']} {row['external_id']} ({row['account']}) — {row['state']}",
        f"product: {row['product'] or '—'} [{row['sku'] or 'unbound'}]"
        + (f", order {row['order']}" if row["order"] else ""),
        f"rating: {row['rating']}" if row["rating"] else "",
        f"buyer: {row['buyer']}" if row.get("buyer") else "",
        f"created: {row['created_at']}",
        f"answer by: {row['deadline']}" if row["deadline"] else "",
        "",
        row["text"] or "(no text)",
        f"pros: {row['pros']}" if row["pros"] else "",
        f"cons: {row['cons']}" if row["cons"] else "",
        "",
        f"answer ({row['answered_at']}): {row['answer']}" if row["answer"] else "",
        f"draft ({row['rule'] or 'by hand'}): {row['draft']}" if _drafting(row) else "",
        f"note: {row['note']}" if row["note"] else "",
        *(f"reply ({r['source']}, {r['received_at']}): {r['text']!r} → {r['action']}"
          for r in row.get("replies") or []),
    ]  # fmt: skip
    text = "\n".join(lines).strip()
    console.print(text, highlight=False, markup=False)


def _drafting(row: dict[str, Any]) -> bool:
    return bool(row["draft"]) and row["state"] in (
        MessageState.DRAFT,
        MessageState.SENDING,
        MessageState.EXPIRED,
    )


def _short(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _known_account(settings: Any, account: str | None) -> None:
    if account and account not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account!r} is not in the config (known: {known})")


def register(app: typer.Typer) -> None:
    app.add_typer(inbox_app, name="inbox")
