"""Reading article files and cleaning web-page dumps into ``Article``.

A Vietnam News Agency page dump looks like::

    title
    lead paragraph                      <- repeated at the start of the body
    title ảnh 1 caption。图自越通社      <- image caption
    越通社河内—— lead paragraph …        <- body, starting with the dateline
    …
    越通社                               <- byline
    更多                                 <- site navigation from here on
    unrelated headlines and blurbs …

Only the title and the body survive; captions and navigation must never be retrievable.
Files that do not follow this layout keep everything after their first line.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rag.schema import Article

NAVIGATION_MARK = "更多"
BYLINES = {"越通社", "VNA", "(完)", "（完）"}
CREDIT = re.compile(r"[(（](?:越通社\s*[—–-]*\s*VNA|完)[)）]$")
# "越通社河内——", "越通社莫斯科——", "越通社河内11月25日——"
DATELINE = re.compile(r"^越通社(?P<place>[^\s\d—–-]{1,12}?)(?:\d{1,2}月\d{1,2}日)?\s*[—–]{1,2}")
# "… ảnh 1 …" marks an image on the page; credits close the other caption lines.
CAPTION = re.compile(r"\sảnh\s*\d|(?:图自|图子)\S{1,20}$|[(（]图片来源[:：][^)）]*[)）]$")
DATE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}\s*年\s*\d{1,2}\s*月"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*至\s*\d{1,2}\s*日)?"
    r"|(?<!\d)\d{4}\s*年"
)
ENCODINGS = ("utf-8-sig", "gb18030")
SUPPORTED_SUFFIXES = {".txt", ".md"}


class DocumentError(ValueError):
    """A file that cannot become an article; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(path: str | Path, data: bytes) -> str:
    """Decode UTF-8, falling back to GB18030 (still common for Chinese text files)."""
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "binary file (contains NUL bytes), not text")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(path, "not text in UTF-8 or GB18030")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_caption(line: str) -> bool:
    return bool(CAPTION.search(line))


def clean_article(source: str, text: str, digest: str = "") -> Article:
    """Turn a page dump into an ``Article``: title and body once, no captions or navigation."""
    lines = [line.replace("\xa0", " ").strip() for line in text.replace("\r\n", "\n").split("\n")]
    if NAVIGATION_MARK in lines:
        lines = lines[: lines.index(NAVIGATION_MARK)]
    lines = [line for line in lines if line]
    if not lines:
        raise DocumentError(source, "empty file (no text)")
    title, rest = lines[0], [line for line in lines[1:] if line != lines[0] and not is_caption(line)]
    while rest and rest[-1] in BYLINES:
        rest.pop()
    # The wire credit closing the last paragraph is not article text.
    if rest:
        rest[-1] = CREDIT.sub("", rest[-1]).rstrip() or rest[-1]

    dateline_at = next((i for i, line in enumerate(rest) if DATELINE.match(line)), None)
    place = ""
    if dateline_at is not None:
        place = DATELINE.match(rest[dateline_at]).group("place")
        lead, body_lines = rest[:dateline_at], rest[dateline_at:]
    else:
        lead, body_lines = rest[:1], rest[1:]
    # The lead is printed twice on the page; keep it only where the body has it.
    # Compared without spaces: the two copies differ in spacing ("Gennady Zyuganov" / "GennadyZyuganov").
    opening = squeeze("".join(body_lines[:3]))
    body_lines = [line for line in lead if squeeze(line) not in opening] + body_lines
    if not body_lines:
        body_lines = [title]

    body = "\n".join(body_lines)
    dates = tuple(dict.fromkeys(m.group(0) for m in DATE.finditer(f"{title}\n{body}")))
    return Article(source=source, title=title, body=body, file_hash=digest, dateline=place, dates=dates)


def load_article(path: str | Path, max_bytes: int) -> Article:
    """Read, decode and clean one file.

    Raises:
        DocumentError: the file is missing, too large, binary, undecodable or empty.
    """
    path = Path(path)
    if not path.is_file():
        raise DocumentError(path, "no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {path.suffix or '(none)'}; use .txt or .md")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            path, f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit (RAG_MAX_FILE_MB)"
        )
    data = path.read_bytes()
    text = decode(path, data)
    if not text.strip():
        raise DocumentError(path, "empty file (no text)")
    return clean_article(path.name, text, file_hash(data))
