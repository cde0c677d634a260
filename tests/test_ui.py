"""The app through gradio_client: the API, uploads and their limits, escaping, parallel users."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rag.ingestion import ingest
from rag.settings import Settings
from ui.app import safe_upload_name
from ui.render import answer_html, citation_html
from ui.server import main, serve

from .conftest import SEEDS

HOSTILE = (
    "越俄文化交流周\n"
    "越通社河内——越俄文化交流周在河内开幕,共展出120幅摄影作品"
    "<script>alert('x')</script><img src=x onerror=alert(1)>![pic](http://example.invalid/p.png)**粗体**。\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app over its own copy of the seed index (uploads change it), on a free port."""
    data = tmp_path_factory.mktemp("ui-data")
    settings = Settings(data_dir=data, max_file_mb=0.05, _env_file=None)
    ingest([SEEDS], settings=settings, show_progress=False)
    app = serve(settings, server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url, settings
    finally:
        app.close()


@pytest.fixture(scope="module")
def client(served):
    return Client(served[0], verbose=False)


def test_ask_endpoint_returns_answer_and_citations(client):
    result = client.predict("2016年越俄双边贸易总额是多少？", api_name="/ask")
    assert "22亿美元" in result["answer"] and not result["refused"]
    citation = result["citations"][0]
    assert {"n", "source", "title", "quote", "start", "end"} <= set(citation)
    assert citation["source"] == "004_1b044e40410c8b99.txt"
    refusal = client.predict("今天北京的天气怎么样？", api_name="/ask")
    assert refusal["refused"] and 0 <= refusal["confidence"] < result["confidence"] <= 1


def test_uploaded_article_is_searchable_and_shown_as_text(client, tmp_path):
    article = tmp_path / "culture_week.txt"
    article.write_text(HOSTILE, encoding="utf-8")
    status, _table, _choices, _title = client.predict([handle_file(str(article))], api_name="/add_documents")
    assert "files=1" in status and "errors=0" in status

    result = client.predict("越俄文化交流周展出了多少幅摄影作品？", [], 5, api_name="/chat")
    assert "120幅" in result["answer"] and result["citations"][0]["source"] == "culture_week.txt"
    turn = {"question": "?", "answer": result["answer"], "refused": False, "citations": result["citations"]}
    shown = answer_html(turn, 0, "zh")
    assert "<script" not in shown and "<img" not in shown and "](http" not in shown
    assert "&lt;script&gt;" in shown and "onerror" in shown  # the characters are there, inert


def test_upload_limits(client, tmp_path, served):
    wrong_type = tmp_path / "photo.jpg"
    wrong_type.write_bytes(b"\xff\xd8\xff\xe0 not an article")
    with pytest.raises(Exception, match=r"Invalid file type.*\.docx.*\.html.*\.pdf.*\.txt"):
        client.predict([handle_file(str(wrong_type))], api_name="/add_documents")

    too_big = tmp_path / "big.txt"
    too_big.write_text("越南与俄罗斯。" * 4000, encoding="utf-8")  # about 84 KB, limit 50 KB
    with pytest.raises(Exception, match="(?i)size|large|limit"):
        client.predict([handle_file(str(too_big))], api_name="/add_documents")
    data_dir = served[1].data_dir
    assert not list(data_dir.rglob("big.txt")) and not list(data_dir.rglob("photo.jpg"))


def test_uploads_of_every_format_each_get_a_line(client, tmp_path):
    from .test_formats import news_page

    page = tmp_path / "page.html"
    page.write_text(news_page(), encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    status, table, _, title = client.predict(
        [handle_file(str(page)), handle_file(str(broken))], api_name="/add_documents"
    )
    assert "files=1" in status and "errors=1" in status
    assert "broken.pdf: not a valid PDF" in status
    assert "page.html" in [row[1] for row in table["data"]]
    assert f"· {len(table['data'])} articles" in title  # the header counts what is indexed now


def test_an_upload_named_like_an_article_is_replaced_only_when_confirmed(client, tmp_path):
    first = tmp_path / "notice.txt"
    first.write_text("通知\n会议于周一举行。\n", encoding="utf-8")
    client.predict([handle_file(str(first))], api_name="/add_documents")
    first.write_text("新通知\n会议改在周二举行，地点不变。\n", encoding="utf-8")
    status, table, *_ = client.predict([handle_file(str(first))], api_name="/add_documents")
    assert "notice.txt: an article of this name is indexed" in status
    assert "“通知”" in status and "“新通知”" in status
    assert (
        "files=" not in status
        and ["通知", "notice.txt"] == [row[:2] for row in table["data"] if row[1] == "notice.txt"][0]
    )
    status, table, *_ = client.predict([handle_file(str(first))], True, api_name="/add_documents")
    assert "files=1" in status and "errors=0" in status
    assert [row[0] for row in table["data"] if row[1] == "notice.txt"] == ["新通知"]


def test_admin_login_guards_the_documents_actions(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", admin_auth="editor:s3cret", _env_file=None)
    ingest([SEEDS], settings=settings, show_progress=False)
    app = serve(settings, server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(app.local_url, verbose=False)
        article = tmp_path / "note.txt"
        article.write_text("短讯\n两国签署了教育合作协议。\n", encoding="utf-8")
        status, table, *_ = client.predict([handle_file(str(article))], api_name="/add_documents")
        assert "admin login" in status and "note.txt" not in [row[1] for row in table["data"]]
        wrong = client.predict(
            [handle_file(str(article))], False, "editor", "guess", api_name="/add_documents"
        )
        assert "admin login" in wrong[0]
        status, table, *_ = client.predict(
            [handle_file(str(article))], False, "editor", "s3cret", api_name="/add_documents"
        )
        assert "files=1" in status and "note.txt" in [row[1] for row in table["data"]]
        assert (
            "22亿美元" in client.predict("2016年越俄双边贸易总额是多少？", api_name="/ask")["answer"]
        )  # chat stays open
    finally:
        app.close()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\x.md", "x.md"),
        ("a b;c.TXT", "a_b_c.txt"),
        (".hidden.txt", "hidden.txt"),
        ("新闻 稿.txt", "新闻_稿.txt"),
    ],
)
def test_upload_names_are_sanitised(name, safe):
    assert safe_upload_name(name) == safe


def test_two_conversations_in_parallel_stay_separate(served):
    url = served[0]

    def conversation(first: str, followup: str) -> str:
        client = Client(url, verbose=False)
        answer = client.predict(first, api_name="/ask")["answer"]
        return client.predict(followup, [[first, answer]], api_name="/ask")["answer"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        trade = pool.submit(conversation, "2017年越俄贸易额是多少？", "那2016年呢？")
        visit = pool.submit(
            conversation, "哪位越南领导人要在2018年9月正式访问俄罗斯？", "他出发前接受了哪家媒体的采访？"
        )
        assert "22亿美元" in trade.result(timeout=120)
        assert "塔斯社" in visit.result(timeout=120)


def test_a_citation_of_a_replaced_or_removed_article_says_so(settings, seed_copy, e5):
    from dataclasses import asdict

    from rag.assistant import Assistant
    from rag.ingestion import remove_articles
    from rag.store import ChunkStore, chroma_client

    ingest([seed_copy], settings=settings, show_progress=False)
    assistant = Assistant(ChunkStore(chroma_client(settings), e5, settings.data_dir), settings)
    citation = asdict(assistant.ask("越南企业签署了购买多少剂Sputnik疫苗的合同？").citations[0])
    assert "<mark>" in citation_html(assistant.store, citation, "en") and "replaced" not in citation_html(
        assistant.store, citation, "en"
    )

    target = seed_copy / citation["source"]
    target.write_text("更新\n" + target.read_text(encoding="utf-8"), encoding="utf-8")  # shifts every offset
    ingest([seed_copy], settings=settings, store=assistant.store, show_progress=False)
    replaced = citation_html(assistant.store, citation, "en")
    assert (
        "has been replaced since this answer" in replaced and f"<mark>{citation['quote']}</mark>" in replaced
    )

    remove_articles([citation["source"]], settings=settings, store=assistant.store)
    assert "has been removed since this answer" in citation_html(assistant.store, citation, "en")


def test_a_long_upload_can_be_cancelled_and_leaves_the_index_as_it_was(client, tmp_path):
    import time

    sentences = [f"第{n}届越俄合作论坛讨论了能源、交通和教育领域的{n}个项目。" for n in range(1, 500)]
    long = tmp_path / "long_forum.txt"
    long.write_text(
        "长篇论坛纪要\n" + "".join(sentences) + "\n", encoding="utf-8"
    )  # about 45 KB, under the 50 KB limit
    job = client.submit([handle_file(str(long))], api_name="/add_documents")
    deadline = time.monotonic() + 120
    while not any("texts embedded" in str(update[0]) for update in job.outputs()):
        assert time.monotonic() < deadline, "no progress reported"
        time.sleep(0.2)
    assert job.cancel()
    time.sleep(3)  # the ingest stops at its next batch and releases the lock
    small = tmp_path / "short_note.txt"
    small.write_text("短讯\n两国签署了教育合作协议。\n", encoding="utf-8")
    status, table, *_ = client.predict([handle_file(str(small))], api_name="/add_documents")
    files = [row[1] for row in table["data"]]
    assert "files=1" in status and "short_note.txt" in files and "long_forum.txt" not in files


@pytest.mark.parametrize("endpoint", ["/ask", "/chat"])
@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"question": 5}, "question must be a string"),
        ({"question": "x", "k": 2.5}, "k must be an integer from 1 to 20, not 2.5"),
        ({"question": "x", "k": "abc"}, "k must be an integer from 1 to 20, not 'abc'"),
        ({"question": "x", "k": 0}, "k must be an integer"),
        ({"question": "x", "k": -1}, "k must be an integer"),
        ({"question": "x", "k": 10**9}, "k must be an integer"),
        ({"question": "x", "k": True}, "k must be an integer"),
        ({"question": "x", "history": [["a"]]}, "history must be a list of [question, answer] pairs"),
        ({"question": "x", "history": "notalist"}, "history must be a list of [question, answer] pairs"),
        ({"question": "x", "history": [["a", 1]]}, "history must be a list of [question, answer] pairs"),
    ],
)
def test_a_bad_api_call_gets_a_message_naming_the_argument(client, endpoint, arguments, named):
    with pytest.raises(AppError, match=re.escape(named)):
        client.predict(**arguments, api_name=endpoint)


def test_the_api_takes_k_and_history_within_their_limits(client):
    first = client.predict("2017年越俄贸易额是多少？", None, 20, api_name="/ask")
    followup = client.predict(
        "那2016年呢？", [["2017年越俄贸易额是多少？", first["answer"]]], 5, api_name="/chat"
    )
    assert "22亿美元" in followup["answer"] and len(followup["citations"]) >= 1
    assert "22亿美元" in client.predict("2016年越俄双边贸易总额是多少？", [], 1, api_name="/ask")["answer"]
    assert client.predict("", api_name="/ask")["refused"]  # an empty question gets a polite reply


def test_a_setting_that_cannot_be_used_stops_the_server_with_one_line_naming_it(monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "eight")
    assert main() == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "top_k" in error and "Traceback" not in error
