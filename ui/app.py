"""The Gradio app: a streamed, cited conversation, clickable citations, and a documents tab.

Everything from an article or an answer is shown as text: it is HTML-escaped and its
Markdown punctuation is backslash-escaped before the chat renders it, so an article that
contains ``<script>``, ``<img onerror=…>`` or ``![](http://…)`` shows those characters and
runs or loads nothing. The only markup on the page is the app's own.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable
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

# Shown when RAG_EXAMPLES_FILE names no file of the corpus's own example questions.
GENERAL_EXAMPLES = ["总结一下这些文章", "你能做什么？", "What articles do you have?", "Bạn có thể làm gì?"]
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")
UNSAFE_NAME = re.compile(r"[^\w.\-]+")
PANEL_PLACEHOLDER = (
    "<p class='panel-hint'>点击答案中的 [n] 查看原文出处 · Click a [n] marker to see the source.</p>"
)

# System fonts only: the default theme would fetch Google Fonts, which hangs offline.
THEME = gr.themes.Soft(
    font=["system-ui", "Noto Sans CJK SC", "sans-serif"], font_mono=["ui-monospace", "monospace"]
)
CSS = """
.hidden-control { display: none !important; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
.citation mark { background: #ffe58a; padding: 0 2px; }
.citation .meta { color: #666; font-size: 0.9em; }
"""
# A click on an [n] link asks the server for that citation through two hidden controls.
CITATION_CLICKS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const box = document.querySelector("#citation-request textarea, #citation-request input");
    box.value = link.getAttribute("href").slice(1);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => document.querySelector("#citation-open").click(), 50);
  });
}
"""


def as_text(text: str) -> str:
    """``text`` as the chat's Markdown renderer will show it literally."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))


def link_markers(escaped: str, turn: int) -> str:
    return ESCAPED_MARKER.sub(
        lambda m: f'<a class="cite" href="#cite-{turn}-{m.group(1)}">[{m.group(1)}]</a>', escaped
    )


def render_text(text: str, turn: int) -> str:
    return "  \n".join(link_markers(as_text(line), turn) for line in text.splitlines())


def render_answer(answer: Answer, turn: int) -> str:
    """The answer, a visible refusal badge, and the compact list of cited articles and quotes."""
    parts = []
    if answer.refused:
        parts.append("**⚠ 文章中没有这个答案 · Not in the articles · Không có trong các bài báo**")
    parts.append(render_text(answer.text, turn))
    if answer.citations:
        lines = [
            f'- <a class="cite" href="#cite-{turn}-{c.n}">[{c.n}]</a> {as_text(c.title)} · '
            f"`{html.escape(c.source)}` · “{as_text(shorten(c.quote))}”"
            for c in answer.citations
        ]
        parts.append("<small>\n\n" + "\n".join(lines) + "\n\n</small>")
    return "\n\n".join(parts)


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def example_questions(settings: Settings) -> list[str]:
    """The corpus's own example questions (``RAG_EXAMPLES_FILE``, one per line), or general ones."""
    if settings.examples_file is None:
        return GENERAL_EXAMPLES
    try:
        lines = settings.examples_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return GENERAL_EXAMPLES
    return [line.strip() for line in lines if line.strip()] or GENERAL_EXAMPLES


def render_citation(assistant: Assistant, citation: dict) -> str:
    """The cited article's paragraph with the quoted span highlighted, all escaped; for an
    article removed or replaced since the answer, the quote as it was and a note saying so."""
    record = assistant.store.records.get(citation["source"])
    if record is None or record["file_hash"] != citation["version"]:
        note = (
            "这篇文章在回答之后已从索引中删除。 · This article has been removed since this answer."
            if record is None
            else "这篇文章在回答之后已被替换，引文是当时的版本。 · This article has been replaced since this "
            "answer; the quote is from the version it cited."
        )
        return (
            f"<div class='citation'><h3>[{citation['n']}] {html.escape(citation['title'])}</h3>"
            f"<p class='meta'>{html.escape(note)}</p><p><mark>{html.escape(citation['quote'])}</mark></p></div>"
        )
    article = assistant.store.article(citation["source"])
    body = article.body
    start, end = citation["start"], citation["end"]
    paragraph_start = body.rfind("\n", 0, start) + 1
    paragraph_end = body.find("\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    escape = html.escape
    dateline = f" · {escape(article.dateline)}" if article.dateline else ""
    page = article.page_at(start)
    dateline += f" · 第 {page} 页 · p. {page}" if page is not None else ""
    return (
        f"<div class='citation'><h3>[{citation['n']}] {escape(article.title)}</h3>"
        f"<p class='meta'>{escape(article.source)}{dateline}</p>"
        f"<p>{escape(body[paragraph_start:start])}<mark>{escape(body[start:end])}</mark>"
        f"{escape(body[end:paragraph_end])}</p></div>"
    )


def safe_upload_name(name: str) -> str:
    """A file name that stays inside the upload folder: no path, no dot-files, no odd characters."""
    stem, suffix = os.path.splitext(os.path.basename(name.replace("\\", "/")))
    stem = UNSAFE_NAME.sub("_", stem).strip("._")[:100] or "upload"
    return stem + suffix.lower()


def ingest_failure(error: Exception) -> str:
    if isinstance(error, IngestCancelled):
        return "已取消，索引未改变 · Cancelled: the index is as it was."
    return str(error)


def new_session() -> dict:
    return {"turns": [], "citations": []}


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
    extractive = assistants["extractive"]
    default_answerer = next(iter(assistants))
    store = extractive.store
    uploads = Path(settings.data_dir).resolve() / "uploads"

    def respond(message: str, messages: list, session: dict, answerer: str, k: int):
        if not isinstance(message, str) or not message.strip():
            return
        turn = len(session["citations"])
        messages = messages + [
            {"role": "user", "content": render_text(message, turn)},
            {"role": "assistant", "content": "…"},
        ]
        shown = ""
        for event in assistants.get(answerer, extractive).stream(message, session["turns"], int(k)):
            if isinstance(event, Answer):
                messages[-1] = {"role": "assistant", "content": render_answer(event, turn)}
                session["turns"].append((message, event.text))
                session["citations"].append([asdict(c) for c in event.citations])
            else:
                shown += event
                messages[-1] = {"role": "assistant", "content": render_text(shown, turn)}
            yield messages, session, ""

    def open_citation(request: str, session: dict) -> str:
        match = re.fullmatch(r"cite-(\d+)-(\d+)", request or "")
        if not match:
            return PANEL_PLACEHOLDER
        turn, n = int(match.group(1)), int(match.group(2))
        cited = session["citations"][turn] if turn < len(session["citations"]) else []
        citation = next((c for c in cited if c["n"] == n), None)
        return render_citation(extractive, citation) if citation else PANEL_PLACEHOLDER

    def documents() -> list[list]:
        return [
            [record["title"], source, len(record["chunk_ids"]), record["ingested_at"]]
            for source, record in sorted(store.records.items())
        ]

    def header() -> str:
        return (
            "## 新闻问答 · News, answered with citations\n"
            f"Embedding `{store.embeddings.identity}` · answerer `{default_answerer}`"
            + (f" (LLM `{settings.llm_model}` available)" if "llm" in assistants else "")
            + f" · {len(store.records)} articles"
        )

    def refreshed(message: str):
        """The status line, and every view of the index as it is now (any process's changes)."""
        store.refresh()
        return message, documents(), gr.update(choices=sorted(store.records), value=None), header()

    def admin_refusal(user: str, password: str) -> str:
        """Why a Documents action is refused ("" when ``RAG_ADMIN_AUTH`` is unset or matches)."""
        if not settings.admin_auth:
            return ""
        if secrets.compare_digest(f"{user}:{password}".encode(), settings.admin_auth.encode()):
            return ""
        return "需要管理员登录 · Adding, removing and rebuilding need the admin login (RAG_ADMIN_AUTH)."

    def replacing(name: str, upload: str) -> str:
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
        change = "same text" if new.body == old.body else f"{len(old.body):,} → {len(new.body):,} characters"
        return (
            f"{name}: 已有同名文章 · an article of this name is indexed (“{old.title}”, added "
            f"{record['ingested_at']}); the new file: “{new.title}”, {change}. "
            "勾选“替换同名文章”后再添加 · Tick “Replace articles of the same name” and add again to replace it."
        )

    def ingest_updates(paths: list, progress: gr.Progress, summary: Callable[[IngestReport], str], **options):
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
                        f"正在索引 · Indexing: {state['done']:,} / {state['total']:,} texts embedded …"
                    )
        finally:
            cancelled.set()
        yield refreshed(
            ingest_failure(outcome["error"]) if "error" in outcome else summary(outcome["report"])
        )

    def add_files(files: list[str] | None, replace: bool, user: str, password: str, progress=gr.Progress()):
        refusal = admin_refusal(user, password)
        if refusal:
            yield refreshed(refusal)
            return
        problems, accepted = [], []
        uploads.mkdir(parents=True, exist_ok=True)
        for upload in files or []:
            name = safe_upload_name(upload)
            size = os.path.getsize(upload)
            target = uploads / name
            if Path(name).suffix not in SUPPORTED_SUFFIXES:
                problems.append(f"{name}: only {', '.join(sorted(SUPPORTED_SUFFIXES))} files can be added")
            elif size > settings.max_file_bytes:
                problems.append(
                    f"{name}: {size / 2**20:.1f} MB is over the {settings.max_file_mb:g} MB limit"
                )
            elif target.resolve().parent != uploads:  # never write outside the upload folder
                problems.append(f"{name}: refused file name")
            elif not replace and (question := replacing(name, upload)):
                problems.append(question)  # nothing is copied over the indexed file's upload
            else:
                shutil.copyfile(upload, target)
                accepted.append(target)
        if not accepted:
            yield refreshed("\n".join(problems) or "请选择文件 · Choose files to add.")
            return
        yield from ingest_updates(
            accepted, progress, lambda report: "\n".join([f"已添加 · Added: {report.summary()}", *problems, *report.errors]),
            replace=replace,
        )  # fmt: skip

    def remove(source: str | None, user: str, password: str):
        refusal = admin_refusal(user, password)
        if refusal:
            return refreshed(refusal)
        if not source:
            return refreshed("请选择要删除的文章 · Choose an article to remove.")
        try:
            removed = remove_articles([source], settings=settings, store=store)
        except StoreError as error:
            return refreshed(f"{error}")
        uploaded = uploads / source
        if uploaded.is_file():
            uploaded.unlink()
        return refreshed(f"已删除 · Removed {source}" if removed else f"{source} is not in the index")

    def rebuild(user: str, password: str, progress=gr.Progress()):
        refusal = admin_refusal(user, password)
        if refusal:
            yield refreshed(refusal)
            return
        paths = [record["path"] for record in store.records.values() if record.get("path")]
        yield from ingest_updates(
            paths, progress, lambda report: "\n".join([f"已重建 · Rebuilt: {report.summary()}", *report.errors]),
            rebuild=True,
        )  # fmt: skip

    def api_ask(question: str, history: list[list[str]] | None = None, k: int | None = None) -> dict:
        """Answer a question; returns the answer text, whether it is a refusal, and its citations."""
        turns = [(str(q), str(a)) for q, a in (history or [])]
        answer = assistants[default_answerer].ask(question, turns, k)
        return {
            "answer": answer.text,
            "refused": answer.refused,
            "citations": [asdict(c) for c in answer.citations],
        }

    with gr.Blocks(title="新闻问答 · News QA") as app:
        session = gr.State(new_session())
        title = gr.Markdown(header())
        with gr.Tab("对话 · Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chat", height=520, sanitize_html=True, label="对话")
                    question = gr.Textbox(
                        placeholder="用中文、English 或 tiếng Việt 提问 …",
                        show_label=False,
                        elem_id="question",
                    )
                    with gr.Row():
                        send = gr.Button("发送 · Send", variant="primary", elem_id="send")
                        clear = gr.Button("清空对话 · Clear", elem_id="clear")
                    gr.Examples(example_questions(settings), inputs=question)
                with gr.Column(scale=2):
                    panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="citation-panel", label="出处 · Source")
                    with gr.Accordion("设置 · Settings", open=False):
                        answerer = gr.Radio(
                            list(assistants), value=default_answerer, label="Answerer", elem_id="answerer"
                        )
                        k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages (k)")
            citation_request = gr.Textbox(elem_id="citation-request", elem_classes="hidden-control")
            citation_open = gr.Button("open", elem_id="citation-open", elem_classes="hidden-control")
        with gr.Tab("文档 · Documents"):
            table = gr.Dataframe(
                documents(),
                headers=["title", "file", "chunks", "ingested"],
                interactive=False,
                elem_id="documents",
            )
            status = gr.Textbox(label="状态 · Status", interactive=False, elem_id="documents-status")
            files = gr.File(
                file_count="multiple",
                file_types=sorted(SUPPORTED_SUFFIXES),
                type="filepath",
                label="添加文章 · Add " + " ".join(sorted(SUPPORTED_SUFFIXES)),
                elem_id="upload",
            )
            with gr.Row(visible=bool(settings.admin_auth)):
                admin_user = gr.Textbox("", label="管理员 · Admin user", elem_id="admin-user")
                admin_password = gr.Textbox(
                    "", label="密码 · Password", type="password", elem_id="admin-password"
                )
            replace = gr.Checkbox(
                False, label="替换同名文章 · Replace articles of the same name", elem_id="replace"
            )
            add = gr.Button("添加到索引 · Add to index", variant="primary", elem_id="add-files")
            with gr.Row():
                chosen = gr.Dropdown(
                    sorted(store.records), value=None, label="文章 · Article", elem_id="remove-choice"
                )
                remove_button = gr.Button("删除 · Remove", variant="stop", elem_id="remove")
                rebuild_button = gr.Button("重建索引 · Rebuild index", elem_id="rebuild")
                cancel_button = gr.Button("取消 · Cancel", elem_id="cancel-ingest")

        chat_io = dict(inputs=[question, chatbot, session, answerer, k], outputs=[chatbot, session, question])
        question.submit(respond, **chat_io, api_name="chat")
        send.click(respond, **chat_io, api_visibility="private")
        clear.click(
            lambda: ([], new_session(), PANEL_PLACEHOLDER),
            outputs=[chatbot, session, panel],
            api_visibility="private",
        )
        citation_open.click(open_citation, [citation_request, session], panel, api_visibility="private")
        documents_io = [status, table, chosen, title]
        admin = [admin_user, admin_password]
        adding = add.click(add_files, [files, replace, *admin], documents_io, api_name="add_documents")
        remove_button.click(
            remove, [chosen, *admin], documents_io, api_visibility="private",
            # Nothing is removed without a yes: the browser asks first.
            js="(source, user, password) => [source && confirm(`删除 · Remove ${source}?`) ? source : null, user, password]",
        )  # fmt: skip
        rebuilding = rebuild_button.click(rebuild, admin, documents_io, api_visibility="private")
        cancel_button.click(None, cancels=[adding, rebuilding], api_visibility="private")
        gr.api(api_ask, api_name="ask")
        # Every page load shows the index as it is now, whatever changed it since.
        app.load(lambda: refreshed("")[1:], None, [table, chosen, title], api_visibility="private")
    app.queue(default_concurrency_limit=2)
    return app
