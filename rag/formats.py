"""Plain-text paragraphs from the files people actually save: news web pages, PDFs and Word files.

Each reader takes the file's bytes and returns its title, its stated publication date and its paragraphs
in reading order, or raises ``FormatError`` with a reason a user can act on.

- HTML: trafilatura finds the article in a page and leaves navigation, ads, teasers and footers behind;
  it also reads the title and date from the page's metadata (htmldate), all offline.
- PDF: pypdf is pure Python and reads the text layer page by page, so paragraphs keep their page numbers.
- Word: python-docx reads the .docx XML directly, tables included.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# The readers import their libraries when first used: together they would add 0.2 s to the
# start of every process, and most never read a web page, PDF or Word file.


class FormatError(ValueError):
    """The file cannot be read as its format says; the message is the reason, for a user
    (e.g. "no text layer (a scanned PDF?); run OCR on it first", "not a valid Word file")."""


@dataclass(frozen=True)
class Extracted:
    title: str  # the document's own title ("" when it names none)
    date: str  # publication date as the document states it ("" when none), e.g. "2024-05-22"
    paragraphs: list[tuple[str, int | None]]  # (text, 1-based page number or None), in reading order


def _paragraphs(lines, page: int | None = None) -> list[tuple[str, int | None]]:
    return [(line.strip(), page) for line in lines if line.strip()]


# --- HTML -------------------------------------------------------------------------------------------------

# Structured dates only (meta tags, <time>, JSON-LD, URL): htmldate's extensive search turns a footer's
# "© 2024" into "2024-01-01", and an invented date is worse than none.
DATE_PARAMS = {"original_date": True, "extensive_search": False}
# trafilatura's ad filter knows "ad-", " ad " and "banner" but not the common class="advertisement".
ADVERTS = "//*[contains(@class, 'advert') or contains(@id, 'advert')]"


def read_html(data: bytes) -> Extracted:
    import trafilatura

    # Raw bytes: trafilatura tries UTF-8, then guesses the charset (charset-normalizer), GBK included.
    document = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,  # news pages: keep teasers and boilerplate out; body paragraphs survive
        date_extraction_params=DATE_PARAMS,
        prune_xpath=ADVERTS,
    )
    if document is None or not (document.text or "").strip():
        raise FormatError("no article text found in the page")
    # trafilatura's text output puts each paragraph, heading and table row on its own line.
    return Extracted(document.title or "", document.date or "", _paragraphs(document.text.splitlines()))


# --- PDF --------------------------------------------------------------------------------------------------

# A line ending like this closes its paragraph; any other line was broken by the layout and continues.
FINAL = tuple("。！？!?；;：:”」』….")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _join(page_text: str) -> list[str]:
    """Rejoin lines the PDF layout broke: Chinese runs on without a space, Latin words get one."""
    paragraphs: list[str] = []
    open_paragraph = False
    for line in page_text.splitlines():
        line = " ".join(line.split())  # justified text comes out with runs of spaces
        if not line:
            continue
        if open_paragraph:
            left, right = paragraphs[-1][-1], line[0]
            space = "" if CJK.match(left) or CJK.match(right) else " "
            paragraphs[-1] += space + line
        else:
            paragraphs.append(line)
        open_paragraph = not line.endswith(FINAL)
    return paragraphs


def read_pdf(data: bytes) -> Extracted:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))  # tries the empty password itself
        pages = [page.extract_text() for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except FileNotDecryptedError as error:
        raise FormatError("encrypted PDF; save an unprotected copy and add that instead") from error
    except DependencyError as error:  # AES encryption, even without a password, needs `cryptography`
        raise FormatError(f"encrypted PDF; {error}") from error
    except PyPdfError as error:
        raise FormatError(f"not a valid PDF (damaged or truncated?): {error}") from error
    except NotImplementedError as error:  # e.g. a stream filter pypdf does not support
        raise FormatError(f"PDF uses a feature that cannot be read: {error}") from error
    if not pages:
        raise FormatError("the PDF has no pages")
    # A page break always ends a paragraph: each page's lines are joined on their own.
    paragraphs = [pair for n, text in enumerate(pages, 1) for pair in _paragraphs(_join(text), n)]
    if not paragraphs:
        raise FormatError("no text layer (a scanned PDF?); run OCR on it first")
    return Extracted(str(title).strip(), "", paragraphs)


# --- Word -------------------------------------------------------------------------------------------------


def _row_text(row) -> str:
    # A cell spanning several columns comes back once per column, as the same object: keep it once.
    cells = dict.fromkeys(row.cells)
    return " | ".join(text for cell in cells if (text := cell.text.strip()))


def read_docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, XMLSyntaxError, PackageNotFoundError) as err:
        raise FormatError("not a valid Word file (.docx); save an old .doc as .docx first") from err
    except ValueError as error:  # an Office file whose main part is not a plain Word document
        raise FormatError("not a .docx Word document (a macro-enabled, Excel or PowerPoint file?)") from error
    texts: list[str] = []
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Table):
            texts.extend(_row_text(row) for row in block.rows)
        else:
            texts.append(block.text)
    # Core properties hold no publication date: "created" is when someone made this file.
    return Extracted((document.core_properties.title or "").strip(), "", _paragraphs(texts))


READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx
}
