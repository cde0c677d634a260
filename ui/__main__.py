"""``python -m ui``: serve the chat on RAG_HOST:RAG_PORT."""

import sys

from ui.server import main

sys.exit(main())
