"""Figures across languages: Chinese figures and dates read out in English and Vietnamese
for the answer's lead, and the figures of an English or Vietnamese question as Chinese text
writes them, to be looked for in the articles.

An English or Vietnamese question is answered from Chinese text, and its lead gives the
answer itself in the question's language where the text allows it: "35亿美元" is
"US$3.5 billion (35亿美元)", "2018年9月8日" is "8 September 2018 (2018年9月8日)",
"6000 万剂" is "60 triệu liều (6000 万剂)". The text as written stays beside the reading, so
that the reader can find it in the quote. Only what is read in full is rewritten: a number
with a unit this module does not know, or a name, stays as the article writes it.

The other way, "US$3.5 billion" is looked for as 35 (35亿美元) and "60 triệu liều" as 6000
(6000万剂): Chinese counts large amounts in 万 (10⁴) and 亿 (10⁸), so the digits an English
question writes are not those of the article. And a number from 2 to 99 is stated by the
text in digits or in Chinese numerals ("12" by 第十二届).
"""

from __future__ import annotations

import re
from decimal import Decimal

from rag.answer_kinds import UNIT

MULTIPLIERS = {"万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3}
# Currencies and units: (English, Vietnamese); "{}" is where the number goes.
MEASURES = {
    "美元": ("US${}", "{} USD"), "欧元": ("€{}", "{} euro"), "英镑": ("£{}", "{} bảng Anh"),
    "日元": ("{} yen", "{} yên"), "卢布": ("{} roubles", "{} rúp"), "港元": ("HK${}", "{} đô la Hồng Kông"),
    "人民币": ("{} yuan", "{} nhân dân tệ"), "元": ("{} yuan", "{} nhân dân tệ"), "越盾": ("{} dong", "{} đồng"),
    "剂": ("{} doses", "{} liều"), "人": ("{} people", "{} người"), "名": ("{} people", "{} người"),
    "吨": ("{} tonnes", "{} tấn"), "公里": ("{} km", "{} km"), "千米": ("{} km", "{} km"),
    "平方公里": ("{} km²", "{} km²"), "公顷": ("{} hectares", "{} ha"), "岁": ("{} years old", "{} tuổi"),
    "倍": ("{} times", "{} lần"), "%": ("{}%", "{}%"), "个": ("{}", "{}"), "": ("{}", "{}"),
}  # fmt: skip
# Digits a Chinese question names, also when glued to letters: the 2022 of "EMNLP2022".
QUESTION_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Scale words after a number in an English or Vietnamese question, longest first.
SCALE_WORDS = {
    "en": {"trillion": 10**12, "billion": 10**9, "million": 10**6, "thousand": 10**3},
    "vi": {"nghìn tỷ": 10**12, "ngàn tỷ": 10**12, "tỷ": 10**9, "triệu": 10**6, "nghìn": 10**3, "ngàn": 10**3},
}
# A number as each language writes it: English groups thousands with "," ("100,000") and
# writes decimals with "." ("3.5"); Vietnamese the other way round ("100.000", "3,5").
WRITTEN_NUMBER = {
    "en": (r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", ",", "."),
    "vi": (r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?", ".", ","),
}
# Numbers written as words before a scale word: "ten billion dollars", "mười tỷ USD".
NUMBER_WORDS = {
    "en": dict(zip("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                   "sixty seventy eighty ninety hundred".split(),
                   [*range(1, 13), *range(20, 100, 10), 100])),
    "vi": dict(zip("một hai ba bốn năm sáu bảy tám chín mười trăm".split(), [*range(1, 11), 100])),
}  # fmt: skip
# The units Chinese counts large amounts in, largest first.
CHINESE_UNITS = (10**8, 10**4)
MONTHS = "January February March April May June July August September October November December".split()
LANGUAGE_COLUMN = {"en": 0, "vi": 1}
# Dates first: "2018年9月8日" is one date, not a year, a month and a day.
DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(?:(\d{1,2})\s*[日号])?")
AMOUNT = re.compile(rf"({QUESTION_NUMBER.pattern})\s*({'|'.join(MULTIPLIERS)})?\s*({UNIT}|人民币|越盾)?")
# How a lead joins numbers asked one by one ("2016年：22亿美元；2017年：35亿美元").
SEPARATORS = {"：": ": ", "；": "; "}


def number_words(value: Decimal, language: str) -> str:
    """3500000000 as "3.5 billion" (English) or "3,5 tỷ" (Vietnamese)."""
    names = [(10**12, "trillion", "nghìn tỷ"), (10**9, "billion", "tỷ"), (10**6, "million", "triệu")]
    for size, english, vietnamese in names:
        if value >= size:
            scaled = f"{(value / size).normalize():f}"
            return f"{scaled} {english}" if language == "en" else f"{scaled.replace('.', ',')} {vietnamese}"
    whole = f"{value.normalize():,f}"  # 100,000 and 2.5
    return whole if language == "en" else whole.translate(str.maketrans(",.", ".,"))


def date_words(year: str | None, month: str | None, day: str | None, language: str) -> str | None:
    """A date as the question's language writes it; None for a lone day or an impossible month."""
    if month and not 1 <= int(month) <= 12 or (day and not month):
        return None
    if language == "en":
        return " ".join(p for p in (day and str(int(day)), month and MONTHS[int(month) - 1], year) if p)
    if day:
        return f"ngày {int(day)}/{int(month)}" + (f"/{year}" if year else "")
    return f"tháng {int(month)}/{year}" if month and year else f"tháng {int(month)}" if month else f"năm {year}"


def amount_words(number: str, multiplier: str | None, unit: str | None, language: str) -> str | None:
    """An amount as the question's language writes it; None for a unit not in ``MEASURES``."""
    measure = MEASURES.get(unit or "")
    if measure is None:
        return None
    value = Decimal(number) * MULTIPLIERS.get(multiplier or "", 1)
    return measure[LANGUAGE_COLUMN[language]].format(number_words(value, language))


def read_part(written: str, language: str) -> str | None:
    """One date or one amount read out in ``language``, the Chinese beside it unless that has
    the same numbers in the same order ("2016年" is "2016"); None if ``written`` is neither."""
    date, amount = DATE.fullmatch(written), AMOUNT.fullmatch(written)
    if written and date:
        words, scaled = date_words(*date.groups(), language), False
    elif amount and (amount.group(2) or amount.group(3)):  # a bare number is not an amount
        words, scaled = amount_words(*amount.groups(), language), amount.group(2) is not None
    else:
        return None
    if words is None:
        return None
    if not scaled and re.findall(r"\d+", words) == re.findall(r"\d+", written):
        return words  # "2016年", "3个": nothing to show twice
    return f"{words} ({written})"


def read_out(fact: str, language: str) -> str:
    """``fact`` read out in ``language`` ("en", "vi") where it is one date or one amount, or
    several joined as numbers asked one by one are; unchanged for "zh" and anything else."""
    if language not in LANGUAGE_COLUMN:
        return fact
    parts = re.split(f"({'|'.join(SEPARATORS)})", fact)
    return "".join(SEPARATORS.get(part) or read_part(part.strip(), language) or part for part in parts).strip()


def question_numbers(question: str, language: str) -> set[str]:
    """The numbers ``question`` names, as Chinese text writes their digits: in an English or
    Vietnamese question an amount with a scale word or grouped thousands counts in 亿 or 万
    ("US$3.5 billion" → "35", "60 triệu" → "6000", "100,000" → "10", "ten billion" →
    "100"); anything else as written, also glued to letters ("EMNLP2022" → "2022")."""
    if language not in WRITTEN_NUMBER:
        return set(QUESTION_NUMBER.findall(question))
    pattern, grouping, decimal = WRITTEN_NUMBER[language]
    scales = "|".join(map(re.escape, SCALE_WORDS[language]))
    words = "|".join(NUMBER_WORDS[language])
    found = set()
    amounts = rf"(?<![\d.,])({pattern})(?:\s*({scales})\b)?|\b({words})\s+({scales})\b"
    for match in re.finditer(amounts, question, re.IGNORECASE):
        written, scale, word, word_scale = match.groups()
        if word:  # a number word counts only before a scale word: "ba" and "năm" are words too
            written, scale = str(NUMBER_WORDS[language][word.lower()]), word_scale
        value = Decimal(written.replace(grouping, "").replace(decimal, "."))
        if scale or grouping in written:
            value *= SCALE_WORDS[language].get((scale or "").lower(), 1)
            unit = next((u for u in CHINESE_UNITS if value >= u), 1)
            value /= unit
        found.add(f"{value.normalize():f}")
    return found


DIGIT_NAMES = "零一二三四五六七八九"


def written_forms(number: str) -> tuple[str, ...]:
    """``number`` as digits and, from 2 to 99, as Chinese numerals: text may write "第十二届"
    for the 12 a question names, "两国" or "二" for 2. Not 1: 一 is in too many words."""
    if not number.isdigit() or not 2 <= int(number) <= 99:
        return (number,)
    tens, ones = divmod(int(number), 10)
    numeral = (DIGIT_NAMES[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGIT_NAMES[ones] if ones else "")
    return (number, numeral, "两") if int(number) == 2 else (number, numeral)


def states(text: str, number: str) -> bool:
    """Whether ``text`` writes ``number`` in digits or in Chinese numerals."""
    return any(form in text for form in written_forms(number))
