// The extension's protocol-facing code against the real `drydock server`, with the client
// capabilities vscode-languageclient 9 sends (pull diagnostics, workspace/configuration, code
// action literals): the settings mapping answers the server's configuration requests, and the
// fix-all request finds the server's `source.fixAll.drydock` action. VS Code itself cannot run
// here; this covers what the extension adds on top of vscode-languageclient.
//
// The binary: $DRYDOCK_BIN, else ../../target/debug/drydock. Without one the tests are skipped,
// unless DRYDOCK_REQUIRE_SERVER=1 (CI), where they fail.

import * as assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

import { FIX_ALL_KIND, fixAllParams, pickFixAllEdit } from "../fixAll";
import { type ExtensionSettings, toServerSettings } from "../settings";

const repoRoot = path.resolve(__dirname, "..", "..", "..", "..");
const binary = process.env.DRYDOCK_BIN ?? path.join(repoRoot, "target", "debug", "drydock");
const available = fs.existsSync(binary);
if (!available && process.env.DRYDOCK_REQUIRE_SERVER === "1") {
  throw new Error(`DRYDOCK_REQUIRE_SERVER=1 but there is no drydock binary at ${binary}`);
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A minimal LSP client over stdio (Content-Length framing), answering the server's requests
 *  the way vscode-languageclient does. */
class Client {
  private child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  settings: ExtensionSettings = {};
  configurationRequests = 0;

  constructor(command: string, cwd: string) {
    this.child = spawn(command, ["server"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on("data", () => undefined);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) {
        return;
      }
      const match = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString("ascii"));
      const length = Number(match?.[1] ?? 0);
      if (this.buffer.length < headerEnd + 4 + length) {
        return;
      }
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.onMessage(JSON.parse(body));
    }
  }

  private onMessage(message: Json): void {
    if (message.id !== undefined && message.method !== undefined) {
      // A request from the server.
      let result: Json = null;
      if (message.method === "workspace/configuration") {
        this.configurationRequests += 1;
        // What the extension's configuration middleware answers.
        result = message.params.items.map((item: Json) =>
          item.section === "drydock" ? toServerSettings(this.settings, repoRoot) : null,
        );
      }
      this.send({ jsonrpc: "2.0", id: message.id, result });
    } else if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) {
        waiter?.reject(new Error(JSON.stringify(message.error)));
      } else {
        waiter?.resolve(message.result);
      }
    }
  }

  private send(message: Json): void {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method: string, params: Json): Promise<Json> {
    const id = this.nextId++;
    this.send({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      setTimeout(() => reject(new Error(`${method}: no answer in 20 s`)), 20000).unref();
    });
  }

  notify(method: string, params: Json): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  async close(): Promise<void> {
    await this.request("shutdown", null).catch(() => undefined);
    this.notify("exit", null);
    await new Promise((resolve) => {
      this.child.once("exit", resolve);
      setTimeout(() => {
        this.child.kill();
        resolve(undefined);
      }, 5000).unref();
    });
  }
}

/** The capabilities of vscode-languageclient 9 that the server reads. */
const CAPABILITIES = {
  general: { positionEncodings: ["utf-16"] },
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
    diagnostics: { refreshSupport: true },
    workspaceEdit: { documentChanges: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: true, didSave: true },
    publishDiagnostics: {
      relatedInformation: true,
      versionSupport: false,
      tagSupport: { valueSet: [1, 2] },
      codeDescriptionSupport: true,
      dataSupport: true,
    },
    diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
    codeAction: {
      dynamicRegistration: true,
      isPreferredSupport: true,
      dataSupport: true,
      codeActionLiteralSupport: {
        codeActionKind: {
          valueSet: ["", "quickfix", "refactor", "refactor.extract", "source", "source.organizeImports"],
        },
      },
    },
    hover: { contentFormat: ["markdown", "plaintext"] },
  },
};

const DOCKERFILE = "from debian:12 as Build\nRUN sudo apt-get update\nUSER 1000\n";

/** Applies a workspace edit (documentChanges or changes) to one document's text. */
function applyEdit(text: string, edit: Json, uri: string): string {
  const edits: Json[] = [];
  for (const change of edit.documentChanges ?? []) {
    if (change.textDocument?.uri === uri) {
      edits.push(...change.edits);
    }
  }
  edits.push(...(edit.changes?.[uri] ?? []));
  const lines = text.split("\n");
  const offset = (p: Json) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of edits.sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

describe("the extension's requests against drydock server", { skip: !available && `no drydock binary at ${binary}` }, () => {
  let client: Client;
  let dir: string;
  let uri: string;

  const codes = async (): Promise<string[]> => {
    const report = await client.request("textDocument/diagnostic", { textDocument: { uri } });
    assert.equal(report.kind, "full");
    return report.items.map((d: Json) => d.code).sort();
  };

  /** Changes the settings and waits until the server has asked for them. */
  const configure = async (settings: ExtensionSettings): Promise<void> => {
    client.settings = settings;
    const asked = client.configurationRequests;
    client.notify("workspace/didChangeConfiguration", { settings: { drydock: settings } });
    for (let i = 0; i < 200 && client.configurationRequests === asked; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(client.configurationRequests > asked, "the server asked for the drydock section");
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "drydock-vscode-"));
    const file = path.join(dir, "Dockerfile");
    fs.writeFileSync(file, DOCKERFILE);
    uri = `file://${file}`;
    client = new Client(binary, dir);
    client.settings = { select: null, extendSelect: [], ignore: [], failureThreshold: "" };
    const init = await client.request("initialize", {
      processId: process.pid,
      clientInfo: { name: "Visual Studio Code", version: "1.82.0" },
      rootUri: `file://${dir}`,
      workspaceFolders: [{ uri: `file://${dir}`, name: "project" }],
      capabilities: CAPABILITIES,
      initializationOptions: toServerSettings(client.settings, dir),
    });
    assert.equal(init.serverInfo.name, "drydock");
    client.notify("initialized", {});
    client.notify("textDocument/didOpen", {
      textDocument: { uri, languageId: "dockerfile", version: 1, text: DOCKERFILE },
    });
  });

  after(async () => {
    await client?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lints with the default settings", async () => {
    const found = await codes();
    for (const code of ["BK001", "DL3004", "DS114"]) {
      assert.ok(found.includes(code), `${code} in ${found}`);
    }
  });

  it("reads changed settings through workspace/configuration (ignore, failure threshold)", async () => {
    // The server asks for the section (as it does with VS Code), then lints with the answer.
    await configure({ ignore: ["DL3004"], failureThreshold: "" });
    let found = await codes();
    assert.ok(!found.includes("DL3004"), `DL3004 ignored: ${found}`);
    assert.ok(found.includes("BK001"), `${found}`);

    await configure({ failureThreshold: "info" });
    found = await codes();
    assert.ok(found.includes("DL3004") && found.includes("DS114"), `${found}`);
    assert.ok(!found.includes("BK001"), `style findings hidden at threshold info: ${found}`);
  });

  it("fix all: finds the source.fixAll.drydock action and its edit is drydock check --fix's", async () => {
    await configure({});
    const answer = await client.request("textDocument/codeAction", fixAllParams(uri, 3, 0));
    assert.ok(Array.isArray(answer) && answer.every((a: Json) => a.kind === FIX_ALL_KIND), JSON.stringify(answer));
    const edit = pickFixAllEdit(answer);
    assert.ok(edit !== undefined, "a fix-all edit");
    assert.equal(applyEdit(DOCKERFILE, edit, uri), "FROM debian:12 AS build\nRUN sudo apt-get update\nUSER 1000\n");
  });
});
