"""How names are said where a letter or an appeal needs a case form.

- Belarusian greets a man in the vocative: "Дарагі Алесю!", "Добры дзень, Максіме!". The form
  comes from the profile (`names.be.vocative`), never from a guess: without it the letter and
  the cards greet him with "Добры дзень!" and no name, and `letters check` warns, suggesting a
  form from a few rules for the common endings for the organizer to confirm. Women's names are
  said as they are written ("Дарагая Марфа!"), and Russian needs no vocative.
- The Russian appeal asks to release the person by the official name in the accusative
  ("освободить Марфу Рабкову", "Анастасию Лойко"): `names.ru.accusative` when the profile has
  it, otherwise a form made by pymorphy3's Russian dictionary, which `letters check` shows for
  confirmation. pymorphy3 is loaded only when a profile lacks the field.
- The addressee of a Russian appeal is written in the dative, in Cyrillic: addressees.yaml's
  `ru:` block, checked here to exist for every addressee a Russian appeal goes to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.diagnostics import Diagnostic
from .models import Prisoner

if TYPE_CHECKING:
    from .load import CampaignData

# A man's first name in the Belarusian vocative, by its ending (checked in order). Only a
# suggestion: the organizer confirms it by writing it into the profile.
VOCATIVE_SPECIAL: dict[str, str | None] = {"Павел": "Паўле", "Пётр": None}  # None: no safe suggestion
VOCATIVE_RULES: list[tuple[tuple[str, ...], int, str]] = [
    (("а", "я", "о"), 0, ""),  # Янка, Ілья: said as written
    (("й", "ь"), 1, "ю"),  # Мікалай -> Мікалаю, Андрэй -> Андрэю, Алесь -> Алесю, Віталь -> Віталю
    (("ір", "ыр"), 0, "е"),  # Уладзімір -> Уладзіміре
    (("к", "г", "х", "ж", "ш", "ч", "ц", "р"), 0, "у"),  # Марк -> Марку, Ігар -> Ігару, Віктар -> Віктару
    (("ў",), 1, "ве"),  # Станіслаў -> Станіславе
    (("т",), 1, "це"),  # Марат -> Мараце
    (("д",), 1, "дзе"),  # Давыд -> Давыдзе, Эдуард -> Эдуардзе
    (("б", "в", "з", "л", "м", "н", "п", "с", "ф"), 0, "е"),  # Максім -> Максіме, Іван -> Іване, Валянцін -> Валянціне
]


def suggest_vocative(first: str) -> str | None:
    """A Belarusian man's first name in the vocative by the rules above, or None when no rule fits."""
    if first in VOCATIVE_SPECIAL:
        return VOCATIVE_SPECIAL[first]
    for endings, cut, add in VOCATIVE_RULES:
        if first.endswith(endings):
            return first[: len(first) - cut] + add
    return None


def be_address(prisoner: Prisoner) -> str | None:
    """The name a Belarusian greeting says: a woman's first name as written, a man's in the
    vocative from the profile; None for a man without it (greet with no name, never a guess)."""
    if prisoner.gender == "female":
        return prisoner.names.be.first
    return prisoner.names.be.vocative


def official_first(prisoner: Prisoner, lang: str = "ru") -> str:
    """The full official first name (Анастасия for Наста), as an appeal identifies the person."""
    name = getattr(prisoner.names, lang)
    return name.official_first or name.first


def official_name(prisoner: Prisoner, lang: str = "ru") -> str:
    """Surname, official first name and patronymic where known: "Лойко Анастасия"."""
    name = getattr(prisoner.names, lang)
    return " ".join(p for p in (name.last, official_first(prisoner, lang), name.patronymic) if p)


def ru_accusative(prisoner: Prisoner) -> tuple[str, bool]:
    """The official first name and surname in the accusative, and whether it is a guess."""
    if prisoner.names.ru.accusative:
        return prisoner.names.ru.accusative, False
    return guess_accusative(official_first(prisoner), prisoner.names.ru.last, prisoner.gender), True


# ------------------------------------------------------------------ Russian morphology (pymorphy3)


@cache
def russian_morph() -> Any:
    """pymorphy3's Russian analyser, one for the process (its dictionaries take 8 MB); they
    come in the pymorphy3-dicts-ru wheel, so nothing is downloaded. Loaded (~0.1 s) only when
    needed: a profile lacks `accusative`, or the lint meets a Russian word."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


ROLES = {"first": "Name", "last": "Surn"}


def guess_accusative(first: str, last: str, gender: str) -> str:
    """"Марфа Рабкова" -> "Марфу Рабкову", "Валентин Стефанович" -> "Валентина Стефановича"."""
    return f"{_accusative(first, gender, 'first')} {_accusative(last, gender, 'last')}"


def _accusative(word: str, gender: str, role: str) -> str:
    return "-".join(_accusative_one(part, gender, role) for part in word.split("-"))


@lru_cache(maxsize=4096)
def _accusative_one(word: str, gender: str, role: str) -> str:
    """One word's accusative; remembered, since first names repeat across a campaign's
    profiles and each look-up in the dictionary costs a tenth of a millisecond or more."""
    wanted = "masc" if gender == "male" else "femn"
    for parse in russian_morph().parse(word):
        tag = parse.tag
        if tag.case != "nomn" or tag.number == "plur":
            continue
        is_name = tag.POS == "NOUN" and ROLES[role] in tag and (tag.gender in (wanted, "ms-f"))
        is_adjective = role == "last" and tag.POS == "ADJF" and tag.gender == wanted  # Тестовая, Примерный
        if not (is_name or is_adjective):
            continue
        if "Fixd" in tag:  # Лойко, Бабарико: not declined
            return word
        form = parse.inflect({"accs", "anim"} if tag.POS == "ADJF" and wanted == "masc" else {"accs"})
        if form is not None:
            return _like(word, form.word)
    return _accusative_by_ending(word, gender)


def _accusative_by_ending(word: str, gender: str) -> str:
    """Where the dictionary does not know the name: the endings of Russian surnames."""
    if gender == "male":
        for ending, accusative in (("ий", "ого"), ("ый", "ого"), ("ой", "ого"), ("ь", "я"), ("й", "я"), ("а", "у"), ("я", "ю")):
            if word.endswith(ending):
                return word[: -len(ending)] + accusative
        if word[-1:].lower() in "бвгджзклмнпрстфхцчшщ" and not word.endswith(("их", "ых")):
            return word + "а"
        return word
    for ending, accusative in (("ая", "ую"), ("яя", "юю"), ("а", "у"), ("я", "ю")):
        if word.endswith(ending):
            return word[: -len(ending)] + accusative
    return word  # a woman's surname on a consonant or -о is not declined


def _like(original: str, form: str) -> str:
    """The dictionary's lower-case form, capitalised as the name was."""
    return form[:1].upper() + form[1:] if original[:1].isupper() else form


# ------------------------------------------------------------------ what `letters check` says


At = Callable[[Path, tuple[Any, ...], str, str], Diagnostic]  # file, field, message, severity -> a diagnostic


def check(data: CampaignData, at: At) -> list[Diagnostic]:
    """Case forms a campaign's documents need: missing Belarusian vocatives (with a suggestion),
    guessed Russian accusatives (shown for confirmation), and the addressee of every appeal language."""
    found: list[Diagnostic] = []
    audiences = {data.registry.product(p).audience for p in data.campaign.products if p in data.registry.products}
    campaign_file = data.root / "campaign.yaml"
    addressees_file = data.root / "addressees.yaml"
    if "authority" in audiences:
        for lang in data.campaign.appeal_languages:
            aid = data.campaign.addressee_for(lang)
            if aid is None:
                found.append(at(campaign_file, ("appeal_to",), f"no addressee for the {lang} appeal; add `{lang}: <id>` "
                                f"from addressees.yaml ({', '.join(sorted(data.addressees))})", "error"))
            elif aid not in data.addressees:
                found.append(at(campaign_file, ("appeal_to",), f"unknown addressee {aid!r}; expected one of "
                                f"{sorted(data.addressees)} from addressees.yaml", "error"))
            elif lang == "ru" and data.addressees[aid].ru is None:
                found.append(at(addressees_file, (aid,), "the Russian appeal needs the addressee in Cyrillic and in the "
                                "dative: add `ru: {title: Генеральному прокурору ..., name: Горе Д. Ю., address: [...]}`", "error"))
    for pid, prisoner in data.prisoners.items():
        if prisoner.status != "imprisoned":
            continue
        path = data.files[pid]
        writes = prisoner.correspondence == "open" and "prisoner" in audiences and "be" in data.campaign.languages
        if writes and prisoner.gender == "male" and not prisoner.names.be.vocative:
            suggestion = suggest_vocative(prisoner.names.be.first)
            advice = (f"suggested: `vocative: {suggestion}`; check it and write it under names.be" if suggestion
                      else "write his first name in the vocative under names.be (`vocative: Алесю`)")
            found.append(at(path, ("names", "be", "vocative"), f"no vocative for {prisoner.names.be.first}: the Belarusian "
                            f"letter and cards greet him with \"Добры дзень!\" and no name; {advice}", "warning"))
        if "authority" in audiences and "ru" in data.campaign.appeal_languages and not prisoner.names.ru.accusative:
            guess, _ = ru_accusative(prisoner)
            found.append(at(path, ("names", "ru", "accusative"), f"the Russian appeal asks to release \"{guess}\", a form "
                            f"guessed by pymorphy3; check it and write `accusative: {guess}` under names.ru", "warning"))
    return found
