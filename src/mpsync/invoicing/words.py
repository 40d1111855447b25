"""Amounts in Russian words for invoices: ``Одна тысяча двести тридцать четыре рубля 50 копеек``.

Pure functions; the integer part is spelled out, kopecks stay in digits as on invoices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import NamedTuple

_UNITS_M = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_F = ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)


class Noun(NamedTuple):
    """A counted noun: its three plural forms and whether it is feminine."""

    one: str
    few: str
    many: str
    feminine: bool = False


# Scales above units: thousand (feminine), million, billion, trillion.
_SCALES = (
    Noun("тысяча", "тысячи", "тысяч", feminine=True),
    Noun("миллион", "миллиона", "миллионов"),
    Noun("миллиард", "миллиарда", "миллиардов"),
    Noun("триллион", "триллиона", "триллионов"),
)
_CURRENCIES = MappingProxyType(
    {
        "RUB": (Noun("рубль", "рубля", "рублей"), Noun("копейка", "копейки", "копеек", True)),
        "USD": (Noun("доллар США", "доллара США", "долларов США"), Noun("цент", "цента", "центов")),
        "EUR": (Noun("евро", "евро", "евро"), Noun("цент", "цента", "центов")),
    }
)


def plural(count: int, noun: Noun) -> str:
    """The form of *noun* that follows the number *count*."""
    tail = count % 100
    if tail % 10 == 1 and tail != 11:
        return noun.one
    if 2 <= tail % 10 <= 4 and not 12 <= tail <= 14:
        return noun.few
    return noun.many


def _triad(number: int, feminine: bool) -> list[str]:
    hundreds, rest = divmod(number, 100)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest < 20:
        return [*words, _TEENS[rest - 10]]
    tens, units = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if units:
        words.append((_UNITS_F if feminine else _UNITS_M)[units])
    return words


def number_in_words(number: int, *, feminine: bool = False) -> str:
    """``1234`` → ``одна тысяча двести тридцать четыре`` (``ноль`` for zero)."""
    if number < 0:
        return "минус " + number_in_words(-number, feminine=feminine)
    if number == 0:
        return "ноль"
    words: list[str] = []
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES) + 1:
        raise ValueError("number too large to spell out")
    for index in range(len(groups) - 1, 0, -1):
        group = groups[index]
        if group:
            scale = _SCALES[index - 1]
            words += [*_triad(group, scale.feminine), plural(group, scale)]
    words += _triad(groups[0], feminine)
    return " ".join(words)


def amount_in_words(amount: Decimal, currency: str = "RUB") -> str:
    """``Decimal('1234.50')`` → ``Одна тысяча двести тридцать четыре рубля 50 копеек``."""
    value = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = int(abs(value))
    cents = int((abs(value) - whole) * 100)
    nouns = _CURRENCIES.get(currency.upper())
    if nouns is None:
        text = f"{number_in_words(whole)} {currency.upper()} {cents:02d}"
    else:
        major, minor = nouns
        spelled = number_in_words(whole, feminine=major.feminine)
        text = f"{spelled} {plural(whole, major)} {cents:02d} {plural(cents, minor)}"
    if value < 0:
        text = "минус " + text
    return text[0].upper() + text[1:]
