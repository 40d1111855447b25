"""Russian phrases matched by word forms: «доставка» matches «доставки», «доставкой».

Each word is reduced to its dictionary forms (lemmas) by pymorphy3's morphological
dictionary (OpenCorpora), not by cutting endings: «отставка» stays another word, and
irregular forms («пришёл» → «прийти») still meet. A phrase matches a text when its words
occur there in order, next to each other, each sharing a lemma with the text's word.
The dictionary loads once per process, on first use (about 0.3 s).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

WORD = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*", re.IGNORECASE)
Lemmas = frozenset[str]


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import pymorphy3

    # Its "Loading dictionaries" info lines are not ours to print (commands print JSON).
    logging.getLogger("pymorphy3").setLevel(logging.WARNING)
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=65536)
def lemmas(word: str) -> Lemmas:
    """The dictionary forms of *word* (lower case, ё as е), the word itself included."""
    plain = word.lower().replace("ё", "е")
    if not re.search("[а-я]", plain):
        return frozenset({plain})
    forms = {parse.normal_form.replace("ё", "е") for parse in _analyzer().parse(plain)}
    return frozenset({plain, *forms})


def words(text: str) -> list[Lemmas]:
    """The lemma sets of the words of *text*, in order."""
    return [lemmas(match.group()) for match in WORD.finditer(text)]


def phrase_in(phrase: Sequence[Lemmas], text: Sequence[Lemmas]) -> bool:
    """Whether the words of *phrase* occur in *text* in order and next to each other."""
    if not phrase:
        return False
    last = len(text) - len(phrase)
    return any(
        all(phrase[offset] & text[start + offset] for offset in range(len(phrase)))
        for start in range(last + 1)
    )
