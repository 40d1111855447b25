"""The knowledge base: Russian phrases by word forms, rule filters, templates, limits."""

from __future__ import annotations

import pytest

from mpsync.config.model import AnswersConfig
from mpsync.connector.base import AnswerPolicy
from mpsync.inbox.knowledge import Subject, admits, check_length, decide, template_text
from mpsync.inbox.morphology import phrase_in, words


def _config(**rule: object) -> AnswersConfig:
    base = {"name": "delivery", "kinds": ["question"], "match": ["доставка"],
            "template": "Доставка 1–3 дня", "mode": "auto"}  # fmt: skip
    return AnswersConfig.model_validate({"rules": [{**base, **rule}]})


@pytest.mark.parametrize("text", ["Сколько идёт доставки?", "Что с доставкой", "оплачу доставку"])
def test_a_rule_for_dostavka_matches_its_word_forms(text: str) -> None:
    rule = _config().rules[0]
    assert admits(rule, Subject("question", text))


def test_a_rule_for_dostavka_does_not_match_otstavka() -> None:
    rule = _config().rules[0]
    assert not admits(rule, Subject("question", "Отставка министра"))
    assert not admits(rule, Subject("question", "Доставщик опоздал"))  # another word


def test_phrases_match_words_in_order_and_irregular_forms_meet() -> None:
    assert phrase_in(words("срок доставки")[:2], words("Какие сроки доставки в Казань?"))
    assert not phrase_in(words("срок доставки"), words("доставки срок"))
    assert phrase_in(words("прийти"), words("Когда пришёл товар"))


def test_rule_filters_kind_rating_sku_and_account() -> None:
    config = _config(kinds=["review"], match=[], rating_min=4, rating_max=5, skus=["A"],
                     accounts=[])  # fmt: skip
    rule = config.rules[0]
    assert admits(rule, Subject("review", "", sku="A", rating=5))
    assert not admits(rule, Subject("review", "", sku="A", rating=3))
    assert not admits(rule, Subject("review", "", sku="A", rating=None))
    assert not admits(rule, Subject("review", "", sku="B", rating=5))
    assert not admits(rule, Subject("question", "", sku="A", rating=5))


def test_templates_take_the_product_and_the_buyer() -> None:
    config = _config(template="{{ buyer }}, {{ product }} приедет за 1–3 дня")
    subject = Subject("question", "когда доставка?", product="Кружка", buyer="Анна")
    decision = decide(config, subject, AnswerPolicy(1, 100), "wildberries")
    assert decision is not None and decision.problem is None
    assert decision.text == "Анна, Кружка приедет за 1–3 дня"


def test_an_answer_over_the_marketplace_limit_is_not_sendable() -> None:
    config = _config(template="x" * 50)
    decision = decide(config, Subject("question", "доставка"), AnswerPolicy(2, 10), "ozon")
    assert decision is not None and decision.problem == (
        "the answer has 50 characters; ozon takes at most 10"
    )
    assert check_length("x", AnswerPolicy(2, 10), "wildberries") is not None
    assert check_length("ok", None, "ozon") is not None  # a kind the marketplace cannot answer


def test_a_template_with_an_unknown_variable_is_a_problem_named_by_rule() -> None:
    decision = decide(_config(template="{{ price }}"), Subject("question", "доставка"),
                      AnswerPolicy(), "wildberries")  # fmt: skip
    assert decision is not None and "answers rule 'delivery'" in str(decision.problem)


def test_templates_by_name_or_rule() -> None:
    config = AnswersConfig.model_validate({"templates": {"thanks": "Спасибо!"},
                                           "rules": _config().model_dump()["rules"]})  # fmt: skip
    assert template_text(config, "thanks") == "Спасибо!"
    assert template_text(config, "delivery") == "Доставка 1–3 дня"
    with pytest.raises(ValueError, match="known: delivery, thanks"):
        template_text(config, "nope")
