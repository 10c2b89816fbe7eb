"""Recognise the SDKs' typed stream objects that the adapters can read without ``model_dump``.

Reading an SDK object the general way (:func:`~streamops.providers._base.read_item`)
dumps it to a dict first, which costs more than the rest of the adapter. For the
few kinds of object that make up nearly every item of a stream (an OpenAI Chat
chunk, an Anthropic ``content_block_delta``, a Responses text or argument
delta) the adapters read the attributes directly instead. That fast path must
give exactly what the dict would have given, so it is taken only for classes
checked here, once per class:

* the class is one of the SDK's own (by module and name, so that no SDK is
  imported here) or, for a stream item, a subclass of one;
* of the keys the dict path may read, the class declares those the fast path
  reads, and no other (so a field a later SDK version adds, a DeepSeek
  ``reasoning_content`` say, sends its objects to the dict path until the fast
  path learns it);
* those fields dump under their own name (no alias), and unset they read as
  the dict's missing key (a default of ``None``, or none at all); no other field
  dumps under such a name, and nothing changes how the object dumps (no
  serializer, no computed field, no ``model_dump`` of its own).

Nested objects (a chunk's choices, a delta ...) must be instances of the SDK
class itself: the dict path dumps them with the schema of the field that holds
them. The keys the dict path reads but the class does not declare
(:func:`extra_keys`: an OpenAI-compatible server's ``reasoning_content``, an
in-band ``error``) arrive as extra fields (``__pydantic_extra__``); an object
with such an extra field goes to the dict path (other extras, like OpenAI's
``obfuscation`` padding, do not matter). The fast paths also check the type of
every value they read and give up (``None``) on anything unusual, before
changing any state.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["ROLES", "accepted", "extra_keys", "sdk_role"]


class _Shape(NamedTuple):
    role: str
    item: bool  # a stream item (subclasses accepted) rather than a nested object
    handled: frozenset[str]  # the fields the fast path reads
    reads: frozenset[str]  # every key the dict path may read from such an object


def _shape(role: str, item: bool, handled: str, unhandled: str = "") -> _Shape:
    fields = frozenset(handled.split())
    return _Shape(role, item, fields, fields | frozenset(unhandled.split()))


_OAI_CHUNK: Final = "openai.types.chat.chat_completion_chunk"
_OAI_RESP: Final = "openai.types.responses."
_ANT: Final = "anthropic.types."
_ANT_BETA: Final = "anthropic.types.beta."

# (module, class name) -> shape. Roles: the adapters' fast paths dispatch on them.
_SHAPES: Final[dict[tuple[str, str], _Shape]] = {
    # OpenAI Chat Completions
    (_OAI_CHUNK, "ChatCompletionChunk"): _shape(
        "chat.chunk", True, "choices usage", "x_groq error type chunk"
    ),
    (_OAI_CHUNK, "Choice"): _shape("chat.choice", False, "index delta finish_reason"),
    (_OAI_CHUNK, "ChoiceDelta"): _shape(
        "chat.delta",
        False,
        "content refusal tool_calls function_call",
        "reasoning_content reasoning reasoning_details",
    ),
    (_OAI_CHUNK, "ChoiceDeltaToolCall"): _shape("chat.tool_call", False, "index id function"),
    (_OAI_CHUNK, "ChoiceDeltaToolCallFunction"): _shape("chat.function", False, "name arguments"),
    # (read whole, with its own model_dump)
    ("openai.types.completion_usage", "CompletionUsage"): _shape("chat.usage", False, ""),
    # OpenAI Responses
    (
        _OAI_RESP + "response_function_call_arguments_delta_event",
        "ResponseFunctionCallArgumentsDeltaEvent",
    ): _shape("responses.arguments_delta", True, "type delta item_id output_index"),
    (_OAI_RESP + "response_text_delta_event", "ResponseTextDeltaEvent"): _shape(
        "responses.text_delta", True, "type delta"
    ),
    # Anthropic Messages (and the same under client.beta)
    (_ANT + "raw_content_block_delta_event", "RawContentBlockDeltaEvent"): _shape(
        "anthropic.block_delta", True, "type delta index"
    ),
    (_ANT + "input_json_delta", "InputJSONDelta"): _shape(
        "anthropic.input_json_delta", False, "type partial_json"
    ),
    (_ANT + "text_delta", "TextDelta"): _shape("anthropic.text_delta", False, "type text"),
    (_ANT + "thinking_delta", "ThinkingDelta"): _shape(
        "anthropic.thinking_delta", False, "type thinking"
    ),
    (_ANT_BETA + "beta_raw_content_block_delta_event", "BetaRawContentBlockDeltaEvent"): _shape(
        "anthropic.block_delta", True, "type delta index"
    ),
    (_ANT_BETA + "beta_input_json_delta", "BetaInputJSONDelta"): _shape(
        "anthropic.input_json_delta", False, "type partial_json"
    ),
    (_ANT_BETA + "beta_text_delta", "BetaTextDelta"): _shape(
        "anthropic.text_delta", False, "type text"
    ),
    (_ANT_BETA + "beta_thinking_delta", "BetaThinkingDelta"): _shape(
        "anthropic.thinking_delta", False, "type thinking"
    ),
}

_ROLES: dict[type, str] = {}
"""Class -> role ("" for a class the fast paths do not read); filled as classes are seen."""
_ACCEPTED: dict[str, set[type]] = {shape.role: set() for shape in _SHAPES.values()}
"""Role -> the classes of that role seen so far."""
_MAX_ROLES: Final = 1024  # forget and start again past this many classes (no leak)


def _of(cls: type) -> _Shape | None:
    return _SHAPES.get((getattr(cls, "__module__", ""), getattr(cls, "__qualname__", "")))


def _faithful(cls: type, base: type, shape: _Shape) -> bool:
    """Whether reading ``shape.handled`` from instances of ``cls`` as attributes gives
    what the dict of ``model_dump(exclude_unset=True, by_alias=True)`` gives, for every
    key the dict path reads."""
    fields = getattr(cls, "model_fields", None)
    decorators = getattr(cls, "__pydantic_decorators__", None)
    if not isinstance(fields, dict) or decorators is None:
        return False
    if decorators.model_serializers or decorators.field_serializers or decorators.computed_fields:
        return False
    if getattr(cls, "model_dump", None) is not getattr(base, "model_dump", None):
        return False
    for key in shape.reads:
        info = fields.get(key)
        if (info is not None) != (key in shape.handled):
            return False  # a field the fast path would miss, or one it cannot read
        if info is None:
            continue
        if info.default_factory is not None or not (info.is_required() or info.default is None):
            return False  # an unset attribute would not read as the dict's missing key
    for name, info in fields.items():
        for alias in (info.alias, info.serialization_alias, info.validation_alias):
            if alias is None or alias == name:
                continue
            if name in shape.reads or not isinstance(alias, str) or alias in shape.reads:
                return False
    return True


def _classify(cls: type) -> str:
    shape = _of(cls)
    base = cls
    if shape is None:
        for parent in cls.__mro__[1:]:
            shape = _of(parent)
            if shape is not None:
                base = parent
                break
        if shape is not None and not shape.item:
            shape = None  # nested objects must be of the SDK's class itself
    role = shape.role if shape is not None and _faithful(cls, base, shape) else ""
    if len(_ROLES) >= _MAX_ROLES:
        _ROLES.clear()
        for classes in _ACCEPTED.values():
            classes.clear()
    _ROLES[cls] = role
    if role:
        _ACCEPTED[role].add(cls)
    return role


def sdk_role(cls: type) -> str:
    """The fast-path role of a class (``"chat.chunk"`` ...), or ``""``.

    >>> sdk_role(dict)
    ''
    """
    role = _ROLES.get(cls)
    return role if role is not None else _classify(cls)


def extra_keys(role: str) -> frozenset[str]:
    """The keys the dict path reads from an object of ``role`` but its class does not
    declare: an extra field of such a name sends the object to the dict path."""
    return next(shape.reads - shape.handled for shape in _SHAPES.values() if shape.role == role)


def accepted(role: str) -> set[type]:
    """The (live) set of the classes of ``role`` seen so far, for a hot path's
    ``cls in classes or sdk_role(cls) == role``."""
    return _ACCEPTED[role]


ROLES: Final = _ROLES
"""The cache itself, for the hot paths: ``ROLES.get(cls) == role or sdk_role(cls) == role``."""
