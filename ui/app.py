"""The Gradio app: cited conversations kept in the browser, clickable sources, a documents tab,
in Chinese, English or Vietnamese.

The page is built for a phone as much as for a desktop: the question box and Send stay in
view under a chat sized to the screen, and on a narrow screen a clicked [n] opens its source
as a sheet over the chat. Conversations live in the browser (``gr.BrowserState``), so a
reload keeps them and the server keeps none. How text is shown safely: ``ui.render``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

# Gradio reports usage to its servers unless told not to; there is no network here anyway.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag.assistant import Assistant  # noqa: E402
from rag.documents import SUPPORTED_SUFFIXES, DocumentError, load_article  # noqa: E402
from rag.generation import chat_model_from_settings  # noqa: E402
from rag.ingestion import IngestCancelled, IngestReport, ingest, remove_articles  # noqa: E402
from rag.schema import Answer  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import StoreError  # noqa: E402
from ui.i18n import FALLBACK, LANGUAGES, language_of, text  # noqa: E402
from ui.render import (  # noqa: E402
    chat_messages,
    citation_html,
    conversation_markdown,
    conversation_title,
    panel_hint,
    pending_html,
    question_html,
)

K_LIMITS = (1, 20)  # passages per question a caller may ask for
MAX_SAVED_CONVERSATIONS = 50  # the browser keeps this many, newest first
STOP_WAIT_SECONDS = 5.0  # Stop waits at most this long for the answer's current step to end
UNSAFE_NAME = re.compile(r"[^\w.\-]+")
REMOVE_QUESTIONS = json.dumps({code: text(code, "confirm_remove", source="{source}") for code in LANGUAGES})

# System fonts only: the default theme would fetch Google Fonts, which hangs offline.
THEME = gr.themes.Soft(
    font=["system-ui", "Noto Sans CJK SC", "sans-serif"], font_mono=["ui-monospace", "monospace"]
)
CSS = """
.hidden-control { display: none !important; }
#chat { height: calc(100dvh - 235px) !important; min-height: 280px; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
.citation mark { background: #ffe58a; color: #1f2328; padding: 0 2px; border-radius: 2px; }
.dark .citation mark { background: #7a5d00; color: #fff6d5; }
.citation .meta { opacity: 0.75; font-size: 0.9em; }
.answer .refused { color: #b42318; }
.dark .answer .refused { color: #ff9b8f; }
.answer .uncertain { color: #b54708; }
.dark .answer .uncertain { color: #fdb022; }
.answer ul.sources { font-size: 0.85em; margin: 0.4em 0 0; padding-left: 1.2em; }
.close-panel { display: none; float: right; }
/* Narrow screens: the source column would sit far below the chat; a clicked [n] opens its
   source as a sheet over the chat instead. */
@media (max-width: 768px) {
  #chat { height: calc(100dvh - 200px) !important; }
  #title .details { display: none; }
  #composer { flex-wrap: nowrap; }
  #composer button { min-width: 0 !important; padding: 0 10px; }
  #citation-panel { display: none; }
  #citation-panel.open {
    display: block; position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000;
    max-height: 65dvh; overflow-y: auto; padding: 12px 16px;
    background: var(--background-fill-primary); border-top: 2px solid var(--color-accent);
    box-shadow: 0 -6px 18px rgba(0, 0, 0, 0.3);
  }
  .close-panel { display: inline-block; }
}
"""
# A click on an [n] link asks the server for that citation through two hidden controls; on a
# narrow screen the source then opens as a sheet, which its close button shuts.
CITATION_CLICKS = """
() => {
  document.addEventListener("click", (event) => {
    if (event.target.closest(".close-panel")) {
      document.querySelector("#citation-panel").classList.remove("open");
      return;
    }
    const link = event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const box = document.querySelector("#citation-request textarea, #citation-request input");
    box.value = link.getAttribute("href").slice(1);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => document.querySelector("#citation-open").click(), 50);
    if (window.matchMedia("(max-width: 768px)").matches) {
      document.querySelector("#citation-panel").classList.add("open");
    }
  });
}
"""


def corpus_examples(settings: Settings) -> list[str]:
    """The corpus's own example questions (``RAG_EXAMPLES_FILE``, one per line); [] for none."""
    if settings.examples_file is None:
        return []
    try:
        lines = settings.examples_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip()]


def safe_upload_name(name: str) -> str:
    """A file name that stays inside the upload folder: no path, no dot-files, no odd characters."""
    stem, suffix = os.path.splitext(os.path.basename(name.replace("\\", "/")))
    stem = UNSAFE_NAME.sub("_", stem).strip("._")[:100] or "upload"
    return stem + suffix.lower()


def checked_request(question, history, k) -> tuple[str, list[tuple[str, str]], int | None]:
    """The arguments of an API call, or ``gr.Error`` naming the one that is wrong."""
    if not isinstance(question, str):
        raise gr.Error(f"question must be a string, not {type(question).__name__}", print_exception=False)
    history = [] if history is None else history
    pairs_ok = isinstance(history, list | tuple) and all(
        isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
        for pair in history
    )
    if not pairs_ok:
        raise gr.Error("history must be a list of [question, answer] pairs of strings", print_exception=False)
    if k is not None and (
        isinstance(k, bool) or not isinstance(k, int) or not K_LIMITS[0] <= k <= K_LIMITS[1]
    ):
        raise gr.Error(
            f"k must be an integer from {K_LIMITS[0]} to {K_LIMITS[1]}, not {k!r}", print_exception=False
        )
    return question, [(q, a) for q, a in history], k


def browser_secret(data_dir: Path) -> str:
    """The key that encrypts conversations in the browser, kept beside the index so that
    they survive a restart of the app (a new key would make them unreadable)."""
    path = Path(data_dir) / "browser-secret"
    if not path.exists():
        # Written aside, then linked into place: a link never replaces a file, so when two
        # processes start at once both read the one key that got there first, and never a half.
        with tempfile.NamedTemporaryFile("w", dir=data_dir, prefix=".browser-secret-", delete=False) as draft:
            draft.write(secrets.token_urlsafe(24))
        try:
            os.link(draft.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft.name)
    return path.read_text(encoding="utf-8").strip()


def new_conversation() -> dict:
    return {"id": uuid.uuid4().hex, "title": "", "turns": []}


def with_turns(conversation: dict, turns: list[dict]) -> dict:
    """``conversation`` holding ``turns``, titled by its first question."""
    title = conversation_title(turns[0]["question"]) if turns else ""
    return {**conversation, "turns": turns, "title": title}


def answer_dict(answer: Answer) -> dict:
    """An answer as the API returns it and the browser keeps it."""
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "uncertain": answer.uncertain,
        "confidence": answer.confidence,
        "citations": [asdict(c) for c in answer.citations],
    }


def turn_of(question: str, answer: Answer) -> dict:
    return {"question": question, **answer_dict(answer)}


def saved_with(saved: dict, conversation: dict) -> dict:
    """``saved`` with ``conversation`` first (replacing its older copy), or without it when empty."""
    others = [c for c in saved.get("conversations", []) if c["id"] != conversation["id"]]
    kept = [conversation] if conversation["turns"] else []
    return {"conversations": (kept + others)[:MAX_SAVED_CONVERSATIONS]}


def conversation_choices(saved: dict, current: dict) -> dict:
    choices = [(c["title"], c["id"]) for c in saved.get("conversations", [])]
    return gr.update(choices=choices, value=current["id"] if current["turns"] else None)


def answerers(settings: Settings) -> dict[str, Assistant]:
    """The answerers the app offers over one shared store: always "extractive", and "llm" when
    an OpenAI-compatible endpoint is configured. The first is the default."""
    extractive = Assistant.load(settings.model_copy(update={"answerer": "extractive"}))
    assistants = {"extractive": extractive}
    if settings.openai_base_url or settings.openai_api_key:
        assistants["llm"] = Assistant(extractive.store, settings, chat_model_from_settings(settings))
    if settings.answerer in assistants:
        assistants = {settings.answerer: assistants[settings.answerer]} | assistants
    return assistants


def build_app(settings: Settings, assistants: dict[str, Assistant] | None = None) -> gr.Blocks:
    """The whole app over the index in ``settings.data_dir``, answering with ``assistants``
    (default: ``answerers(settings)``)."""
    assistants = assistants or answerers(settings)
    default_answerer = next(iter(assistants))
    store = next(iter(assistants.values())).store
    uploads = Path(settings.data_dir).resolve() / "uploads"
    exports = Path(tempfile.mkdtemp(prefix="rag-exports-"))
    examples = corpus_examples(settings)  # read once; the general ones follow the interface language
    # The answer running in each conversation: (Stop was asked, the answer has ended). Gradio
    # cancels a running answer while Stop's reply is already on its way, so an update of the
    # answer could land after that reply and show the dropped answer again. Stop therefore asks
    # the answer to end, waits until it has, and only then shows the conversation without it.
    running: dict[str, tuple[threading.Event, threading.Event]] = {}

    def export_file(conversation: dict, language: str) -> str | None:
        """The conversation as a Markdown file for the Export button (None while it is empty)."""
        if not conversation["turns"]:
            return None
        path = exports / f"{safe_upload_name(conversation['title'])}-{conversation['id'][:8]}.md"
        path.write_text(conversation_markdown(conversation, language), encoding="utf-8")
        return str(path)

    def conversation_views(conversation: dict, saved: dict, language: str) -> tuple:
        """What shows a conversation: the chat, the state, the saved list, its entry, the export."""
        return (
            chat_messages(conversation, language),
            conversation,
            saved,
            conversation_choices(saved, conversation),
            export_file(conversation, language),
        )

    def respond(message, conversation: dict, saved: dict, answerer: str, k, language: str):
        """Answer ``message`` in ``conversation``, streaming; the finished turn is saved in the browser."""
        question, _, k = checked_request(message, [], int(k))
        if not question.strip():
            return
        shown = chat_messages(conversation, language) + [
            {"role": "user", "content": question_html(question, language)},
            {"role": "assistant", "content": pending_html("")},
        ]
        history = [(turn["question"], turn["answer"]) for turn in conversation["turns"]]
        stop_asked, ended = running[conversation["id"]] = threading.Event(), threading.Event()
        try:
            # Until the answer is finished its question is kept aside, so that Stop can give it back.
            yield "", shown, {**conversation, "asking": question}, gr.skip(), gr.skip(), gr.skip()
            partial = ""
            for event in assistants.get(answerer, assistants[default_answerer]).stream(question, history, k):
                if stop_asked.is_set():
                    return
                if isinstance(event, Answer):
                    finished = with_turns(conversation, conversation["turns"] + [turn_of(question, event)])
                    saved = saved_with(saved, finished)
                    yield ("", *conversation_views(finished, saved, language))
                else:
                    partial += event
                    shown[-1] = {"role": "assistant", "content": pending_html(partial)}
                    yield gr.skip(), shown, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        finally:  # also when Gradio closes the cancelled answer
            ended.set()
            if running.get(conversation["id"]) == (stop_asked, ended):
                del running[conversation["id"]]

    def stop_answer(conversation: dict, language: str):
        """After Stop: the unfinished turn dropped, its question back in the box."""
        answer = running.get(conversation["id"])
        if answer is not None:
            stop_asked, ended = answer
            stop_asked.set()
            ended.wait(STOP_WAIT_SECONDS)
        kept = {key: value for key, value in conversation.items() if key != "asking"}
        return conversation.get("asking", ""), chat_messages(kept, language), kept

    def ask_example(example: gr.SelectData, conversation: dict, saved: dict, answerer: str, k, language: str):
        yield from respond(example.value["text"], conversation, saved, answerer, k, language)

    def retry(conversation: dict, saved: dict, answerer: str, k, language: str):
        """Ask the last question again, in place of its answer."""
        if not conversation["turns"]:
            return
        earlier = with_turns(conversation, conversation["turns"][:-1])
        yield from respond(conversation["turns"][-1]["question"], earlier, saved, answerer, k, language)

    def edit_last(conversation: dict, saved: dict, language: str):
        """Take the last question back into the box to edit and send again."""
        if not conversation["turns"]:
            return ("", *conversation_views(conversation, saved, language))
        earlier = with_turns(conversation, conversation["turns"][:-1])
        saved = saved_with(saved, earlier)
        return (conversation["turns"][-1]["question"], *conversation_views(earlier, saved, language))

    def clear(conversation: dict, saved: dict, language: str):
        """Forget this conversation, in the browser and in what the next question is asked with."""
        emptied = with_turns(conversation, [])
        return (
            *conversation_views(new_conversation(), saved_with(saved, emptied), language),
            panel_hint(language),
        )

    def start_new(saved: dict, language: str):
        return (*conversation_views(new_conversation(), saved, language), panel_hint(language))

    def open_conversation(chosen: str | None, conversation: dict, saved: dict, language: str):
        found = next((c for c in saved.get("conversations", []) if c["id"] == chosen), conversation)
        return (*conversation_views(found, saved, language), panel_hint(language))

    def open_citation(request: str, conversation: dict, language: str) -> str:
        match = re.fullmatch(r"cite-(\d+)-(\d+)", request or "")
        if not match:
            return panel_hint(language)
        turn, n = int(match.group(1)), int(match.group(2))
        cited = conversation["turns"][turn]["citations"] if turn < len(conversation["turns"]) else []
        citation = next((c for c in cited if c["n"] == n), None)
        return citation_html(store, citation, language) if citation else panel_hint(language)

    def documents(language: str) -> dict:
        rows = [
            [record["title"], source, len(record["chunk_ids"]), record["ingested_at"]]
            for source, record in sorted(store.records.items())
        ]
        return {"headers": text(language, "columns").split("|"), "data": rows}

    def header(language: str) -> str:
        """The title and the article count; on a wide screen also the model and the answerer."""
        answerer_names = default_answerer + (f" · LLM `{settings.llm_model}`" if "llm" in assistants else "")
        details = text(language, "details", embedding=store.embeddings.identity, answerer=answerer_names)
        articles = text(language, "articles", articles=len(store.records))
        return f"**{text(language, 'title')}** · {articles}<span class='details'> · {details}</span>"

    def refreshed(message: str, language: str):
        """The status line, and every view of the index as it is now (any process's changes)."""
        store.refresh()
        return (
            message,
            documents(language),
            gr.update(choices=sorted(store.records), value=None),
            header(language),
        )

    def admin_refusal(user: str, password: str, language: str) -> str:
        """Why a Documents action is refused ("" when ``RAG_ADMIN_AUTH`` is unset or matches)."""
        if not settings.admin_auth:
            return ""
        if secrets.compare_digest(f"{user}:{password}".encode(), settings.admin_auth.encode()):
            return ""
        return text(language, "admin_required")

    def replacing(name: str, upload: str, language: str) -> str:
        """What an upload would change in the article of the same name ("" when none is indexed)."""
        if name not in store.records:
            return ""
        record = store.records[name]
        try:
            new = load_article(upload, settings.max_file_bytes, settings.max_file_chars)
        except DocumentError as error:
            return f"{name}: {error.reason}"
        old = store.article(name)
        if new.file_hash == record["file_hash"]:
            return ""  # the same file again: nothing to confirm, nothing changes
        change = (
            text(language, "same_text")
            if new.body == old.body
            else text(language, "chars", old=len(old.body), new=len(new.body))
        )
        return text(
            language,
            "replacing",
            name=name,
            old=old.title,
            added=record["ingested_at"],
            new=new.title,
            change=change,
        )

    def ingest_updates(
        paths: list, progress: gr.Progress, summary: Callable[[IngestReport], str], language, **options
    ):
        """Ingest in a worker thread, yielding the Documents views with its progress, then with
        ``summary(report)`` or the error. Closing this generator (the Cancel button) stops the
        ingest at its next batch of texts: nothing is committed and the index stays as it was."""
        cancelled, state, outcome = threading.Event(), {"done": 0, "total": 0}, {}

        def on_progress(done: int, total: int) -> None:
            state.update(done=done, total=total)
            if cancelled.is_set():
                raise IngestCancelled

        def work() -> None:
            try:
                outcome["report"] = ingest(
                    paths,
                    settings=settings,
                    store=store,
                    show_progress=False,
                    progress=on_progress,
                    **options,
                )
            except (StoreError, IngestCancelled) as error:
                outcome["error"] = error

        worker = threading.Thread(target=work, name="ingest", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(timeout=0.5)
                if state["total"]:
                    progress((state["done"], state["total"]), desc="embedding", unit="texts")
                    yield refreshed(
                        text(language, "indexing", done=state["done"], total=state["total"]), language
                    )
        finally:
            cancelled.set()
        error = outcome.get("error")
        if isinstance(error, IngestCancelled):
            yield refreshed(text(language, "cancelled"), language)
        else:
            yield refreshed(str(error) if error else summary(outcome["report"]), language)

    def add_files(files, replace: bool, user: str, password: str, language: str, progress=gr.Progress()):
        refusal = admin_refusal(user, password, language)
        if refusal:
            yield refreshed(refusal, language)
            return
        problems, accepted = [], []
        uploads.mkdir(parents=True, exist_ok=True)
        types = ", ".join(sorted(SUPPORTED_SUFFIXES))
        for upload in files or []:
            name = safe_upload_name(upload)
            size = os.path.getsize(upload)
            target = uploads / name
            if Path(name).suffix not in SUPPORTED_SUFFIXES:
                problems.append(text(language, "wrong_type", name=name, types=types))
            elif size > settings.max_file_bytes:
                problems.append(
                    text(language, "too_big", name=name, size=size / 2**20, limit=settings.max_file_mb)
                )
            elif target.resolve().parent != uploads:  # never write outside the upload folder
                problems.append(text(language, "bad_name", name=name))
            elif not replace and (question := replacing(name, upload, language)):
                problems.append(question)  # nothing is copied over the indexed file's upload
            else:
                shutil.copyfile(upload, target)
                accepted.append(target)
        if not accepted:
            yield refreshed("\n".join(problems) or text(language, "choose_files"), language)
            return

        def added(report: IngestReport) -> str:
            return "\n".join([text(language, "added", report=report.summary()), *problems, *report.errors])

        yield from ingest_updates(accepted, progress, added, language, replace=replace)

    def remove(source: str | None, user: str, password: str, language: str):
        refusal = admin_refusal(user, password, language)
        if refusal:
            return refreshed(refusal, language)
        if not source:
            return refreshed(text(language, "choose_article"), language)
        try:
            removed = remove_articles([source], settings=settings, store=store)
        except StoreError as error:
            return refreshed(f"{error}", language)
        uploaded = uploads / source
        if uploaded.is_file():
            uploaded.unlink()
        return refreshed(text(language, "removed" if removed else "not_indexed", source=source), language)

    def rebuild(user: str, password: str, language: str, progress=gr.Progress()):
        refusal = admin_refusal(user, password, language)
        if refusal:
            yield refreshed(refusal, language)
            return
        paths = [record["path"] for record in store.records.values() if record.get("path")]
        yield from ingest_updates(
            paths, progress,
            lambda report: "\n".join([text(language, "rebuilt", report=report.summary()), *report.errors]),
            language, rebuild=True,
        )  # fmt: skip

    def api_ask(question: str, history: list[list[str]] | None = None, k: int | None = None) -> dict:
        """Answer a question; returns the answer text, whether it is a refusal, and its citations.
        ``history`` is the conversation so far as [question, answer] pairs; ``k`` (1–20) the
        passages to retrieve."""
        question, turns, k = checked_request(question, history, k)
        return answer_dict(assistants[default_answerer].ask(question, turns, k))

    def api_chat(
        question: str, history: list[list[str]] | None = None, k: int | None = None
    ) -> Iterator[dict]:
        """``/ask``, streamed: the answer's text so far, then the whole answer with its citations."""
        question, turns, k = checked_request(question, history, k)
        partial = ""
        for event in assistants[default_answerer].stream(question, turns, k):
            if isinstance(event, Answer):
                yield answer_dict(event)
            else:
                partial += event
                yield answer_dict(Answer(partial))

    def relabel(language: str, conversation: dict, saved: dict):
        """Every label, message and example in ``language``; the conversation shown again in it."""
        language = language_of(language)
        return (
            gr.update(value=language, label=text(language, "language")),
            header(language),
            gr.update(label=text(language, "chat")),
            gr.update(label=text(language, "documents")),
            gr.update(
                value=chat_messages(conversation, language),
                placeholder=text(language, "welcome", articles=len(store.records)),
                examples=[{"text": q} for q in examples or text(language, "examples").split("|")],
            ),
            gr.update(placeholder=text(language, "placeholder")),
            gr.update(value=text(language, "send")),
            gr.update(value=text(language, "stop")),
            gr.update(value=text(language, "new_chat")),
            gr.update(label=text(language, "conversations"), **conversation_choices(saved, conversation)),
            gr.update(label=text(language, "export"), value=export_file(conversation, language)),
            gr.update(label=text(language, "settings")),
            gr.update(label=text(language, "answerer")),
            gr.update(label=text(language, "passages")),
            panel_hint(language),
            documents(language),
            gr.update(label=text(language, "status")),
            gr.update(label=text(language, "add_files", types=" ".join(sorted(SUPPORTED_SUFFIXES)))),
            gr.update(label=text(language, "admin_user")),
            gr.update(label=text(language, "admin_password")),
            gr.update(label=text(language, "replace")),
            gr.update(value=text(language, "add")),
            gr.update(label=text(language, "article"), choices=sorted(store.records), value=None),
            gr.update(value=text(language, "remove")),
            gr.update(value=text(language, "rebuild")),
            gr.update(value=text(language, "cancel")),
        )

    with gr.Blocks(title="新闻问答 · News Q&A") as app:
        # "" until the user picks a language: then the browser's own language decides.
        chosen_language = gr.BrowserState("", storage_key="rag-language")
        saved = gr.BrowserState(
            {"conversations": []}, storage_key="rag-conversations", secret=browser_secret(settings.data_dir)
        )
        conversation = gr.State(new_conversation())
        browser_language = gr.Textbox(elem_classes="hidden-control")  # filled by the page on load
        with gr.Sidebar(open=False, elem_id="sidebar"):
            new_chat = gr.Button(elem_id="new-chat")
            conversations = gr.Radio([], value=None, elem_id="conversations")
            export = gr.DownloadButton(value=None, elem_id="export")
            language_choice = gr.Radio(
                [(name, code) for code, name in LANGUAGES.items()], value=FALLBACK, elem_id="language"
            )
            with gr.Accordion(open=False) as settings_box:
                answerer = gr.Radio(list(assistants), value=default_answerer, elem_id="answerer")
                k = gr.Slider(*K_LIMITS, value=settings.top_k, step=1, elem_id="k")
        title = gr.Markdown(elem_id="title")
        with gr.Tabs():
            with gr.Tab("对话", id="chat", elem_id="chat-tab") as chat_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chatbot = gr.Chatbot(
                            elem_id="chat", show_label=False, sanitize_html=True, latex_delimiters=[],
                            buttons=["copy"], layout="bubble",
                        )  # fmt: skip
                        with gr.Row(elem_id="composer", equal_height=True):
                            question = gr.Textbox(
                                show_label=False, container=False, scale=8, min_width=160, max_lines=6,
                                elem_id="question",
                            )  # fmt: skip
                            send = gr.Button(variant="primary", scale=1, min_width=70, elem_id="send")
                            stop = gr.Button(variant="stop", scale=1, min_width=70, elem_id="stop")
                    with gr.Column(scale=2, min_width=280):
                        panel = gr.HTML(elem_id="citation-panel")
                citation_request = gr.Textbox(elem_id="citation-request", elem_classes="hidden-control")
                citation_open = gr.Button("open", elem_id="citation-open", elem_classes="hidden-control")
            with gr.Tab("文档", id="documents", elem_id="documents-tab") as documents_tab:
                table = gr.Dataframe(documents(FALLBACK), interactive=False, elem_id="documents")
                status = gr.Textbox(interactive=False, elem_id="documents-status")
                files = gr.File(
                    file_count="multiple",
                    file_types=sorted(SUPPORTED_SUFFIXES),
                    type="filepath",
                    elem_id="upload",
                )
                with gr.Row(visible=bool(settings.admin_auth)):
                    admin_user = gr.Textbox("", elem_id="admin-user")
                    admin_password = gr.Textbox("", type="password", elem_id="admin-password")
                replace = gr.Checkbox(False, elem_id="replace")
                add = gr.Button(variant="primary", elem_id="add-files")
                with gr.Row():
                    chosen = gr.Dropdown(sorted(store.records), value=None, elem_id="remove-choice")
                    remove_button = gr.Button(variant="stop", elem_id="remove")
                    rebuild_button = gr.Button(elem_id="rebuild")
                    cancel_button = gr.Button(elem_id="cancel-ingest")

        labelled = [
            language_choice, title, chat_tab, documents_tab, chatbot, question, send, stop,
            new_chat, conversations, export, settings_box, answerer, k, panel, table, status, files,
            admin_user, admin_password, replace, add, chosen, remove_button, rebuild_button, cancel_button,
        ]  # fmt: skip
        shown = [chatbot, conversation, saved, conversations, export]
        private = {"api_visibility": "private"}

        def on_load(stored: str, browser: str, saved_conversations: dict):
            """The stored or the browser's language, the newest saved conversation, the index as it is."""
            newest = (saved_conversations.get("conversations") or [new_conversation()])[0]
            store.refresh()
            return (*relabel(stored or browser, newest, saved_conversations), newest)

        app.load(
            on_load, [chosen_language, browser_language, saved], [*labelled, conversation], **private,
            js="(stored, _, saved) => [stored, navigator.language, saved]",
        )  # fmt: skip
        language_choice.input(
            lambda code, current, kept: (*relabel(code, current, kept), code),
            [language_choice, conversation, saved], [*labelled, chosen_language], **private,
        )  # fmt: skip

        chat_inputs = [question, conversation, saved, answerer, k, language_choice]
        asking = [
            question.submit(respond, chat_inputs, [question, *shown], **private),
            send.click(respond, chat_inputs, [question, *shown], **private),
            chatbot.retry(retry, chat_inputs[1:], [question, *shown], **private),
            chatbot.example_select(ask_example, chat_inputs[1:], [question, *shown], **private),
        ]  # fmt: skip
        stop.click(
            stop_answer,
            [conversation, language_choice],
            [question, chatbot, conversation],
            cancels=asking,
            **private,
        )
        chatbot.undo(edit_last, [conversation, saved, language_choice], [question, *shown], **private)
        chatbot.clear(clear, [conversation, saved, language_choice], [*shown, panel], **private)
        new_chat.click(start_new, [saved, language_choice], [*shown, panel], **private)
        conversations.input(
            open_conversation,
            [conversations, conversation, saved, language_choice],
            [*shown, panel],
            **private,
        )
        citation_open.click(
            open_citation, [citation_request, conversation, language_choice], panel, **private
        )

        documents_io = [status, table, chosen, title]
        admin = [admin_user, admin_password]
        adding = add.click(
            add_files, [files, replace, *admin, language_choice], documents_io, api_name="add_documents"
        )
        remove_button.click(
            remove, [chosen, *admin, language_choice], documents_io, **private,
            # Nothing is removed without a yes: the browser asks first, in the page's language.
            js=f"(source, user, password, language) => [source && confirm({REMOVE_QUESTIONS}[language]"
            ".replace('{source}', source)) ? source : null, user, password, language]",
        )  # fmt: skip
        rebuilding = rebuild_button.click(rebuild, [*admin, language_choice], documents_io, **private)
        cancel_button.click(None, cancels=[adding, rebuilding], **private)
        gr.api(api_ask, api_name="ask")
        gr.api(api_chat, api_name="chat")
    app.queue(default_concurrency_limit=2)
    return app
