"""Reading document files into ``Article``: formats, encodings, cleaning.

A file becomes an article in three steps:

1. **Read** its bytes, bounded by the size limit, refusing what is not a regular file.
2. **Extract** paragraphs by format: ``.txt`` and ``.md`` are decoded (a byte-order mark,
   then UTF-8, then charset-normalizer's detection with its confidence check, so Big5 or
   Shift-JIS text is never read as GB18030 garbage); ``.html``/``.htm``, ``.pdf`` and
   ``.docx`` go through ``rag.formats`` (trafilatura, pypdf, python-docx). PDF paragraphs
   keep their page numbers, so a citation can name its page.
3. **Clean**: control and invisible characters are removed (a NUL means a binary file,
   refused), line endings unified, the title taken from the format's metadata or the
   first line, and the article's own length bounded in characters.

One text layout has an adapter of its own: a wire agency's page dump, which looks like::

    title
    lead paragraph                      <- repeated at the start of the body
    title ảnh 1 caption。图自<agency>    <- image caption
    <agency><place>—— lead paragraph …  <- body, starting with the dateline
    … last paragraph。(<agency>—ABC)    <- the wire credit
    <agency>                            <- byline
    更多                                 <- site navigation from here on
    unrelated headlines and blurbs …

Only its title and body survive; captions and navigation must never be retrievable. The
agency is read from the dateline ("新华社北京——", "法新社巴黎11月25日——"), never listed.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from pathlib import Path

from charset_normalizer import from_bytes

from rag.formats import READERS, FormatError
from rag.schema import Article

NAVIGATION_MARK = "更多"
END_MARKS = {"(完)", "（完）"}
# A wire's Latin abbreviation alone on the byline line ("VNA", "AFP").
LATIN_BYLINE = re.compile(r"[A-Z]{2,6}")
# An agency (…社, …网, …报, …台), a place, maybe a date, then a dash: "新华社北京——",
# "法新社巴黎11月25日——", "中新网上海3月5日电——".
DATELINE = re.compile(
    r"^(?P<agency>[\u4e00-\u9fff]{1,6}?[社网报台])(?P<place>[^\s\d—–-]{1,12}?)(?:\d{1,2}月\d{1,2}日电?)?\s*[—–]{1,2}"
)
# "… ảnh 1 …" marks an image on the page; credits close the other caption lines.
CAPTION = re.compile(r"\sảnh\s*\d|(?:图自|图子)\S{1,20}$|[(（]图片来源[:：][^)）]*[)）]$")
DATE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}\s*年\s*\d{1,2}\s*月"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*至\s*\d{1,2}\s*日)?"
    r"|(?<!\d)\d{4}\s*年"
)
TEXT_SUFFIXES = {".txt", ".md"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | set(READERS)
# Longest BOM first: UTF-32-LE's begins with UTF-16-LE's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)  # fmt: skip
# Without a BOM, UTF-16/32 is guessed only for data with NUL bytes (its ASCII letters have
# them); otherwise a short GB18030 text can pass for valid UTF-16 (Hangul garbage).
WIDE_ENCODINGS = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"]
# C0/C1 controls but tab and newline, and the invisible format characters (zero-width
# spaces and joiners, direction marks, soft hyphen, BOM) that would hide inside words.
INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
LINE_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+|\s+#+\s*$")


class DocumentError(ValueError):
    """A file that cannot become an article; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{printable(path)}: {reason}")


def printable(path: str | Path) -> str:
    """A path as text even when its name is not valid UTF-8 (bytes shown as \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(path: str | Path, data: bytes) -> str:
    """Text of ``data``: by its BOM, as UTF-8, or in the encoding charset-normalizer finds.

    Raises:
        DocumentError: binary data, or no encoding fits confidently.
    """
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark) :].decode(encoding)
            except UnicodeDecodeError:
                raise DocumentError(path, f"starts with a {encoding} byte-order mark but is not {encoding}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        exclusions = [] if b"\x00" in data else WIDE_ENCODINGS
        matches = from_bytes(data, cp_exclusion=exclusions)
        best = matches.best()
        if best is None:
            raise DocumentError(
                path, "binary file or text in an encoding that cannot be told confidently; save it as UTF-8"
            ) from None
        # Short texts fit several encodings equally well; for Chinese news GB18030 is the likely one.
        tied = [m for m in matches if m.chaos <= best.chaos and m.encoding == "gb18030"]
        text = str(tied[0] if tied else best)
    if "\x00" in text:
        raise DocumentError(path, "binary file (contains NUL bytes), not text")
    return text


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def clean_line(line: str) -> str:
    return INVISIBLE.sub("", line).replace("\t", " ").replace("\xa0", " ").strip()


def text_lines(text: str) -> list[str]:
    """Lines of ``text`` with every kind of line ending (CR-only files too), cleaned."""
    return [clean_line(line) for line in LINE_BREAK.sub("\n", text).split("\n")]


def is_caption(line: str) -> bool:
    return bool(CAPTION.search(line))


def is_page_dump(lines: list[str]) -> bool:
    """Whether the lines have the wire page dump's layout (a dateline, captions or navigation)."""
    return any(line == NAVIGATION_MARK or DATELINE.match(line) or is_caption(line) for line in lines)


def article_from_page_dump(source: str, lines: list[str], digest: str) -> Article:
    """Title and body once, without captions, bylines, wire credit or navigation."""
    if NAVIGATION_MARK in lines:
        lines = lines[: lines.index(NAVIGATION_MARK)]
    lines = [line for line in lines if line]
    if not lines:
        raise FormatError("empty file (no text)")
    title, rest = lines[0], [line for line in lines[1:] if line != lines[0] and not is_caption(line)]
    dateline_at = next((i for i, line in enumerate(rest) if DATELINE.match(line)), None)
    dateline = DATELINE.match(rest[dateline_at]) if dateline_at is not None else None
    agency = dateline.group("agency") if dateline else None
    while rest and (rest[-1] in END_MARKS or rest[-1] == agency or LATIN_BYLINE.fullmatch(rest[-1])):
        rest.pop()
    # The wire credit closing the last paragraph ("(新华社—XINHUA)", "(完)") is not article text.
    if rest:
        wire = rf"{re.escape(agency)}\s*[—–-]*\s*{LATIN_BYLINE.pattern}|" if agency else ""
        rest[-1] = re.sub(rf"[(（](?:{wire}完)[)）]$", "", rest[-1]).rstrip() or rest[-1]

    place = ""
    if dateline is not None:
        place = dateline.group("place")
        lead, body_lines = rest[:dateline_at], rest[dateline_at:]
    else:
        lead, body_lines = rest[:1], rest[1:]
    # The lead is printed twice on the page; keep it only where the body has it.
    # Compared without spaces: the two copies differ in spacing ("Gennady Zyuganov" / "GennadyZyuganov").
    opening = squeeze("".join(body_lines[:3]))
    body_lines = [line for line in lead if squeeze(line) not in opening] + body_lines
    if not body_lines:
        body_lines = [title]
    return article_from_paragraphs(source, digest, title, "", [(line, None) for line in body_lines], place)


def article_from_paragraphs(
    source: str, digest: str, title: str, date: str, paragraphs: list[tuple[str, int | None]], dateline: str = ""
) -> Article:
    """An article of cleaned paragraphs; the first is the title when the format names none.
    Paragraphs that repeat the title are dropped; page numbers become body offsets."""
    paragraphs = [(text, page) for text, page in ((clean_line(t), p) for t, p in paragraphs) if text]
    title = clean_line(title)
    if not title:
        if not paragraphs:
            raise FormatError("empty file (no text)")
        title = paragraphs.pop(0)[0]
    paragraphs = [(text, page) for text, page in paragraphs if text != title] or [(title, None)]
    body, pages, offset = [], [], 0
    for text, page in paragraphs:
        if page is not None and (not pages or pages[-1][1] != page):
            pages.append((offset, page))
        body.append(text)
        offset += len(text) + 1
    body_text = "\n".join(body)
    found = [m.group(0) for m in DATE.finditer(f"{title}\n{body_text}")]
    dates = tuple(dict.fromkeys([date, *found] if date else found))
    return Article(source, title, body_text, digest, dateline, dates, tuple(pages))


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; refuses what is not a regular file and stops at the size limit."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentError(path, "no such file" if not path.is_symlink() else "broken symbolic link") from None
    except OSError as error:
        raise DocumentError(path, f"cannot be read ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError(path, "a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(path, "not a regular file (a pipe, device or socket)")
    if info.st_size > max_bytes:
        raise DocumentError(
            path, f"file is {info.st_size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit (RAG_MAX_FILE_MB)"
        )
    try:
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as error:
        raise DocumentError(path, f"cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise DocumentError(path, f"file is over the {max_bytes / 2**20:g} MB limit (RAG_MAX_FILE_MB)")
    return data


def load_article(path: str | Path, max_bytes: int, max_chars: int | None = None) -> Article:
    """Read, extract and clean one file.

    Raises:
        DocumentError: the file is missing, not a regular file, of an unsupported type, too
            large (bytes or characters), binary, undecodable, damaged or without text.
    """
    path = Path(path)
    name = printable(path.name)
    if name != path.name:
        raise DocumentError(path, "file name is not valid UTF-8; rename the file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'}; use one of {supported}")
    data = read_bytes(path, max_bytes)
    try:
        article = extract_article(path, suffix, data)
    except FormatError as error:
        raise DocumentError(path, str(error)) from None
    if max_chars is not None and len(article.body) > max_chars:
        raise DocumentError(
            path, f"{len(article.body):,} characters of text, over the {max_chars:,} limit (RAG_MAX_FILE_CHARS)"
        )
    return article


def extract_article(path: Path, suffix: str, data: bytes) -> Article:
    """The article in ``data``, read as its suffix says.

    Raises:
        FormatError: no text, or not a valid file of its format.
        DocumentError: text that cannot be decoded.
    """
    digest = file_hash(data)
    if suffix not in TEXT_SUFFIXES:
        extracted = READERS[suffix](data)
        return article_from_paragraphs(path.name, digest, extracted.title, extracted.date, extracted.paragraphs)
    lines = text_lines(decode(path, data))
    if suffix == ".md":
        lines = [MARKDOWN_HEADING.sub("", line) for line in lines]
    if is_page_dump(lines):
        return article_from_page_dump(path.name, lines, digest)
    return article_from_paragraphs(path.name, digest, "", "", [(line, None) for line in lines])
