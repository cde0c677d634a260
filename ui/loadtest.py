"""Load test of a running app: simulated users asking questions through the OpenAI API and the web chat.

    python -m ui.loadtest --url http://127.0.0.1:7860 --users 20 --seconds 120 [--channel both]

Each user asks the questions of eval/qa_dev.jsonl in turn (each from its own starting point),
in conversations of three: every question carries that user's conversation so far, so every
third is a follow-up asked with two earlier turns; then the user starts a new conversation.
OpenAI users alternate plain and streamed replies; web users ask through Gradio's queue, as the
page does, with ``gradio_client`` and the app's streamed ``/chat`` endpoint. With ``--channel
both`` half the users take each channel. Latency is the time to the whole answer.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from gradio_client import Client
from openai import OpenAI

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "qa_dev.jsonl"
CONVERSATION_LENGTH = 3
SHOWN_ERRORS = 3


@dataclass(frozen=True)
class Result:
    channel: str  # "openai", "openai stream" or "web"
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class Target:
    url: str
    api_key: str | None
    auth: tuple[str, str] | None
    model: str
    deadline: float  # time.monotonic() after which no new question is asked


def load_questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def asking(questions: list[str], start: int, deadline: float) -> Iterator[tuple[int, str]]:
    """``(i, question)`` from ``questions[start]`` on, round and round, until the deadline."""
    for i in count():
        if time.monotonic() >= deadline:
            return
        yield i, questions[(start + i) % len(questions)]


def timed(channel: str, ask: Callable[..., str], *args) -> tuple[Result, str]:
    """``ask(*args)`` timed; an exception or an empty answer is an error, with its message."""
    began = time.monotonic()
    try:
        answer = ask(*args)
        error = None if answer.strip() else "empty answer"
    except Exception as problem:  # noqa: BLE001 - any failure is a finding of the load test, not its end
        answer, error = "", f"{type(problem).__name__}: {problem}"
    return Result(channel, time.monotonic() - began, error), answer


def openai_user(target: Target, questions: list[str], start: int) -> list[Result]:
    client = OpenAI(base_url=f"{target.url}/v1", api_key=target.api_key or "-", max_retries=0, timeout=600)

    def plain(messages: list[dict]) -> str:
        completion = client.chat.completions.create(model=target.model, messages=messages)
        return completion.choices[0].message.content

    def streamed(messages: list[dict]) -> str:
        chunks = client.chat.completions.create(model=target.model, messages=messages, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)

    results, messages = [], []
    for i, question in asking(questions, start, target.deadline):
        if i % CONVERSATION_LENGTH == 0:
            messages = []
        messages.append({"role": "user", "content": question})
        channel, ask = ("openai stream", streamed) if i % 2 else ("openai", plain)
        result, answer = timed(channel, ask, messages)
        results.append(result)
        messages.append({"role": "assistant", "content": answer})
    return results


def web_user(target: Target, questions: list[str], start: int) -> list[Result]:
    try:
        client = Client(target.url, auth=target.auth, verbose=False, analytics_enabled=False)
    except Exception as problem:  # noqa: BLE001 - the user never got the page: one error, no questions
        return [Result("web", 0.0, f"connecting: {type(problem).__name__}: {problem}")]

    def chat(question: str, history: list[list[str]]) -> str:
        # /chat streams the answer as it grows; predict() waits for the whole answer and its citations.
        return client.predict(question, history, api_name="/chat")["answer"]

    results, history = [], []
    for i, question in asking(questions, start, target.deadline):
        if i % CONVERSATION_LENGTH == 0:
            history = []
        result, answer = timed("web", chat, question, history)
        results.append(result)
        history.append([question, answer])
    return results


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(results: list[Result], seconds: float) -> str:
    """A table per channel: requests, errors, latency percentiles and answers per second; then errors."""
    heading = ("channel", "requests", "errors", "p50 s", "p95 s", "max s", "answers/s")
    lines = ["{:<14}{:>9}{:>8}{:>8}{:>8}{:>8}{:>11}".format(*heading)]
    problems = []
    for channel in sorted({result.channel for result in results}):
        mine = [result for result in results if result.channel == channel]
        ok = [result.seconds for result in mine if result.error is None]
        errors = [result.error for result in mine if result.error is not None]
        latencies = (percentile(ok, 0.5), percentile(ok, 0.95), max(ok)) if ok else ()
        latency = "".join(f"{seconds:>8.2f}" for seconds in latencies) or f"{'-':>8}" * 3
        lines.append(f"{channel:<14}{len(mine):>9}{len(errors):>8}{latency}{len(ok) / seconds:>11.2f}")
        problems += [f"  {channel}: {error}" for error in list(dict.fromkeys(errors))[:SHOWN_ERRORS]]
    return "\n".join(lines + (["first errors:", *problems] if problems else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="the running app")
    parser.add_argument("--users", type=int, default=20, help="simulated users at the same time")
    parser.add_argument("--seconds", type=float, default=120, help="how long users keep asking")
    parser.add_argument("--channel", choices=["openai", "web", "both"], default="both")
    parser.add_argument("--model", default="rag-extractive", help="model of the OpenAI users")
    parser.add_argument("--api-key", default=os.environ.get("RAG_API_KEY"), help="default: $RAG_API_KEY")
    parser.add_argument(
        "--auth", default=os.environ.get("RAG_AUTH"), help="web user:password; default: $RAG_AUTH"
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="JSON lines, 'question' fields")
    args = parser.parse_args(argv)

    questions = load_questions(args.questions)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    began = time.monotonic()
    target = Target(args.url.rstrip("/"), args.api_key, auth, args.model, began + args.seconds)
    users = {"openai": [openai_user], "web": [web_user], "both": [openai_user, web_user]}[args.channel]
    print(f"{args.users} users for {args.seconds:g} s against {target.url} ({args.channel}) …", flush=True)
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        # User n takes channel n % 2 (with both) and starts at its own question, 7 on from the last user's.
        starts = [n * 7 % len(questions) for n in range(args.users)]
        runs = [
            pool.submit(users[n % len(users)], target, questions, start) for n, start in enumerate(starts)
        ]
        results = [result for run in runs for result in run.result()]
    print(report(results, time.monotonic() - began))
    return 1 if any(result.error for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
