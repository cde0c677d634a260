"""A chat assistant over Chinese news articles, with verified citations.

Example:
    >>> from rag import Assistant, ingest
    >>> ingest(["seeds/"])                                  # doctest: +SKIP
    >>> Assistant.load().ask("城市马拉松有多少名选手参加？").text  # doctest: +SKIP
"""

from rag.assistant import Assistant
from rag.ingestion import IngestReport, ingest
from rag.schema import Answer, Article, Chunk, Citation
from rag.settings import Settings

__all__ = ["Answer", "Article", "Assistant", "Chunk", "Citation", "IngestReport", "Settings", "ingest"]
