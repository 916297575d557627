"""Is this page a work summary? Explainable weighted rules, with the deciding reason recorded.

The rules live in data (crawler/classify_rules.toml) so a user can read and tune them; the reason
stored with each page names every rule that fired, so a wrong decision can be traced to a rule.
sites.toml may change them for all sites (a [classify] table) or for one site ([site.classify]):
the threshold, the margin, the minimum length, a rule's weight (0 turns it off) or new rules.

A summary is told by its structure (its title, its numbered sections on the period's work, a
report to those above) more than by its phrases: phrase evidence that any news item can carry in
one sentence is graded (``spread``), earned one sentence at a time, so that one stock sentence,
wherever it stands, moves a score by a fraction of the margin only. Decisions within ``margin`` of
the threshold are near the line: kept as candidates for a reader to settle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.classify.place import LEAD_CHARS, refine_region, review_year
from crawler.classify.quick import led_by_first_characters
from crawler.classify.rules import Genre, Rule, Rules, default_rules, parse_rules

__all__ = [
    "Decision", "Genre", "Rule", "Rules", "classify", "default_rules", "issued_work",
    "parse_rules", "refine_region", "review_year", "simplified", "title_score",
]  # fmt: skip

_CITED = re.compile(r"《[^》]{0,60}》")
# 关于印发《…》的通知, 转发《…》: a notice that issues a work carries the work.
_ISSUED = re.compile(r"(印发|转发|公布|发布)\s*[《〈<]([^》〉>]{4,80})[》〉>]")
# A sentence ends at 。！？, a line break, or a run of spaces (document-sharing pages run
# paragraphs together with spaces).
_SENTENCE_END = led_by_first_characters(re.compile(r"[。！？!?\n]+|\s{2,}"))


def issued_work(title: str) -> str:
    """The title of the work a notice issues (关于印发《青山县2022年工作总结》的通知 →
    青山县2022年工作总结), else the title itself."""
    found = _ISSUED.search(title)
    return found.group(2).strip() if found else title


@dataclass(frozen=True)
class Decision:
    is_summary: bool
    score: float
    reason: str
    genre: str | None = None  # of a summary: 综述, 总结, 工作报告, 盘点/回眸
    near_line: bool = False  # within the margin of the threshold: a candidate for a reader


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters read as simplified (OpenCC's t2s), so that 年終總結 is 年终总结."""
    return _to_simplified().convert(text) if text else text


# The opening is the first paragraph long enough to be prose: a headline repeated, a dateline or a
# one-sentence line put before it does not become the opening.
OPENING_CHARS = 70


def opening(text: str) -> str:
    """The first paragraph of at least OPENING_CHARS characters (else the first 300 characters)."""
    for paragraph in text.split("\n"):
        if len(re.sub(r"\s", "", paragraph)) >= OPENING_CHARS:
            return paragraph[:LEAD_CHARS]
    return text[:LEAD_CHARS]


def headline(text: str) -> str:
    """The first line of a text when it reads as a headline (short, no comma, no full stop):
    the title of a text given without one."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            short = len(line) <= 40 and not re.search(r"[，,。；;]", line)
            return line if short else ""
    return ""


def sentences(text: str) -> list[str]:
    """The sentences of a text (pieces between 。！？； and line breaks), blanks dropped."""
    return [piece for piece in _SENTENCE_END.split(text) if piece.strip()]


def _fmt(weight: float) -> str:
    return f"{round(weight, 2):+g}"


def _num(score: float) -> str:
    return f"{round(score, 2):g}"


# What makes a pattern's match depend on the text around it: anchors, lookarounds, word edges.
_CONTEXT = re.compile(r"[\^$]|\(\?<?[=!]|\\[bBAZ]")


@lru_cache(maxsize=1024)
def _context_free(pattern: re.Pattern) -> bool:
    """Whether a match of ``pattern`` in a piece of a text is also a match in the whole text (the
    pattern looks at nothing around what it matches)."""
    return _CONTEXT.search(pattern.pattern) is None


def _evidence(rule: Rule, text: str, parts: list[str] | None) -> tuple[float, str] | None:
    """What a pattern rule adds for ``text`` (its field), and the words that fired it."""
    if rule.unless and rule.quick_unless.search(text):
        return None
    if rule.spread > 1 and parts is not None:
        if _context_free(rule.pattern) and rule.quick.search(text) is None:
            return None  # no sentence can hold what the whole text does not
        hits = [m for m in (rule.quick.search(part) for part in parts) if m]
        if not hits:
            return None
        share = min(len(hits), rule.spread) / rule.spread
        shown = hits[0].group(0) if len(hits) == 1 else f"{len(hits)} sentences"
        return rule.weight * share, shown
    if rule.min_count <= 1:  # the first match is all that is said: the scan stops there
        found = rule.quick.search(text)
        return None if found is None else (rule.weight, found.group(0))
    count = sum(1 for _ in rule.quick.finditer(text))
    return None if count < rule.min_count else (rule.weight, f"{count}×")


def _length_weight(rule: Rule, chars: int, min_chars: int) -> float:
    """A length rule's weight, in full at the minimum length and none at max_chars: graded, so
    that a sentence more or less moves the score by little."""
    span = max(rule.max_chars - min_chars, 1)
    return rule.weight * max(0.0, min(1.0, (rule.max_chars - chars) / span))


def classify(title: str | None, body: str, rules: Rules | None = None) -> Decision:
    """Decide whether (title, body) is a work summary, of which genre, and say why."""
    rules = rules or default_rules()
    # a document the title cites (《…》) is not what the text is: 《…通知》要求 is no notice; a
    # notice that issues a work (印发《…》的通知) is read by the work's title: its text is the work
    # (a short notice with the work attached is too short to be taken)
    title = _CITED.sub("", issued_work(simplified(title or headline(body))))
    lead = simplified(body[:LEAD_CHARS])
    chars = len(re.sub(r"\s", "", body))
    fields: dict[str, str | None] = {
        "title": title, "lead": lead, "opening": simplified(opening(body)), "body": None
    }  # fmt: skip
    parts: dict[str, list[str] | None] = dict.fromkeys(fields)
    score = 0.0
    fired: list[str] = []
    names: set[str] = set()
    caps = dict(rules.caps)
    grouped: dict[str, float] = {}
    for rule in rules.rules:
        if rule.pattern is None:
            weight = _length_weight(rule, chars, rules.min_chars)
            if weight:
                score += weight
                fired.append(f"{rule.name} «{chars} characters» {_fmt(weight)}")
                names.add(rule.name)
            continue
        if rule.field == "body" and fields["body"] is None:
            fields["body"] = lead + simplified(body[LEAD_CHARS:])
        if rule.spread > 1 and rule.field != "title" and parts[rule.field] is None:
            parts[rule.field] = sentences(fields[rule.field])
        found = _evidence(rule, fields[rule.field], parts[rule.field])
        if found:
            weight, shown = found
            if rule.group in caps:
                # what is left of the group's cap (positive evidence; a cap bounds it from above)
                room = caps[rule.group] - grouped.get(rule.group, 0.0)
                weight = min(weight, max(room, 0.0)) if weight > 0 else weight
                grouped[rule.group] = grouped.get(rule.group, 0.0) + weight
                if weight == 0:
                    fired.append(f"{rule.name} «{shown}» +0 (the {rule.group} cap is reached)")
                    continue
            score += weight
            fired.append(f"{rule.name} «{shown}» {_fmt(weight)}")
            names.add(rule.name)
    evidence = "; ".join(fired) if fired else "no rule matched"
    if chars < rules.min_chars:
        return Decision(
            False,
            score,
            f"not a summary: body has {chars} characters (< {rules.min_chars}), a news item or an empty page; {evidence}",
        )
    near = abs(score - rules.threshold) < rules.margin
    line = (
        f", near the line (within {_num(rules.margin)}): a candidate for a reader" if near else ""
    )
    if score >= rules.threshold:
        genre = _genre_of(title, names, rules.genres)
        return Decision(
            True,
            score,
            f"summary: score {_num(score)} ≥ {_num(rules.threshold)}{line}, {genre}: {evidence}",
            genre,
            near,
        )
    return Decision(
        False,
        score,
        f"not a summary: score {_num(score)} < {_num(rules.threshold)}{line}: {evidence}",
        near_line=near,
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
        matches = rule.quick.findall(title)
        if len(matches) >= rule.min_count and not (rule.unless and rule.quick_unless.search(title)):
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
