"""A chat assistant over Chinese news articles, with verified citations."""

from rag.ingestion import IngestReport, ingest
from rag.schema import Answer, Article, Chunk, Citation
from rag.settings import Settings

__all__ = ["Answer", "Article", "Chunk", "Citation", "IngestReport", "Settings", "ingest"]
