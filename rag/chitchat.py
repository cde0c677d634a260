"""Replies that need no search: greetings, thanks, "what can you do" and "what do you have".

Retrieval answers questions about the articles. A message such as "你好", "thanks",
"bạn là ai" or "总结一下这几篇文章" is not such a question: searched, it retrieves chunks
at random and ends in a refusal with unrelated quotes. Such messages are recognised here by
small regular expressions per language that must match the whole message (after dropping
punctuation and spacing), so that a real question merely containing "你好", "summary" or
"tóm tắt" is still searched. A greeting, thanks or a question about the assistant gets a
short reply in the user's language; a request to summarise or list the articles gets each
indexed article's title and lead sentence, quoted verbatim with a citation.
"""

from __future__ import annotations

import re
import unicodedata

from rag.chunking import split_sentences
from rag.schema import Answer, Citation
from rag.store import ChunkStore

MAX_LISTED = 20  # articles listed in a summary; the rest are counted

MESSAGES = {
    "zh": {
        "greeting": "你好！{about}",
        "thanks": "不客气！关于这些文章还有什么问题，随时问我。",
        "capabilities": "{about}也可以让我列出或概括这些文章。",
        "about": (
            "我是新闻问答助手，可以用中文、英文或越南文回答关于已收录的 {count} 篇文章的问题，"
            "逐句引用原文并标注出处 [n]；文章中没有答案时，我会如实说明。"
        ),
        "summary": "已收录 {count} 篇文章（按标题排序），各附导语：",
        "item": "{title}：{lead} [{n}]",
        "more": "……另有 {more} 篇未列出。",
        "empty": "目前还没有收录任何文章。",
    },
    "en": {
        "greeting": "Hello! {about}",
        "thanks": "You're welcome! Ask me anything else about the articles.",
        "capabilities": "{about} I can also list or summarise the articles.",
        "about": (
            "I answer questions about the indexed news articles ({count} at the moment) in "
            "Chinese, English or Vietnamese, quoting the articles with citations [n]; when the "
            "articles do not contain the answer, I say so."
        ),
        "summary": "The {count} indexed articles, by title, each with its opening sentence:",
        "item": "{title}: {lead} [{n}]",
        "more": "… and {more} more.",
        "empty": "No articles have been indexed yet.",
    },
    "vi": {
        "greeting": "Xin chào! {about}",
        "thanks": "Không có gì! Bạn cứ hỏi thêm về các bài báo nhé.",
        "capabilities": "{about} Tôi cũng có thể liệt kê hoặc tóm tắt các bài báo.",
        "about": (
            "Tôi trả lời câu hỏi về các bài báo đã lưu (hiện có {count} bài) bằng tiếng Trung, "
            "tiếng Anh hoặc tiếng Việt, trích dẫn nguyên văn kèm chú thích [n]; khi các bài báo "
            "không có câu trả lời, tôi sẽ nói rõ."
        ),
        "summary": "{count} bài báo đã lưu, theo tiêu đề, kèm câu mở đầu của từng bài:",
        "item": "{title}: {lead} [{n}]",
        "more": "… và {more} bài khác.",
        "empty": "Hiện chưa có bài báo nào được lưu.",
    },
}

# Chinese patterns are matched without spaces, English and Vietnamese ones with single spaces.
GREETING = {
    "zh": r"(?:(?:你|您|大家)们?好|(?:早上|上午|中午|下午|晚上)好|早安|晚安|嗨|哈[喽啰罗])[呀啊吗]?",
    "en": r"(?:(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day))"
    r"(?: there| everyone| all| friend)?(?: how are you(?: doing)?(?: today)?)?"
    r"|how are you(?: doing)?(?: today)?)",
    "vi": r"(?:(?:xin )?ch[àa]o(?: (?:bạn|anh|chị|em|các bạn|mọi người|buổi (?:sáng|chiều|tối)))?"
    r"(?: nhé| nha| ạ)?|(?:bạn )?(?:có )?khỏe không)",
}
ASK_ZH = r"(?:请你?|麻烦你?|(?:你|您)?(?:能|可以|能不能|可不可以)?)(?:帮我|给我|为我)?"
END_ZH = r"(?:一下)?(?:吗|吧|呢|啊|呀|好吗|可以吗)?"
SUMMARISE_ZH = r"(?:总结|概括|概述|归纳|汇总|梳理|简述|介绍)"
DOCS_ZH = r"(?:这|那|所有|全部|各)?(?:几|些|[0-9一二两三四五六七八九十]+)?[篇份条]?的?(?:文章|新闻|报道|文档|资料)"
DOCS_EN = (
    r"(?:(?:the|these|those|all|of|your|indexed|available|\d+) )*"
    r"(?:articles?|documents?|docs|news|stories|texts|collection)"
)
NOUN_VI = r"(?:bài báo|bài viết|bài|tin tức|bản tin|tài liệu|văn bản)"
DOCS_VI = rf"(?:(?:tất cả|toàn bộ|các|những|mấy|\d+) )*{NOUN_VI}(?: (?:này|đó|đã lưu|hiện có|bạn có))?"
KINDS = {
    "summary": {
        "zh": rf"{ASK_ZH}(?:{SUMMARISE_ZH}(?:一下)?(?:{DOCS_ZH})?|把?{DOCS_ZH}(?:的内容)?{SUMMARISE_ZH})"
        rf"(?:的?(?:主要)?(?:内容|要点|大意))?{END_ZH}"
        rf"|{DOCS_ZH}(?:都|分别|主要)*(?:讲|说|写|报道|介绍|谈|涉及)了?些?(?:什么|啥)(?:内容)?{END_ZH}"
        rf"|{DOCS_ZH}的?(?:主要)?(?:内容|摘要|概要|大意|要点|标题|列表|目录|清单)(?:是什么|有哪些)?{END_ZH}"
        rf"|(?:你|您|这里|目前|现在)?(?:都|一共|总共)?(?:有|收录了)(?:哪些|什么|多少|几)[篇份条]?{DOCS_ZH}{END_ZH}"
        rf"|{ASK_ZH}(?:列出|列举|显示|展示|列一下|看看|查看)(?:一下)?{DOCS_ZH}(?:的?(?:标题|列表))?{END_ZH}",
        "en": rf"(?:(?:can|could|would|will) you (?:please )?|please )?"
        rf"(?:(?:summari[sz]e|sum up|recap|(?:give (?:me )?)?(?:a |an )?(?:summary|overview)(?: of)?"
        rf"|tell me about)(?: {DOCS_EN})?|(?:list|show)(?: me)?(?: {DOCS_EN})?(?: you have)?)"
        rf"(?: for me)?(?: please)?"
        rf"|(?:what|which) {DOCS_EN} "
        rf"(?:do you have|have you got|are (?:there|indexed|available)|can you (?:see|search))"
        rf"|what (?:do|does) {DOCS_EN} (?:say|cover|talk about|contain)|what are {DOCS_EN} about"
        rf"|what s in {DOCS_EN}|how many {DOCS_EN}(?: do you have| are there)?",
        "vi": rf"(?:(?:bạn )?(?:hãy|vui lòng|làm ơn|có thể) )*"
        rf"(?:tóm tắt|tổng hợp|tóm lược|khái quát|điểm qua)(?: (?:lại|giúp tôi|cho tôi|nội dung|chính|của))*"
        rf"(?: {DOCS_VI})?(?: (?:giúp tôi|cho tôi|đi|nhé|nha|được không|không))*"
        rf"|(?:bạn |hiện )?có (?:những |các |bao nhiêu |mấy )?{NOUN_VI}(?: nào| gì)?(?: vậy| thế| không| ạ)?"
        rf"|(?:liệt kê|hiển thị|cho (?:tôi )?xem|danh sách)(?: {DOCS_VI})?"
        rf"|(?:nội dung (?:chính )?(?:của )?)?{DOCS_VI} (?:nói|viết|đề cập|kể) (?:về )?"
        rf"(?:gì|những gì|điều gì|cái gì)|nội dung (?:chính )?(?:của )?{DOCS_VI}(?: là gì)?",
    },
    "capabilities": {
        "zh": r"(?:你|您)(?:能|可以|会)(?:帮我)?(?:做|干|回答)?些?(?:什么|啥|哪些)(?:事情?|问题)?[呢呀啊]?"
        r"|(?:你|您)(?:是谁|是什么|是做什么的|是干什么的|有(?:什么|哪些)(?:功能|用处?))[呢呀啊]?"
        r"|我?(?:能|可以|该)问(?:你|您)?些?(?:什么|哪些)(?:问题)?|(?:怎么|如何)(?:使用|用)(?:你|您|这个)?"
        r"|帮助|使用说明|功能介绍|介绍一下(?:你|您)?自己|自我介绍(?:一下)?",
        "en": r"(?:what|which) (?:can|could) you do(?: for me)?|what do you do"
        r"|what are you(?: able to do| for)?"
        r"|who are you|what is this|how (?:do|can|should) i use (?:you|this)|how does this work"
        r"|(?:(?:can|could) you )?help(?: me)?|what (?:can|should) i ask(?: you)?"
        r"|what (?:kind of |sort of )?questions (?:can (?:i ask|you answer)|do you answer)"
        r"|introduce yourself|tell me about yourself|what are your (?:capabilities|features)",
        "vi": r"(?:bạn|em) (?:có thể|làm được|biết) (?:làm )?(?:gì|những gì|được gì)(?: cho tôi)?"
        r"|(?:bạn|em) là (?:ai|gì)"
        r"|(?:bạn|em) (?:có thể )?giúp (?:được )?(?:gì|tôi (?:được )?(?:gì|những gì|việc gì))"
        r"|tôi (?:có thể|nên) hỏi (?:bạn )?(?:gì|những gì|câu hỏi nào|điều gì)"
        r"|hướng dẫn(?: sử dụng)?|trợ giúp|cách (?:dùng|sử dụng)",
    },
    "thanks": {
        "zh": r"(?:好的|好)?(?:非常|十分|太|真是)?(?:谢谢|多谢|感谢|谢了|谢啦)(?:你|您|你们)?(?:了|啦|啊|的帮助)?",
        "en": r"(?:(?:ok|okay|great|perfect|cool|nice) )?"
        r"(?:thanks?|thank you|thx|ty|cheers|many thanks|much appreciated)"
        r"(?: (?:so|very) much| a lot| again| for (?:your|the) help| for that)*",
        "vi": r"(?:(?:ok|vâng|dạ|được rồi) )?(?:xin )?(?:c[ảá]m ơn|cam on)"
        r"(?: (?:bạn|anh|chị|em|nhiều|rất nhiều|nhé|nha|ạ))*",
    },
    "greeting": GREETING,
}
# Any other kind may open with a greeting: "你好，你能做什么？", "Hi, list the articles".
PATTERNS = {
    kind: {
        language: re.compile(pattern if kind == "greeting" else rf"(?:{GREETING[language]} ?)?(?:{pattern})")
        for language, pattern in by_language.items()
    }
    for kind, by_language in KINDS.items()
}


def message_kind(message: str) -> str | None:
    """``summary``, ``capabilities``, ``thanks``, ``greeting`` or None for an ordinary question.

    The message is compared whole, in lower case, with punctuation and spacing dropped, to
    each language's pattern: a greeting in Vietnamese is recognised whatever language the
    reply will be in.
    """
    spaced = " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFC", message).lower()).split())
    forms = {"zh": spaced.replace(" ", ""), "en": spaced, "vi": spaced}
    for kind, by_language in PATTERNS.items():
        if any(pattern.fullmatch(forms[language]) for language, pattern in by_language.items()):
            return kind
    return None


def reply_without_search(message: str, language: str, store: ChunkStore) -> Answer | None:
    """A reply to a greeting, thanks, a question about what the assistant can do, or a request
    to summarise / list the articles; None for anything else (an ordinary question).

    Args:
        message: the user's message.
        language: ``zh``, ``en`` or ``vi`` (``rag.conversation.detect_language``), the
            language of the reply.
        store: the index, for the number of articles and their titles and lead sentences.

    Returns:
        An answer that is never a refusal and has no contexts; a summary cites each listed
        article's lead sentence, or None when the message should be searched.
    """
    kind = message_kind(message)
    if kind is None:
        return None
    messages = MESSAGES[language]
    if kind == "summary":
        return summarise(store, messages)
    about = messages["about"].format(count=len(store.records))
    return Answer(text=messages[kind].format(about=about), refused=False, contexts=[])


def summarise(store: ChunkStore, messages: dict[str, str]) -> Answer:
    """One line per article, sorted by title: its title and its lead sentence, cited.

    At most ``MAX_LISTED`` articles are listed; a last line counts the others.
    """
    if not store.records:
        return Answer(text=messages["empty"], refused=False, contexts=[])
    sources = sorted(store.records, key=lambda source: (store.records[source]["title"], source))
    lines = [messages["summary"].format(count=len(sources))]
    citations = []
    for source in sources[:MAX_LISTED]:
        article = store.article(source)
        spans = split_sentences(article.body)
        if not spans:  # nothing to quote: the title alone
            lines.append(article.title)
            continue
        start, end = spans[0]
        citation = Citation.quoting(len(citations) + 1, article, start, end)
        citations.append(citation)
        lines.append(messages["item"].format(title=article.title, lead=citation.quote, n=citation.n))
    if len(sources) > MAX_LISTED:
        lines.append(messages["more"].format(more=len(sources) - MAX_LISTED))
    return Answer(text="\n".join(lines), citations=citations, refused=False, contexts=[])
