"""``python -m ui``: serve the chat on RAG_HOST:RAG_PORT."""

from ui.server import main

main()
