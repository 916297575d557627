"""Is this page a work summary? Explainable weighted rules, with the deciding reason recorded.

The rules live in data (crawler/classify_rules.toml) so a user can read and tune them; the reason
stored with each page names every rule that fired, so a wrong decision can be traced to a rule.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEAD_CHARS = 300
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_YEAR_IN_LEAD = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    pattern: re.Pattern | None
    weight: float
    min_count: int = 1
    max_chars: int | None = None  # a length rule: fires for bodies shorter than this


@dataclass(frozen=True)
class Rules:
    threshold: float
    min_chars: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Decision:
    is_summary: bool
    score: float
    reason: str


def parse_rules(data: dict) -> Rules:
    """Build Rules from the parsed TOML structure of classify_rules.toml."""
    rules = []
    for entry in data.get("rule", []):
        if entry["field"] not in ("title", "lead", "body"):
            raise ValueError(f"rule {entry['name']!r}: field must be title, lead or body")
        if ("pattern" in entry) == ("max_chars" in entry):
            raise ValueError(f"rule {entry['name']!r}: give either a pattern or max_chars")
        pattern = re.compile(entry["pattern"]) if "pattern" in entry else None
        max_chars = int(entry["max_chars"]) if "max_chars" in entry else None
        rules.append(
            Rule(
                entry["name"],
                entry["field"],
                pattern,
                float(entry["weight"]),
                int(entry.get("min_count", 1)),
                max_chars,
            )
        )
    return Rules(float(data.get("threshold", 3)), int(data.get("min_chars", 200)), tuple(rules))


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    text = resources.files("crawler").joinpath("classify_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def _fmt(weight: float) -> str:
    return f"{weight:+g}"


def classify(title: str | None, body: str, rules: Rules | None = None) -> Decision:
    """Decide whether (title, body) is a work summary and say why."""
    rules = rules or default_rules()
    title = title or ""
    chars = len(re.sub(r"\s", "", body))
    fields = {"title": title, "lead": body[:LEAD_CHARS], "body": body}
    score = 0.0
    fired = []
    for rule in rules.rules:
        if rule.pattern is None:
            if chars < rule.max_chars:
                score += rule.weight
                fired.append(f"{rule.name} «{chars} characters» {_fmt(rule.weight)}")
            continue
        matches = [m.group(0) for m in rule.pattern.finditer(fields[rule.field])]
        if len(matches) >= rule.min_count:
            score += rule.weight
            shown = matches[0] if rule.min_count == 1 else f"{len(matches)}×"
            fired.append(f"{rule.name} «{shown}» {_fmt(rule.weight)}")
    evidence = "; ".join(fired) if fired else "no rule matched"
    if chars < rules.min_chars:
        return Decision(
            False,
            score,
            f"not a summary: body has {chars} characters (< {rules.min_chars}), a news item or an empty page; {evidence}",
        )
    if score >= rules.threshold:
        return Decision(True, score, f"summary: score {score:g} ≥ {rules.threshold:g}: {evidence}")
    return Decision(
        False, score, f"not a summary: score {score:g} < {rules.threshold:g}: {evidence}"
    )


def review_year(title: str | None, body: str, published: str | None) -> int | None:
    """The year whose work a summary reviews: named in the title, else in the opening, else the
    year before publication for a summary published in the first half of a year."""
    match = _YEAR_IN_TITLE.search(title or "")
    if match:
        return int(match.group(1))
    match = _YEAR_IN_LEAD.search(body[:LEAD_CHARS])
    if match:
        return int(match.group(1))
    if published:
        year, month = int(published[:4]), int(published[5:7])
        return year - 1 if month <= 6 else year
    return None
