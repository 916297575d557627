"""Is this page a work summary? Explainable weighted rules, with the deciding reason recorded.

The rules live in data (crawler/classify_rules.toml) so a user can read and tune them; the reason
stored with each page names every rule that fired, so a wrong decision can be traced to a rule.
sites.toml may change them for all sites (a [classify] table) or for one site ([site.classify]):
the threshold, the minimum length, a rule's weight (0 turns it off) or new rules.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEAD_CHARS = 300
_CITED = re.compile(r"《[^》]{0,60}》")
# 关于印发《…》的通知, 转发《…》: a notice that issues a work carries the work.
_ISSUED = re.compile(r"(印发|转发|公布|发布)\s*[《〈<]([^》〉>]{4,80})[》〉>]")


def issued_work(title: str) -> str:
    """The title of the work a notice issues (关于印发《青山县2022年工作总结》的通知 →
    青山县2022年工作总结), else the title itself."""
    found = _ISSUED.search(title)
    return found.group(2).strip() if found else title


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
    unless: re.Pattern | None = None  # the rule does not fire when this matches the same field


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


@dataclass(frozen=True)
class Decision:
    is_summary: bool
    score: float
    reason: str
    genre: str | None = None  # of a summary: 综述, 总结, 工作报告, 盘点/回眸


_RULE_KEYS = {"name", "field", "pattern", "max_chars", "weight", "min_count", "unless"}
_TABLE_KEYS = {"threshold", "min_chars", "rule", "genre"}
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
    if field not in ("title", "lead", "body"):
        raise ValueError(f"rule {name!r}: field must be title, lead or body")
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
    except re.error as exc:
        raise ValueError(f"rule {name!r}: invalid pattern: {exc}") from None
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("rule "):
            raise
        raise ValueError(f"rule {name!r}: {exc}") from None
    if weight is None:
        raise ValueError(f"rule {name!r}: weight is missing")
    return Rule(name, field, pattern, weight, min_count, max_chars, unless)


def parse_rules(data: dict, base: Rules | None = None) -> Rules:
    """Rules from a TOML table shaped like classify_rules.toml. With ``base``, the table changes
    it: threshold and min_chars if given, and each rule replaces the base rule of the same name
    (only in the keys it gives) or is added; a weight of 0 turns a rule off."""
    unknown = set(data) - _TABLE_KEYS
    if unknown:
        raise ValueError(
            f"unknown key {sorted(unknown)[0]!r} (allowed: threshold, min_chars, rule)"
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
    except (TypeError, ValueError):
        raise ValueError("threshold and min_chars must be numbers") from None
    rules = tuple(rule for rule in by_name.values() if rule.weight != 0)
    genres = _genres(data["genre"]) if "genre" in data else (base.genres if base else ())
    return Rules(threshold, min_chars, rules, genres)


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
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters read as simplified (OpenCC's t2s), so that 年終總結 is 年终总结."""
    return _to_simplified().convert(text) if text else text


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    text = resources.files("crawler").joinpath("classify_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def _fmt(weight: float) -> str:
    return f"{weight:+g}"


def classify(title: str | None, body: str, rules: Rules | None = None) -> Decision:
    """Decide whether (title, body) is a work summary, of which genre, and say why."""
    rules = rules or default_rules()
    # a document the title cites (《…》) is not what the text is: 《…通知》要求 is no notice; a
    # notice that issues a work (印发《…》的通知) is read by the work's title: its text is the work
    # (a short notice with the work attached is too short to be taken)
    title = _CITED.sub("", issued_work(simplified(title or "")))
    lead = simplified(body[:LEAD_CHARS])
    chars = len(re.sub(r"\s", "", body))
    fields = {"title": title, "lead": lead, "body": None}
    score = 0.0
    fired: list[str] = []
    names: set[str] = set()
    for rule in rules.rules:
        if rule.pattern is None:
            if chars < rule.max_chars:
                score += rule.weight
                fired.append(f"{rule.name} «{chars} characters» {_fmt(rule.weight)}")
                names.add(rule.name)
            continue
        if rule.field == "body" and fields["body"] is None:
            fields["body"] = lead + simplified(body[LEAD_CHARS:])
        matches = [m.group(0) for m in rule.pattern.finditer(fields[rule.field])]
        if len(matches) >= rule.min_count and not (
            rule.unless and rule.unless.search(fields[rule.field])
        ):
            score += rule.weight
            shown = matches[0] if rule.min_count == 1 else f"{len(matches)}×"
            fired.append(f"{rule.name} «{shown}» {_fmt(rule.weight)}")
            names.add(rule.name)
    evidence = "; ".join(fired) if fired else "no rule matched"
    if chars < rules.min_chars:
        return Decision(
            False,
            score,
            f"not a summary: body has {chars} characters (< {rules.min_chars}), a news item or an empty page; {evidence}",
        )
    if score >= rules.threshold:
        genre = _genre_of(title, names, rules.genres)
        return Decision(
            True,
            score,
            f"summary: score {score:g} ≥ {rules.threshold:g}, {genre}: {evidence}",
            genre,
        )
    return Decision(
        False, score, f"not a summary: score {score:g} < {rules.threshold:g}: {evidence}"
    )


def title_score(title: str | None, rules: Rules | None = None) -> tuple[float, list[str]]:
    """The score of the rules on titles alone, and those that fired: how much a name (a link's
    text, a file's name) reads like a summary's title."""
    rules = rules or default_rules()
    title = _CITED.sub("", issued_work(simplified(title or "")))
    score = 0.0
    fired: list[str] = []
    for rule in rules.rules:
        if rule.field != "title" or rule.pattern is None:
            continue
        matches = rule.pattern.findall(title)
        if len(matches) >= rule.min_count and not (rule.unless and rule.unless.search(title)):
            score += rule.weight
            fired.append(rule.name)
    return score, fired


def _genre_of(title: str, fired: set[str], genres: tuple[Genre, ...]) -> str:
    for genre in genres:
        if (genre.title is None and not genre.rules) or (genre.title and genre.title.search(title)):
            return genre.name
        if genre.rules & fired:
            return genre.name
    return "综述"


# A county-level place named in a title or an opening: two characters and 县, 区 or 旗 (most
# county names have two), not a word that only ends in 区 (社区, 园区, 示范区 ...) or 县 (我县, 全县).
_COUNTY = re.compile(r"([\u4e00-\u9fff]{2})([县区旗])(?!长|级|域|内|外|里|情|城|乡|镇)")
_NOT_A_NAME = set("社园景辖范验护发游校片地市小矿林牧灾库老边街能全本我该各省州郊新县区")
_NOT_NAMES = {"主城区", "老城区", "新城区", "旧城区", "中城区", "城郊区"} | {
    c + "山区" for c in "困远偏深大在到"
}
_PREFECTURE = re.compile(r"(市|州|盟|地区)$")


def refine_region(site_region: str, title: str | None, body: str) -> str:
    """The region a document is about: the site's region, made more precise when the site is a
    prefecture's (…市, …州) and the title, or failing that the opening, names a county or district
    of it (碧水县2022年统战工作回眸 on a city site → 浙江省青川市碧水县)."""
    if not site_region or not _PREFECTURE.search(site_region):
        return site_region
    for text in (title or "", body[:120]):
        for match in _COUNTY.finditer(text):
            name = match.group(0)
            if (
                match.group(1)[-1] in _NOT_A_NAME
                or match.group(1)[0] in "年月日的和与及在"
                or name in _NOT_NAMES
            ):
                continue
            if name in site_region:
                return site_region
            return site_region + name
    return site_region


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
