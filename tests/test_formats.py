"""The format readers on real files written here: a saved news page (UTF-8 and GBK), PDFs made with fpdf2
and a Word file made with python-docx."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfReader

from rag.formats import READERS, Extracted, FormatError, read_docx, read_html, read_pdf

NAME, MONEY, DOSES = "阿列克谢•波波夫", "22亿美元", "6000 万剂"  # must come through every reader intact
TITLE = "俄罗斯疫苗出口创新高"
BODY = [
    (
        f"新华社莫斯科5月22日电（记者{NAME}）俄罗斯直接投资基金22日表示，今年前四个月该国疫苗出口额达到{MONEY}，"
        "同比增长近三成，创历史同期最高纪录。"
    ),
    (
        f"该基金负责人在新闻发布会上说，俄方已向亚洲、非洲和拉丁美洲的三十多个国家交付了约{DOSES}疫苗，"
        "并计划在年底前把年产能再提高一倍。"
    ),
    "分析人士指出，疫苗出口的快速增长得益于生产线的扩建和国际合作的深化，但物流成本上升仍是主要挑战。",
    f"{NAME}在报道中还提到，多家本地制药企业正在与海外伙伴洽谈联合研发项目！",
]
NAVIGATION = ["首页", "国际频道", "财经频道", "科技频道", "体育频道"]
ADVERTS = ["限时优惠：订阅会员立减五十元", "广告：春季大促销，全场家电低至五折，点击立即抢购！"]
RELATED = ["欧洲多国加快推进疫苗研发合作", "世卫组织发布最新全球免疫报告", "非洲疫苗本地化生产迈出新步伐"]
NOISE = random.Random(0).randbytes  # random bytes, the same on every run
FOOTER = ["版权所有 © 2024 环球新闻网 京ICP备12345678号", "关于我们", "联系我们"]


def news_page(charset: str = "utf-8", article: bool = True, date: bool = True) -> str:
    nav = "".join(f'<li><a href="/{i}">{text}</a></li>' for i, text in enumerate(NAVIGATION))
    related = "".join(f'<li><a href="/news/{i}.html">{text}</a></li>' for i, text in enumerate(RELATED))
    published = '<meta property="article:published_time" content="2024-05-22T08:30:00+08:00">' if date else ""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in BODY)
    time = '<time datetime="2024-05-22">2024年5月22日</time>' if date else ""
    story = f"""<article><h1>{TITLE}</h1><div class="info">{time} 来源：新华社</div>
        <div class="article-body">{body}</div></article>""" if article else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}">
<title>{TITLE} - 环球新闻网</title>{published}</head>
<body>
<header class="site-header"><div class="logo">环球新闻网</div>
<nav class="main-nav"><ul>{nav}</ul></nav></header>
<div class="ad banner-ad" id="ad-top"><a href="https://ads.example.com/x">{ADVERTS[0]}</a></div>
<main>{story}
<aside class="related"><h3>相关新闻</h3><ul>{related}</ul></aside>
<div class="advertisement"><p>{ADVERTS[1]}</p></div>
</main>
<footer class="site-footer"><p>{FOOTER[0]}</p>
<p><a href="/about">{FOOTER[1]}</a> | <a href="/contact">{FOOTER[2]}</a></p></footer>
</body></html>"""


def saved(tmp_path: Path, name: str, data: bytes) -> bytes:
    """Write the file to disk and read it back, as ingestion will."""
    path = tmp_path / name
    path.write_bytes(data)
    return path.read_bytes()


def assert_article(extracted: Extracted) -> None:
    assert extracted.title == TITLE
    assert extracted.date == "2024-05-22"
    assert extracted.paragraphs == [(paragraph, None) for paragraph in BODY]
    text = "\n".join(paragraph for paragraph, _ in extracted.paragraphs)
    for chrome in NAVIGATION + ADVERTS + RELATED + FOOTER + ["相关新闻", "环球新闻网", "来源：新华社"]:
        assert chrome not in text


def test_html_keeps_title_date_and_body_only(tmp_path):
    assert_article(read_html(saved(tmp_path, "page.html", news_page().encode("utf-8"))))


def test_html_in_gbk_is_decoded(tmp_path):
    # GB18030 bytes under a "gbk" label, as browsers read it: Python's strict gbk codec has no "•".
    data = news_page(charset="gbk").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert_article(read_html(saved(tmp_path, "page.htm", data)))


def test_html_without_date_markup_has_no_date(tmp_path):
    # The footer's "© 2024" is not a publication date (htmldate's extensive search would say 2024-01-01).
    extracted = read_html(saved(tmp_path, "page.html", news_page(date=False).encode("utf-8")))
    assert extracted.date == ""
    assert [paragraph for paragraph, _ in extracted.paragraphs] == BODY


@pytest.mark.parametrize("page", [news_page(article=False).encode("utf-8"), b"", NOISE(2000)])
def test_html_without_article_text_is_refused(tmp_path, page):
    with pytest.raises(FormatError, match="no article text"):
        read_html(saved(tmp_path, "page.html", page))


# --- PDF --------------------------------------------------------------------------------------------------

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SYMBOL_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # WenQuanYi has no "•" glyph
LATIN = "The fund said exports reached 2.2 billion dollars in the first four months of the year"


def new_pdf() -> FPDF:
    for font, package in ((CJK_FONT, "fonts-wqy-zenhei"), (SYMBOL_FONT, "fonts-dejavu-core")):
        if not font.exists():
            pytest.fail(f"{font} is missing: apt-get install {package} (make test installs fonts-wqy-zenhei)")
    pdf = FPDF()
    pdf.add_font("zenhei", fname=str(CJK_FONT), collection_font_number=0)  # face 0 of the .ttc collection
    pdf.add_font("dejavu", fname=str(SYMBOL_FONT))
    pdf.set_font("zenhei", size=12)
    pdf.set_fallback_fonts(["dejavu"])
    return pdf


def two_page_pdf() -> bytes:
    pdf = new_pdf()
    pdf.set_title(TITLE)
    pdf.add_page()
    pdf.multi_cell(60, 8, BODY[0], new_x="LMARGIN", new_y="NEXT")  # narrow: wraps mid-sentence
    # Wide enough that "6000 万剂" stays on one line: a text layer cannot tell a space at a line break.
    pdf.multi_cell(180, 8, f"俄方交付了约{DOSES}疫苗。", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(60, 8, LATIN, new_x="LMARGIN", new_y="NEXT")  # justified, no final full stop
    pdf.add_page()
    pdf.multi_cell(60, 8, BODY[2], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_rejoins_wrapped_lines_per_page(tmp_path):
    data = saved(tmp_path, "article.pdf", two_page_pdf())
    raw = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert BODY[0] not in raw and len(raw.splitlines()) > 6  # the layout really broke the sentences
    extracted = read_pdf(data)
    assert extracted.title == TITLE
    assert extracted.date == ""
    assert extracted.paragraphs == [
        (BODY[0], 1),  # Chinese lines joined without spaces: 阿列克谢•波波夫 and 22亿美元 intact
        (f"俄方交付了约{DOSES}疫苗。", 1),
        (LATIN, 1),  # Latin lines joined with one space; the page break still ends the paragraph
        (BODY[2], 2),
    ]


def test_pdf_without_text_layer_is_refused(tmp_path):
    pdf = new_pdf()
    pdf.add_page()
    pdf.rect(20, 20, 120, 80)  # what a scan looks like to a text extractor: no text at all
    with pytest.raises(FormatError, match="no text layer .*scanned"):
        read_pdf(saved(tmp_path, "scan.pdf", bytes(pdf.output())))


def test_pdf_with_a_password_is_refused(tmp_path):
    pdf = new_pdf()
    pdf.add_page()
    pdf.cell(text=BODY[0])
    pdf.set_encryption(owner_password="owner", user_password="secret", encryption_method=EncryptionMethod.RC4)
    with pytest.raises(FormatError, match="^encrypted PDF"):
        read_pdf(saved(tmp_path, "locked.pdf", bytes(pdf.output())))


def test_pdf_encrypted_with_aes_and_no_password_is_read(tmp_path):
    """News sites often publish PDFs that forbid printing or copying: AES, empty user password."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.multi_cell(180, 8, BODY[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_encryption(owner_password="owner", encryption_method=EncryptionMethod.AES_128)
    extracted = read_pdf(saved(tmp_path, "restricted.pdf", bytes(pdf.output())))
    assert extracted.paragraphs == [(BODY[0], 1)]


@pytest.mark.parametrize("damage", ["truncated", "random", "empty"])
def test_damaged_pdf_is_refused(tmp_path, damage):
    data = two_page_pdf()
    data = {"truncated": data[: len(data) // 2], "random": NOISE(4000), "empty": b""}[damage]
    with pytest.raises(FormatError, match="not a valid PDF"):
        read_pdf(saved(tmp_path, "bad.pdf", data))


# --- Word -------------------------------------------------------------------------------------------------


def word_file(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.core_properties.title = TITLE
    document.add_heading("疫苗出口", level=1)
    document.add_paragraph(BODY[0])
    document.add_paragraph("   ")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("地区", "剂数"), ("亚洲", DOSES)], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph(BODY[1])
    merged = document.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "疫苗出口统计"  # one cell across both columns
    merged.cell(1, 0).text, merged.cell(1, 1).text = "非洲", ""
    document.save(tmp_path / "article.docx")
    return (tmp_path / "article.docx").read_bytes()


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    extracted = read_docx(word_file(tmp_path))
    assert extracted.title == TITLE
    assert extracted.date == ""  # the file's creation time is not the publication date
    assert extracted.paragraphs == [
        ("疫苗出口", None),
        (BODY[0], None),
        ("地区 | 剂数", None),
        (f"亚洲 | {DOSES}", None),
        (BODY[1], None),
        ("疫苗出口统计", None),  # once, not once per spanned column
        ("非洲", None),  # empty cells leave no separators behind
    ]


@pytest.mark.parametrize("damage", ["random", "truncated", "other zip"])
def test_damaged_docx_is_refused(tmp_path, damage):
    if damage == "other zip":
        with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
            archive.writestr("notes.txt", "不是Word文件")
        data = (tmp_path / "other.zip").read_bytes()
    else:
        data = word_file(tmp_path)
        data = {"random": NOISE(4000), "truncated": data[: len(data) // 2]}[damage]
    with pytest.raises(FormatError, match="not a valid Word file"):
        read_docx(saved(tmp_path, "bad.docx", data))


def test_macro_enabled_word_file_is_refused(tmp_path):
    # A .docm renamed .docx: the same package, but its main part declares macros.
    with zipfile.ZipFile(io.BytesIO(word_file(tmp_path))) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    with zipfile.ZipFile(tmp_path / "macros.docx", "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    with pytest.raises(FormatError, match="macro-enabled"):
        read_docx((tmp_path / "macros.docx").read_bytes())


def test_readers_by_suffix():
    assert READERS == {".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx}
