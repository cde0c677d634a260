"""Evaluation: run a QA set through ``Assistant.ask`` and report how trustworthy it is.

``rag-eval --qa eval/qa_dev.jsonl --out reports/dev`` (or ``python -m rag.eval``) writes
``metrics.json``, ``report.md``, ``report.png`` and ``items.jsonl`` into ``--out``.
``--min-answer-accuracy 0.9`` and the like turn the run into a gate (exit status 1).
``--corpus DIR`` evaluates on a temporary index of the articles in ``DIR`` instead of
``RAG_DATA_DIR``'s; the index is removed afterwards. ``--baseline DIR`` compares the run
with an earlier one on the questions both asked (``rag.comparison``).

The QA file is JSONL, one item per line; see the README for the fields.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from rag.documents import squeeze

if TYPE_CHECKING:
    from rag.comparison import Comparison

LANGUAGES = ("zh", "en", "vi")
ANSWERABLE = ("fact", "paraphrase", "multi", "numeric", "followup")
REFUSABLE = ("unanswerable", "absent", "teaser")
TYPES = ANSWERABLE + REFUSABLE
# name -> (direction, help); "min" gates fail below the floor, "max" gates above the ceiling.
GATES = {
    "answer_accuracy": ("min", "answerable items answered with every must_contain string"),
    "refusal_recall": ("min", "unanswerable, absent and teaser items refused"),
    "false_refusal_rate": ("max", "answerable items refused"),
    "refusal_auc": ("min", "chance that an answerable item's confidence beats a refusable one's (any threshold)"),
    "cited_source_accuracy": ("min", "answerable items citing every expected source"),
    "quote_validity": ("min", "shown quotes found verbatim in the cited article"),
    "quote_precision": ("min", "quotes of answered answerable items holding their evidence or answer"),
    "context_recall": ("min", "answerable items whose evidence is all in the retrieved chunks"),
    "lead_precision": ("min", "answers leading with a fact that gives the answer (holds it, or is half of it)"),
    "uncertain_rate": ("max", "answerable items answered but marked uncertain"),
    "uncertain_warranted": ("min", "answers marked uncertain that miss the answer or should have been refused"),
}


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    lang: str
    type: str
    answer: str | None
    must_contain: list[str]
    sources: list[str]
    evidence: list[str]
    history: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""

    @property
    def answerable(self) -> bool:
        return self.type in ANSWERABLE


@dataclass
class ItemResult:
    id: str
    question: str
    lang: str
    type: str
    expected: str | None
    got: str
    refused: bool
    correct: bool
    cited_sources: list[str]
    sources_ok: bool
    quotes: int
    valid_quotes: int
    precise_quotes: int  # quotes holding one of the item's evidence, must_contain or answer strings
    lead: str  # the fact the answer leads with, if any
    lead_ok: bool  # it gives the answer (``lead_matches``)
    context_ok: bool
    ms: float
    confidence: float | None  # the answer's (``Answer.confidence``)
    uncertain: bool  # answered, but marked uncertain (``Answer.uncertain``)


# An earlier run to compare with (``rag.comparison.load_run``): its results, the fields it lacks.
Baseline = tuple[list[ItemResult], set[str]]


def parse_item(record: object) -> QAItem:
    """One QA item from a decoded JSON line; extra fields are ignored.

    Raises:
        ValueError: naming the field that is missing or wrong.
    """
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    for name in ("id", "question", "lang", "type"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise ValueError(f"field {name!r} must be a non-empty string")
    if record["lang"] not in LANGUAGES:
        raise ValueError(f"lang {record['lang']!r} is not one of {', '.join(LANGUAGES)}")
    if record["type"] not in TYPES:
        raise ValueError(f"type {record['type']!r} is not one of {', '.join(TYPES)}")
    lists = {}
    for name in ("must_contain", "sources", "evidence"):
        value = record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"field {name!r} must be a list of strings")
        lists[name] = value
    history = record.get("history") or []
    if not all(isinstance(turn, list | tuple) and len(turn) == 2 for turn in history):
        raise ValueError("field 'history' must be a list of [question, answer] pairs")
    return QAItem(
        id=record["id"],
        question=record["question"],
        lang=record["lang"],
        type=record["type"],
        answer=record.get("answer"),
        history=[(str(q), str(a)) for q, a in history],
        note=str(record.get("note") or ""),
        **lists,
    )


def load_qa(path: str | Path) -> tuple[list[QAItem], list[str]]:
    """Items of a QA file, and one message per malformed line (which is skipped)."""
    items, problems, seen = [], [], set()
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = parse_item(json.loads(line))
            except (json.JSONDecodeError, ValueError) as error:
                problems.append(f"{path}:{number}: {error}; line skipped")
                continue
            if item.id in seen:
                problems.append(f"{path}:{number}: duplicate id {item.id!r}; line skipped")
                continue
            seen.add(item.id)
            items.append(item)
    return items, problems


def lead_matches(fact: str, item: QAItem) -> bool:
    """Whether the fact an answer leads with gives the answer, whitespace ignored: it holds
    every must_contain string or the item's answer, or it is at least half of one of them
    ("国安" for "北京国安"; not "北京" for "北京国安足球俱乐部", nor one figure of
    a question asking for two)."""
    fact = squeeze(fact)
    if not fact:
        return False
    must, answer = [squeeze(t) for t in item.must_contain if t.strip()], squeeze(item.answer or "")
    if (must and all(t in fact for t in must)) or (answer and answer in fact):
        return True
    return any(fact in t and 2 * len(fact) >= len(t) for t in [*must, answer] if t)


def evidence_retrieved(item: QAItem, documents: Iterable) -> bool:
    """Whether every evidence string of ``item`` lies within one of the retrieved chunks
    (LangChain documents), whitespace ignored: what ``context_recall`` counts."""
    contexts = [squeeze(doc.page_content) for doc in documents]
    return all(any(squeeze(e) in c for c in contexts) for e in item.evidence)


def judge(item: QAItem, answer, body_of: Callable[[str], str], ms: float) -> ItemResult:
    """Score one answer against its item."""
    text = squeeze(answer.text)
    cited = sorted({c.source for c in answer.citations})
    valid = 0
    for citation in answer.citations:
        try:
            valid += body_of(citation.source)[citation.start : citation.end] == citation.quote
        except KeyError:
            pass
    targets = [t for t in map(squeeze, [*item.evidence, *item.must_contain, item.answer or ""]) if t]
    precise = sum(any(t in squeeze(c.quote) for t in targets) for c in answer.citations)
    if item.answerable:
        correct = not answer.refused and all(squeeze(m) in text for m in item.must_contain)
    else:
        correct = answer.refused
    return ItemResult(
        id=item.id,
        question=item.question,
        lang=item.lang,
        type=item.type,
        expected=item.answer,
        got=answer.text,
        refused=answer.refused,
        correct=correct,
        cited_sources=cited,
        sources_ok=set(item.sources) <= set(cited),
        quotes=len(answer.citations),
        valid_quotes=valid,
        precise_quotes=precise,
        lead=answer.fact,
        lead_ok=lead_matches(answer.fact, item),
        context_ok=evidence_retrieved(item, answer.contexts),
        ms=ms,
        confidence=answer.confidence,
        uncertain=answer.uncertain,
    )


def share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def separation(answerable: list[float], refusable: list[float]) -> float | None:
    """The chance that an answerable item's confidence is above a refusable one's, ties
    counted half (the area under the ROC curve). Refusal recall and false refusals move with
    the fitted threshold, which a refit shifts; this measures the confidence itself."""
    if not answerable or not refusable:
        return None
    a, r = np.asarray(answerable)[:, None], np.asarray(refusable)[None, :]
    return round(float(((a > r).sum() + 0.5 * (a == r).sum()) / (a.size * r.size)), 4)


def summarize(results: list[ItemResult]) -> dict:
    """The metrics of one group of results; ``None`` where the group has no such items."""
    answerable = [r for r in results if r.type in ANSWERABLE]
    refusable = [r for r in results if r.type in REFUSABLE]
    quotes = sum(r.quotes for r in results)
    answered = [r for r in answerable if not r.refused]
    uncertain = [r for r in results if r.uncertain]
    answered_quotes = sum(r.quotes for r in answered)
    latencies = sorted(r.ms for r in results)
    return {
        "items": len(results),
        "answer_accuracy": share([r.correct for r in answerable]),
        "refusal_recall": share([r.refused for r in refusable]),
        "false_refusal_rate": share([r.refused for r in answerable]),
        "refusal_auc": separation(
            [r.confidence for r in answerable if r.confidence is not None],
            [r.confidence for r in refusable if r.confidence is not None],
        ),
        "cited_source_accuracy": share([r.sources_ok for r in answerable]),
        "quote_validity": round(sum(r.valid_quotes for r in results) / quotes, 4) if quotes else None,
        "quote_precision": round(sum(r.precise_quotes for r in answered) / answered_quotes, 4)
        if answered_quotes
        else None,
        "context_recall": share([r.context_ok for r in answerable]),
        "lead_precision": share([r.lead_ok for r in answered if r.lead]),
        "uncertain_rate": share([r.uncertain for r in answered]),
        "uncertain_warranted": share([not r.correct for r in uncertain]),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
        if latencies
        else None,
    }


def evaluate(assistant, items: Iterable[QAItem], show_progress: bool = True) -> tuple[dict, list[ItemResult]]:
    """Ask every item and compute the metrics: overall, by type and by language."""
    items = list(items)
    results = []
    for item in tqdm(items, desc="evaluating", unit="question", disable=not show_progress):
        started = time.perf_counter()
        answer = assistant.ask(item.question, history=item.history)
        elapsed = (time.perf_counter() - started) * 1000
        results.append(judge(item, answer, lambda source: assistant.store.article(source).body, elapsed))
    metrics = {
        "overall": summarize(results),
        "by_type": {t: summarize([r for r in results if r.type == t]) for t in TYPES if any(r.type == t for r in results)},
        "by_lang": {
            lang: summarize([r for r in results if r.lang == lang]) for lang in LANGUAGES if any(r.lang == lang for r in results)
        },
    }
    return metrics, results


def failed_gates(metrics: dict, gates: dict[str, float]) -> list[str]:
    failures = []
    for name, limit in gates.items():
        value = metrics["overall"][name]
        direction = GATES[name][0]
        if value is None or (value < limit if direction == "min" else value > limit):
            failures.append(f"{name} = {value} is {'below' if direction == 'min' else 'above'} {limit}")
    return failures


def table(groups: dict[str, dict]) -> str:
    columns = ["items", *GATES, "latency_p50_ms", "latency_p95_ms"]
    lines = ["| group | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in groups.items():
        cells = ["–" if values[c] is None else str(values[c]) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    out: Path, metrics: dict, results: list[ItemResult], header: str, comparison: Comparison | None = None
) -> None:
    """``metrics.json``, ``items.jsonl``, ``report.md`` and ``report.png``; with a
    ``rag.comparison.Comparison``, how the run differs from its baseline too."""
    out.mkdir(parents=True, exist_ok=True)
    saved = metrics | ({"baseline": comparison.as_json()} if comparison else {})
    (out / "metrics.json").write_text(json.dumps(saved, ensure_ascii=False, indent=2), encoding="utf-8")
    with open(out / "items.jsonl", "w", encoding="utf-8") as items_file:
        for result in results:
            items_file.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
    failed = [r for r in results if not r.correct]
    lines = [
        "# Evaluation report",
        "",
        header,
        "",
        "## Overall",
        table({"overall": metrics["overall"]}),
        "",
        *(["## Against the baseline", "", *comparison.lines(), ""] if comparison else []),
        "## By type",
        table(metrics["by_type"]),
        "",
        "## By language",
        table(metrics["by_lang"]),
        "",
        "![answer accuracy](report.png)",
        "",
        f"## Failed items ({len(failed)})",
    ]
    for r in failed:
        lines += [
            "",
            f"### {r.id} ({r.type}, {r.lang})",
            f"- question: {r.question}",
            f"- expected: {'a refusal' if r.expected is None else r.expected}",
            "- got:" + (" (refused)" if r.refused else ""),
            "",
            "```",
            r.got,
            "```",
        ]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(out / "report.png", metrics)


def plot(path: Path, metrics: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for axis, (title, groups) in zip(axes, (("by type", metrics["by_type"]), ("by language", metrics["by_lang"]))):
        names = list(groups)
        answered = [groups[n]["answer_accuracy"] or 0 for n in names]
        refused = [groups[n]["refusal_recall"] or 0 for n in names]
        scores = [a if groups[n]["answer_accuracy"] is not None else r for n, a, r in zip(names, answered, refused)]
        bars = axis.bar(names, scores, color=["#4c72b0" if n in ANSWERABLE or n in LANGUAGES else "#dd8452" for n in names])
        axis.bar_label(bars, fmt="%.2f")
        axis.set_title(f"accuracy {title}")
        axis.tick_params(axis="x", labelrotation=20)
        axis.set_ylim(0, 1.05)
        axis.axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axes[0].set_ylabel("answer accuracy (refusal recall for orange bars)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def usable_items(
    args: argparse.Namespace, items: list[QAItem], problems: list[str], baseline: Baseline | None
) -> list[QAItem]:
    """Warn about the skipped lines; the items to ask, the first ``--limit`` of them if given;
    none if there are none, or if the ``baseline`` asked none of them (nothing to compare)."""
    from rag.comparison import shared_questions  # it imports this module

    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not items:
        print(f"error: {args.qa} holds no valid items", file=sys.stderr)
    asked = items[: args.limit]
    if asked and baseline and not shared_questions(baseline[0], [(i.id, i.question) for i in asked]):
        print(f"error: --baseline {args.baseline} asked none of these questions (same id and wording)", file=sys.stderr)
        return []
    return asked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-eval", description="Evaluate the assistant on a QA set (JSONL).")
    parser.add_argument("--qa", required=True, help="QA file, JSONL")
    parser.add_argument(
        "--corpus",
        metavar="DIR",
        help="evaluate on a temporary index of the articles in DIR (removed afterwards), not RAG_DATA_DIR's",
    )
    parser.add_argument("--limit", type=positive_int, metavar="N", help="evaluate only the first N valid items")
    parser.add_argument("--answerer", choices=["extractive", "llm"], help="default: RAG_ANSWERER")
    parser.add_argument("--k", type=int, help="passages retrieved per question (default: RAG_TOP_K)")
    parser.add_argument("--out", default="reports/eval", help="folder for the report (default: reports/eval)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="an earlier run's --out folder (or its items.jsonl): compare with it on the questions both asked",
    )
    for name, (direction, meaning) in GATES.items():
        parser.add_argument(f"--{direction}-{name.replace('_', '-')}", type=float, metavar="F", help=f"gate: {meaning}")
    args = parser.parse_args(argv)

    from rag.assistant import Assistant
    from rag.comparison import load_run  # it imports this module
    from rag.ingestion import DEFAULT_PATHS, ingest
    from rag.settings import Settings
    from rag.store import IndexMissingError, StoreError

    try:  # both read first: a mistyped file should not cost a run, and --out may overwrite the baseline
        baseline = load_run(args.baseline) if args.baseline else None
        items, problems = load_qa(args.qa)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    asked = usable_items(args, items, problems, baseline)
    if not asked:
        return 2
    overrides = {k: v for k, v in {"answerer": args.answerer, "top_k": args.k}.items() if v is not None}
    if args.corpus is not None:
        return evaluate_on_corpus(args, overrides, asked, len(items), len(problems), baseline)
    try:
        settings = Settings(**overrides)
        try:
            assistant = Assistant.load(settings)
        except IndexMissingError:
            # A fresh clone has no index yet; the seed articles are what the project QA set asks about.
            if not all(Path(p).is_dir() for p in DEFAULT_PATHS):
                raise
            print(f"no index in {settings.data_dir}: ingesting {', '.join(DEFAULT_PATHS)} first", file=sys.stderr)
            print(ingest(settings=settings, show_progress=not args.quiet).summary(), file=sys.stderr)
            assistant = Assistant.load(settings)
    except (OSError, StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return run(args, assistant, settings, asked, len(items), len(problems), baseline=baseline)


def evaluate_on_corpus(
    args: argparse.Namespace, overrides: dict, asked: list[QAItem], valid: int, skipped: int, baseline: Baseline | None
) -> int:
    """``--corpus DIR``: ingest DIR into a temporary data dir, evaluate there, remove it."""
    from rag.assistant import Assistant
    from rag.ingestion import ingest
    from rag.settings import Settings
    from rag.store import StoreError

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as data_dir:
        try:
            # Always the local store: on a Chroma server the temporary index would not be
            # temporary, and preparing its first write deletes collections it does not name.
            settings = Settings(data_dir=data_dir, chroma_host=None, **overrides)
            print(f"ingesting {args.corpus} into a temporary index", file=sys.stderr)
            report = ingest([args.corpus], settings=settings, show_progress=not args.quiet)
            print(report.summary(), file=sys.stderr)
            for message in report.errors:
                print(f"warning: {message}", file=sys.stderr)
            if not report.files:
                message = f"nothing ingested from {args.corpus}: no readable article there"
                print(f"error: {message}", file=sys.stderr)
                return 2
            assistant = Assistant.load(settings)
        except (OSError, StoreError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        corpus = f"corpus `{args.corpus}` ({report.files} files, temporary index)"
        return run(args, assistant, settings, asked, valid, skipped, corpus, baseline)


def run(
    args,
    assistant,
    settings,
    items: list[QAItem],
    valid: int,
    skipped: int,
    corpus: str = "",
    baseline: Baseline | None = None,
) -> int:
    """Ask the items, write the report, print the table (and the comparison with ``baseline``,
    read from ``--baseline``); 1 when a gate fails."""
    from rag.comparison import compare  # it imports this module

    assistant.warming.join()  # latencies are those of a running assistant, dictionaries loaded
    metrics, results = evaluate(assistant, items, show_progress=not args.quiet)
    comparison = compare(args.baseline, *baseline, results) if baseline else None
    counted = f"{len(items)} items" if len(items) == valid else f"first {len(items)} of {valid} items"
    header = (
        f"QA set `{args.qa}` ({counted}, {skipped} skipped), {corpus + ', ' if corpus else ''}"
        f"answerer `{settings.answerer}`, k={settings.top_k}, embedding `{settings.embedding}`, "
        f"{time.strftime('%Y-%m-%d %H:%M')}."
    )
    write_report(Path(args.out), metrics, results, header, comparison)
    print(table({"overall": metrics["overall"], **metrics["by_type"], **metrics["by_lang"]}))
    if comparison:
        print("\n" + "\n".join(comparison.lines()))
    print(f"report: {Path(args.out) / 'report.md'}")
    gates = {name: getattr(args, f"{d}_{name}") for name, (d, _) in GATES.items() if getattr(args, f"{d}_{name}") is not None}
    failures = failed_gates(metrics, gates)
    for failure in failures:
        print(f"gate failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
