"""CMRC 2018 as a second corpus and QA set: Chinese text and questions nobody here wrote.

``python -m rag.cmrc --split validation --out data/cmrc-validation`` writes ``DIR/docs/``
(one ``.txt`` per passage: its title on the first line, then the passage) and
``DIR/qa.jsonl`` in the project's QA schema, ready for ``rag-eval --corpus DIR/docs --qa
DIR/qa.jsonl``; ``DIR/qa_translated.jsonl`` holds those of its questions that
``eval/cmrc_translations.jsonl`` renders in English or Vietnamese, asked of the same
Chinese passages.

Splits are by passage, so no passage of the fit is ever asked about in validation:

- ``fit``: ``cmrc2018_trial.json`` and half of the dev passages (the answer model is fitted here),
- ``calibration``: a quarter of the dev passages (thresholds are chosen here),
- ``validation``: the other quarter, which neither the fit nor the thresholds see.

Unanswerable items are made as the issue describes: in every third passage one question's
answer-holding sentence is deleted, so the topic stays and the detail is gone. Its other
questions stay answerable only if their answer is still in the passage. In the validation
split one passage in six is also left out of the corpus altogether: its questions become
``absent`` items, what a corpus lacks while its other passages share the field's words.
Only validation measures them: the fit and calibration corpora stay whole.

The data is CC BY-SA 4.0 (Cui et al., EMNLP-IJCNLP 2019; github.com/ymcui/cmrc2018), and
so is everything this module derives from it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.chunking import split_sentences
from rag.store import write_atomic

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cmrc2018"
SPLITS = ("fit", "calibration", "validation")
UNANSWERABLE_EVERY = 3  # one passage in three loses the sentence that answers one question
ABSENT_EVERY = 6  # one validation passage in six is left out; never one that loses a sentence
ATTRIBUTION = "CMRC 2018 (Cui et al., EMNLP-IJCNLP 2019), CC BY-SA 4.0"
# Some questions of each split rendered in English and Vietnamese (derived from CMRC, so
# under its license too).
TRANSLATIONS = Path(__file__).resolve().parent.parent / "eval" / "cmrc_translations.jsonl"


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    context: str
    questions: list[dict]  # CMRC's qas: question, id, answers[{text, answer_start}]


def split_of(passage_id: str, file_name: str) -> str:
    """The split a passage belongs to, stable across runs and machines."""
    if "trial" in file_name:
        return "fit"
    bucket = int(hashlib.sha1(passage_id.encode()).hexdigest(), 16) % 4
    return {0: "validation", 1: "calibration"}.get(bucket, "fit")


def passages(data_dir: Path, split: str) -> Iterator[Passage]:
    for path in sorted(data_dir.glob("cmrc2018_*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for paragraph in entry["paragraphs"]:
                if split_of(paragraph["id"], path.name) == split:
                    yield Passage(paragraph["id"], entry["title"].strip(), paragraph["context"], paragraph["qas"])


def answer_text(question: dict, context: str) -> tuple[str, int] | None:
    """The shortest reference answer found at its offset (the annotators' spans mostly agree)."""
    found = [
        (a["text"].strip(), a["answer_start"])
        for a in question["answers"]
        if a["text"].strip() and context[a["answer_start"] : a["answer_start"] + len(a["text"])] == a["text"]
    ]
    return min(found, key=lambda pair: len(pair[0])) if found else None


def convert(passage: Passage, make_unanswerable: bool) -> tuple[str, list[dict]]:
    """The passage's document body and its QA items."""
    context = passage.context.strip()
    answers = {q["id"]: answer_text(q, passage.context) for q in passage.questions}
    body = context
    removed_for = None
    if make_unanswerable:
        offset = len(passage.context) - len(passage.context.lstrip())
        for question in passage.questions:
            found = answers[question["id"]]
            if not found:
                continue
            text, start = found
            start -= offset
            spans = [(s, e) for s, e in split_sentences(context) if s < start + len(text) and start < e]
            if len(spans) != 1:
                continue
            s, e = spans[0]
            candidate = context[:s] + context[e:]
            if text not in candidate and len(split_sentences(candidate)) >= 2:
                body, removed_for = candidate.strip(), question["id"]
                break
    source = f"{passage.id}.txt"
    items = []
    for question in passage.questions:
        found = answers[question["id"]]
        base = {"id": question["id"], "question": question["question"].strip(), "lang": "zh", "sources": [source]}
        if question["id"] == removed_for:
            items.append({**base, "type": "unanswerable", "answer": None, "must_contain": [], "evidence": [],
                          "sources": [], "note": "answer-holding sentence deleted from the passage"})
        elif found and found[0] in body:
            items.append({**base, "type": "fact", "answer": found[0], "must_contain": [found[0]],
                          "evidence": [found[0]]})
    return body, items


def absent_items(passage: Passage, corpus: str) -> list[dict]:
    """The questions of a passage left out of the corpus, unless ``corpus`` (the text of the
    passages written) still holds their answer: another paragraph may state it too."""
    items = []
    for question in passage.questions:
        found = answer_text(question, passage.context)
        if found and found[0] not in corpus:
            items.append({"id": question["id"], "question": question["question"].strip(), "lang": "zh",
                          "type": "absent", "answer": None, "must_contain": [], "evidence": [], "sources": [],
                          "note": "its passage is not in the corpus"})  # fmt: skip
    return items


def translations(path: Path = TRANSLATIONS) -> dict[str, list[tuple[str, str]]]:
    """CMRC question id -> ``[(language, question)]``: English and Vietnamese renderings of
    some of its questions, so that evaluation asks in the languages users ask in."""
    found: dict[str, list[tuple[str, str]]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found.setdefault(row["id"], []).append((row["lang"], row["question"]))
    return found


def write_split(
    split: str, out: Path, data_dir: Path = DEFAULT_DATA, limit: int | None = None, translated: Path = TRANSLATIONS
) -> tuple[int, int]:
    """Write ``out/docs/*.txt``, ``out/qa.jsonl`` and ``out/qa_translated.jsonl`` (the items
    ``translated`` renders in English or Vietnamese); returns (passages written, items).
    Without CMRC's files in ``data_dir`` it raises ``FileNotFoundError`` before touching
    ``out``: an empty split would empty the indexes built from it."""
    if not any(data_dir.glob("cmrc2018_*.json")):
        raise FileNotFoundError(f"no cmrc2018_*.json in {data_dir}")
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    count, written, bodies, absent, kept = 0, [], [], [], set()
    for index, passage in enumerate(passages(data_dir, split)):
        if limit is not None and count >= limit:
            break
        if split == "validation" and index % ABSENT_EVERY == 1:
            absent.append(passage)
            continue
        body, items = convert(passage, make_unanswerable=index % UNANSWERABLE_EVERY == 0)
        if not items:
            continue
        kept.add(write_if_changed(docs / f"{passage.id}.txt", f"{passage.title}\n{body}\n"))
        bodies.append(f"{passage.title}\n{body}")
        written += items
        count += 1
    for stale in set(docs.glob("*.txt")) - kept:  # a passage written before may be left out now
        stale.unlink()
    corpus = "\n".join(bodies)
    for passage in absent:
        written += absent_items(passage, corpus)
    renderings = translations(translated)
    in_other_languages = [
        {**item, "id": f"{item['id']}-{language}", "question": question, "lang": language}
        for item in written
        for language, question in renderings.get(item["id"], [])
    ]
    for name, items in (("qa.jsonl", written), ("qa_translated.jsonl", in_other_languages)):
        write_if_changed(out / name, "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items))
    write_if_changed(
        out / "README.md",
        f"Derived from {ATTRIBUTION}: split `{split}`, {count} passages ({len(absent)} more left out), "
        f"{len(written)} questions; {len(in_other_languages)} of them also in English or Vietnamese.\n"
        "Made by `python -m rag.cmrc`; same license as the source.\n",
    )
    return count, len(written)


def write_if_changed(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` unless it holds it already, and then atomically: a fit or
    evaluation reading the folder meanwhile never finds a file missing or half written.
    Returns ``path``."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.cmrc", description="CMRC 2018 as a corpus folder and QA file.")
    parser.add_argument("--split", choices=SPLITS, required=True)
    parser.add_argument("--out", required=True, help="folder to write docs/ and qa.jsonl into")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder with cmrc2018_*.json")
    parser.add_argument("--limit", type=int, help="at most this many passages")
    args = parser.parse_args(argv)
    try:
        count, items = write_split(args.split, Path(args.out), Path(args.data), args.limit)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.split}: {count} passages, {items} questions in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
