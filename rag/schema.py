"""The data types that cross stages, defined once.

``Article`` leaves cleaning, ``Chunk`` leaves chunking and enters the store,
``Citation`` and ``Answer`` leave answering for the UI, the API and evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from langchain_core.documents import Document


@dataclass(frozen=True)
class Article:
    """One cleaned news article.

    ``body`` is the cleaned text that every chunk offset and citation span points into.
    """

    source: str  # the file name, e.g. ``003_f1c57092cf645f65.txt``
    title: str
    body: str
    file_hash: str  # sha256 of the raw file bytes
    dateline: str = ""  # place in a wire dateline ("新华社北京——" → 北京), "" when none
    dates: tuple[str, ...] = ()  # dates as written in the text, e.g. ``12月16日``
    # For paged formats (PDF): ``(body offset, page number)`` where each page's text begins.
    pages: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page number of the text at ``offset`` in the body, if the format has pages."""
        numbers = [page for start, page in self.pages if start <= offset]
        return numbers[-1] if numbers else None


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article, ``article.body[start:end] == text``."""

    id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    index: int  # position of the chunk inside its article


@dataclass(frozen=True)
class Citation:
    """A verified quote: ``quote == body[start:end]`` of the article ``source``."""

    n: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    page: int | None = None  # page of the quote in a paged source (PDF)
    version: str = ""  # the article's file hash: a later answer may cite a replaced version

    @classmethod
    def quoting(cls, n: int, article: Article, start: int, end: int) -> Citation:
        """Citation ``n`` of ``article.body[start:end]``, with its page and version."""
        quote = article.body[start:end]
        return cls(n, article.source, article.title, quote, start, end, article.page_at(start), article.file_hash)


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    contexts: list[Document] = field(default_factory=list)
    fact: str = ""  # the answer itself (a name, date, figure) as the quotes write it, where it leads them
    # The fitted probability that the retrieved text answers the question (``rag.answer_model``):
    # the answer is refused below the model's threshold. None where no model judged it (a
    # greeting, an answer written by an LLM).
    confidence: float | None = None
    # Answered, but as likely answerable as the least sure answers (``confidence`` below the
    # model's uncertain threshold): the quotes are the closest the articles come.
    uncertain: bool = False
