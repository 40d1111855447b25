"""Buyers' questions and reviews of the sandbox's products, on all three marketplaces.

Each marketplace gets the same deterministic set (from the seed): questions that repeat a
few common phrasings (delivery, washing, size), reviews of one to five stars (some angry
about delivery), a few already answered; most are older than the sandbox's start, some
appear as its clock advances. Answers are taken with the marketplaces' validation (WB:
review answers 2..5,000 characters, a wrong review id is accepted silently; Ozon: 2..3,000
for questions; Market: 1..5,000 / 1..4,096) and recorded in the truth
(``GET /_sandbox/buyers``): each message's answer and how many answers it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mpsync.sandbox.catalog import Product, Rng
from mpsync.sandbox.config import MARKETPLACES
from mpsync.sandbox.sim import MP_CODE, World
from mpsync.sandbox.state import iso

Json = dict[str, Any]
_QUESTIONS = (
    "Какие сроки доставки в Казань?",
    "Сколько идёт доставка до Москвы?",
    "Можно ли мыть в посудомоечной машине?",
    "Когда будет доставка, если заказать сегодня?",
    "Подойдёт ли размер на подарок?",
    "Что с доставкой в Новосибирск?",
)
_REVIEWS = (
    (5, "Отличный товар, спасибо!", "Качество", ""),
    (4, "Хорошая вещь, пользуюсь каждый день", "Удобно", "Цена"),
    (1, "Доставка подвела: пришло разбитым", "", "Упаковка"),
    (2, "Ждала доставку две недели", "", "Сроки"),
    (3, "Нормально, но ожидала лучше", "Цвет", "Запах"),
    (5, "Всё пришло быстро, рекомендую", "Быстро", ""),
)
_NAMES = ("Анна", "Игорь", "Мария", "Олег", "Светлана", "Пётр")
BACKLOG, LATER = 12, 6  # messages per kind before the start, and after it (10 min apart)


@dataclass
class Message:
    """One buyer message with the seller's answer as the marketplace holds it."""

    marketplace: str
    kind: str
    number: int
    product: Product
    text: str
    created: int
    author: str
    rating: int | None = None
    pros: str = ""
    cons: str = ""
    order_id: int | None = None
    answer: str | None = None
    answered_at: int | None = None
    answers: int = 0  # answer calls accepted for it (an edit counts too)

    @property
    def external_id(self) -> str:
        code = MP_CODE[self.marketplace]
        if self.marketplace == "wildberries":
            return f"{'q' if self.kind == 'question' else 'f'}Sbx{code}{self.number:07d}"
        if self.marketplace == "ozon":
            kind = 1 if self.kind == "question" else 2
            return f"0192{kind:04x}-0000-7000-8000-{self.number:012x}"
        return str((5 if self.kind == "question" else 7) * 1_000_000 + self.number)

    def take_answer(self, text: str, at: int) -> None:
        self.answer, self.answered_at = text, self.answered_at or at
        self.answers += 1

    def truth(self) -> Json:
        return {"marketplace": self.marketplace, "kind": self.kind, "id": self.external_id,
                "sku": self.product.sku, "rating": self.rating, "text": self.text,
                "created": iso(self.created), "answer": self.answer,
                "answers": self.answers}  # fmt: skip


class BuyerBook:
    """Every marketplace's messages of one sandbox world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.messages: dict[tuple[str, str, str], Message] = {}
        for marketplace in MARKETPLACES:
            for kind in ("question", "review"):
                for number in range(BACKLOG + LATER):
                    message = _invent(world, marketplace, kind, number)
                    self.messages[(marketplace, kind, message.external_id)] = message

    def visible(self, marketplace: str, kind: str) -> list[Message]:
        """Published by now, oldest first."""
        found = [m for (mp, k, _), m in self.messages.items()
                 if mp == marketplace and k == kind and m.created <= self.world.now]  # fmt: skip
        return sorted(found, key=lambda m: (m.created, m.number))

    def find(self, marketplace: str, kind: str, external_id: str) -> Message | None:
        message = self.messages.get((marketplace, kind, external_id))
        return message if message is not None and message.created <= self.world.now else None

    def truth(self, marketplace: str | None = None) -> list[Json]:
        return [m.truth() for (mp, _, _), m in sorted(self.messages.items())
                if (marketplace is None or mp == marketplace)
                and m.created <= self.world.now]  # fmt: skip


def book(world: World) -> BuyerBook:
    """The world's messages (made on first use; a reset world starts a new book)."""
    found = getattr(world, "buyer_book", None)
    if found is None:
        found = BuyerBook(world)
        world.buyer_book = found  # type: ignore[attr-defined]
    return found


def _invent(world: World, marketplace: str, kind: str, number: int) -> Message:
    rng = Rng(world.config.seed, 77, MP_CODE[marketplace], kind == "review", number)
    product = world.catalog[rng.below(len(world.catalog))]
    created = (world.start - (number + 1) * 5400 if number < BACKLOG
               else world.start + (number - BACKLOG + 1) * 600)  # fmt: skip
    author = _NAMES[rng.below(len(_NAMES))]
    if kind == "question":
        message = Message(marketplace, kind, number, product, _QUESTIONS[number % len(_QUESTIONS)],
                          created, author)  # fmt: skip
    else:
        rating, text, pros, cons = _REVIEWS[number % len(_REVIEWS)]
        message = Message(marketplace, kind, number, product, text, created, author, rating,
                          pros, cons, order_id=33_000_000 + number if marketplace == "yandex_market"
                          else None)  # fmt: skip
    if number < BACKLOG and number % 5 == 4:  # a few answered in the cabinet before the start
        message.answer, message.answered_at = "Спасибо за обращение!", created + 600
    return message
