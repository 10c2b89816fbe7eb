"""Would a mypyc-compiled JSON core pay? Pure against compiled, and the async stage's floor.

Run: ``python benchmarks/mypyc_bench.py [--sizes 1K,8K,32K,128K,1M] [--rounds 3]``
(needs ``mypy`` (it ships ``mypyc``), ``setuptools`` and a C compiler; about a
minute to build, then a minute or two per round).

The script copies ``streamops`` to a temporary directory and compiles
``streamops/json/_parser.py`` and ``streamops/json/_snapshot.py`` there with
``mypyc`` (``opt_level=3``), unchanged: the event classes (``_events.py``) stay
plain Python, because the parser builds its hottest events with
``object.__new__``, which a mypyc-native class refuses; compiling them too
(with constructor calls in the parser) measured the same. Then it times the
same work in two processes, the working tree (pure Python) and the compiled
copy, on ``json_bench``'s documents cut into 3-4 character chunks, in
alternating rounds (the best of each is kept):

* ``core ev``: ``JSONParser.feed`` alone (the scanning core);
* ``core snap``: ``JSONParser`` + ``SnapshotBuilder`` (the sync core of
  ``json_snapshots()``);
* ``snap op`` / ``snap live``: ``pipe(chunks, json_snapshots())`` over the list
  / over an async generator, as ``json_bench`` runs them;
* ``floor op`` / ``floor live``: the same async stage and consumer loop with a
  core that costs nothing (C calls replaying ``json_snapshots``' precomputed
  outputs, the same yields per chunk): what the operator costs even if
  parsing and snapshot building were free.

Times are microseconds per chunk on this machine: compare columns, not
machines (``REPORT.md``'s run and this one may differ by 2x in absolute terms).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMPILED = ("streamops/json/_parser.py", "streamops/json/_snapshot.py")
LABELS = ("core ev", "core snap", "snap op", "snap live", "floor op", "floor live")

SETUP = """\
from setuptools import setup
from mypyc.build import mypycify

setup(name="streamops-mypyc-bench", ext_modules=mypycify({modules!r}, opt_level="3"))
"""


def build(tmp: Path) -> None:
    """A copy of the package with the JSON core compiled in place."""
    shutil.copytree(ROOT / "streamops", tmp / "streamops")
    (tmp / "setup.py").write_text(SETUP.format(modules=list(COMPILED)))
    init = tmp / "streamops" / "__init__.py"
    real_init = init.read_text()
    # mypy type-checks whatever the compiled modules import, the package's
    # __init__ included (pydantic, anyio ...: minutes); the JSON core needs none of it.
    init.write_text("")
    try:
        subprocess.run(
            [sys.executable, "setup.py", "build_ext", "--inplace"],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    finally:
        init.write_text(real_init)
    for module in COMPILED:
        stem = Path(module).stem
        assert list((tmp / Path(module).parent).glob(f"{stem}.*.so")), f"{module} not compiled"


def measure(root: str, sizes: list[str]) -> dict[str, Any]:
    """Per-chunk times of the ``streamops`` found in ``root`` (run in a child process)."""
    sys.path.insert(0, root)
    import streamops.json._parser as parser_module  # (before json_bench puts ROOT first)

    sys.path.insert(1, str(ROOT))
    from benchmarks.json_bench import (
        SIZES,
        best_times,
        core_events,
        core_snapshots,
        make_document,
        run_operator,
        tokens,
    )
    from streamops._core import Then, chunk_operator
    from streamops.json import JSONParser, SnapshotBuilder, json_snapshots

    results: dict[str, Any] = {"parser": Path(parser_module.__file__ or "").name}
    for size in sizes:
        chunks = tokens(make_document(SIZES[size]))
        parser, builder = JSONParser(), SnapshotBuilder()
        outs = [list(builder.feed(parser.feed(chunk))) for chunk in chunks]

        class Replay:
            """A core whose ``feed`` is a C call: chunk ``i`` gives ``outs[i]``."""

            feed = outs.__getitem__

            def close(self) -> list[Any]:
                return []

        floor = chunk_operator(lambda: Then(Replay(), tuple))
        indexes = list(range(len(chunks)))
        repeat = 1 if SIZES[size] >= 1_000_000 else 3
        best = best_times(
            [
                ("core ev", core_events, chunks),
                ("core snap", core_snapshots, chunks),
                ("snap op", run_operator(json_snapshots), chunks),
                ("snap live", run_operator(json_snapshots, live=True), chunks),
                ("floor op", run_operator(floor), indexes),
                ("floor live", run_operator(floor, live=True), indexes),
            ],
            repeat,
        )
        results[size] = {label: best[label] / len(chunks) * 1e6 for label in LABELS}
        results[size]["chunks"] = len(chunks)
        results[size]["yields"] = sum(map(bool, outs)) / len(outs)
    return results


def run_child(root: Path, sizes: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(root), "--sizes", ",".join(sizes)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # (not ROOT: its streamops must not shadow root's)
    ).stdout
    return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1K,8K,32K,128K,1M")
    ap.add_argument("--rounds", type=int, default=3, help="alternating pure/compiled rounds")
    ap.add_argument("--measure", metavar="ROOT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    if args.measure:
        print(json.dumps(measure(args.measure, sizes)))
        return

    with tempfile.TemporaryDirectory(prefix="streamops-mypyc-") as name:
        tmp = Path(name)
        print(f"compiling {', '.join(COMPILED)} with mypyc ...", flush=True)
        build(tmp)
        best: dict[str, dict[str, Any]] = {}
        # One process per size and build, alternating, so that a busy spell of the
        # machine (shared, 2 cores) lands on both builds rather than on one.
        for _ in range(args.rounds):
            for size in sizes:
                for kind, root in (("pure", ROOT), ("compiled", tmp)):
                    res = run_child(root, [size])
                    expected = ".py" if kind == "pure" else ".so"
                    assert res["parser"].endswith(expected), (kind, res["parser"])
                    cell = best.setdefault(f"{kind} {size}", res[size])
                    for label in LABELS:
                        cell[label] = min(cell[label], res[size][label])

    print(
        f"\npython {sys.version.split()[0]}; us per chunk (3-4 char chunks), best of {args.rounds} rounds\n"
    )
    header = f"{'size':>5} {'chunks':>7} {'build':>9} | " + " | ".join(f"{x:>10}" for x in LABELS)
    print(header)
    print("-" * len(header))
    for size in sizes:
        for kind in ("pure", "compiled"):
            cell = best[f"{kind} {size}"]
            row = " | ".join(f"{cell[label]:10.3f}" for label in LABELS)
            print(f"{size:>5} {cell['chunks']:>7} {kind:>9} | {row}")
        pure, comp = best[f"pure {size}"], best[f"compiled {size}"]
        gains = " | ".join(f"{pure[label] / comp[label]:9.2f}x" for label in LABELS)
        print(f"{'':>5} {'':>7} {'gain':>9} | {gains}")
    print()
    for size in sizes:
        pure, comp = best[f"pure {size}"], best[f"compiled {size}"]
        print(
            f"{size:>5}: snapshots yielded per chunk {pure['yields']:.2f}; the async stage's floor"
            f" is {pure['floor op'] / pure['snap op']:.0%} of pure snap op,"
            f" {comp['floor op'] / comp['snap op']:.0%} of compiled snap op"
        )
    print(
        "\nReading: REPORT.md's json_snapshots() is ~0.76 us/chunk pure; 0.35 us needs"
        " snap op ~2.2x faster than pure on the same machine (the 'gain' row's snap op)."
    )


if __name__ == "__main__":
    main()
