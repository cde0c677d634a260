"""How an evaluation run differs from an earlier one: ``rag-eval --baseline DIR``.

A change to the answerer is judged on the same questions before and after. The metrics of
both runs are computed over the questions they share (same id, same wording) and set side by
side; the questions that went from wrong to right, and back, are named; and an exact sign
test (McNemar's, on those questions alone) says how likely that many changes either way are
by chance. On a set of 100 questions, two fixed and one broken is no evidence of anything.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from rag.eval import GATES, ItemResult, summarize

SIGNIFICANT = 0.05  # below this p, the changes are called unlikely to be chance
COMPARED_METRICS = (*GATES, "latency_p50_ms", "latency_p95_ms")
# What a result must hold to be compared at all.
REQUIRED = ("id", "question", "lang", "type", "correct")
# The fields each metric reads beyond REQUIRED: a run written by an older rag-eval, without
# one of them, is still compared, with that metric left blank.
METRIC_FIELDS = {
    "answer_accuracy": {"refused"},
    "refusal_recall": {"refused"},
    "false_refusal_rate": {"refused"},
    "refusal_auc": {"confidence"},
    "cited_source_accuracy": {"sources_ok"},
    "quote_validity": {"quotes", "valid_quotes"},
    "quote_precision": {"refused", "quotes", "precise_quotes"},
    "context_recall": {"context_ok"},
    "lead_precision": {"refused", "lead", "lead_ok"},
    "uncertain_rate": {"refused", "uncertain"},
    "uncertain_warranted": {"uncertain"},
    "latency_p50_ms": {"ms"},
    "latency_p95_ms": {"ms"},
}


@dataclass
class Comparison:
    baseline: str
    before: dict  # metrics of the earlier run on the shared questions
    after: dict  # and of this run
    fixed: list[ItemResult]  # right now, wrong before
    broken: list[ItemResult]  # wrong now, right before

    @property
    def p_value(self) -> float:
        """Two-sided exact sign test on the questions whose correctness changed."""
        changed, fewer = len(self.fixed) + len(self.broken), min(len(self.fixed), len(self.broken))
        if not changed:
            return 1.0
        return min(1.0, 2 * sum(math.comb(changed, i) for i in range(fewer + 1)) / 2**changed)

    def verdict(self) -> str:
        if not self.fixed and not self.broken:
            return "No question went from right to wrong or back."
        chance = "unlikely to be chance" if self.p_value < SIGNIFICANT else "could be chance"
        return (
            f"{len(self.fixed)} right now and wrong before, {len(self.broken)} wrong now and right before: "
            f"{chance} (p = {self.p_value:.3f}, exact sign test)."
        )

    def lines(self) -> list[str]:
        """The comparison as Markdown: the metrics side by side, the verdict, the changed questions."""
        lines = [
            f"Against `{self.baseline}` on the {self.after['items']} questions both runs asked.",
            "",
            "| metric | before | now | change |",
            "|---|---|---|---|",
        ]
        for name in COMPARED_METRICS:
            old, new = self.before[name], self.after[name]
            change = "–" if old is None or new is None else "0" if new == old else f"{round(new - old, 4):+}"
            lines.append(f"| {name} | {'–' if old is None else old} | {'–' if new is None else new} | {change} |")
        lines += ["", self.verdict()]
        for title, results in (("Right now, wrong before", self.fixed), ("Wrong now, right before", self.broken)):
            if results:
                lines += ["", f"{title} ({len(results)}):", *(f"- {r.id} ({r.type}, {r.lang}): {r.question}" for r in results)]
        return lines

    def as_json(self) -> dict:
        return {
            "baseline": self.baseline,
            "questions": self.after["items"],
            "before": self.before,
            "after": self.after,
            "fixed": [r.id for r in self.fixed],
            "broken": [r.id for r in self.broken],
            "p_value": round(self.p_value, 4),
        }


def fits(value: object, hint: object) -> bool:
    """Whether a decoded JSON value has the type a field of ``ItemResult`` declares."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kinds = tuple(typing.get_origin(o) or o for o in options)
    if float in kinds:
        kinds += (int,)  # JSON writes 12.0 as 12 too
    return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)


def stand_in(hint: object) -> object:
    """A value of a field's type for a field an older run lacks (the metrics reading it are
    left blank): None where the field may be None, else the type's empty value (False, 0, "", [])."""
    if isinstance(hint, types.UnionType):
        return None
    return (typing.get_origin(hint) or hint)()


def load_run(path: str | Path) -> tuple[list[ItemResult], set[str]]:
    """The per-question results of an earlier run (its ``--out`` folder or its items.jsonl),
    and the fields that run did not write.

    Raises:
        ValueError: naming the file, and the line and field that is wrong.
    """
    path = Path(path)
    file = path / "items.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"--baseline {path}: no items.jsonl of an earlier rag-eval run there")
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"--baseline {file}: not UTF-8 text, not an items.jsonl of rag-eval") from None
    hints = typing.get_type_hints(ItemResult)
    results, missing = [], set()
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{file}:{number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{file}:{number}: not a result of rag-eval (a JSON object)")
        for name in REQUIRED:
            if name not in record:
                raise ValueError(f"{file}:{number}: no {name!r}, not a result of rag-eval")
        for name, value in record.items():
            if name in hints and not fits(value, hints[name]):
                expected = hints[name].__name__ if isinstance(hints[name], type) else hints[name]
                raise ValueError(f"{file}:{number}: {name!r} is {json.dumps(value)}, not {expected}")
        absent = hints.keys() - record.keys()
        missing |= absent
        given = {k: v for k, v in record.items() if k in hints}
        results.append(ItemResult(**given, **{k: stand_in(hints[k]) for k in absent}))
    if not results:
        raise ValueError(f"--baseline {file}: holds no results")
    return results, missing


def shared_questions(earlier: list[ItemResult], questions: list[tuple[str, str]]) -> int:
    """How many of the ``(id, question)`` pairs the earlier run asked too."""
    asked = {(r.id, r.question) for r in earlier}
    return sum(pair in asked for pair in questions)


def compare(baseline: str, earlier: list[ItemResult], missing: set[str], results: list[ItemResult]) -> Comparison:
    """This run's ``results`` against the ``earlier`` ones, on the questions both asked; the
    metrics reading a field the earlier run lacks (``missing``) are blank."""
    before = {(r.id, r.question): r for r in earlier}
    shared = [(before[(r.id, r.question)], r) for r in results if (r.id, r.question) in before]
    before_metrics = summarize([old for old, _ in shared])
    for name, needed in METRIC_FIELDS.items():
        if needed & missing:
            before_metrics[name] = None
    return Comparison(
        baseline=baseline,
        before=before_metrics,
        after=summarize([new for _, new in shared]),
        fixed=[new for old, new in shared if new.correct and not old.correct],
        broken=[new for old, new in shared if old.correct and not new.correct],
    )
