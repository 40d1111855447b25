"""The knowledge base: which ``[[answers.rules]]`` answers a buyer's message, and with what.

Rules are tried in order (the config's, then ``answers/*.toml`` by file name); the first
that admits the message answers it. Templates are Jinja2 (sandboxed, unknown variables
are errors): ``{{ product }}`` (the product's name, else its SKU), ``{{ buyer }}`` (the
buyer's name where the marketplace gives one, else ""), ``{{ sku }}``, ``{{ rating }}``,
``{{ account }}``. An answer is checked against the marketplace's length limits
(``Connector.answer_policies``) before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from mpsync.config.model import AnswerRule, AnswersConfig
from mpsync.connector.base import AnswerPolicy
from mpsync.inbox.morphology import Lemmas, phrase_in, words


@dataclass(frozen=True)
class Subject:
    """What a rule looks at in a message (a stored one, or the text of ``inbox test``)."""

    kind: str
    text: str
    account: str = ""
    sku: str | None = None
    rating: int | None = None
    product: str | None = None
    buyer: str | None = None

    def variables(self) -> dict[str, Any]:
        return {"product": self.product or self.sku or "", "buyer": self.buyer or "",
                "sku": self.sku or "", "rating": self.rating, "account": self.account}  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """The rule that answers a message and the answer it renders (or why it cannot)."""

    rule: AnswerRule
    text: str
    problem: str | None = None  # set: the answer must not be sent as it is

    @property
    def mode(self) -> str:
        return self.rule.mode


class TemplateProblem(ValueError):
    """A template that does not render; the message names the rule or template."""


@lru_cache(maxsize=256)
def _phrases(match: tuple[str, ...]) -> tuple[tuple[Lemmas, ...], ...]:
    return tuple(tuple(words(phrase)) for phrase in match if phrase.strip())


def admits(rule: AnswerRule, subject: Subject) -> bool:
    """Whether *rule* answers *subject*: kind, account, SKU, rating range, then phrases."""
    if subject.kind not in rule.kinds:
        return False
    if rule.accounts and subject.account not in rule.accounts:
        return False
    if rule.skus and subject.sku not in rule.skus:
        return False
    if rule.rating_min is not None and (subject.rating or 0) < rule.rating_min:
        return False
    if rule.rating_max is not None and (subject.rating is None or subject.rating > rule.rating_max):
        return False
    phrases = _phrases(tuple(rule.match))
    if not phrases:
        return True
    text = words(subject.text)
    return any(phrase_in(phrase, text) for phrase in phrases)


def first_rule(rules: Sequence[AnswerRule], subject: Subject) -> AnswerRule | None:
    return next((rule for rule in rules if admits(rule, subject)), None)


def render(template: str, subject: Subject, *, name: str) -> str:
    """*template* filled in for *subject*; ``TemplateProblem`` names *name* on error."""
    try:
        return _environment().from_string(template).render(subject.variables()).strip()
    except TemplateError as exc:
        raise TemplateProblem(f"{name}: template does not render: {exc}") from None


def check_length(text: str, policy: AnswerPolicy | None, marketplace: str) -> str | None:
    """Why *text* cannot be sent under *policy*, or None when it fits."""
    if policy is None:
        return f"{marketplace} does not take answers to this kind of message through its API"
    size = len(text)
    if size < policy.min_length:
        return f"the answer has {size} characters; {marketplace} needs at least {policy.min_length}"
    if policy.max_length is not None and size > policy.max_length:
        return (f"the answer has {size} characters; {marketplace} takes at most "
                f"{policy.max_length}")  # fmt: skip
    return None


def decide(config: AnswersConfig, subject: Subject, policy: AnswerPolicy | None,
           marketplace: str) -> Decision | None:  # fmt: skip
    """The first rule admitting *subject*, its rendered answer, and any problem with it."""
    rule = first_rule(config.rules, subject)
    if rule is None:
        return None
    try:
        text = render(rule.template, subject, name=f"answers rule {rule.name!r}")
    except TemplateProblem as exc:
        return Decision(rule, "", str(exc))
    return Decision(rule, text, check_length(text, policy, marketplace))


def template_text(config: AnswersConfig, name: str) -> str:
    """The text of ``[answers.templates] NAME``, else of the rule named NAME."""
    if name in config.templates:
        return config.templates[name]
    for rule in config.rules:
        if rule.name == name:
            return rule.template
    known = sorted({*config.templates, *(rule.name for rule in config.rules)})
    raise TemplateProblem(
        f"no answer template or rule named {name!r}; known: {', '.join(known) or 'none'} "
        "(add [answers.templates] or [[answers.rules]] to the config)"
    )


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def subject_of(row: Mapping[str, Any]) -> Subject:
    """The subject of a stored message row: its text with pros and cons."""
    parts = [row.get("text") or "", row.get("pros") or "", row.get("cons") or ""]
    return Subject(
        kind=row["kind"], text="\n".join(part for part in parts if part),
        account=row["account_id"], sku=row.get("sku"), rating=row.get("rating"),
        product=row.get("product_name"), buyer=row.get("author"),
    )  # fmt: skip
