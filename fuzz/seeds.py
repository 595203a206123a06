#!/usr/bin/env python3
"""Writes seed inputs for drydock's fuzz targets from the repository's fixtures.

    fuzz/seeds.py OUT_DIR    # OUT_DIR/<target>/<name>, one file per seed

Seeds follow each target's input format (see tests/src/fuzz.rs): Dockerfiles as they are;
compose projects as files joined by the separator `\\n#8<--\\n` (base, override, .env,
other.yaml, sub/compose.yaml, Dockerfile, a file outside the root); lint_fix inputs with a mode
byte (even: Dockerfile, odd: compose); LSP sessions as framed JSON-RPC messages after a mode
byte (bit 0 clear: the harness initializes, bit 1: pull diagnostics).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEP = b"\n#8<--\n"


def is_dockerfile(path: Path) -> bool:
    name = path.name.lower()
    return (
        name.startswith(("dockerfile", "containerfile"))
        or name.endswith(".dockerfile")
    ) and not name.endswith((".snap", ".dockerignore"))


def is_compose(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and not path.name.endswith(".snap")


def strip_expectations(data: bytes) -> bytes:
    """Fixture files end with `# expect:` lines: they are noise for a fuzzer."""
    lines = data.split(b"\n")
    return b"\n".join(l for l in lines if not l.lstrip().startswith(b"# expect"))


def files(folder: Path, keep) -> list:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and keep(p))


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def lsp_session(uri: str, language: str, text: str) -> bytes:
    pos = {"line": 1, "character": 4}
    doc = {"uri": uri}
    msgs = [
        {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange",
         "params": {"textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                                  "end": {"line": 0, "character": 2}}, "text": "x\n"}]}},
        {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": {"textDocument": doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/documentSymbol", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/codeAction",
         "params": {"textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}},
                    "context": {"diagnostics": []}}},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/definition", "params": {"textDocument": doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 6, "method": "textDocument/diagnostic", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 6}},
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/foldingRange", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 8, "method": "textDocument/formatting",
         "params": {"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": True}}},
        {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 9, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    return b"".join(frame(m) for m in msgs)


def main() -> None:
    out = Path(sys.argv[1])
    seeds = {t: {} for t in ("dockerfile_parse", "compose_load", "lint_fix", "lsp_messages")}

    def add(target: str, data: bytes) -> None:
        seeds[target][hashlib.sha1(data).hexdigest()[:16]] = data

    dockerfiles = files(ROOT / "fixtures", is_dockerfile) + files(ROOT / "examples", is_dockerfile)
    composes = files(ROOT / "fixtures" / "compose", is_compose) + files(ROOT / "examples", is_compose)
    for path in dockerfiles:
        data = strip_expectations(path.read_bytes())
        add("dockerfile_parse", data)
        add("lint_fix", b"\x00" + data)
    for path in composes:
        data = strip_expectations(path.read_bytes())
        parts = [data]
        env = path.parent / ".env"
        if env.is_file():
            parts += [b"", env.read_bytes()]
        joined = SEP.join(parts)
        add("compose_load", joined)
        add("lint_fix", b"\x01" + joined)
    # Projects that use every file slot: override, .env, include, extends, a sub-folder, a
    # build Dockerfile, and a reference outside the root.
    project = SEP.join([
        b"name: p\ninclude:\n  - other.yaml\n  - sub/compose.yaml\n  - ../outside/compose.yaml\n"
        b"x-base: &base\n  image: nginx:${TAG:-1.27}\n  cap_drop: [ALL]\n"
        b"services:\n  web:\n    <<: *base\n    build: .\n    ports: ['80:80']\n"
        b"  worker:\n    extends: {file: other.yaml, service: job}\n    env_file: .env\n",
        b"services:\n  web:\n    privileged: true\n    environment:\n      - PASSWORD=${PASS}\n",
        b"TAG=1.25\nPASS=secret\n",
        b"services:\n  job:\n    image: busybox:1\n    extends: {file: compose.yaml, service: web}\n",
        b"services:\n  sub:\n    image: alpine:3\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n",
        b"FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
        b"services:\n  evil:\n    image: x\n",
    ])
    add("compose_load", project)
    add("lint_fix", b"\x01" + project)
    for path in dockerfiles[:40]:
        text = strip_expectations(path.read_bytes()).decode("utf-8", "replace")
        session = lsp_session("file:///nonexistent-drydock-fuzz/Dockerfile", "dockerfile", text)
        add("lsp_messages", b"\x00" + session)
        add("lsp_messages", b"\x02" + session)
    for path in composes[:20]:
        text = strip_expectations(path.read_bytes()).decode("utf-8", "replace")
        session = lsp_session("file:///nonexistent-drydock-fuzz/compose.yaml", "dockercompose", text)
        add("lsp_messages", b"\x00" + session)
        add("lsp_messages", b"\x02" + session)
    init = frame({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                  "params": {"capabilities": {}, "rootUri": None, "initializationOptions": {"select": ["DL3004"]}}})
    add("lsp_messages", b"\x01" + init + frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        + lsp_session("file:///x/Dockerfile", "dockerfile", "FROM a\nRUN sudo x\n"))
    add("lsp_messages", b"\x00Content-Length: 5\r\n\r\n{oops" + frame({"jsonrpc": "2.0", "id": 1, "method": 3}))
    for target, items in seeds.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in items.items():
            (folder / name).write_bytes(data)
        print(f"{target}: {len(items)} seeds in {folder}")


if __name__ == "__main__":
    main()
