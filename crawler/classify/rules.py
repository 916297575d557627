"""The classifier's rules as data: parsed from crawler/classify_rules.toml and from the [classify]
tables of sites.toml, each mistake reported with the rule it is in."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from crawler.classify.quick import led_by_first_characters

FIELDS = ("title", "lead", "opening", "body")


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    pattern: re.Pattern | None
    weight: float
    min_count: int = 1
    max_chars: int | None = None  # a length rule: its weight grows as the body is shorter
    unless: re.Pattern | None = None  # the rule does not fire when this matches the same field
    # graded evidence: the weight is earned in steps, one sentence at a time, in full once this
    # many sentences match; so one sentence can move a score by at most weight / spread
    spread: int = 1
    # evidence of one kind (the wording of a review) is summed within its group, up to the
    # group's cap: wording alone, however much of it, cannot make a summary
    group: str | None = None
    # pattern and unless as searched: led by their first characters (classify/quick.py)
    quick: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)
    quick_unless: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, pattern in (("quick", self.pattern), ("quick_unless", self.unless)):
            if pattern is not None:
                object.__setattr__(self, name, led_by_first_characters(pattern))


@dataclass(frozen=True)
class Genre:
    """A kind of summary: by its title, or by the rules that fired for it."""

    name: str
    title: re.Pattern | None = None
    rules: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rules:
    threshold: float
    min_chars: int
    rules: tuple[Rule, ...]
    genres: tuple[Genre, ...] = ()
    # a decision whose score is this close to the threshold is near the line: kept as a candidate
    # for a reader to settle, whichever side it falls
    margin: float = 0.0
    caps: tuple[tuple[str, float], ...] = ()  # (group, the most its rules add together)


_RULE_KEYS = {
    "name", "field", "pattern", "max_chars", "weight", "min_count", "unless", "spread", "group"
}  # fmt: skip
_TABLE_KEYS = {"threshold", "min_chars", "rule", "genre", "margin", "caps"}
_GENRE_KEYS = {"name", "title", "rules"}


def _rule(entry: dict, base: Rule | None = None) -> Rule:
    """One rule from its TOML table; ValueError naming the rule for anything wrong. With ``base``
    (a rule of the same name), the entry changes only the keys it gives."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ValueError("each rule needs a name (a string)")
    name = entry["name"]
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise ValueError(f"rule {name!r}: unknown key {sorted(unknown)[0]!r}")
    field = entry.get("field", base.field if base else None)
    if field not in FIELDS:
        raise ValueError(f"rule {name!r}: field must be title, lead, opening or body")
    if "pattern" in entry and "max_chars" in entry:
        raise ValueError(f"rule {name!r}: give either a pattern or max_chars")
    try:
        if "pattern" in entry:
            pattern, max_chars = re.compile(entry["pattern"]), None
        elif "max_chars" in entry:
            pattern, max_chars = None, int(entry["max_chars"])
        elif base is not None:
            pattern, max_chars = base.pattern, base.max_chars
        else:
            raise ValueError(f"rule {name!r}: give either a pattern or max_chars")
        weight = float(entry["weight"]) if "weight" in entry else base.weight if base else None
        min_count = int(entry.get("min_count", base.min_count if base else 1))
        unless = re.compile(entry["unless"]) if "unless" in entry else base.unless if base else None
        spread = int(entry.get("spread", base.spread if base else 1))
        group = entry.get("group", base.group if base else None)
    except re.error as exc:
        raise ValueError(f"rule {name!r}: invalid pattern: {exc}") from None
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("rule "):
            raise
        raise ValueError(f"rule {name!r}: {exc}") from None
    if weight is None:
        raise ValueError(f"rule {name!r}: weight is missing")
    if spread < 1:
        raise ValueError(f"rule {name!r}: spread must be 1 or more")
    if min_count < 1:
        raise ValueError(f"rule {name!r}: min_count must be 1 or more")
    if group is not None and not isinstance(group, str):
        raise ValueError(f"rule {name!r}: group must be a name (a string)")
    return Rule(name, field, pattern, weight, min_count, max_chars, unless, spread, group)


def parse_rules(data: dict, base: Rules | None = None) -> Rules:
    """Rules from a TOML table shaped like classify_rules.toml. With ``base``, the table changes
    it: threshold, margin and min_chars if given, and each rule replaces the base rule of the same
    name (only in the keys it gives) or is added; a weight of 0 turns a rule off."""
    unknown = set(data) - _TABLE_KEYS
    if unknown:
        raise ValueError(
            f"unknown key {sorted(unknown)[0]!r} "
            "(allowed: threshold, margin, min_chars, caps, rule, genre)"
        )
    by_name = {rule.name: rule for rule in (base.rules if base else ())}
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise ValueError("rule must be an array of tables ([[classify.rule]])")
    for entry in entries:
        rule = _rule(entry, by_name.get(entry.get("name")) if isinstance(entry, dict) else None)
        by_name[rule.name] = rule
    try:
        threshold = float(data.get("threshold", base.threshold if base else 3))
        min_chars = int(data.get("min_chars", base.min_chars if base else 200))
        margin = float(data.get("margin", base.margin if base else 0))
    except (TypeError, ValueError):
        raise ValueError("threshold, margin and min_chars must be numbers") from None
    if margin < 0:
        raise ValueError("margin must not be negative")
    rules = tuple(rule for rule in by_name.values() if rule.weight != 0)
    genres = _genres(data["genre"]) if "genre" in data else (base.genres if base else ())
    caps = dict(base.caps) if base else {}
    table = data.get("caps", {})
    if not isinstance(table, dict):
        raise ValueError("caps must be a table of group = most it adds")
    try:
        caps |= {str(group): float(cap) for group, cap in table.items()}
    except (TypeError, ValueError):
        raise ValueError("each cap must be a number") from None
    return Rules(threshold, min_chars, rules, genres, margin, tuple(caps.items()))


def _genres(entries) -> tuple[Genre, ...]:
    if not isinstance(entries, list):
        raise ValueError("genre must be an array of tables ([[genre]])")
    genres = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("each genre needs a name (a string)")
        unknown = set(entry) - _GENRE_KEYS
        if unknown:
            raise ValueError(f"genre {entry['name']!r}: unknown key {sorted(unknown)[0]!r}")
        try:
            title = re.compile(entry["title"]) if "title" in entry else None
        except re.error as exc:
            raise ValueError(f"genre {entry['name']!r}: invalid pattern: {exc}") from None
        genres.append(Genre(entry["name"], title, frozenset(entry.get("rules", ()))))
    return tuple(genres)


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules shipped in crawler/classify_rules.toml."""
    text = resources.files("crawler").joinpath("classify_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))
