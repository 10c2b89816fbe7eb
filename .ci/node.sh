#!/usr/bin/env bash
# The Node peers of the differential tests (remend for Markdown, fast-json-patch for
# JSON Patch), the benchmark, and the UI clients (the AI SDK's ai, @ag-ui/client),
# from the committed lock file. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/../tests/node"
npm ci --no-audit --no-fund --silent
