"""The ``streamops`` command, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streamops.samples import sample_text


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamops.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_demo_renders_the_validated_trip_then_numbered_sentences() -> None:
    result = run("demo", "--speed", "0")
    assert result.returncode == 0, result.stderr
    trip_part, sentences_part = result.stdout.split("== sentences()")
    sentences_part, markdown_part = sentences_part.split("== markdown_blocks()")
    report = json.loads(sample_text("report"))
    assert report["title"] in trip_part
    assert "validated Trip" in trip_part  # the final value is the real model
    for stop in report["items"]:
        assert stop["name"].split()[0] in trip_part
    assert "  1  Streaming output changes how an application feels." in sentences_part
    assert "Mr. Ito, who runs" in sentences_part  # not split after the abbreviation
    assert "after 9.5 seconds" in sentences_part  # nor inside a decimal
    # the same answer rendered as Markdown by rich: the numbered list is a list
    assert "Streaming output changes how an application feels." in markdown_part
    assert " 1 Never show half a word." in markdown_part


def test_demo_replays_a_recorded_sse_body(tmp_path: Path) -> None:
    from streamops.samples import sample_sse

    body = tmp_path / "answer.sse"
    body.write_text(sample_sse("answer"), encoding="utf-8")
    result = run("demo", "--speed", "0", "--stream", str(body))
    assert result.returncode == 0, result.stderr
    assert "  1  Streaming output changes how an application feels." in result.stdout
    report = tmp_path / "report.sse"
    report.write_text(sample_sse("report"), encoding="utf-8")
    result = run("demo", "--speed", "0", "--stream", str(report))
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout.split("\n", 1)[1])
    assert value == json.loads(sample_text("report"))


def test_demo_model_without_a_key_is_a_clear_error() -> None:
    result = run("demo", "--model", "gpt-4o-mini", env={"OPENAI_API_KEY": ""})
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr


def test_demo_speed_from_the_environment() -> None:
    result = run("demo", env={"STREAMOPS_DEMO_SPEED": "0"})
    assert result.returncode == 0, result.stderr
    assert "sentences." in result.stdout


def test_bad_speed_is_one_clear_line_and_exit_2() -> None:
    result = run("demo", "--speed", "-1")
    assert result.returncode == 2
    assert result.stderr.strip() == "streamops: error: --speed must be 0 or more"


def test_help_everywhere() -> None:
    for args in (["--help"], ["demo", "--help"], ["json", "--help"], ["bench", "--help"]):
        result = run(*args)
        assert result.returncode == 0
        assert "usage: streamops" in result.stdout


def run_json(stdin: str | bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "streamops.cli", "json", *args],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[bytes]) -> list[object]:
    import json

    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_json_values_at_a_pattern() -> None:
    import json

    report = json.loads(sample_text("report"))
    result = run_json(sample_text("report"), "items[*].name")
    assert result.returncode == 0, result.stderr
    assert lines(result) == [item["name"] for item in report["items"]]


def test_json_from_an_sse_body() -> None:
    import json

    from streamops.samples import sample_sse

    result = run_json(sample_sse("report"), "$.title", "--sse", "--provider", "openai-chat")
    assert result.returncode == 0, result.stderr
    assert lines(result) == [json.loads(sample_text("report"))["title"]]


def test_json_modes() -> None:
    doc = '```json\n{"answer": "Hi there", "n": [1, 2]}\n```'
    items = lines(run_json(doc, "n[*]", "--items"))
    assert items == [{"path": ["n", 0], "value": 1}, {"path": ["n", 1], "value": 2}]
    snapshots = lines(run_json(doc, "--snapshots"))
    assert snapshots[-1] == {"answer": "Hi there", "n": [1, 2]}
    patches = lines(run_json(doc, "--patches"))
    assert patches[0][0] == {"op": "replace", "path": "", "value": {}}
    events = lines(run_json(doc, "--events"))
    assert events[0] == {"event": "StartObject", "path": []}
    assert run_json(doc, "answer", "--string").stdout.decode() == "Hi there\n"


def test_json_error_is_one_line_with_where_and_exit_1() -> None:
    result = run_json('{"a": [1, }', "--strict")
    assert result.returncode == 1
    message = result.stderr.decode().strip()
    assert "\n" not in message
    assert message.startswith("streamops: error: ")
    assert "line 1 column" in message
    assert "$.a[1]" in message


def test_bench_quick_writes_a_report_and_a_plot(tmp_path: Path) -> None:
    result = run("bench", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = (tmp_path / "REPORT.md").read_text()
    assert "## Machine" in report
    assert "json_snapshots()" in report
    assert "partial(" in report
    png = (tmp_path / "scaling.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def test_unknown_options_are_refused_outside_bench() -> None:
    result = run("demo", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_bare_command_prints_help_as_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: streamops" in result.stderr
    assert "demo" in result.stderr
    assert "json" in result.stderr


def test_version() -> None:
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"streamops {version('streamops')}"


@pytest.mark.parametrize(
    ("pattern", "where", "hint"),
    [
        ("items[", 5, "unclosed"),
        ("items[-1]", 5, "negative indexes"),
        ("$..name", 1, "recursive descent"),
        ("items[x]", 5, "expected"),
    ],
)
def test_bad_pattern_is_one_line_with_position_and_hint(
    pattern: str, where: int, hint: str
) -> None:
    result = run_json('{"items": [{"name": 1}]}', pattern)
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("streamops: error: invalid path pattern")
    assert f"at position {where}:" in line
    assert hint in line
    assert result.stdout == b""


def test_jq_style_empty_brackets_mean_every_element() -> None:
    result = run_json('{"items": [{"name": "a"}, {"name": "b"}]}', ".items[].name")
    assert result.returncode == 0, result.stderr
    assert lines(result) == ["a", "b"]


def run_command(command: str, stdin: str | bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "streamops.cli", command, *args],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("doc", ["42", '"text"', "-1.5e3", "true", "null", ' "a\\nb" \n'])
def test_a_top_level_scalar_is_a_document_without_strict(doc: str) -> None:
    result = run_json(doc)
    assert result.returncode == 0, result.stderr
    assert lines(result) == [json.loads(doc)]
    assert result.stderr == b""


def test_a_string_document_streams_with_string() -> None:
    result = run_json('"Hi there"', "--string")
    assert (result.returncode, result.stdout) == (0, b"Hi there\n")


def test_a_pattern_that_matches_nothing_warns_on_one_line() -> None:
    result = run_json('{"a": 1}', "b")
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.decode() == (
        "streamops: warning: the pattern 'b' matched nothing in the document\n"
    )


def test_a_second_value_without_multiple_warns_and_multiple_reads_it() -> None:
    body = '{"a": 1}\n{"a": 2}\n'
    result = run_json(body, "a")
    assert (result.returncode, lines(result)) == (0, [1])
    warning = result.stderr.decode()
    assert warning.count("\n") == 1
    assert warning.startswith("streamops: warning: another JSON value follows the first")
    assert "line 2" in warning
    assert "--multiple" in warning
    both = run_json(body, "a", "--multiple")
    assert (both.returncode, lines(both), both.stderr) == (0, [1, 2], b"")
    prose = run_json('Here: {"a": 1}. Hope it helps!', "a")
    assert (lines(prose), prose.stderr) == ([1], b"")


def test_an_sse_body_is_recognised_without_sse() -> None:
    from streamops.samples import sample_sse

    result = run_json(sample_sse("report"), "$.title")
    assert result.returncode == 0, result.stderr
    assert lines(result) == [json.loads(sample_text("report"))["title"]]


def test_gemini_json_array_body_with_provider() -> None:
    text = json.dumps({"city": "Lisbon", "days": 3})
    body = json.dumps(
        [
            {"candidates": [{"content": {"parts": [{"text": text[:9]}]}, "index": 0}]},
            {
                "candidates": [
                    {"content": {"parts": [{"text": text[9:]}]}, "finishReason": "STOP"}
                ]
            },
        ]
    )
    result = run_json(body, "city", "--provider", "gemini")
    assert result.returncode == 0, result.stderr
    assert lines(result) == ["Lisbon"]


def test_an_unknown_provider_is_a_usage_error() -> None:
    result = run_json("{}", "--provider", "gpt")
    assert result.returncode == 2
    assert b"invalid choice: 'gpt'" in result.stderr


def test_tools_prints_each_call_as_it_completes() -> None:
    from streamops.samples import sample_sse

    result = run_command("tools", sample_sse("tools"))
    assert result.returncode == 0, result.stderr
    calls = lines(result)
    assert [c["name"] for c in calls] == ["get_weather", "get_local_time"]  # type: ignore[index]
    assert calls[0]["arguments"] == {"city": "Lisbon", "unit": "celsius", "days": 3}  # type: ignore[index]
    assert all(c["id"] for c in calls)  # type: ignore[index]
    assert result.stderr == b""


def test_tools_says_when_a_call_was_cut_off() -> None:
    start = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a": '},
                        }
                    ]
                },
            }
        ]
    }
    stop = {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
    body = f"data: {json.dumps(start)}\n\ndata: {json.dumps(stop)}\n\ndata: [DONE]\n\n"
    result = run_command("tools", body)
    assert lines(result) == [
        {
            "id": "call_1",
            "name": "f",
            "error": "the arguments of tool 'f' (call 'call_1') were cut off:"
            " the provider did not finish the call",
        }
    ]
    assert "cut off or malformed: do not run them" in result.stderr.decode()


def test_web_on_a_port_in_use_is_one_line_first() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("demo", "--web", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == (
        f"streamops: error: port {port} is already in use; pass --port with a free one\n"
    )
    assert result.stdout == ""


BLOCK_RICH = """
import sys
class NoRich:
    def find_spec(self, name, path=None, target=None):
        if name == "rich" or name.startswith("rich."):
            raise ImportError("rich is not installed")
sys.meta_path.insert(0, NoRich())
from streamops.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_demo_without_rich_is_readable_and_names_the_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_RICH, "demo", "--speed", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    trip = result.stdout.split("== sentences()")[0]
    assert 'pip install "streamops[demo]"' in trip
    report = json.loads(sample_text("report"))
    assert f"  title: {report['title']}\n" in trip
    assert f"  summary: {report['summary']}\n" in trip
    for stop in report["items"]:
        assert f"    ✓ {stop['name']}, {stop['kind']}, {stop['day']}," in trip
    assert "  ✓ validated Trip" in trip
    assert max(len(line) for line in trip.splitlines()) < 240  # no wall of repr


def test_demo_without_rich_types_strings_out_as_they_arrive() -> None:
    # The summary is written piece by piece while it streams: read the demo's output
    # as it comes and see the line grow before it ends.
    with subprocess.Popen(
        [sys.executable, "-u", "-c", BLOCK_RICH, "demo", "--speed", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdout is not None
        try:
            seen = b""
            while b"  summary: " not in seen:
                piece = process.stdout.read1(65536)  # type: ignore[attr-defined]
                assert piece, "the demo ended before the summary"
                seen += piece
            line = seen.split(b"  summary: ", 1)[1]
            # Still inside the summary line: it has text but not yet its end.
            while not line:
                line += process.stdout.read1(65536)  # type: ignore[attr-defined]
            assert b"\n" not in line
        finally:
            process.kill()
def _chat_sse(*pieces: str, finish: str | None) -> str:
    import json

    def chunk(delta: dict[str, str], reason: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": reason}
        return f"data: {json.dumps({'object': 'chat.completion.chunk', 'choices': [choice]})}\n\n"

    body = "".join(chunk({"content": p}) for p in pieces)
    if finish is not None:
        body += chunk({}, finish) + "data: [DONE]\n\n"
    return body


def test_json_of_a_stream_stopped_for_length_says_so_with_exit_3() -> None:
    body = _chat_sse('{"title": "Q3 rev', "iew", finish="length")
    result = run_json(body, "$.title", "--sse")
    assert result.returncode == 3
    message = result.stderr.decode().strip()
    assert "\n" not in message
    assert message.startswith("streamops: error: the output was cut off (finish reason 'length')")
    assert "$.title" in message  # where the JSON parser was


def test_json_of_a_cut_stream_says_so_with_exit_4() -> None:
    body = _chat_sse('{"title": "Q3 rev', "iew", finish=None)  # no finish_reason, no [DONE]
    result = run_json(body, "$.title", "--sse")
    assert result.returncode == 4
    message = result.stderr.decode().strip()
    assert "\n" not in message
    assert message.startswith("streamops: error: the stream stopped before the provider's end")
    assert message.endswith("(the stream was cut)")


def test_json_of_a_whole_stream_exits_0() -> None:
    result = run_json(_chat_sse('{"title": "Q3 rev', 'iew"}', finish="stop"), "$.title", "--sse")
    assert result.returncode == 0, result.stderr
    assert lines(result) == ["Q3 review"]


def test_demo_of_a_cut_recording_shows_the_text_then_exits_4(tmp_path: Path) -> None:
    body = tmp_path / "cut.sse"
    body.write_text(_chat_sse("One sentence. ", "Another one that", finish=None), "utf-8")
    result = run("demo", "--speed", "0", "--stream", str(body))
    assert result.returncode == 4
    assert "One sentence." in result.stdout
    assert result.stderr.strip().endswith("(the stream was cut)")
    body.write_text(_chat_sse("One sentence. ", "Another one that", finish="length"), "utf-8")
    result = run("demo", "--speed", "0", "--stream", str(body))
    assert result.returncode == 3
    assert "finish reason 'length'" in result.stderr
