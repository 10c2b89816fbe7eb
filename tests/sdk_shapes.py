"""Check request messages against the SDKs' own request types (tests only).

TypedDict validation by a pydantic ``TypeAdapter`` drops unknown keys and
validates ``Iterable`` fields lazily; :func:`check_message` forces every lazy
part and asserts that the validated copy equals the message, so a misspelt or
unknown key fails as surely as a missing one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Literal

import pytest
from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
genai_types = pytest.importorskip("google.genai.types")
ollama = pytest.importorskip("ollama")
botocore_session = pytest.importorskip("botocore.session")
botocore_validate = pytest.importorskip("botocore.validate")

from anthropic.types import MessageParam  # noqa: E402
from openai.types.chat import (  # noqa: E402
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
)
from openai.types.responses import ResponseInputItemParam  # noqa: E402

# Kept alive: a lazily validated iterable needs its adapter (pydantic-core panics otherwise).
OPENAI_ASSISTANT: TypeAdapter[Any] = TypeAdapter(ChatCompletionAssistantMessageParam)
OPENAI_TOOL: TypeAdapter[Any] = TypeAdapter(ChatCompletionToolMessageParam)
OPENAI_MESSAGES: TypeAdapter[Any] = TypeAdapter(list[ChatCompletionMessageParam])
RESPONSES_ITEM: TypeAdapter[Any] = TypeAdapter(ResponseInputItemParam)
ANTHROPIC_MESSAGE: TypeAdapter[Any] = TypeAdapter(MessageParam)


# Cohere v2 chat messages, as Cohere's API reference defines them (no SDK installed here):
# the assistant message and the tool message of a request's ``messages``.
class _CohereText(TypedDict):
    type: Literal["text"]
    text: str


class _CohereThinking(TypedDict):
    type: Literal["thinking"]
    thinking: str


class _CohereFunction(TypedDict):
    name: str
    arguments: str  # JSON text


class _CohereToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: _CohereFunction


class _CohereCitation(TypedDict, total=False):
    start: int
    end: int
    text: str
    sources: list[dict[str, Any]]
    type: str  # "TEXT_CONTENT", "THINKING_CONTENT", "PLAN"
    content_index: int


class _CohereAssistant(TypedDict, total=False):
    role: Literal["assistant"]
    content: list[_CohereText | _CohereThinking]
    tool_plan: str
    tool_calls: list[_CohereToolCall]
    citations: list[_CohereCitation]


class _CohereTool(TypedDict):
    role: Literal["tool"]
    tool_call_id: str
    content: str


COHERE_ASSISTANT: TypeAdapter[Any] = TypeAdapter(_CohereAssistant)
COHERE_TOOL: TypeAdapter[Any] = TypeAdapter(_CohereTool)
_CONVERSE = (
    botocore_session.get_session().get_service_model("bedrock-runtime").operation_model("Converse")
)


def deep(value: Any) -> Any:
    """``value`` with every lazily validated iterable run (and so validated)."""
    if isinstance(value, Mapping):
        return {k: deep(v) for k, v in value.items()}
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if isinstance(value, BaseModel):  # a union member that is a model (Anthropic's blocks)
        return deep(value.model_dump(by_alias=True, exclude_unset=True))
    return [deep(v) for v in value]


def _strict(adapter: TypeAdapter[Any], message: Any, *, ignore: tuple[str, ...] = ()) -> None:
    validated = deep(adapter.validate_python(message))
    expected = {k: v for k, v in message.items() if k not in ignore}
    assert validated == expected


def _sdk_json(message: Any) -> Any:
    """A Gemini message as google-genai dumps it to JSON: the SDK holds ``thoughtSignature``
    as bytes, read from the message's base64 (standard, as the API sends it) and dumped as
    URL-safe base64. Decoding strictly makes sure the message carries real base64."""
    parts = [
        {**part, "thoughtSignature": _urlsafe(part["thoughtSignature"])}
        if "thoughtSignature" in part
        else part
        for part in message.get("parts", [])
    ]
    return {**message, "parts": parts} if "parts" in message else message


def _urlsafe(signature: str) -> str:
    return base64.urlsafe_b64encode(base64.b64decode(signature, validate=True)).decode()


def check_message(provider: str, message: Any) -> None:
    """Assert ``message`` (an assistant or tool-result message of ``provider``) is valid."""
    if provider == "openai-chat":
        adapter = OPENAI_TOOL if message.get("role") == "tool" else OPENAI_ASSISTANT
        # OpenRouter's reasoning_details is an extension the SDK's type does not know.
        _strict(adapter, message, ignore=("reasoning_details",))
    elif provider == "openai-responses":
        items = message if isinstance(message, list) else [message]
        for item in items:
            _strict(RESPONSES_ITEM, item)
    elif provider == "anthropic":
        _strict(ANTHROPIC_MESSAGE, message)
    elif provider == "gemini":
        content = genai_types.Content.model_validate(message)
        assert content.model_dump(mode="json", by_alias=True, exclude_none=True) == _sdk_json(
            message
        )
    elif provider == "bedrock":
        report = botocore_validate.ParamValidator().validate(
            {"modelId": "m", "messages": [message]}, _CONVERSE.input_shape
        )
        assert not report.has_errors(), report.generate_report()
    elif provider == "ollama":
        parsed = ollama.Message.model_validate(message)
        assert parsed.model_dump(exclude_none=True) == message
    elif provider == "cohere":
        if message.get("role") == "tool":
            _strict(COHERE_TOOL, message)
        else:
            assert message.get("role") == "assistant"
            assert "content" in message or "tool_calls" in message  # one of them, at least
            _strict(COHERE_ASSISTANT, message)
            for call in message.get("tool_calls", []):
                json.loads(call["function"]["arguments"])  # the arguments are JSON text
    else:  # pragma: no cover
        raise AssertionError(provider)
