"""Approval by e-mail, the pure parts: the reply's own text, which draft a mail answers,
whose it is, the draft mail's invitation and Message-ID, and the ``imap`` keys' errors."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mpsync.config import ChannelConfig
from mpsync.inbox.mailbox import judge, referenced_ids, reply_text, sender_of
from mpsync.notify import ChannelConfigError, OutgoingMessage, build_channel
from mpsync.notify.channels.smtp import EmailChannel, message_id

DRAFT_ID = message_id("inbox:wb:question:q1:inbox.draft:abc:mail", "robot@example.ru")


def _mail(body: str, *, sender: str = "Продавец <Seller@Example.ru>",
          in_reply_to: str | None = DRAFT_ID, flowed: bool = False) -> EmailMessage:  # fmt: skip
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "robot@example.ru"
    mail["Subject"] = "Re: Черновик ответа ждёт одобрения"
    mail["Message-ID"] = "<reply-1@mail.example.ru>"
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    if flowed:
        mail.set_param("format", "flowed")
    return _reparsed(mail)


def _reparsed(mail: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


QUOTE = "> Черновик ответа ждёт одобрения\n> Ответ (правило delivery):\n>   Доставим за 1–3 дня\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ок\n", "ок"),
        (f"Ок\n\nOn Mon, 1 Dec 2026 at 10:00, mpsync <robot@example.ru> wrote:\n{QUOTE}", "Ок"),
        # Gmail wraps a long attribution onto a second line.
        ("Привезём завтра.\n\nOn Mon, 1 Dec 2026 at 10:00, mpsync\n<robot@example.ru> wrote:\n"
         f"\n{QUOTE}", "Привезём завтра."),
        (f"Привезём завтра,\nприносим извинения.\n\n1 дек. 2026 г., в 10:00, mpsync "
         f"<robot@example.ru> написал(а):\n{QUOTE}", "Привезём завтра,\nприносим извинения."),
        (f"Привезём завтра.\n\nПонедельник, 1 декабря 2026, 10:00 +03:00 от mpsync "
         f"<robot@example.ru>:\n{QUOTE}", "Привезём завтра."),
        ("Привезём завтра.\n\n-----Original Message-----\nFrom: mpsync\nSubject: x\n\nтекст",
         "Привезём завтра."),
        (f"Привезём завтра.\n-- \nИван, ООО «Кружки»\n+7 900 000-00-00\n\n{QUOTE}",
         "Привезём завтра."),
        (f"Привезём завтра.\n\nОтправлено с iPhone\n\n{QUOTE}", "Привезём завтра."),
        (f"{QUOTE}", ""),
    ],
)  # fmt: skip
def test_the_reply_text_is_what_stands_above_the_quote(body: str, expected: str) -> None:
    assert reply_text(_mail(body)) == expected


def test_a_flowed_reply_is_one_line_again() -> None:
    mail = _mail("Привезём завтра, \nизвините за ожидание.\n\n> цитата\n", flowed=True)
    assert reply_text(mail) == "Привезём завтра, извините за ожидание."


def test_a_reply_without_a_plain_text_part_has_no_text() -> None:
    mail = EmailMessage()
    mail["From"] = "seller@example.ru"
    mail.set_content("<p>ок</p>", subtype="html")
    assert reply_text(_reparsed(mail)) is None


def test_references_sender_and_the_checks_that_accept_a_reply() -> None:
    mail = _mail("ок")
    assert referenced_ids(mail) == [DRAFT_ID]
    assert sender_of(mail) == "seller@example.ru"  # the address, lower-cased
    allowed = frozenset({"seller@example.ru"})
    accepted = judge(mail, mail.as_bytes(), {DRAFT_ID: 42}, allowed)
    assert (accepted.reason, accepted.message, accepted.text) == (None, 42, "ок")
    assert accepted.key.startswith("email:") and "reply-1" not in accepted.key
    stranger = _mail("ок", sender="seller@example.ru.evil.example")
    assert judge(stranger, b"", {DRAFT_ID: 42}, allowed).reason == "not from a recipient"
    two = _mail("ок", sender="seller@example.ru, other@example.ru")
    assert judge(two, b"", {DRAFT_ID: 42}, allowed).reason == "not from a recipient"
    forged = _mail("ок", in_reply_to=message_id("guess", "robot@example.ru"))
    assert judge(forged, b"", {DRAFT_ID: 42}, allowed).reason == "unknown draft"
    unrelated = _mail("привет", in_reply_to="<CAF=x@mail.gmail.com>")
    assert judge(unrelated, b"", {DRAFT_ID: 42}, allowed).reason == "foreign"
    assert judge(_mail("привет", in_reply_to=None), b"", {DRAFT_ID: 42}, allowed).reason == (
        "foreign")  # fmt: skip


def _channel(**extra: object) -> ChannelConfig:
    data = {"name": "mail", "type": "email", "host": "smtp.example.ru", "to": ["seller@example.ru"],
            "from": "mpsync <robot@example.ru>", **extra}  # fmt: skip
    return ChannelConfig.model_validate(data)


IMAP = {"host": "imap.example.ru", "username": "robot@example.ru", "password": "imap-pw"}


def test_message_id_takes_the_domain_of_the_address_not_of_the_display_form() -> None:
    assert message_id("k", "mpsync <robot@example.ru>").endswith(".mpsync@example.ru>")
    assert message_id("k", "mpsync <robot@example.ru>") == message_id("k", "robot@example.ru")


def test_a_channel_whose_mailbox_is_read_accepts_replies_and_threads_confirmations() -> None:
    read = build_channel(_channel(imap=IMAP))
    assert isinstance(read, EmailChannel) and read.accepts_replies  # the draft invites one
    plain = build_channel(_channel())
    assert isinstance(plain, EmailChannel) and not plain.accepts_replies
    confirmation = OutgoingMessage("reply:email:abc", "inbox.reply", "Ответ принят", "", {
        "in_reply_to": "<reply-1@mail.example.ru>", "subject": "Re: Черновик\r\nBcc: x",
        "references": [DRAFT_ID, "x>\r\nBcc: y"]})  # fmt: skip
    mail = read.compose(confirmation)
    assert mail["In-Reply-To"] == "<reply-1@mail.example.ru>"
    assert mail["References"] == f"{DRAFT_ID} <reply-1@mail.example.ru>"  # the thread kept
    assert mail["Subject"] == "Re: Черновик Bcc: x"  # one line: no header smuggled in
    assert mail.get_content().strip() == "Ответ принят"
    forged = OutgoingMessage("k", "inbox.reply", "Ответ", "", {"in_reply_to": "a>\nBcc: x"})
    assert read.compose(forged)["In-Reply-To"] is None


@pytest.mark.parametrize(
    ("imap", "expected"),
    [
        ({"username": "u", "password": "p"}, "notifications.channels['mail'].imap.host: Field required"),
        ({**IMAP, "every": "0s"}, "notifications.channels['mail'].imap.every: Value error, must be"),
        ({**IMAP, "security": "tls"}, "notifications.channels['mail'].imap.security: Input should be"),
        ({**IMAP, "folder": 5}, "notifications.channels['mail'].imap.folder: Input should be"),
        ({**IMAP, "hots": "x"}, "notifications.channels['mail'].imap.hots: Extra inputs"),
    ],
)  # fmt: skip
def test_imap_errors_name_the_key_and_never_the_password(
    imap: dict[str, object], expected: str
) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        build_channel(_channel(imap=imap))
    assert expected in str(caught.value)
    assert "imap-pw" not in str(caught.value)


def test_an_unset_imap_password_variable_is_named_before_any_mailbox_is_read() -> None:
    from mpsync.config import load_config_data
    from mpsync.inbox.mailbox import mail_readers

    mail = {"name": "mail", "type": "email", "host": "smtp.example.ru", "from": "r@example.ru",
            "to": ["s@example.ru"], "imap": {**IMAP, "password": "${IMAP_PASSWORD}"}}  # fmt: skip
    settings = load_config_data({"notifications": {"channels": [mail]}}, env={})
    with pytest.raises(ChannelConfigError) as caught:
        mail_readers(None, settings, clock=lambda: None)  # type: ignore[arg-type]
    assert "notifications.channels[0].imap.password: environment variable IMAP_PASSWORD" in str(
        caught.value)  # fmt: skip
