"""How questions, answers and sources are shown, and how a conversation is exported.

Everything from an article or a user is shown as text. A chat message is one line of HTML
(``<div>…</div>``, lines joined by ``<br>``): the chat's Markdown renderer leaves such an
HTML block alone, so article text is never read as Markdown, links or emphasis, and it is
HTML-escaped, so ``<script>`` or ``<img onerror=…>`` show as characters and run nothing.
(TeX is switched off on the chat itself.) The only markup is the app's own: [n] markers
are made from the answer's citation list, never from article text, even where an article
itself writes "[1]".

A conversation is a plain JSON-able dict, so that the browser can keep it:
``{"id", "title", "turns": [{"question", "answer", "refused", "uncertain", "citations": [Citation as dict]}]}``
(turns saved before answers could be uncertain lack ``uncertain``).
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from rag.store import ChunkStore
from ui.i18n import text

QUESTION_SHOWN_CHARS = 300  # a longer question is shortened in its bubble (it is asked whole)
TITLE_CHARS = 30
MARKER = re.compile(r"\[(\d+)\]")


def escaped(plain: str) -> str:
    return html.escape(plain).replace("\r\n", "\n").replace("\n", "<br>")


def shorten(plain: str, limit: int) -> str:
    return plain if len(plain) <= limit else plain[:limit] + "…"


def question_html(question: str, language: str) -> str:
    shown = question
    if len(question) > QUESTION_SHOWN_CHARS:
        shown = question[:QUESTION_SHOWN_CHARS] + text(language, "shortened", n=len(question))
    return f"<div class='question'>{escaped(shown)}</div>"


def marker_link(turn: int, n: int) -> str:
    return f"<a class='cite' href='#cite-{turn}-{n}'>[{n}]</a>"


def with_markers(answer: str, citations: list[dict], turn: int) -> str:
    """The answer escaped, its [n] markers linked: only numbers in the citation list, and
    never inside the text of a quote (an article may write "[1]" itself)."""
    cited = {c["n"] for c in citations}
    quoted = [False] * len(answer)
    for citation in citations:
        for match in re.finditer(re.escape(citation["quote"]), answer):
            quoted[match.start() : match.end()] = [True] * (match.end() - match.start())
    parts, done = [], 0
    for match in MARKER.finditer(answer):
        if int(match.group(1)) in cited and not quoted[match.start()]:
            parts += [escaped(answer[done : match.start()]), marker_link(turn, int(match.group(1)))]
            done = match.end()
    parts.append(escaped(answer[done:]))
    return "".join(parts)


def badge_key(turn: dict) -> str | None:
    """The i18n key of the warning a turn carries: a refusal, or an uncertain answer."""
    return "refused" if turn["refused"] else "uncertain" if turn.get("uncertain") else None


def answer_html(turn: dict, index: int, language: str) -> str:
    """The answer, a visible badge when it is a refusal or uncertain, and the list of its sources."""
    key = badge_key(turn)
    badge = f"<p class='{key}'><strong>{html.escape(text(language, key))}</strong></p>" if key else ""
    sources = "".join(
        f"<li>{marker_link(index, c['n'])} {html.escape(c['title'])} · "
        f"<code>{html.escape(c['source'])}</code> · “{html.escape(shorten(c['quote'], 40))}”</li>"
        for c in turn["citations"]
    )
    listing = f"<ul class='sources'>{sources}</ul>" if sources else ""
    body = with_markers(turn["answer"], turn["citations"], index)
    return f"<div class='answer'>{badge}<p>{body}</p>{listing}</div>"


def pending_html(partial: str) -> str:
    """An answer still streaming: its text so far, markers not yet linked."""
    return f"<div class='answer'><p>{escaped(partial) or '…'}</p></div>"


def chat_messages(conversation: dict, language: str) -> list[dict]:
    messages = []
    for index, turn in enumerate(conversation["turns"]):
        messages.append({"role": "user", "content": question_html(turn["question"], language)})
        messages.append({"role": "assistant", "content": answer_html(turn, index, language)})
    return messages


def citation_html(store: ChunkStore, citation: dict, language: str) -> str:
    """The cited article's paragraph with the quote highlighted; for an article removed or
    replaced since the answer, the quote as it was and a note saying so."""
    close = f"<button class='close-panel' type='button'>× {html.escape(text(language, 'close'))}</button>"
    heading = f"{close}<h3>[{citation['n']}] {html.escape(citation['title'])}</h3>"
    record = store.records.get(citation["source"])
    if record is None or record["file_hash"] != citation["version"]:
        note = text(language, "removed_since" if record is None else "replaced_since")
        return (
            f"<div class='citation'>{heading}<p class='meta'>{html.escape(note)}</p>"
            f"<p><mark>{html.escape(citation['quote'])}</mark></p></div>"
        )
    article = store.article(citation["source"])
    body, start, end = article.body, citation["start"], citation["end"]
    paragraph_start = body.rfind("\n", 0, start) + 1
    paragraph_end = body.find("\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    meta = [article.source] + ([article.dateline] if article.dateline else [])
    page = article.page_at(start)
    meta += [text(language, "page", page=page)] if page is not None else []
    return (
        f"<div class='citation'>{heading}<p class='meta'>{html.escape(' · '.join(meta))}</p>"
        f"<p>{html.escape(body[paragraph_start:start])}<mark>{html.escape(body[start:end])}</mark>"
        f"{html.escape(body[end:paragraph_end])}</p></div>"
    )


def panel_hint(language: str) -> str:
    return f"<p class='panel-hint'>{html.escape(text(language, 'panel_hint'))}</p>"


def conversation_title(question: str) -> str:
    return shorten(" ".join(question.split()), TITLE_CHARS)


def conversation_markdown(conversation: dict, language: str) -> str:
    """The conversation as a Markdown file: each question, its answer, and its sources with
    their full quotes, file names and offsets, so that every claim can be checked."""
    lines = [
        f"# {conversation['title'] or text(language, 'new_chat')}",
        "",
        f"_{datetime.now():%Y-%m-%d %H:%M}_",
        "",
    ]
    for turn in conversation["turns"]:
        lines += [f"**{text(language, 'question')}:** {turn['question']}", ""]
        key = badge_key(turn)
        badge = f"{text(language, key)}\n\n" if key else ""
        lines += [f"**{text(language, 'answer')}:** {badge}{turn['answer']}", ""]
        if turn["citations"]:
            lines += [f"{text(language, 'sources')}:", ""]
            for c in turn["citations"]:
                page = f", {text(language, 'page', page=c['page'])}" if c.get("page") else ""
                where = f"`{c['source']}`{page}, {c['start']}–{c['end']}"
                lines.append(f"- [{c['n']}] {c['title']} ({where}): “{c['quote']}”")
            lines.append("")
    return "\n".join(lines)
