"""Cleaning the seed page dumps, and every kind of bad file."""

from __future__ import annotations

import re

import pytest

from rag.documents import NAVIGATION_MARK, DocumentError, clean_article, load_article

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


def test_file_without_navigation_keeps_everything():
    article = clean_article("plain.txt", "标题\n第一段。\n第二段,没有更多导航。\n越通社\n")
    assert article.title == "标题"
    assert article.body == "第一段。\n第二段,没有更多导航。"


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
        ("latin.txt", bytes([0xFF, 0xFE, 0xFA, 0x81, 0x30]) * 7 + b"\x81", "not text in UTF-8 or GB18030"),
        ("image.png", "标题\n正文。".encode(), "unsupported file type .png"),
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
