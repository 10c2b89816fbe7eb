"""The web page and the browser client are package data: they are in the wheel
and the sdist, and ``streamops demo --web`` serves them from an installed wheel,
with no source checkout in sight."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.test_web import free_port, wait_until_serving

STATIC = ["streamops/static/streamops.js", "streamops/static/index.html"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_the_wheel_and_the_sdist_hold_the_page_and_the_client(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(STATIC) <= names
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert set(STATIC) <= members
    client = zipfile.ZipFile(wheel).read("streamops/static/streamops.js").decode()
    assert client == (ROOT / "streamops" / "static" / "streamops.js").read_text("utf-8")


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel; its dependencies come from this environment
    (on the path, not installed), so nothing is downloaded."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n")
    (wheel,) = dist.glob("*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            site,
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return home


def test_demo_web_serves_the_page_from_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    located = subprocess.run(
        [str(python), "-c", "import streamops; print(streamops.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert located.startswith(str(installed))  # the wheel's copy, not this checkout
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "PYTHONPATH")}
    proc = subprocess.Popen(
        [str(python), "-m", "streamops.cli", "demo", "--web", "--port", str(port), "--speed", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, url)
        page = httpx.get(url, timeout=5)
        assert page.status_code == 200
        assert 'from "./streamops.js"' in page.text
        client = httpx.get(f"{url}/streamops.js", timeout=5)
        assert client.headers["content-type"].startswith("text/javascript")
        assert "export function stream(" in client.text
        body = httpx.post(f"{url}/api/stream", json={}, timeout=30).text
        assert body.startswith("retry: ")
        assert body.rstrip().rsplit("\n\n", 1)[1].startswith("event: done\n")
        assert '"path":"/validated","value":true' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
