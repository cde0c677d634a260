"""Cleaning the seed page dumps, and every kind of bad file."""

from __future__ import annotations

import codecs
import os
import re

import pytest

from rag.documents import NAVIGATION_MARK, DocumentError, load_article

from .conftest import SEED_FILES

MAX = 10 * 2**20


def navigation_lines(path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[lines.index(NAVIGATION_MARK) + 1 :] if line.strip()]


def caption_lines(path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if "ảnh" in line]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_keeps_title_and_body_once(path):
    article = load_article(path, MAX)
    first_line = path.read_text(encoding="utf-8").splitlines()[0].strip()
    assert article.title == first_line
    assert article.source == path.name
    assert article.body.startswith("越通社")  # the dateline paragraph opens the body
    last_paragraph = path.read_text(encoding="utf-8").replace("\xa0", " ").split("\n越通社\n")[0].strip().splitlines()[-1]
    assert last_paragraph.startswith(article.body.splitlines()[-1])
    assert not article.body.endswith(("VNA)", "(完)"))  # the wire credit is not article text
    # The lead is printed twice on the page and kept once.
    opening = article.body.split("\n")[0]
    sentence = re.split(r"[。]", opening.split("——", 1)[1])[0][-20:]
    assert article.body.count(sentence) == 1


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_drops_captions_and_navigation(path):
    article = load_article(path, MAX)
    text = f"{article.title}\n{article.body}"
    for marker in ("ảnh", "图自", "图片来源", NAVIGATION_MARK):
        assert marker not in text
    for line in caption_lines(path):
        assert line.strip() not in text
    for line in navigation_lines(path):
        if line != article.title:
            assert line not in text, line


def test_seed_metadata():
    articles = {p.name[:3]: load_article(p, MAX) for p in SEED_FILES}
    assert articles["002"].dateline == "莫斯科"
    assert articles["004"].dateline == "河内"
    assert "12月16日" in articles["001"].dates
    assert "2018年9月8日" in articles["000"].dates
    assert "11月23日至25日" in articles["004"].dates
    assert len(articles["000"].file_hash) == 64


def test_numbers_and_names_survive_cleaning():
    bodies = "".join(load_article(p, MAX).body for p in SEED_FILES)
    for needle in ("22亿美元", "6000 万剂", "35亿美元", "阮富仲", "8.28亿美元", "10万 剂"):
        assert needle in bodies


@pytest.mark.parametrize(
    ("name", "text", "title", "body"),
    [
        # Without the page dump's layout, everything after the title is kept.
        ("plain.txt", "标题\n第一段。\n第二段,没有更多导航。\n越通社\n", "标题", "第一段。\n第二段,没有更多导航。\n越通社"),
        ("note.md", "# 越俄贸易 #\n\n## 背景\n贸易额达到22亿美元。\n", "越俄贸易", "背景\n贸易额达到22亿美元。"),
    ],
)
def test_plain_text_and_markdown(tmp_path, name, text, title, body):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    article = load_article(path, MAX)
    assert (article.title, article.body) == (title, body)


def test_gb18030_file_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("越俄关系\n越通社河内——两国贸易额达22亿美元。\n".encode("gb18030"))
    article = load_article(path, MAX)
    assert "22亿美元" in article.body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
        ("noise.txt", bytes(range(128, 256)) * 3 + bytes([0xFF, 0xFE, 0xFA, 0x81, 0x30]) * 7, "encoding"),
        ("image.png", "标题\n正文。".encode(), "unsupported file type .png"),
        ("late-nul.txt", "标题\n正文。\n".encode() * 5000 + b"\x00\x01\x02", "binary file"),
        ("invisible.txt", "\u200b\u200c\u200d\ufeff\u2060\n\u200b".encode(), "empty file"),
        ("controls.txt", b"\x01\x02\x03\x1b\x7f\n\x08", "empty file"),
        ("bad-bom.txt", b"\xff\xfe\x00\xd8", "utf-16-le byte-order mark"),
    ],
)
def test_bad_files_are_named_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as raised:
        load_article(path, MAX)
    assert name in str(raised.value)
    assert reason in str(raised.value)


def test_missing_and_oversized_files(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        load_article(tmp_path / "nope.txt", MAX)
    big = tmp_path / "big.txt"
    big.write_bytes(("越南与俄罗斯。" * 1_000_000).encode())  # about 21 MB
    with pytest.raises(DocumentError, match=r"big.txt: file is 20.0 MB, over the 10 MB limit"):
        load_article(big, MAX)
    with pytest.raises(DocumentError, match=r"big.txt: 7,000,000 characters of text, over the 100,000 limit"):
        load_article(big, 2**26, max_chars=100_000)


TEXT = "越俄关系\n越南与俄罗斯贸易额达到22亿美元，阿列克谢•波波夫表示合作将扩大。\n双方签署了购买 6000 万剂疫苗的合同。\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "gb18030"]
)
def test_encodings_are_detected(tmp_path, encoding):
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    article = load_article(path, MAX)
    assert article.title == "越俄关系"
    assert article.body == TEXT.strip().split("\n", 1)[1]


@pytest.mark.parametrize(
    ("encoding", "title", "text"),
    [
        ("big5", "越俄關係", "越南與俄羅斯的全面戰略夥伴關係不斷發展，雙邊貿易額達到二十二億美元。兩國將加強能源與教育合作。"),
        ("shift_jis", "日本の経済", "日本の首相は東京で記者会見を開き、経済政策について説明した。協力を強化する方針だ。"),
        ("euc_kr", "한국 경제", "한국 정부는 서울에서 경제 정책을 발표했습니다. 대통령은 양국 협력을 강조했다."),
    ],
)
def test_other_east_asian_encodings_are_not_read_as_gb18030(tmp_path, encoding, title, text):
    path = tmp_path / "asia.txt"
    path.write_bytes(f"{title}\n{text}\n".encode(encoding))
    article = load_article(path, MAX)
    assert (article.title, article.body) == (title, text)


def test_line_endings_and_invisible_characters(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes("标题\r第一\u200b段\u00ad。\r\n第二段\x07，阿列克谢•波波夫。\r".encode())
    article = load_article(path, MAX)
    assert article.title == "标题"
    assert article.body == "第一段。\n第二段，阿列克谢•波波夫。"


def test_not_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError, match="pipe.txt: not a regular file"):
        load_article(fifo, MAX)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(DocumentError, match="folder.txt: a folder, not a file"):
        load_article(folder, MAX)
    dangling = tmp_path / "gone.txt"
    dangling.symlink_to(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="gone.txt: broken symbolic link"):
        load_article(dangling, MAX)


def test_another_agencys_page_dump_is_read_by_its_dateline(tmp_path):
    # The agency is read from the dateline, not from a list: any wire's dump loses its
    # repeated lead, captions, credit, byline and navigation.
    path = tmp_path / "wire.txt"
    path.write_text(
        "港口扩建完工\n港口扩建工程完工。\n港口全景 ảnh 1 港口全景。图自新华社\n"
        "新华社宁波3月5日电——港口扩建工程完工。年吞吐量将达1.2亿吨。\n"
        "工程耗资35亿元。(新华社—XINHUA)\n新华社\n更多\n其他新闻标题\n",
        encoding="utf-8",
    )
    article = load_article(path, MAX)
    assert article.title == "港口扩建完工"
    assert article.body == "新华社宁波3月5日电——港口扩建工程完工。年吞吐量将达1.2亿吨。\n工程耗资35亿元。"
    assert article.dateline == "宁波"
