"""An OpenAI-compatible chat-completions API over the app's answerers, served at ``/v1``.

Any OpenAI client (the ``openai`` package, LangChain's ``ChatOpenAI``, Open WebUI) can talk to
the assistant: each answerer is a model ("rag-extractive", "rag-llm"), the conversation's last
user message is the question and its earlier user/assistant pairs the history. A reply's
content is the answer with its [n] markers and a plain-text "Sources" block, so every client
shows the sources; the verified citations also come as data in an extra ``citations`` field.

Errors answer in OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``; a question
the articles cannot answer is a normal reply with ``"refused": true`` (and its ``"confidence"``);
one they may not answer directly has ``"uncertain": true``.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from rag.assistant import Assistant
from rag.conversation import Turn
from rag.schema import Answer
from rag.settings import Settings

MODEL_PREFIX = "rag-"
SOURCES_HEADING = "\n\nSources:\n"
CITATION_FIELDS = ("n", "source", "title", "quote", "start", "end", "page")
MAX_REQUEST_BYTES = 2**20  # a long conversation is some 100 KB; nothing bigger is read into memory


class Message(BaseModel):
    """One message; content parts other than text (images, audio) are refused."""

    model_config = ConfigDict(extra="ignore")  # name, tool_calls …: accepted and ignored

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | None = None

    @field_validator("content", mode="before")
    @classmethod
    def joined_text_parts(cls, content: object) -> object:
        """A list of ``{"type": "text", "text": …}`` parts as one string; an error names the field."""
        if not isinstance(content, list):
            return content
        if all(is_text_part(part) for part in content):
            return "\n".join(part["text"] for part in content)
        raise ValueError("content must be a string or a list of text parts")


def is_text_part(part: object) -> bool:
    return isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    # temperature, max_tokens, user …: accepted and ignored, as answers are deterministic
    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    k: int | None = Field(None, ge=1, le=20, description="Passages retrieved for this question (RAG_TOP_K).")


def error_response(
    status: int, message: str, param: str | None = None, code: str | None = None, headers: dict | None = None
) -> JSONResponse:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def invalid_request(error: ValidationError) -> JSONResponse:
    """400 naming the first bad parameter, e.g. ``messages[0].content``."""
    first = error.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return error_response(400, "We could not parse the JSON body of your request.")
    param = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    if first["type"] == "missing":
        return error_response(400, f"Missing required parameter: '{param}'.", param or None)
    if not param:
        return error_response(400, f"The request body must be a JSON object: {first['msg']}.")
    reason = first["msg"].removeprefix("Value error, ")  # the prefix pydantic puts on our own checks
    return error_response(400, f"Invalid value for '{param}': {reason}.", param)


def conversation(messages: list[Message]) -> tuple[str, list[Turn]] | None:
    """The last user message, and the user/assistant pairs before it; ``None`` without a user message.

    System messages are the client's instructions, which the assistant's own rules replace.
    """
    users = [i for i, message in enumerate(messages) if message.role == "user"]
    if not users:
        return None
    history, question = [], None
    for message in messages[: users[-1]]:
        if message.role == "user":
            question = message.content or ""
        elif message.role == "assistant" and question is not None:
            # An earlier reply of this API: the answer without its Sources block, as the web chat keeps it.
            history.append((question, (message.content or "").split(SOURCES_HEADING)[0]))
            question = None
    return messages[users[-1]].content or "", history


def sources_block(answer: Answer) -> str:
    """The citations as plain text after the answer: ``[n] title — source: “quote”``."""
    if not answer.citations:
        return ""
    lines = [
        f"[{c.n}] {c.title} — {c.source}{f' p. {c.page}' if c.page is not None else ''}: “{c.quote}”"
        for c in answer.citations
    ]
    return SOURCES_HEADING + "\n".join(lines)


def answer_fields(answer: Answer) -> dict:
    """The extra top-level fields of a reply: the citations as data, whether it is a refusal
    or uncertain, and how sure the answerer is that the articles answer it (``Answer.confidence``)."""
    citations = [{field: getattr(c, field) for field in CITATION_FIELDS} for c in answer.citations]
    return {"citations": citations, "refused": answer.refused, "uncertain": answer.uncertain, "confidence": answer.confidence}


def usage(messages: list[Message], completion: str) -> dict:
    """Token counts estimated as characters (about one token per Chinese character)."""
    prompt = sum(len(message.content or "") for message in messages)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(completion),
        "total_tokens": prompt + len(completion),
    }


def sse(data: dict | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


def openai_router(assistants: dict[str, Assistant], settings: Settings) -> APIRouter:
    """``GET /v1/models`` and ``POST /v1/chat/completions`` over ``assistants``.

    With ``settings.api_key`` (``RAG_API_KEY``) every request needs ``Authorization: Bearer <key>``.
    """
    router = APIRouter(prefix="/v1")
    created = int(time.time())
    by_model = {MODEL_PREFIX + name: assistant for name, assistant in assistants.items()}

    def unauthorized(request: Request) -> JSONResponse | None:
        if not settings.api_key:  # unset, or empty in .env
            return None
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() == "bearer" and secrets.compare_digest(key.encode(), settings.api_key.encode()):
            return None
        message = "Incorrect API key provided." if key else "Missing API key: send 'Authorization: Bearer'."
        return error_response(401, message, code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})

    @router.get("/models")
    async def models(request: Request) -> JSONResponse:
        if denied := unauthorized(request):
            return denied
        data = [{"id": model, "object": "model", "created": created, "owned_by": "rag"} for model in by_model]
        return JSONResponse({"object": "list", "data": data})

    @router.post("/chat/completions")
    async def chat_completions(request: Request) -> Response:
        # The body is validated here rather than by FastAPI, whose errors are 422s in its own shape.
        if denied := unauthorized(request):
            return denied
        received = b""
        async for part in request.stream():
            received += part
            if len(received) > MAX_REQUEST_BYTES:
                return error_response(413, f"The request is larger than {MAX_REQUEST_BYTES:,} bytes.")
        try:
            body = ChatRequest.model_validate_json(received)
        except ValidationError as error:
            return invalid_request(error)
        assistant = by_model.get(body.model)
        if assistant is None:
            unknown = f"The model '{body.model}' does not exist; see GET /v1/models."
            return error_response(404, unknown, "model", "model_not_found")
        asked = conversation(body.messages)
        if asked is None:
            return error_response(400, "'messages' must contain a user message: the question.", "messages")
        question, history = asked
        reply = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
        if body.stream:
            events = assistant.stream(question, history, body.k)
            include_usage = body.stream_options is not None and body.stream_options.include_usage
            chunks = stream_chunks(events, reply, body.messages if include_usage else None)
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
        # The answerers block (search, embedding, an LLM call): off the event loop, so users don't wait in line.
        answer = await run_in_threadpool(assistant.ask, question, history, body.k)
        content = answer.text + sources_block(answer)
        message = {"role": "assistant", "content": content, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        completion = {**reply, "object": "chat.completion", "choices": [choice]}
        return JSONResponse({**completion, "usage": usage(body.messages, content), **answer_fields(answer)})

    return router


async def stream_chunks(
    events: Iterator[str | Answer], reply: dict, usage_messages: list[Message] | None
) -> AsyncIterator[str]:
    """Server-sent ``chat.completion.chunk`` events: the role, the text as it comes, the Sources
    block, a last chunk with ``finish_reason`` and the citations, then ``[DONE]``; with
    ``usage_messages`` (the client asked for usage) a chunk with the usage before ``[DONE]``.

    With an LLM the final answer's quotes may have been repaired after they were streamed; the
    Sources block and ``citations`` hold the verified ones.
    """

    def chunk(delta: dict, finish_reason: str | None = None, **extra) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return sse({**reply, "object": "chat.completion.chunk", "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    streamed = ""
    try:
        # Each step of the blocking generator runs in a worker thread, never on the event loop.
        async for event in iterate_in_threadpool(events):
            if isinstance(event, Answer):
                sources = sources_block(event)
                if sources:
                    streamed += sources
                    yield chunk({"content": sources})
                yield chunk({}, "stop", **answer_fields(event))
            else:
                streamed += event
                yield chunk({"content": event})
    finally:
        events.close()  # a client that hangs up stops the answer (and an LLM's stream) here
    if usage_messages is not None:
        yield sse(
            {
                **reply,
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": usage(usage_messages, streamed),
            }
        )
    yield sse("[DONE]")
