"""The chat answers through its documented API name, served on loopback."""

from __future__ import annotations

import pytest
from gradio_client import Client

from ui.app import build_app


@pytest.fixture(scope="module")
def served_app(seed_settings):
    app = build_app(seed_settings)
    app.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url
    finally:
        app.close()


def test_chat_api_returns_a_cited_answer(served_app):
    client = Client(served_app, verbose=False)
    reply = client.predict("2016年越俄双边贸易总额是多少？", api_name="/chat")
    assert "22亿美元" in reply and "004_1b044e40410c8b99.txt" in reply
    assert "[1]" in reply
    assert "请输入一个问题" in client.predict("   ", api_name="/chat")
