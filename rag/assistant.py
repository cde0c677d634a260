"""The assistant: retrieval, follow-ups and answering behind one small API.

Example:
    >>> from rag import Assistant
    >>> bot = Assistant.load()                         # doctest: +SKIP
    >>> answer = bot.ask("城市马拉松有多少名选手参加？")      # doctest: +SKIP
    >>> answer.text, answer.citations[0].quote          # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel

from rag import lexicon
from rag.answer_kinds import question_parts, tagger
from rag.answer_model import shipped_model
from rag.answering import extractive_answer, verify_citations
from rag.chitchat import reply_without_search
from rag.conversation import Turn, detect_language, resolve_followup
from rag.embeddings import make_embeddings
from rag.generation import chat_model_from_settings, condense_question, stream_llm_answer
from rag.retrieval import HybridRetriever
from rag.schema import Answer
from rag.settings import Settings
from rag.store import (
    ChunkStore,
    GenerationGoneError,
    ServerUnavailableError,
    StoreError,
    chroma_client,
    server_errors,
)

MAX_QUESTION_CHARS = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
POLITE = {
    "empty": "请输入一个问题。Please type a question. Vui lòng nhập câu hỏi.",
    "unavailable": "索引服务器暂时无法访问，请稍后再试。The index server is not reachable right now: {error}",
    "too_long": (
        "这个问题太长了（{n} 个字符，上限 {limit}），请缩短后再问。"
        "The question is too long ({n} characters; the limit is {limit}). Please shorten it."
    ),
}


class QuestionsInFlight:
    """How many questions are being answered, so that background work can wait for none."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    @contextmanager
    def answering(self) -> Iterator[None]:
        with self._changed:
            self.count += 1
        try:
            yield
        finally:
            with self._changed:
                self.count -= 1
                self._changed.notify_all()

    def wait_until_none(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.count == 0)


def warm_up(in_flight: QuestionsInFlight) -> None:
    """Load what questions need and the index does not: jieba's dictionary and tagger, then,
    while no question is being answered, CC-CEDICT's tables (about 7 s of CPU). Built beside a
    question, they took half the CPU from it, needed or not: a new process's first Chinese
    answer took 2.5 s instead of 0.9. A first English question asked meanwhile builds them
    itself (once: ``rag.lexicon`` builds each table once across threads)."""
    tagger().cut("预热")
    in_flight.wait_until_none()
    lexicon.warm()


class Assistant:
    """Answers questions about the indexed articles, with verified citations.

    Example:
        >>> bot = Assistant.load()  # doctest: +SKIP
        >>> ans = bot.ask("2017年的出口额是多少？")  # doctest: +SKIP
        >>> for event in bot.stream("And in 2016?", history=[(q, a)]): ...  # doctest: +SKIP
    """

    def __init__(self, store: ChunkStore, settings: Settings, chat_model: BaseChatModel | None = None):
        store.require_index()
        self.store = store
        self.settings = settings
        self.chat_model = chat_model
        self.retriever = HybridRetriever(store=store, k=settings.top_k)
        model = shipped_model()
        if model.embedding != store.embeddings.identity or model.top_k != settings.top_k:
            warnings.warn(
                f"the answer model was fitted on {model.embedding} with RAG_TOP_K={model.top_k}; with "
                f"{store.embeddings.identity} and RAG_TOP_K={settings.top_k} its refusals and quotes are "
                "less reliable: refit it (make fit) for this setup",
                stacklevel=2,
            )
        # The first question would otherwise wait for jieba's dictionary (about 1 s) and the
        # first English or Vietnamese one for CC-CEDICT's tables (about 7 s).
        self.in_flight = QuestionsInFlight()
        self.warming = threading.Thread(target=warm_up, args=(self.in_flight,), name="warm-up", daemon=True)
        self.warming.start()

    @classmethod
    def load(cls, settings: Settings | None = None, chat_model: BaseChatModel | None = None) -> Assistant:
        """Open the index named by the settings (environment and ``.env``).

        With ``RAG_ANSWERER=llm`` the chat model is built from ``OPENAI_BASE_URL``,
        ``OPENAI_API_KEY`` and ``RAG_LLM_MODEL`` unless one is passed in.

        Raises:
            IndexMissingError: nothing has been ingested into the data dir yet.
            ValueError: the LLM answerer is chosen but no endpoint is configured.
        """
        settings = settings or Settings()
        if settings.answerer == "llm" and chat_model is None:
            chat_model = chat_model_from_settings(settings)
        embeddings = make_embeddings(settings.embedding, settings.embedding_batch_size, False, settings.embedding_device)
        return cls(ChunkStore(chroma_client(settings), embeddings, settings.data_dir), settings, chat_model)

    def retrieve(self, question: str, k: int | None = None) -> list[Document]:
        """The ranked chunks for a question, without answering."""
        return self.retriever.search(question, k or self.settings.top_k)

    def ask(self, question: str, history: list[Turn] | None = None, k: int | None = None) -> Answer:
        """Answer one question; ``history`` holds earlier ``(question, answer)`` turns.

        ``k`` overrides the number of retrieved passages for this question (``RAG_TOP_K``).
        """
        *_, answer = self.stream(question, history, k)
        return answer

    def stream(
        self, question: str, history: list[Turn] | None = None, k: int | None = None
    ) -> Iterator[str | Answer]:
        """Text increments as they are produced, then the final ``Answer``.

        The final answer's text is authoritative: with an LLM its quotations may have been
        repaired after they were streamed.
        """
        problem = self._check(question)
        if problem:
            yield problem.text
            yield problem
            return
        try:
            with self.in_flight.answering(), server_errors(self.settings, "try again when it is back"):
                yield from self._answer(question, history, k)
        except ServerUnavailableError as error:
            polite = Answer(text=POLITE["unavailable"].format(error=error), refused=True)
            yield polite.text
            yield polite

    def _answer(self, question: str, history: list[Turn] | None, k: int | None) -> Iterator[str | Answer]:
        # One spelling of each letter: a Vietnamese "ạ" may arrive as "a" plus a combining dot.
        question = unicodedata.normalize("NFC", CONTROL.sub(" ", question)).strip()
        history = list(history or [])
        language = detect_language(question)
        self.store.refresh()  # another process may have committed since the last question
        # A greeting, thanks or "summarise the articles" is answered without a search.
        reply = reply_without_search(question, language, self.store)
        if reply is not None:
            yield from reply.text.splitlines(keepends=True)
            yield reply
            return
        if self.chat_model is not None:
            search_text = condense_question(self.chat_model, question, history)
            answer_from = partial(stream_llm_answer, self.chat_model, self.store, search_text, language)
        else:
            resolved = resolve_followup(question, history)
            search_text = resolved.search
            answer_from = partial(self._extract, resolved.question, search_text, language, k, history)
        yield from self._from_newest_generation(search_text, k, answer_from)

    def _from_newest_generation(
        self, search_text: str, k: int | None, answer_from: Callable[[list[Document]], Iterator[str | Answer]]
    ) -> Iterator[str | Answer]:
        """``answer_from`` the retrieved chunks, from the newest generation of the index: a
        question that outlasts two commits of another process (an LLM may take seconds) loses
        the files of the generation it began on, and is answered again from the one committed
        since. Text streamed before that is superseded by the final ``Answer``."""
        while True:
            try:
                yield from answer_from(self.retrieve(search_text, k))
                return
            except GenerationGoneError:
                if not self.store.refresh():  # nothing newer to answer from
                    raise

    def _extract(
        self, question: str, search_text: str, language: str, k: int | None, history: list[Turn],
        contexts: list[Document],
    ) -> Iterator[str | Answer]:
        parts, before = [], history
        for part in question_parts(question, language):
            # The first part leans on the conversation, each later one on the part before it
            # ("…投资了多少？什么时候投的？"), its "他" on the person that part was searched with.
            resolved = resolve_followup(part, before)
            parts.append((resolved.question, resolved.search, self.retrieve(resolved.search, k)))
            before = [(part, resolved.search)]
        answer = extractive_answer(self.store, question, search_text, language, contexts, parts=parts)
        answer = verify_citations(answer, self.store)
        yield from answer.text.splitlines(keepends=True)
        yield answer

    @staticmethod
    def _check(question: str) -> Answer | None:
        if not isinstance(question, str) or not re.search(r"[^\W_]", CONTROL.sub("", question)):
            return Answer(text=POLITE["empty"], refused=True)  # nothing, or only punctuation
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(text=POLITE["too_long"].format(n=len(question), limit=MAX_QUESTION_CHARS), refused=True)
        return None


def main(argv: list[str] | None = None) -> int:
    """``rag-ask "question"``: print the answer and its sources."""
    parser = argparse.ArgumentParser(prog="rag-ask", description="Ask the indexed articles a question.")
    parser.add_argument("question")
    args = parser.parse_args(argv)
    try:
        bot = Assistant.load()
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    answer = bot.ask(args.question)
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {c.title} ({c.source}, characters {c.start}-{c.end})")
    return 0
