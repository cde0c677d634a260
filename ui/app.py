"""A minimal Gradio chat over the retriever: the passages that best answer a question."""

from __future__ import annotations

import os

# Gradio reports usage to its servers unless told not to; there is no network here anyway.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag.embeddings import make_embeddings  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import ChunkStore, chroma_client  # noqa: E402

EXAMPLES = [
    "胡志明市同俄罗斯各地开展了哪些合作？",
    "What was the trade volume between Vietnam and Russia in 2016?",
    "Việt Nam đã ký hợp đồng mua bao nhiêu liều vắc xin Sputnik?",
]


def build_app(settings: Settings) -> gr.Blocks:
    store = ChunkStore(chroma_client(settings), make_embeddings(settings.embedding), settings.data_dir)
    store.require_index()
    retriever = HybridRetriever(store=store, k=settings.top_k)

    def respond(message: str, history: list) -> str:
        if not message.strip():
            return "请输入问题。 Please type a question."
        lines = []
        for n, doc in enumerate(retriever.invoke(message[:2000]), start=1):
            lines.append(f"[{n}] {doc.page_content}\n— {doc.metadata['title']} ({doc.metadata['source']})")
        return "\n\n".join(lines)

    return gr.ChatInterface(respond, examples=EXAMPLES, title="越俄关系新闻问答", api_name="chat")


def main() -> None:
    settings = Settings()
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    build_app(settings).launch(
        server_name=settings.host, server_port=settings.port, auth=auth, share=False, footer_links=["api"]
    )
