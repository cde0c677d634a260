"""Serving the app: the project's safe launch defaults and the ``python -m ui`` entry point."""

from __future__ import annotations

import sys

import gradio as gr

from rag.assistant import Assistant
from rag.settings import Settings
from rag.store import StoreError
from ui.app import CITATION_CLICKS, CSS, THEME, answerers, build_app
from ui.openai_api import openai_router


def launch(app: gr.Blocks, settings: Settings, assistants: dict[str, Assistant], **overrides):
    """Start the server with the project's safe defaults; tests override host, port and blocking.

    The OpenAI-compatible API (``/v1``) is served by the same server. ``launch()`` passes
    ``app_kwargs`` to the FastAPI app it builds, so its routes are there from the start: before
    the server accepts a request, and matched before Gradio's own. (``gr.mount_gradio_app`` would
    mean running uvicorn ourselves and redoing the port search, ``local_url`` and ``close()``.)
    Gradio's login (``RAG_AUTH``) guards only Gradio's routes; ``/v1`` checks ``RAG_API_KEY``.
    """
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    options = {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": auth,
        "share": False,
        "theme": THEME,
        "css": CSS,
        "js": CITATION_CLICKS,
        "max_file_size": settings.max_file_bytes,
        "footer_links": ["api"],
        "app_kwargs": {"routes": openai_router(assistants, settings).routes},
    }
    return app.launch(**{**options, **overrides})


def serve(settings: Settings, **overrides) -> gr.Blocks:
    """Build the app over ``settings``'s index and start it; returns the running app."""
    assistants = answerers(settings)
    app = build_app(settings, assistants)
    launch(app, settings, assistants, **overrides)
    return app


def main() -> int:
    """Serve until stopped; a setting, index or model file that cannot be used is named
    in one line, as ``rag-ask`` names it, not in a traceback."""
    try:
        serve(Settings())
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
