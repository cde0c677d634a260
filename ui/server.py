"""Serving the app: the project's safe launch defaults and the ``python -m ui`` entry point."""

from __future__ import annotations

import gradio as gr

from rag.settings import Settings
from ui.app import CITATION_CLICKS, CSS, THEME, answerers, build_app


def launch(app: gr.Blocks, settings: Settings, **overrides):
    """Start the server with the project's safe defaults; tests override host, port and blocking."""
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    options = dict(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        theme=THEME,
        css=CSS,
        js=CITATION_CLICKS,
        max_file_size=settings.max_file_bytes,
        footer_links=["api"],
    )
    return app.launch(**{**options, **overrides})


def serve(settings: Settings, **overrides) -> gr.Blocks:
    """Build the app over ``settings``'s index and start it; returns the running app."""
    assistants = answerers(settings)
    app = build_app(settings, assistants)
    launch(app, settings, **overrides)
    return app


def main() -> None:
    serve(Settings())
