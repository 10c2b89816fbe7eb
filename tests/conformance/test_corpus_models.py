"""Every structured-output stream of ``../shared/corpus/real`` hydrates into a model for it.

Each JSON answer (``expected.text_json``) and each tool call's arguments is
paired with a pydantic model written here for it. The JSON text is taken from
the recorded body by the provider adapter, fragment by fragment as the
provider sent it, and fed to :class:`~streamops.models.ModelHydrator` in those
fragments and one character at a time. The final value must equal
``Model.model_validate(expected)``; every snapshot must be a ``Partial``. A
recording cut off mid-arguments must end in ``IncompleteJSONError`` after its
snapshots. A stream with no model here fails the test, so none is skipped.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from streamops import drain, pipe
from streamops.errors import IncompleteJSONError
from streamops.models import ItemHydrator, ModelHydrator, Partial, items, partial
from streamops.providers import ProviderAdapter, TextDelta, ToolCallDelta, ToolCallStarted
from tests.conftest import CORPUS, corpus_files

# --- models written for the recorded answers ------------------------------------------


class Dog(BaseModel):
    name: str
    age: Annotated[int, Field(ge=0, le=30)]
    bio: str


class Location(BaseModel):
    city: str
    temperature: int
    units: Literal["c", "f"]


class Conditions(BaseModel):
    temperature: str
    condition: str
    humidity: str
    wind_speed: str = Field(alias="windSpeed")
    wind_direction: Literal["N", "NE", "E", "SE", "S", "SW", "W", "NW"] = Field(
        alias="windDirection"
    )


class DayForecast(BaseModel):
    day: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    high: str
    low: str
    condition: str


class WeatherReport(BaseModel):
    location: str
    weather: Conditions
    forecast: list[DayForecast]


class Query(BaseModel):
    query: str


class ExchangeRate(BaseModel):
    from_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    to_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class WeatherByLocation(BaseModel):
    location: str
    units: Literal["c", "f"] | None = None


class WeatherByCity(BaseModel):
    city: str
    country: str | None = None
    units: Literal["c", "f"] | None = None


class Reading(BaseModel):
    location: str
    temperature: int
    condition: str


class Readings(BaseModel):
    elements: list[Reading]


class ByName(BaseModel):
    name: str


class NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ingredient(BaseModel):
    amount: str
    name: str


class Recipe(BaseModel):
    name: str
    ingredients: Annotated[list[Ingredient], Field(min_length=1)]
    steps: list[str]


class CookRecipe(BaseModel):
    recipe: Recipe


class Multiply(BaseModel):
    a: int
    b: int


class Answer(BaseModel):
    label: str
    answer: str


class Answers(BaseModel):
    answers: list[Answer]


class IntResult(BaseModel):
    result: int


class Stock(BaseModel):
    ticker: Annotated[str, Field(pattern=r"^[A-Z]+$")]
    exchange: str


class Country(BaseModel):
    country: str


class NewFile(BaseModel):
    filename: str
    lines_of_text: list[str]


TEXT_MODELS: dict[str, Any] = {
    "anthropic-llm-opus-schema": Dog,
    "anthropic-llm-schema": Dog,
    "gemini-llm-schema-json-array": Dog,
    "oai-chat-structured-location": Location,
    "oai-chat-json-object": WeatherReport,
    "anthropic-sdk-structured-output": int,  # a top-level array: items(int)
}
TOOL_MODELS: dict[str, Any] = {
    "tool_search_tool_bm25": Query,
    "web_search": Query,
    "get_exchange_rate": ExchangeRate,
    "get_weather": WeatherByLocation,
    "json": Readings,
    "get_something_by_name": ByName,
    "pelican_name_generator": NoArgs,
    "get_country": NoArgs,
    "get_product_name": NoArgs,
    "fixed_version": NoArgs,
    "updateIssueList": NoArgs,
    "cookRecipe": CookRecipe,
    "getWeather": WeatherByLocation,
    "multiply": Multiply,
    "GetWeatherArgs": WeatherByCity,
    "get_stock_price": Stock,
    "get_capital": Country,
    "make_file": NewFile,
}
# Same tool name, different schema in different recordings.
TOOL_MODELS_BY_FILE: dict[tuple[str, str], Any] = {
    ("oai-chat-nonstrict-tool", "get_weather"): WeatherByCity,
    ("oai-chat-pai-final-result-tool-long", "final_result"): Answers,
    ("oai-resp-gpt5-reasoning-function-call", "final_result"): IntResult,
}


# --- the recorded fragments ----------------------------------------------------------------


@cache
def _fragments(path: Path) -> tuple[list[str], dict[int, tuple[str, list[str]]]]:
    """The answer's text fragments and, per tool call index, its name and argument fragments."""
    record = json.loads(path.read_text("utf-8"))
    provider = "gemini" if record["provider"] == "gemini-json-array" else record["provider"]
    adapter = ProviderAdapter(provider)
    evs = adapter.feed(record["raw_sse"].encode("utf-8")) + adapter.close()
    text = [e.text for e in evs if isinstance(e, TextDelta) and e.choice == 0]
    calls: dict[int, tuple[str, list[str]]] = {}
    for e in evs:
        if isinstance(e, ToolCallStarted):
            calls[e.index] = (e.name or "", [])
        elif isinstance(e, ToolCallDelta) and e.index in calls:
            calls[e.index][1].append(e.text)
    return text, calls


def _cases() -> list[Any]:
    cases: list[Any] = []
    for path in corpus_files():
        record = json.loads(path.read_text("utf-8"))
        expected = record["expected"]
        stem = path.stem
        if expected.get("text_json") is not None:
            model = TEXT_MODELS.get(stem)
            cases.append(pytest.param(path, None, model, expected["text_json"], id=f"{stem}:text"))
        for call in expected.get("tool_calls") or []:
            name = call["name"]
            model = TOOL_MODELS_BY_FILE.get((stem, name)) or TOOL_MODELS.get(name)
            cases.append(
                pytest.param(
                    path,
                    call["index"],
                    model,
                    call.get("arguments_json"),
                    id=f"{stem}:tool{call['index']}:{name}",
                )
            )
    return cases


CASES = _cases()
pytestmark = pytest.mark.skipif(
    not CASES, reason=f"no recorded provider streams: corpus directory {CORPUS} is missing"
)


def _chunks(path: Path, index: int | None) -> tuple[str, list[str]]:
    text, calls = _fragments(path)
    if index is None:
        return "".join(text), text
    _, fragments = calls[index]
    return "".join(fragments), fragments


@pytest.mark.parametrize(("path", "index", "model", "expected"), CASES)
@pytest.mark.parametrize("split", ["recorded", "chars"])
def test_structured_output_hydrates(
    path: Path, index: int | None, model: Any, expected: Any, split: str
) -> None:
    assert model is not None, "no model written for this structured-output stream"
    whole, fragments = _chunks(path, index)
    chunks = fragments if split == "recorded" else list(whole)
    if model is int:  # a top-level array of numbers
        h: ItemHydrator[int] = ItemHydrator(int)
        got = [n for chunk in chunks for n in h.feed(chunk)] + h.close()
        assert got == expected
        return
    hydrator: ModelHydrator[Any] = ModelHydrator(model)
    snapshots = [hydrator.snapshot() for chunk in chunks if hydrator.feed(chunk)]
    if expected is None:
        # cut off (max_tokens) or no arguments at all: incomplete, after what was shown
        with pytest.raises(IncompleteJSONError):
            hydrator.close()
        assert all(isinstance(s, Partial) for s in snapshots)
        return
    snapshots.extend(hydrator.close())
    assert snapshots[-1] == model.model_validate(expected)
    assert all(isinstance(s, Partial) for s in snapshots[:-1])
    assert json.loads(whole) == expected


def test_the_cut_off_tool_call_showed_its_lines_as_they_came() -> None:
    path = CORPUS / "anthropic-sdk-incomplete-json.json"
    if not path.exists():
        pytest.skip("corpus file missing")
    (call,) = json.loads(path.read_text("utf-8"))["expected"]["tool_calls"]
    _, fragments = _chunks(path, call["index"])
    h = ModelHydrator(NewFile)
    last = None
    for chunk in fragments:
        if h.feed(chunk):
            last = h.snapshot()
    assert last is not None
    assert last.filename == "taxes.txt"
    assert last.lines_of_text[0].startswith("# COMPREHENSIVE TAX GUIDE")
    assert last.lines_of_text[1:4] == ["", "## INTRODUCTION", ""]
    # the line being written when the recording stopped is shown, and not complete
    assert last.lines_of_text[4] == "Filing taxes"
    assert last.is_complete(("lines_of_text", 3))
    assert not last.is_complete(("lines_of_text", 4))


async def _run(chunks: list[str], model: Any) -> list[Any]:
    return [x async for x in pipe(chunks, partial(model))]


@pytest.mark.anyio
async def test_recorded_weather_report_through_the_operator() -> None:
    path = CORPUS / "oai-chat-json-object.json"
    if not path.exists():
        pytest.skip("corpus file missing")
    _, fragments = _chunks(path, None)
    out = await _run(fragments, WeatherReport)
    final = out[-1]
    assert isinstance(final, WeatherReport)
    assert final.weather.wind_direction == "NW"
    # the forecast list grew one validated day at a time
    lengths = [len(s.forecast) for s in out[:-1] if s.forecast is not None]
    assert lengths == sorted(lengths)
    assert lengths[-1] == 3


def test_recorded_numbers_through_items() -> None:
    path = CORPUS / "anthropic-sdk-structured-output.json"
    if not path.exists():
        pytest.skip("corpus file missing")
    _, fragments = _chunks(path, None)
    assert drain(pipe(fragments, items(int))) == [12345, 67890]
