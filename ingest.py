"""Index articles for the assistant: ``python ingest.py [PATH ...] [--prune] [--rebuild]``."""

import sys

from rag.ingestion import main

if __name__ == "__main__":
    sys.exit(main())
