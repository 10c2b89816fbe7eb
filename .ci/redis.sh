#!/usr/bin/env bash
# The Redis tests (tests/delivery) start their own redis-server on a unix
# socket; in CI they must run, so install Debian's redis-server when missing.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
# Debian's package starts a system service on port 6379; the tests do not use it.
