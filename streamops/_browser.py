"""The browser client that ships with the package, and how a web app serves it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.responses import Response

__all__ = ["RESUME_HEADER", "browser_client_path", "browser_client_response"]

RESUME_HEADER = "Streamops-Resume"
"""The response header by which a server says its stream can be resumed: a
comma-separated list of URLs (relative ones are read against the response's
URL) that continue it from a ``Last-Event-ID``. The browser client reconnects
after a dropped connection only when the response carried it; without it, a
dropped stream ends in an error instead of sending the request again."""

_STATIC = "static"


def browser_client_path() -> Path:
    """The path of ``streamops.js``, the browser client: an ES module with no
    dependencies that reads streamops' SSE frames with ``fetch`` (POST bodies
    allowed), applies JSON patches, tells partial, final, done and error
    apart, and stops (aborting the request) on ``stop()``. Its header
    documents it; serve it as a static file with any framework.

    >>> path = browser_client_path()
    >>> path.name, "export function stream(" in path.read_text("utf-8")
    ('streamops.js', True)
    """
    return Path(str(resources.files("streamops") / _STATIC / "streamops.js"))


def browser_client_response(*, max_age: int = 3600) -> Response:
    """A Starlette/FastAPI response serving the browser client, as JavaScript
    (``text/javascript``, cacheable for ``max_age`` seconds). Needs
    ``starlette`` (installed with FastAPI).

    >>> browser_client_response().media_type
    'text/javascript'

    In FastAPI::

        @app.get("/streamops.js", include_in_schema=False)
        def streamops_js() -> Response:
            return browser_client_response()

    and in the page: ``import { stream } from "/streamops.js";``.
    """
    from starlette.responses import FileResponse

    return FileResponse(
        browser_client_path(),
        media_type="text/javascript",
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )


def _static_file(name: str) -> Path:
    """A file of the package's ``static`` folder (the demo page)."""
    return Path(str(resources.files("streamops") / _STATIC / name))
