"""The product registry: every product the tool can make, as data.

Built-in products are in templates/products/*.yaml; a campaign adds its own
(a card design, an envelope size) in its templates/products/*.yaml, and a
campaign file of the same name replaces the built-in one. Files are read in
name order, entries in file order: that order is the order of `letters
products`, of the README's table and of the parts of a bundle.

A file may hold three tables:

- `products:` name -> entry (see `ProductSpec`); `base:` names an entry whose
  fields this one starts from (window letters vary the letter);
- `envelopes:` size -> width, height and postal address zone;
- `label_sheets:` name -> the published geometry of a label sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.diagnostics import Diagnostic, from_validation
from ..core.errors import CampaignError, LettersError
from ..core.templates import list_texts, load_text, make_environment
from .envelopes import Envelope
from .labels import LabelSheet
from .paper import PAPERS, Box, length_mm

FOLDER = "products"
Audience = Literal["prisoner", "authority", "volunteer"]
Eligible = Literal["mail", "appeal"]  # named rules, applied by the plan: who may get it
Languages = Literal["campaign", "first", "appeal"]  # the campaign's languages, its first, its appeal languages
Layout = Literal["", "window", "envelope", "postcard", "labels"]  # geometry the template receives


class ProductSpec(BaseModel):
    """One registry entry as written in YAML; every field has a default but the template."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    template: str = Field(min_length=1, description="the template, found through the lookup; may contain {lang}")
    audience: Audience
    eligible: Eligible = Field(description="who may get it: mail (can receive letters) or appeal (anyone imprisoned)")
    languages: Languages = "campaign"
    layout: Layout = ""
    variant: str = Field(default="", description="what a shared template makes: a card design, an envelope size")
    papers: tuple[Literal["a4", "letter"], ...] = ("a4", "letter")
    max_pages: int | None = Field(default=None, ge=1)
    per_person: bool = True  # one document per person and language
    per_campaign: bool = False  # one document per language for everyone eligible (card sheets, labels)
    takes_message: bool = False  # the writer's own words (messages/<id>/*.txt, --message, --phrases) go in
    counts_as_letter: bool = False  # the ledger counts it as a letter written to the person
    duplex: bool = True  # printed on both sides: bundles pad it to even pages (envelopes are fed one by one)
    label_sheets: dict[Literal["a4", "letter"], str] = Field(default_factory=dict)  # labels: the sheet per paper
    description: str = ""


@dataclass(frozen=True)
class Product:
    name: str
    template: str
    audience: Audience
    eligible: Eligible
    languages: Languages = "campaign"
    layout: Layout = ""
    variant: str = ""
    papers: tuple[str, ...] = ("a4", "letter")
    max_pages: int | None = None
    per_person: bool = True
    per_campaign: bool = False
    takes_message: bool = False
    counts_as_letter: bool = False
    duplex: bool = True
    label_sheets: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def template_for(self, lang: str) -> str:
        return self.template.format(lang=lang)

    def label_sheet(self, paper: str) -> str:
        return dict(self.label_sheets)[paper]


class EnvelopeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=1)
    width: float | str
    height: float | str
    zone: dict[Literal["x", "y", "w", "h"], float | str] = Field(description="the postal address zone")


class LabelSheetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    paper: Literal["a4", "letter"]
    columns: int = Field(ge=1)
    rows: int = Field(ge=1)
    width: float | str
    height: float | str
    left: float | str
    top: float | str
    pitch_x: float | str
    pitch_y: float | str


@dataclass(frozen=True)
class Registry:
    """Products, envelope sizes and label sheets of one campaign (or the built-in ones)."""

    products: dict[str, Product]
    envelopes: dict[str, Envelope]
    label_sheets: dict[str, LabelSheet]

    def product(self, name: str, called: str = "product") -> Product:
        """The product called `name`, or a clear error listing the known ones.

        `called` is the word the user typed it as (`letters render` says TEMPLATE).
        """
        if name not in self.products:
            raise LettersError(f"unknown {called} {name!r}; expected one of {', '.join(sorted(self.products))}")
        return self.products[name]

    def named(self, layout: str) -> list[str]:
        """The products with this layout, in registry order: `named("envelope")`."""
        return [n for n, p in self.products.items() if p.layout == layout]


def _product(name: str, spec: ProductSpec) -> Product:
    values = spec.model_dump()
    values["label_sheets"] = tuple(sorted(values["label_sheets"].items()))
    values["papers"] = tuple(values["papers"])
    return Product(name=name, **{f.name: values[f.name] for f in fields(Product) if f.name != "name"})


def _envelope(name: str, spec: EnvelopeSpec) -> Envelope:
    zone = Box(*(length_mm(spec.zone[k]) for k in ("x", "y", "w", "h")))
    return Envelope(name, spec.title, length_mm(spec.width), length_mm(spec.height), zone)


def _label_sheet(name: str, spec: LabelSheetSpec) -> LabelSheet:
    sizes = (length_mm(v) for v in (spec.width, spec.height, spec.left, spec.top, spec.pitch_x, spec.pitch_y))
    return LabelSheet(name, spec.paper, spec.columns, spec.rows, *sizes)


def _entries(raw: dict[str, Any], products: dict[str, dict[str, Any]], file: str, problems: list[Diagnostic]) -> None:
    """Resolve `base:` and collect the product entries of one file, in its order."""
    for name, entry in (raw.get("products") or {}).items():
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", str(name)):
            problems.append(Diagnostic("a product's name is lower-case letters, digits and dashes (it names files)",
                                       file=file, field=f"products.{name}"))
            continue
        if not isinstance(entry, dict):
            problems.append(Diagnostic("expected a mapping of the product's fields", file=file, field=f"products.{name}"))
            continue
        entry = dict(entry)
        if base := entry.pop("base", None):
            if base not in products:
                problems.append(Diagnostic(f"base {base!r} is not a product defined before it", file=file, field=f"products.{name}.base"))
                continue
            entry = {**products[base], **entry}
        products[str(name)] = entry


def load_registry(campaign_root: Path | None = None) -> Registry:
    """The registry of a campaign: built-in files and the campaign's own, validated.

    Every problem names its file and field; they are raised together.
    """
    env = make_environment(campaign_root)
    raw_products: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    envelopes: dict[str, Envelope] = {}
    sheets: dict[str, LabelSheet] = {}
    problems: list[Diagnostic] = []
    for name in list_texts(env, FOLDER):
        file = f"templates/{name}"
        raw = load_text(env, name) or {}
        if not isinstance(raw, dict) or set(raw) - {"products", "envelopes", "label_sheets"}:
            problems.append(Diagnostic("expected the tables products:, envelopes: and label_sheets:", file=file))
            continue
        for size, spec in (raw.get("envelopes") or {}).items():
            try:
                envelopes[str(size)] = _envelope(str(size), EnvelopeSpec.model_validate(spec))
            except ValidationError as exc:
                problems += from_validation(exc, spec, file, prefix=("envelopes", size))
        for sheet, spec in (raw.get("label_sheets") or {}).items():
            try:
                sheets[str(sheet)] = _label_sheet(str(sheet), LabelSheetSpec.model_validate(spec))
            except ValidationError as exc:
                problems += from_validation(exc, spec, file, prefix=("label_sheets", sheet))
        _entries(raw, raw_products, file, problems)
        where.update((str(n), file) for n in raw.get("products") or {})
    products: dict[str, Product] = {}
    for name, entry in raw_products.items():
        try:
            products[name] = _product(name, ProductSpec.model_validate(entry))
        except ValidationError as exc:
            problems += from_validation(exc, entry, where[name], prefix=("products", name))
    problems += _references(products, envelopes, sheets, where)
    if problems:
        raise CampaignError(problems)
    return Registry(products, envelopes, sheets)


def _references(products: dict[str, Product], envelopes: dict[str, Envelope], sheets: dict[str, LabelSheet],
                where: dict[str, str]) -> list[Diagnostic]:
    """What one entry names must exist: an envelope's size, a label sheet for each paper."""
    problems = []
    for name, p in products.items():
        if p.layout == "envelope" and p.variant not in envelopes:
            problems.append(Diagnostic(f"unknown envelope size {p.variant!r}; expected one of {', '.join(envelopes)} "
                                       "(add it to an envelopes: table)", file=where[name], field=f"products.{name}.variant"))
        if p.layout == "labels":
            for paper in p.papers:
                sheet = dict(p.label_sheets).get(paper)
                if sheet not in sheets or sheets[sheet].paper != paper:
                    problems.append(Diagnostic(f"needs a label sheet on {paper} paper (label_sheets: {{{paper}: NAME}})",
                                               file=where[name], field=f"products.{name}.label_sheets"))
        if unknown := [paper for paper in p.papers if paper not in PAPERS]:
            problems.append(Diagnostic(f"unknown paper {unknown}", file=where[name], field=f"products.{name}.papers"))
    return problems


@cache
def builtin_registry() -> Registry:
    """The built-in products: what the CLI's choices, `letters products` and the README list."""
    return load_registry(None)
