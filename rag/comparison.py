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
from dataclasses import dataclass, fields
from pathlib import Path

from rag.eval import GATES, ItemResult, summarize

SIGNIFICANT = 0.05  # below this p, the changes are called unlikely to be chance
COMPARED_METRICS = (*GATES, "latency_p50_ms")


@dataclass
class Comparison:
    baseline: Path
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
        p = self.p_value
        chance = "unlikely to be chance" if p < SIGNIFICANT else "could be chance"
        return f"Answers: {len(self.fixed)} fixed, {len(self.broken)} broken; {chance} (p = {p:.3f}, exact sign test)."

    def lines(self) -> list[str]:
        """The comparison as Markdown: the metrics side by side, the verdict, the changed questions."""
        if not self.after["items"]:
            return [f"`{self.baseline}` asked none of these questions (same id and wording): nothing to compare."]
        lines = [
            f"Against `{self.baseline}` on the {self.after['items']} questions both runs asked.",
            "",
            "| metric | before | now | change |",
            "|---|---|---|---|",
        ]
        for name in COMPARED_METRICS:
            old, new = self.before[name], self.after[name]
            change = "–" if old is None or new is None else "0" if new == old else f"{new - old:+.4g}"
            lines.append(f"| {name} | {'–' if old is None else old} | {'–' if new is None else new} | {change} |")
        lines += ["", self.verdict()]
        for title, results in (("Right now, wrong before", self.fixed), ("Wrong now, right before", self.broken)):
            if results:
                lines += ["", f"{title} ({len(results)}):", *(f"- {r.id} ({r.type}, {r.lang}): {r.question}" for r in results)]
        return lines

    def as_json(self) -> dict:
        return {
            "baseline": str(self.baseline),
            "questions": self.after["items"],
            "before": self.before,
            "fixed": [r.id for r in self.fixed],
            "broken": [r.id for r in self.broken],
            "p_value": round(self.p_value, 4),
        }


def load_run(path: str | Path) -> tuple[Path, list[ItemResult]]:
    """The per-question results of an earlier run: its ``--out`` folder or its items.jsonl."""
    path = Path(path)
    file = path / "items.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"--baseline {path}: no items.jsonl of an earlier rag-eval run there")
    names = {f.name for f in fields(ItemResult)}
    results = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            record = json.loads(line)
            results.append(ItemResult(**{k: v for k, v in record.items() if k in names}))
        except (json.JSONDecodeError, TypeError) as error:
            raise ValueError(f"{file}:{number}: not a result line of rag-eval ({error})") from None
    return path, results


def compare(baseline: Path, earlier: list[ItemResult], results: list[ItemResult]) -> Comparison:
    """This run's ``results`` against the ``earlier`` ones, on the questions both asked."""
    before = {(r.id, r.question): r for r in earlier}
    shared = [(before[(r.id, r.question)], r) for r in results if (r.id, r.question) in before]
    return Comparison(
        baseline=baseline,
        before=summarize([old for old, _ in shared]),
        after=summarize([new for _, new in shared]),
        fixed=[new for old, new in shared if new.correct and not old.correct],
        broken=[new for old, new in shared if old.correct and not new.correct],
    )
