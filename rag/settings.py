"""One settings object, read from ``RAG_*`` environment variables and ``.env``.

Every field is documented, with its default, in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of the whole assistant.

    Example:
        >>> Settings(data_dir="/tmp/rag-data", chunk_size=300).chunk_size
        300
    """

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Storage
    data_dir: Path = Field(Path(".rag"), description="Index, article store and lock live here.")
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of the local store.")
    chroma_port: int = Field(8000, description="Port of the Chroma server.")

    # Embeddings
    embedding: str = Field(
        "e5", description="'e5' (bundled, offline) or 'sentence-transformers:<hub name or path>'."
    )
    embedding_batch_size: int = Field(32, ge=1)
    embedding_device: str | None = Field(None, description="sentence-transformers device, e.g. 'cuda'.")

    # Ingestion
    chunk_size: int = Field(200, ge=20, description="Target chunk length in characters.")
    chunk_overlap: int = Field(80, ge=0, description="Characters of whole sentences repeated between chunks.")
    max_file_mb: float = Field(10.0, gt=0, description="Larger files are refused.")
    max_file_chars: int = Field(
        500_000, ge=1, description="Articles with more characters of text (after extraction) are refused."
    )
    lock_timeout: float = Field(10.0, ge=0, description="Seconds a second writer waits for the lock.")
    user_dictionary: Path | None = Field(
        None, description="jieba user dictionary (one 'word [frequency] [tag]' per line) for your corpus's terms."
    )

    # Retrieval
    top_k: int = Field(8, ge=1, description="Passages retrieved per question.")

    # Answering
    answerer: Literal["extractive", "llm"] = Field(
        "extractive", description="'extractive' (offline, no LLM) or 'llm' (OpenAI-compatible endpoint)."
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name at the endpoint.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned.")
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama.",
    )
    openai_api_key: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY"), repr=False
    )

    # Web chat
    host: str = Field("127.0.0.1", description="Address the chat binds to.")
    port: int = Field(7860, description="Port of the chat.")
    auth: str | None = Field(None, description="'user:password' to require a login.")
    admin_auth: str | None = Field(
        None, description="'user:password' required in the Documents tab to add, remove or rebuild."
    )
    examples_file: Path | None = Field(None, description="Example questions shown in the chat, one per line.")

    # OpenAI-compatible API
    api_key: str | None = Field(
        None, description="Bearer key every /v1 request must send; empty = no key.", repr=False
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)
