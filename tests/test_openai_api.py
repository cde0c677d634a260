"""The OpenAI-compatible API (/v1) of the running app, through the official clients and raw HTTP."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from openai import OpenAI

from ui.server import serve

pytestmark = pytest.mark.slow  # every test here talks to a served app

TRADE_2016 = "2016年越俄双边贸易总额是多少？"
WEATHER = "今天北京的天气怎么样？"


@pytest.fixture(scope="module")
def api_url(seed_settings):
    """The /v1 URL of the app over the seed index, with no API key."""
    app = serve(seed_settings, server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url.rstrip("/") + "/v1"
    finally:
        app.close()


@pytest.fixture(scope="module")
def client(api_url) -> OpenAI:
    return OpenAI(base_url=api_url, api_key="unused", max_retries=0)


def ask(client: OpenAI, *messages: dict, **options):
    return client.chat.completions.create(model="rag-extractive", messages=list(messages), **options)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def test_models_are_the_answerers(client):
    models = client.models.list()
    assert [model.id for model in models.data] == ["rag-extractive"]  # no upstream LLM is configured
    assert models.data[0].object == "model"


def test_an_answer_with_markers_sources_and_citations(client):
    completion = ask(client, user(TRADE_2016))
    content = completion.choices[0].message.content
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    answer, sources = content.split("\n\nSources:\n")
    assert "22亿美元" in answer and not completion.refused
    citation = completion.citations[0]
    assert citation["source"] == "004_1b044e40410c8b99.txt" and "22亿美元" in citation["quote"]
    assert {"n", "source", "title", "quote", "start", "end", "page"} == set(citation)
    # Every [n] in the answer has its citation, and a line "[n] title — source: “quote”" under it.
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer)} == {c["n"] for c in completion.citations}
    lines = [f"[{c['n']}] {c['title']} — {c['source']}: “{c['quote']}”" for c in completion.citations]
    assert sources.splitlines() == lines
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (len(TRADE_2016), len(content))


def test_a_stream_is_the_same_answer_in_chunks(client):
    whole = ask(client, user(TRADE_2016))
    chunks = list(ask(client, user(TRADE_2016), stream=True, stream_options={"include_usage": True}))
    assert all(chunk.object == "chat.completion.chunk" and chunk.id == chunks[0].id for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    *content_chunks, last, usage = chunks
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in content_chunks)
    assert streamed == whole.choices[0].message.content
    assert len(content_chunks) > 2  # the answer comes line by line, not in one piece
    assert last.choices[0].finish_reason == "stop"
    assert last.citations == whole.citations and last.refused is False
    assert usage.choices == [] and usage.usage.total_tokens == whole.usage.total_tokens


def test_a_follow_up_is_answered_from_the_history(client):
    question = "Who is the Russian Consul General in Ho Chi Minh City?"
    first = ask(client, user(question))
    assert "Popov" in first.choices[0].message.content
    follow_up = "When did he hold that press conference?"
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # ignored: the assistant has its rules
        user(question),
        {"role": "assistant", "content": first.choices[0].message.content},
        user(follow_up),
    ]
    answered = ask(client, *messages)
    assert not answered.refused and "12月16日" in answered.choices[0].message.content


def test_text_content_parts_are_the_question(client):
    parts = [{"type": "text", "text": "2016年越俄双边贸易总额"}, {"type": "text", "text": "是多少？"}]
    completion = ask(client, {"role": "user", "content": parts})
    assert "22亿美元" in completion.choices[0].message.content


def test_k_chooses_how_many_passages_are_searched(client):
    completion = ask(client, user(TRADE_2016), extra_body={"k": 3})
    assert "22亿美元" in completion.choices[0].message.content


@pytest.mark.parametrize("stream", [False, True])
def test_a_refusal_is_a_normal_reply(client, stream):
    if stream:
        *_, last = (chunk for chunk in ask(client, user(WEATHER), stream=True) if chunk.choices)
        assert last.choices[0].finish_reason == "stop" and last.refused is True
    else:
        completion = ask(client, user(WEATHER))
        assert completion.refused is True and completion.choices[0].message.content
        assert completion.confidence < ask(client, user(TRADE_2016)).confidence


def test_langchain_chat_openai(api_url):
    llm = ChatOpenAI(base_url=api_url, api_key="unused", model="rag-extractive", max_retries=0)
    reply = llm.invoke([SystemMessage("Answer briefly."), HumanMessage("2016年越俄贸易额是多少？")])
    assert "22亿美元" in reply.content and "004_1b044e40410c8b99.txt" in reply.content
    history = [HumanMessage("2016年越俄贸易额是多少？"), AIMessage(reply.content)]
    streamed = "".join(chunk.content for chunk in llm.stream([*history, HumanMessage("那2017年呢？")]))
    assert "35亿美元" in streamed and "22亿美元" not in streamed


QUESTION = [{"role": "user", "content": TRADE_2016}]


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"model": "rag-extractive"}, 400, "messages"),
        ({"model": "rag-extractive", "messages": TRADE_2016}, 400, "messages"),
        ({"model": "rag-extractive", "messages": []}, 400, "messages"),
        ({"model": "rag-extractive", "messages": [{"role": "system", "content": "Be brief."}]}, 400, "messages"),
        ({"model": "rag-extractive", "messages": [{"role": "user", "content": 42}]}, 400, "messages[0].content"),
        (
            {"model": "rag-extractive", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
            400, "messages[0].content",
        ),
        ({"model": "rag-extractive", "messages": [{"role": "robot", "content": "hi"}]}, 400, "messages[0].role"),
        ({"messages": QUESTION}, 400, "model"),
        ({"model": "rag-extractive", "messages": QUESTION, "k": 21}, 400, "k"),
        ({"model": "gpt-4o", "messages": QUESTION}, 404, "model"),
        ("{not json", 400, None),
        ("[1, 2]", 400, None),
        ({"model": "rag-extractive", "messages": [{"role": "user", "content": "x" * 2**20}]}, 413, None),
    ],
)  # fmt: skip
def test_bad_requests_answer_in_openais_error_shape(api_url, body, status, param):
    raw = body if isinstance(body, str) else json.dumps(body)
    headers = {"Content-Type": "application/json"}
    response = httpx.post(f"{api_url}/chat/completions", content=raw, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]
    if status == 404:
        assert error["code"] == "model_not_found"


def test_the_api_key_guards_v1_and_the_web_login_does_not(seed_settings):
    settings = seed_settings.model_copy(update={"api_key": "k3y-for-tests", "auth": "reader:pa55"})
    app = serve(settings, server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        url = app.local_url.rstrip("/")
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "k3y-for-tests"}):
            response = httpx.get(f"{url}/v1/models", headers=headers)
            assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            ask(OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0), user(TRADE_2016))
        keyed = OpenAI(base_url=f"{url}/v1", api_key="k3y-for-tests", max_retries=0)
        assert "22亿美元" in ask(keyed, user(TRADE_2016)).choices[0].message.content
        assert httpx.get(f"{url}/config").status_code == 401  # the web app still wants its login
    finally:
        app.close()


def test_the_load_test_drives_both_channels_and_reports_them(api_url, capsys):
    from ui.loadtest import main

    app_url = api_url.removesuffix("/v1")
    assert main(["--url", app_url, "--users", "2", "--seconds", "2", "--channel", "both"]) == 0
    table = capsys.readouterr().out
    assert "\nopenai " in table and "\nweb " in table and "first errors" not in table
