"""The benchmark report: result records, REPORT.md and scaling.png.

Measurement lives in ``run_all.py``; this module only turns its records into
Markdown tables and a matplotlib figure, so either side can change alone.
"""

from __future__ import annotations

import math
import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

# Plot colours: ours in blues and greens, peers in warm colours (Okabe-Ito first).
OURS_COLORS = ("#0072B2", "#009E73", "#56B4E9", "#004D40", "#7B68EE", "#2E8B57", "#1F3A93")
PEER_COLORS = ("#D55E00", "#E69F00", "#CC79A7", "#8C564B", "#7F7F7F", "#B8860B", "#A50026")
ALL_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F")

SIZE_NAMES = {"1K": "1 KB", "8K": "8 KB", "32K": "32 KB", "128K": "128 KB", "1M": "1 MB"}

# Distributions named in the report's environment section, in this order.
PACKAGES = (
    "streamops",
    "pydantic",
    "pydantic-core",
    "anyio",
    "jiter",
    "ijson",
    "jsonriver",
    "partial-json-parser",
    "langchain-core",
    "instructor",
    "openai",
    "anthropic",
    "matplotlib",
)


# --- records ------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One contender on one document."""

    label: str
    size: str  # a key of SIZE_NAMES
    chunks: int
    seconds: float  # the whole stream: measured (best of ``runs``) or estimated
    ours: bool
    baseline: str  # the label of the row this one is compared with (itself: a reference)
    runs: int = 1
    estimated: bool = False


@dataclass
class SizeInfo:
    size: str
    chars: int
    chunks: int
    detail: str = ""  # e.g. "157 items"


@dataclass
class FamilyResult:
    """One comparison: our operators and their peers doing the same work."""

    key: str
    title: str
    about: str  # a Markdown paragraph: the document and the work done per chunk
    contenders: dict[str, str]  # label -> what it runs (Markdown), in table order
    ours: set[str]
    sizes: list[SizeInfo] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    has_peers: bool = True
    ratio_header: str = "vs ours (ours = 1.0)"

    def get(self, label: str, size: str) -> Measurement | None:
        for m in self.measurements:
            if m.label == label and m.size == size:
                return m
        return None

    def ratio(self, m: Measurement) -> float | None:
        """Time per chunk relative to this row's baseline (ours = 1.0)."""
        base = self.get(m.baseline, m.size)
        if base is None or base.seconds <= 0:
            return None
        return (m.seconds / m.chunks) / (base.seconds / base.chunks)


@dataclass
class Environment:
    cpu: str
    cores: str
    memory: str
    os: str
    python: str
    packages: dict[str, str]
    load: str

    @classmethod
    def capture(cls) -> Environment:
        cpuinfo = _read("/proc/cpuinfo")
        model = _field(cpuinfo, "model name") or platform.processor() or platform.machine()
        mhz = _field(cpuinfo, "cpu MHz")
        if mhz:
            model += f" ({float(mhz):,.0f} MHz)"
        logical = cpuinfo.count("\nprocessor") + cpuinfo.startswith("processor")
        cores = f"{os.cpu_count()} logical CPUs"
        if logical and _field(cpuinfo, "cpu cores"):
            cores += f" ({_field(cpuinfo, 'cpu cores')} cores per socket)"
        mem_kb = _field(_read("/proc/meminfo"), "MemTotal").split()
        memory = f"{int(mem_kb[0]) / 2**20:.0f} GiB" if mem_kb else "unknown"
        os_name = _field(_read("/etc/os-release"), "PRETTY_NAME", sep="=").strip('"')
        os_line = f"{os_name or platform.system()}, {platform.system()} {platform.release()}"
        python = f"{platform.python_implementation()} {platform.python_version()}"
        try:
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        except OSError:
            load = "unknown"
        return cls(
            cpu=model,
            cores=cores,
            memory=memory,
            os=os_line,
            python=f"{python} ({sys.platform}, {platform.machine()})",
            packages={name: _version(name) for name in PACKAGES},
            load=load,
        )


@dataclass
class RunResult:
    environment: Environment
    sizes: list[str]
    quick: bool
    budget: float
    elapsed: float
    date: str
    command: str
    families: list[FamilyResult]
    notes: list[str] = field(default_factory=list)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _field(text: str, name: str, sep: str = ":") -> str:
    for line in text.splitlines():
        key, found, value = line.partition(sep)
        if found and key.strip() == name:
            return value.strip()
    return ""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# --- numbers as text ----------------------------------------------------------------------


def num(x: float) -> str:
    """Three significant digits, thousands separated: 0.412, 3.49, 185, 1,292."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{digits}f}"


def ratio_words(r: float) -> str:
    if r >= 1.05:
        return f"{r:.1f}x slower" if r < 10 else f"{r:,.0f}x slower"
    if r <= 1 / 1.05:
        return f"{1 / r:.1f}x faster" if 1 / r < 10 else f"{1 / r:,.0f}x faster"
    return "same"


def size_name(size: str) -> str:
    return SIZE_NAMES.get(size, size)


# --- REPORT.md ----------------------------------------------------------------------------


def render_markdown(run: RunResult) -> str:
    env = run.environment
    out: list[str] = ["# streamops: how it compares", ""]
    if run.quick:
        out += [
            "> **Quick smoke run** (one size, one run per measurement): not the published "
            "numbers. Run without `--quick` for the full report.",
            "",
        ]
    out += [
        "Every benchmark in one process run, our operators side by side with the libraries "
        "people use for the same job, on realistic LLM structured output of "
        + ", ".join(size_name(s) for s in run.sizes)
        + ", cut into 3-4 character chunks like model tokens. Every contender consumes "
        "the same chunks, one at a time, and does what a UI needs after each chunk.",
        "",
        "* **total ms**: the whole stream, best of up to 5 runs (fewer when a run takes "
        "seconds; 1 for the slowest). **us/chunk**: total / chunks.",
        "* **vs ours**: time per chunk relative to our operator on the same input "
        "(ours = 1.0; *12x slower* means the peer spends 12 times our CPU per chunk). "
        "**Bold** rows are ours; the `(sync core)` rows are our operators' cores without "
        "the event loop, like-for-like with the synchronous peers.",
        f"* Peers estimated to need over {run.budget:g} s at a size are not run in full; "
        "their figures start with `~` and are estimates (how: in the notes under each table).",
        "* The machine is shared, so expect 10-20% noise between runs; the ratios and the "
        "slopes in `scaling.png` are the point, not the third digit.",
        "",
    ]
    out += _glance(run)
    out += [
        "![us per chunk against document size, one panel per comparison](scaling.png)",
        "",
        "## Machine",
        "",
        f"* CPU: {env.cpu}, {env.cores}, {env.memory} RAM (load average at start: {env.load})",
        f"* OS: {env.os}",
        f"* Python: {env.python}",
        "* Packages: " + ", ".join(f"{name} {version}" for name, version in env.packages.items()),
        f"* Run: {run.date}, `{run.command}`, {run.elapsed / 60:.1f} minutes in all",
        "",
        'Reproduce: `pip install -e ".[bench]"` then `streamops bench` '
        "(or `python benchmarks/run_all.py`; `--quick` for a one-size smoke run, "
        "`--sizes 1K,8K`, `--only json-snapshots,models`, `--out DIR`). Each comparison's "
        "own script in `benchmarks/` (`json_bench.py`, `models_bench.py`, `tools_bench.py`, "
        "`text_bench.py`) prints more detail, such as 1 MB documents and recorded provider "
        "streams.",
        "",
    ]
    for family in run.families:
        out += _family_section(family)
    if run.notes:
        out += ["## Not run", ""]
        out += [f"* {note}" for note in run.notes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _glance(run: RunResult) -> list[str]:
    families = [f for f in run.families if f.has_peers and f.measurements]
    if not families:
        return []
    out = [
        "## At a glance",
        "",
        "Our operator's time per chunk (bold), and each peer's relative to it on the same "
        "input (lower is better; `~` marks an estimate).",
        "",
        "| comparison | implementation | " + " | ".join(size_name(s) for s in run.sizes) + " |",
        "|---|---|" + "---:|" * len(run.sizes),
    ]
    for family in families:
        first = True
        for label in family.contenders:
            rows = [family.get(label, s) for s in run.sizes]
            if all(m is None for m in rows):
                continue
            reference = any(m is not None and m.baseline == label for m in rows)
            if label in family.ours and not reference:
                continue
            cells = []
            for m in rows:
                if m is None:
                    cells.append("-")
                elif m.baseline == m.label:
                    cells.append(f"**{num(1e6 * m.seconds / m.chunks)} us**")
                else:
                    r = family.ratio(m)
                    mark = "~" if m.estimated else ""
                    cells.append("-" if r is None else f"{mark}{ratio_words(r)}")
            title = family.title if first else ""
            name = f"**{label}** (ours)" if label in family.ours else label
            out.append(f"| {title} | {name} | " + " | ".join(cells) + " |")
            first = False
    out.append("")
    return out


def _family_section(family: FamilyResult) -> list[str]:
    out = [f"## {family.title}", "", family.about, ""]
    out += [
        f"* **{label}**{' (ours)' if label in family.ours else ''}: {text}"
        for label, text in family.contenders.items()
    ]
    out.append("")
    references = {m.baseline for m in family.measurements}
    for info in family.sizes:
        rows = [m for label in family.contenders if (m := family.get(label, info.size))]
        if not rows:
            continue
        detail = f", {info.detail}" if info.detail else ""
        out += [
            f"### {size_name(info.size)}: {info.chars:,} characters, {info.chunks:,} chunks"
            f"{detail}",
            "",
            f"| implementation | total ms | us/chunk | {family.ratio_header} | |",
            "|---|---:|---:|---:|---|",
        ]
        for m in rows:
            mark = "~" if m.estimated else ""
            r = family.ratio(m)
            if m.baseline == m.label:
                ratio, words = "1.0", "reference"
            elif r is None:
                ratio, words = "-", ""
            else:
                ratio, words = f"{mark}{num(r)}", ratio_words(r) if family.has_peers else ""
                if len(references) > 1:
                    words += f" as {m.baseline}" if words == "same" else f" than {m.baseline}"
            name = f"**{m.label}**" if m.label in family.ours else m.label
            out.append(
                f"| {name} | {mark}{num(1e3 * m.seconds)} | {mark}{num(1e6 * m.seconds / m.chunks)}"
                f" | {ratio} | {words} |"
            )
        out.append("")
    if family.notes:
        out += [f"* {note}" for note in family.notes]
        out.append("")
    return out


def write_markdown(run: RunResult, path: Path) -> None:
    path.write_text(render_markdown(run), encoding="utf-8")


# --- scaling.png --------------------------------------------------------------------------


def write_plot(run: RunResult, path: Path) -> None:
    """us/chunk against document size, log-log, one line per implementation, one panel
    per comparison; estimated points are drawn hollow. Needs matplotlib (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import (
        FixedLocator,
        FuncFormatter,
        LogLocator,
        NullFormatter,
        NullLocator,
    )

    families = [f for f in run.families if f.measurements]
    cols = 2 if len(families) > 1 else 1
    rows = math.ceil(len(families) / cols) or 1
    fig, axes = plt.subplots(
        rows, cols, figsize=(7.2 * cols, 5.6 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[len(families) :]:
        ax.set_visible(False)
    for ax, family in zip(axes.flat, families, strict=False):
        xticks: dict[float, str] = {}
        for info in family.sizes:
            xticks[info.chars / 1000] = size_name(info.size)
        ours_colors = iter(OURS_COLORS if family.has_peers else ALL_COLORS)
        peer_colors = iter(PEER_COLORS)
        for label in family.contenders:
            points = sorted(
                (m for m in family.measurements if m.label == label),
                key=lambda m: run.sizes.index(m.size),
            )
            if not points:
                continue
            chars = {i.size: i.chars for i in family.sizes}
            xs = [chars[m.size] / 1000 for m in points]
            ys = [1e6 * m.seconds / m.chunks for m in points]
            ours = label in family.ours
            color = next(ours_colors if ours else peer_colors, "#333333")
            ax.plot(
                xs,
                ys,
                linestyle="-" if ours else "--",
                linewidth=2.2 if ours else 1.4,
                color=color,
                label=f"{label} (ours)" if ours else label,
                zorder=3 if ours else 2,
            )
            for x, y, m in zip(xs, ys, points, strict=True):
                ax.plot(
                    [x],
                    [y],
                    marker="o" if ours else "s",
                    markersize=5,
                    color=color,
                    markerfacecolor="white" if m.estimated else color,
                    zorder=4,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(list(xticks)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels(list(xticks.values()))
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("document size (3-4 character chunks)")
        ax.set_ylabel("us per chunk (log)")
        ax.set_title(family.title, fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(
            fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False
        )
    title = (
        "Time per chunk against document size, log-log (lower is better; flat = linear).\n"
        "Solid: streamops. Dashed: peers. Hollow marker: estimated (over the time limit)."
    )
    if run.quick:
        title += " [quick run]"
    fig.suptitle(title, fontsize=12)
    fig.savefig(path, dpi=110)
    plt.close(fig)
