"""A minimal Gradio chat over ``Assistant``: cited answers, history kept for follow-ups.

The full chat (clickable citations, documents tab) is the chat-UI issue's work.
"""

from __future__ import annotations

import os

# Gradio reports usage to its servers unless told not to; there is no network here anyway.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag.assistant import Assistant  # noqa: E402
from rag.schema import Answer  # noqa: E402
from rag.settings import Settings  # noqa: E402

EXAMPLES = [
    "胡志明市同俄罗斯各地开展了哪些合作？",
    "What was the trade volume between Vietnam and Russia in 2016?",
    "Việt Nam đã ký hợp đồng mua bao nhiêu liều vắc xin Sputnik?",
]


def render(answer: Answer) -> str:
    """The answer followed by its sources, one line per citation."""
    sources = [f"[{c.n}] {c.title} — {c.source}" for c in answer.citations]
    return answer.text + ("\n\n" + "\n".join(sources) if sources else "")


def build_app(settings: Settings) -> gr.Blocks:
    bot = Assistant.load(settings)

    def respond(message: str, history: list[dict]):
        turns = [
            (question["content"], reply["content"])
            for question, reply in zip(history[::2], history[1::2])
            if isinstance(question.get("content"), str) and isinstance(reply.get("content"), str)
        ]
        shown = ""
        for event in bot.stream(message, turns):
            if isinstance(event, Answer):
                yield render(event)
            else:
                shown += event
                yield shown

    return gr.ChatInterface(respond, examples=EXAMPLES, title="越俄关系新闻问答", api_name="chat")


def main() -> None:
    settings = Settings()
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    build_app(settings).launch(
        server_name=settings.host, server_port=settings.port, auth=auth, share=False, footer_links=["api"]
    )
