"""Evaluation: metrics on a hand-made set with a fake assistant, the QA file format, the
project's own QA set, a quality gate on it, and ``rag-eval --corpus`` on a temporary index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, replace
from types import SimpleNamespace

import pytest
from langchain_core.documents import Document

from rag import Answer, Assistant, Citation
from rag.cmrc import write_split
from rag.documents import NAVIGATION_MARK, load_article
from rag.eval import evaluate, failed_gates, load_qa, main, parse_item, write_report
from rag.ingestion import ingest
from rag.settings import Settings

from .conftest import ROOT, SEEDS

BODY = "越南与俄罗斯2016年贸易额达22亿美元。2017年达到了35亿美元。"
QA_SET = ROOT / "eval" / "qa_dev.jsonl"
FRESH_SET = ROOT / "eval" / "qa_dev2.jsonl"  # written from the articles alone; gated, not fitted on
HOLDOUT_SET = ROOT / "eval" / "qa_holdout.jsonl"  # not tuned on: reported, not gated


def item(id, type, answer="x", must=(), sources=("a.txt",), evidence=(), lang="zh"):
    return parse_item(
        {"id": id, "question": id, "lang": lang, "type": type, "answer": answer,
         "must_contain": list(must), "sources": list(sources), "evidence": list(evidence)}
    )


class FakeAssistant:
    """Answers from a table keyed by question; its one article is BODY."""

    def __init__(self, answers: dict[str, Answer]):
        self.answers = answers
        self.store = SimpleNamespace(article=lambda source: SimpleNamespace(body={"a.txt": BODY}[source]))

    def ask(self, question, history=()):
        return self.answers[question]


def cite(quote, start=None, source="a.txt"):
    start = BODY.index(quote) if start is None else start
    return Citation(1, source, "t", quote, start, start + len(quote))


def test_every_metric_is_computed_and_can_fail():
    context = [Document(page_content=BODY[:20]), Document(page_content=BODY[20:])]
    items = [
        item("right", "numeric", must=["22亿美元"], evidence=["22亿美元"]),
        item("wrong", "numeric", must=["35亿美元"], evidence=["35亿美元"]),
        item("refused-wrongly", "fact", must=["越南"], sources=["a.txt", "b.txt"], evidence=["不在这里"]),
        item("refused-rightly", "unanswerable", answer=None, sources=[]),
        item("not-refused", "teaser", answer=None, sources=[], lang="en"),
    ]
    fake = FakeAssistant({
        "right": Answer("2016年贸易额达22 亿美元 [1]", [cite("22亿美元")], False, context, confidence=0.9),
        "wrong": Answer("22亿美元 [1]", [cite("22亿美元"), cite("40亿美元", start=3)], False, context, confidence=0.3),
        "refused-wrongly": Answer("没有", [cite("越南")], True, context, confidence=0.05),
        "refused-rightly": Answer("没有", [], True, [], confidence=0.05),
        "not-refused": Answer("x", [], False, []),  # no confidence (an LLM's answer): not counted
    })
    metrics, results = evaluate(fake, items, show_progress=False)
    overall = metrics["overall"]
    assert overall["answer_accuracy"] == round(1 / 3, 4)  # whitespace inside "22 亿美元" ignored
    assert overall["refusal_recall"] == 0.5
    assert overall["false_refusal_rate"] == round(1 / 3, 4)
    # 0.9 and 0.3 above the refusable 0.05, 0.05 level with it (counted half), of 3 pairs.
    assert overall["refusal_auc"] == round(2.5 / 3, 4)
    assert metrics["by_type"]["teaser"]["refusal_auc"] is None  # no answerable items to compare with
    assert overall["cited_source_accuracy"] == round(2 / 3, 4)  # b.txt never cited
    assert overall["quote_validity"] == 0.75  # "40亿美元" is not at its offsets
    assert overall["context_recall"] == round(2 / 3, 4)
    assert metrics["by_type"]["numeric"]["answer_accuracy"] == 0.5
    assert metrics["by_lang"]["en"]["refusal_recall"] == 0.0
    assert overall["latency_p50_ms"] >= 0
    assert failed_gates(metrics, {"answer_accuracy": 0.9, "false_refusal_rate": 0.05, "quote_validity": 0.5}) == [
        "answer_accuracy = 0.3333 is below 0.9",
        "false_refusal_rate = 0.3333 is above 0.05",
    ]
    assert [r.correct for r in results] == [True, False, False, True, False]


def test_quote_precision_counts_quotes_holding_evidence_must_contain_or_answer():
    items = [
        item("evidence", "numeric", answer="22亿", must=["22亿美元"], evidence=["2016年贸易额达22亿美元"]),
        item("must", "numeric", answer="35亿", must=["35 亿美元"]),  # whitespace ignored
        item("answer", "fact", answer="2017 年", must=["不在引文里"]),
        item("refused", "fact", answer="越南", must=["越南"]),
        item("teaser", "teaser", answer=None, sources=[], evidence=["越南"]),
    ]
    fake = FakeAssistant({
        "evidence": Answer("22亿美元 [1][2]", [cite("2016年贸易额达22亿美元"), cite("越南与俄罗斯")], False),
        "must": Answer("35亿美元 [1][2]", [cite("22亿美元"), cite("2017年达到了35亿美元")], False),
        "answer": Answer("2017年 [1]", [cite("2017年达到了")], False),
        # Quotes shown with a refusal or with an answer to an unanswerable question are not counted.
        "refused": Answer("没有", [cite("越南与俄罗斯"), cite("2016年")], True),
        "teaser": Answer("越南 [1]", [cite("越南与俄罗斯")], False),
    })
    metrics, results = evaluate(fake, items, show_progress=False)
    assert [r.precise_quotes for r in results] == [1, 1, 1, 1, 1]
    assert metrics["overall"]["quote_precision"] == 0.6  # 3 of the 5 quotes of answered answerable items
    assert metrics["by_type"]["numeric"]["quote_precision"] == 0.5
    assert metrics["by_type"]["fact"]["quote_precision"] == 1.0
    assert metrics["by_type"]["teaser"]["quote_precision"] is None
    assert failed_gates(metrics, {"quote_precision": 0.6}) == []
    assert failed_gates(metrics, {"quote_precision": 0.8}) == ["quote_precision = 0.6 is below 0.8"]
    refused_only, _ = evaluate(fake, items[3:4], show_progress=False)
    assert refused_only["overall"]["quote_precision"] is None  # no quotes to judge: a floor fails
    assert failed_gates(refused_only, {"quote_precision": 0.0}) == ["quote_precision = None is below 0.0"]


def test_lead_precision_counts_leading_facts_that_give_the_answer():
    items = [
        item("inside", "numeric", answer="2016年越俄贸易额为22亿美元。", must=["22亿美元"]),
        item("around", "fact", answer="波波夫", must=["波波夫"]),
        item("wrong", "fact", answer="普京", must=["普京"]),
        item("no-lead", "fact", answer="越南", must=["越南"]),
        item("refused", "fact", answer="越南", must=["越南"]),
        item("fragment", "fact", answer="越俄全面战略伙伴关系", must=["全面战略伙伴关系"]),
        item("half", "fact", answer="普京总统", must=["普京总统"]),
        item("one-of-two", "multi", answer="22亿美元，35亿美元", must=["22亿美元", "35亿美元"]),
    ]
    fake = FakeAssistant({
        "inside": Answer("根据文章：22 亿美元", [cite("22亿美元")], fact="22 亿美元"),  # whitespace ignored
        "around": Answer("根据文章：阿列克谢•波波夫", [cite("越南")], fact="阿列克谢•波波夫"),
        "wrong": Answer("根据文章：拉夫罗夫", [cite("越南")], fact="拉夫罗夫"),
        "no-lead": Answer("根据文章：", [cite("越南")]),  # not counted: no fact to judge
        "refused": Answer("没有", [cite("越南")], True, fact="越南"),  # refusals are not counted
        "fragment": Answer("根据文章：越俄", [cite("越南")], fact="越俄"),  # inside the answer, but a small part
        "half": Answer("根据文章：普京", [cite("越南")], fact="普京"),
        "one-of-two": Answer("根据文章：2016年：22亿美元；2017年：30%", [cite("越南")], fact="2016年：22亿美元；2017年：30%"),
    })
    metrics, results = evaluate(fake, items, show_progress=False)
    assert [r.lead_ok for r in results] == [True, True, False, False, True, False, True, False]
    assert metrics["overall"]["lead_precision"] == round(3 / 6, 4)
    assert failed_gates(metrics, {"lead_precision": 0.9}) == ["lead_precision = 0.5 is below 0.9"]


def test_uncertain_answers_are_counted_among_the_answered_and_judged_by_whether_they_mislead():
    items = [
        item("sure", "numeric", must=["22亿美元"]),
        item("unsure-right", "numeric", must=["22亿美元"]),
        item("unsure-wrong", "numeric", must=["35亿美元"]),
        item("refused", "fact", must=["越南"]),
        item("unsure-unanswerable", "unanswerable", answer=None, sources=[]),
    ]
    unsure = {"uncertain": True}
    fake = FakeAssistant({
        "sure": Answer("22亿美元 [1]", [cite("22亿美元")]),
        "unsure-right": Answer("可能 22亿美元 [1]", [cite("22亿美元")], **unsure),
        "unsure-wrong": Answer("可能 22亿美元 [1]", [cite("22亿美元")], **unsure),
        "refused": Answer("没有", [], True),
        "unsure-unanswerable": Answer("可能 22亿美元 [1]", [cite("22亿美元")], **unsure),
    })
    metrics, results = evaluate(fake, items, show_progress=False)
    assert [r.uncertain for r in results] == [False, True, True, False, True]
    assert metrics["overall"]["uncertain_rate"] == round(2 / 3, 4)  # of the 3 answerable answered
    assert metrics["overall"]["uncertain_warranted"] == round(2 / 3, 4)  # the wrong one and the unanswerable
    assert metrics["by_type"]["fact"]["uncertain_warranted"] is None  # none marked
    assert failed_gates(metrics, {"uncertain_rate": 0.5}) == ["uncertain_rate = 0.6667 is above 0.5"]


def test_report_files(tmp_path):
    items = [item("right", "numeric", must=["22亿美元"]), item("no", "teaser", answer=None)]
    fake = FakeAssistant({"right": Answer("22亿美元 [1]", [cite("22亿美元")]), "no": Answer("x")})
    metrics, results = evaluate(fake, items, show_progress=False)
    write_report(tmp_path, metrics, results, "header")
    assert json.loads((tmp_path / "metrics.json").read_text())["overall"]["items"] == 2
    assert len((tmp_path / "items.jsonl").read_text().splitlines()) == 2
    report = (tmp_path / "report.md").read_text()
    assert "## Failed items (1)" in report and "### no (teaser, zh)" in report
    assert (tmp_path / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_malformed_lines_are_reported_and_skipped(tmp_path):
    good = {"id": "1", "question": "q", "lang": "zh", "type": "fact", "answer": "a", "must_contain": ["a"],
            "sources": ["a.txt"], "evidence": [], "extra": "ignored"}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": "2", "lang": "fr"}),
        json.dumps({**good, "id": "3", "must_contain": "a"}),
        "",
        json.dumps(good),
        json.dumps({**good, "id": "4", "type": "followup", "history": [["q", "a"]]}),
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    items, problems = load_qa(path)
    assert [i.id for i in items] == ["1", "4"] and items[1].history == [("q", "a")]
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["2", "3", "4", "6"]
    assert "lang 'fr' is not one of zh, en, vi" in problems[1]
    assert "duplicate id '1'" in problems[3]


def test_project_qa_set_covers_every_type_and_language():
    items, problems = load_qa(QA_SET)
    assert not problems and len(items) >= 80
    count = lambda **kw: sum(all(getattr(i, k) == v for k, v in kw.items()) for i in items)  # noqa: E731
    for type_ in ("fact", "paraphrase", "multi", "numeric", "followup"):
        assert count(type=type_) >= 8
    assert count(type="unanswerable") >= 6 and count(type="teaser") >= 4
    assert count(lang="en") >= 12 and count(lang="vi") >= 8


@pytest.mark.parametrize("qa_set", [QA_SET, FRESH_SET, HOLDOUT_SET], ids=["dev", "dev2", "holdout"])
def test_qa_sets_are_well_formed_and_grounded_in_the_articles(qa_set):
    items, problems = load_qa(qa_set)
    assert not problems and items
    bodies = {p.name: load_article(p, 2**24).body for p in SEEDS.glob("*.txt")}
    navigation = {
        p.name: p.read_text(encoding="utf-8").split(f"\n{NAVIGATION_MARK}\n", 1)[1] for p in SEEDS.glob("*.txt")
    }
    for qa in items:
        if qa.type == "teaser":
            assert qa.answer is None and qa.must_contain == []
            for evidence in qa.evidence:
                assert any(evidence in navigation[s] for s in qa.sources), qa.id
                assert not any(evidence in body for body in bodies.values()), qa.id
        else:
            for evidence in qa.evidence:
                assert any(evidence in bodies[s] for s in qa.sources), (qa.id, evidence)
        if qa.type == "followup":
            assert qa.history


def seed_set_metrics(qa_set, settings) -> dict:
    items, _ = load_qa(qa_set)
    metrics, _ = evaluate(Assistant.load(settings), items, show_progress=False)
    return metrics


@pytest.fixture(scope="module")
def dev_metrics(seed_settings):
    return seed_set_metrics(QA_SET, seed_settings)


# Of the validation split, which neither the fit nor the thresholds saw. 30 passages (88
# answerable items, about 110 quotes) measured quote precision from 0.73 to 0.79 for two
# fits that differ by 0.02 on the whole split: too few for a floor near the measurement.
CMRC_SLICE_PASSAGES = 100


@pytest.fixture(scope="module")
def cmrc_slice_metrics(tmp_path_factory):
    """The answerer on Chinese text nobody here wrote: a slice of CMRC 2018's validation split."""
    folder = tmp_path_factory.mktemp("cmrc-slice")
    write_split("validation", folder, limit=CMRC_SLICE_PASSAGES)
    settings = Settings(data_dir=folder / "index", _env_file=None)
    assert not ingest([folder / "docs"], settings=settings, show_progress=False).errors
    items, problems = load_qa(folder / "qa.jsonl")
    assert not problems
    metrics, _ = evaluate(Assistant.load(settings), items, show_progress=False)
    return metrics


def test_quality_gate_on_text_nobody_here_wrote(cmrc_slice_metrics):
    """A change that only helps the seed articles shows up here as a failure. Floors about
    1.5 standard errors below the last measurement of this slice (422 items: answer 0.850,
    refusal 0.716, false refusals 0.047, refusal AUC 0.940, quote precision 0.802, context
    recall 0.997); raise them as the answers improve. The refusal AUC does not move with the
    refit's threshold, as refusal recall and false refusals do."""
    floors = {
        "answer_accuracy": 0.81,
        "refusal_recall": 0.65,
        "false_refusal_rate": 0.08,
        "refusal_auc": 0.91,
        "quote_validity": 1.0,
        "quote_precision": 0.78,
        "context_recall": 0.98,
    }
    assert failed_gates(cmrc_slice_metrics, floors) == []


def test_quality_gate_on_the_project_qa_set(dev_metrics):
    """Floors a little below what was measured (answer 0.75, refusal 0.40, false refusals 0.06,
    cited sources 0.86, context recall 0.93 since chunk vectors are pooled from sentence
    vectors); raise them as the answers improve."""
    floors = {
        "answer_accuracy": 0.72,
        "refusal_recall": 0.36,
        "false_refusal_rate": 0.07,
        "cited_source_accuracy": 0.82,
        "quote_validity": 1.0,
        "context_recall": 0.9,
    }
    assert failed_gates(dev_metrics, floors) == []


def test_quality_gate_on_seed_questions_the_fit_never_saw(seed_settings):
    """qa_dev is part of the fit set; qa_dev2 was written from the articles alone. Floors a
    little below what was measured (answer 0.72, false refusals 0.04, cited sources 0.91,
    quote precision 0.67, context recall 0.89). Its unanswerable questions are not refused
    yet (0 of 14): no refusal floor until they are."""
    floors = {
        "answer_accuracy": 0.68,
        "false_refusal_rate": 0.08,
        "cited_source_accuracy": 0.87,
        "quote_validity": 1.0,
        "quote_precision": 0.62,
        "context_recall": 0.86,
    }
    assert failed_gates(seed_set_metrics(FRESH_SET, seed_settings), floors) == []


def test_rag_eval_command_writes_the_report_and_gates(seed_settings, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(QA_SET.read_text(encoding="utf-8").splitlines()[:6]) + "\n{broken\n", encoding="utf-8")
    env = {"RAG_DATA_DIR": str(seed_settings.data_dir), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag.eval", "--qa", str(qa), "--out", str(tmp_path / "out"), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "qa.jsonl:7: " in result.stderr and "| overall | 6 |" in result.stdout
    assert (tmp_path / "out" / "report.png").exists()
    gated = subprocess.run(command + ["--min-answer-accuracy", "1.01"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert gated.returncode == 1 and "gate failed: answer_accuracy" in gated.stderr


ARTICLES = {
    "hanoi.txt": "河内市前十个月吸引外资增长\n"
    "河内市统计局11月5日发布数据显示，今年前十个月河内市吸引外国直接投资达到28亿美元，同比增长15%。"
    "日本和韩国是最大的投资来源地。新注册项目共有350个，主要集中在加工制造业。\n",
    "coffee.txt": "胡志明市举办国际咖啡博览会\n"
    "第三届胡志明市国际咖啡博览会于10月20日开幕，为期四天。本届博览会吸引了来自15个国家和地区的200家企业参展。"
    "主办方预计展会期间将接待约3万名参观者。\n",
}
CORPUS_QA = [
    {"id": "fdi", "question": "今年前十个月河内市吸引了多少外国直接投资？", "lang": "zh", "type": "numeric",
     "answer": "28亿美元", "must_contain": ["28亿美元"], "sources": ["hanoi.txt"],
     "evidence": ["吸引外国直接投资达到28亿美元"]},
    {"id": "expo", "question": "胡志明市国际咖啡博览会有多少家企业参展？", "lang": "zh", "type": "numeric",
     "answer": "200家", "must_contain": ["200家"], "sources": ["coffee.txt"],
     "evidence": ["来自15个国家和地区的200家企业参展"]},
    {"id": "ticket", "question": "胡志明市国际咖啡博览会的门票多少钱？", "lang": "zh", "type": "unanswerable",
     "answer": None, "must_contain": [], "sources": [], "evidence": []},
]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder, to see that ``--corpus`` leaves no temporary index behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def write_corpus(folder):
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_qa(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_rag_eval_on_a_corpus_folder_uses_a_temporary_index(tmp_path, private_tmp, capsys):
    folder = write_corpus(tmp_path / "corpus")
    qa = write_qa(tmp_path / "qa.jsonl", CORPUS_QA)
    out = tmp_path / "out"
    assert main(["--corpus", str(folder), "--qa", str(qa), "--out", str(out), "--quiet"]) == 0
    assert "files=2 " in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["items"] == 3 and "quote_precision" in metrics["overall"]
    results = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("precise_quotes" in r for r in results)
    assert "corpus `" in (out / "report.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out", "qa.jsonl", "tmp"]  # no .rag/ here
    assert not list(private_tmp.glob("rag-eval-*"))


def test_rag_eval_on_a_corpus_with_nothing_readable_exits_2(tmp_path, private_tmp, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01 not an article")
    qa = write_qa(tmp_path / "qa.jsonl", CORPUS_QA)
    assert main(["--corpus", str(folder), "--qa", str(qa), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "warning: " in err and "binary file" in err
    assert f"error: nothing ingested from {folder}" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / ".rag").exists()
    assert not list(private_tmp.glob("rag-eval-*"))


def test_rag_eval_limit_asks_only_the_first_items(seed_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_DATA_DIR", str(seed_settings.data_dir))
    out = tmp_path / "out"
    command = ["--qa", str(QA_SET), "--limit", "3", "--out", str(out), "--quiet", "--min-quote-precision", "1.01"]
    assert main(command) == 1  # a floor above 1 fails whatever the answers
    captured = capsys.readouterr()
    assert "| overall | 3 |" in captured.out and "gate failed: quote_precision" in captured.err
    ids = [json.loads(line)["id"] for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == [i.id for i in load_qa(QA_SET)[0][:3]]
    assert "first 3 of " in (out / "report.md").read_text(encoding="utf-8")


def test_comparison_names_the_changed_questions_and_how_likely_chance_is(tmp_path):
    from rag.comparison import compare, load_run

    questions = [item(f"q{n}", "numeric", must=["22亿美元"]) for n in range(10)]
    right, wrong = Answer("22亿美元 [1]", [cite("22亿美元")]), Answer("35亿美元 [1]", [cite("35亿美元")])
    metrics, before = evaluate(FakeAssistant({f"q{n}": wrong if n < 8 else right for n in range(10)}), questions, False)
    write_report(tmp_path / "before", metrics, before, "header")
    _, after = evaluate(FakeAssistant({f"q{n}": right if n != 9 else wrong for n in range(10)}), questions, False)
    earlier, missing = load_run(tmp_path / "before")
    assert [r.correct for r in earlier] == [r.correct for r in before] and not missing

    comparison = compare("before/", earlier, missing, after)
    assert [r.id for r in comparison.fixed] == [f"q{n}" for n in range(8)]
    assert [r.id for r in comparison.broken] == ["q9"]
    assert (comparison.before["answer_accuracy"], comparison.after["answer_accuracy"]) == (0.2, 0.9)
    assert round(comparison.p_value, 4) == round(2 * (1 + 9) / 2**9, 4)  # 8 of 9 changes one way
    text = "\n".join(comparison.lines())
    assert "| answer_accuracy | 0.2 | 0.9 | +0.7 |" in text and "| quote_validity | 1.0 | 1.0 | 0 |" in text
    assert "8 right now and wrong before, 1 wrong now and right before: unlikely to be chance (p = 0.039" in text
    assert "- q9 (numeric, zh): q9" in text

    # Only the questions both runs asked, worded the same, are compared.
    reworded = [replace(r, question="changed") if r.id == "q0" else r for r in after[:5]]
    narrow = compare("before/", earlier, missing, reworded)
    assert narrow.after["items"] == 4 and [r.id for r in narrow.fixed] == ["q1", "q2", "q3", "q4"]
    assert "could be chance (p = 0.125" in "\n".join(narrow.lines())
    assert compare("before/", earlier, missing, after[8:9]).verdict() == "No question went from right to wrong or back."

    # A run of an older rag-eval, without a field a metric reads, leaves that metric blank.
    old_run = tmp_path / "old.jsonl"
    old_run.write_text("".join(json.dumps({k: v for k, v in asdict(r).items() if k != "precise_quotes"}) + "\n"
                               for r in before), encoding="utf-8")  # fmt: skip
    earlier, missing = load_run(old_run)
    old = compare(str(old_run), earlier, missing, after)
    assert missing == {"precise_quotes"} and old.before["quote_precision"] is None
    assert old.before["answer_accuracy"] == 0.2 and len(old.fixed) == 8


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no items.jsonl of an earlier rag-eval run there"),
        (b"", "holds no results"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"{broken\n", "items.jsonl:1: not JSON"),
        (b"[1]\n", "items.jsonl:1: not a result of rag-eval"),
        (b'{"id": "1", "question": "q", "lang": "zh", "type": "fact"}\n', "items.jsonl:1: no 'correct'"),
        (b'{"id": "1", "question": "q", "lang": "zh", "type": "fact", "correct": "false"}\n', "'correct' is \"false\", not bool"),
        (b'{"id": "1", "question": "q", "lang": "zh", "type": "fact", "correct": true, "quotes": null}\n', "'quotes' is null, not int"),
    ],
)
def test_a_baseline_that_is_not_an_earlier_run_is_named(tmp_path, content, message):
    from rag.comparison import load_run

    if content is not None:
        (tmp_path / "items.jsonl").write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_run(tmp_path)


def test_rag_eval_baseline_compares_two_runs_on_a_corpus(tmp_path, private_tmp, capsys):
    folder = write_corpus(tmp_path / "corpus")
    qa = write_qa(tmp_path / "qa.jsonl", CORPUS_QA)
    command = ["--corpus", str(folder), "--qa", str(qa), "--quiet"]
    # A mistyped baseline stops the run before anything is ingested.
    assert main([*command, "--out", str(tmp_path / "first"), "--baseline", str(tmp_path / "typo")]) == 2
    err = capsys.readouterr().err
    assert "error: --baseline" in err and "ingesting" not in err and not (tmp_path / "first").exists()

    assert main([*command, "--out", str(tmp_path / "first")]) == 0
    capsys.readouterr()
    assert main([*command, "--out", str(tmp_path / "first"), "--baseline", str(tmp_path / "first")]) == 0
    out = capsys.readouterr().out
    assert f"Against `{tmp_path / 'first'}` on the 3 questions both runs asked." in out
    assert "No question went from right to wrong or back." in out
    saved = json.loads((tmp_path / "first" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["baseline"]["questions"] == 3 and saved["baseline"]["p_value"] == 1.0
    assert saved["baseline"]["after"]["items"] == 3
    assert "## Against the baseline" in (tmp_path / "first" / "report.md").read_text(encoding="utf-8")

    # A baseline of other questions: nothing to compare, said before anything is ingested.
    other = write_qa(tmp_path / "other.jsonl", [{**record, "id": record["id"] + "-2"} for record in CORPUS_QA])
    assert main(["--corpus", str(folder), "--qa", str(other), "--quiet", "--baseline", str(tmp_path / "first")]) == 2
    err = capsys.readouterr().err
    assert "asked none of these questions (same id and wording)" in err and "ingesting" not in err
