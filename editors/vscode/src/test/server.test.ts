// Unit tests of the server lookup: setting, then bundled binary, then PATH, else a message.

import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";

import { expandPath, findServer, INSTALL_HELP, type LookupContext } from "../server";

const EXT = "/ext";
const WS = "/work/project";

function context(files: string[], overrides: Partial<LookupContext> = {}): LookupContext {
  const executables = new Set(files);
  return {
    configuredPath: "",
    workspaceFolder: WS,
    extensionPath: EXT,
    platform: "linux",
    env: { PATH: "/usr/local/bin:/usr/bin" },
    isExecutable: (file) => executables.has(file),
    homeDir: "/home/me",
    ...overrides,
  };
}

describe("findServer", () => {
  it("prefers the drydock.path setting over everything", () => {
    const ctx = context(["/opt/drydock/bin/drydock", `${EXT}/bin/drydock`, "/usr/bin/drydock"], {
      configuredPath: "/opt/drydock/bin/drydock",
    });
    assert.deepEqual(findServer(ctx), { found: true, command: "/opt/drydock/bin/drydock", source: "setting" });
  });

  it("expands ~ and ${workspaceFolder}, and takes relative paths from the workspace folder", () => {
    assert.deepEqual(
      findServer(context(["/home/me/.cargo/bin/drydock"], { configuredPath: "~/.cargo/bin/drydock" })),
      { found: true, command: "/home/me/.cargo/bin/drydock", source: "setting" },
    );
    assert.deepEqual(
      findServer(context([`${WS}/tools/drydock`], { configuredPath: "${workspaceFolder}/tools/drydock" })),
      { found: true, command: `${WS}/tools/drydock`, source: "setting" },
    );
    assert.deepEqual(
      findServer(context([path.join(WS, "target/debug/drydock")], { configuredPath: "target/debug/drydock" })),
      { found: true, command: path.join(WS, "target/debug/drydock"), source: "setting" },
    );
  });

  it("looks a bare name in the setting up on PATH", () => {
    assert.deepEqual(
      findServer(context(["/usr/bin/drydock-nightly"], { configuredPath: "drydock-nightly" })),
      { found: true, command: "/usr/bin/drydock-nightly", source: "setting" },
    );
  });

  it("reports a setting that names no executable instead of silently using another binary", () => {
    const result = findServer(context([`${EXT}/bin/drydock`, "/usr/bin/drydock"], { configuredPath: "/nope/drydock" }));
    assert.equal(result.found, false);
    assert.match(!result.found ? result.message : "", /drydock\.path is set to `\/nope\/drydock`/);
  });

  it("uses the bundled binary when the setting is empty", () => {
    assert.deepEqual(findServer(context([`${EXT}/bin/drydock`, "/usr/bin/drydock"], { configuredPath: "  " })), {
      found: true,
      command: `${EXT}/bin/drydock`,
      source: "bundled",
    });
  });

  it("falls back to PATH, in PATH order", () => {
    assert.deepEqual(findServer(context(["/usr/bin/drydock", "/usr/local/bin/drydock"])), {
      found: true,
      command: "/usr/local/bin/drydock",
      source: "path",
    });
  });

  it("says how to install drydock when there is none", () => {
    const result = findServer(context([]));
    assert.equal(result.found, false);
    const message = !result.found ? result.message : "";
    assert.ok(message.includes(INSTALL_HELP), message);
    assert.match(message, /cargo install --locked/);
    assert.match(message, /drydock\.path/);
  });

  it("finds drydock.exe on Windows through PATHEXT", () => {
    const ctx = context([path.join("C:\\tools", "drydock.exe")], {
      platform: "win32",
      env: { Path: "C:\\tools", PATHEXT: ".COM;.EXE" },
    });
    const result = findServer(ctx);
    assert.equal(result.found && result.source, "path");
    assert.equal(result.found && result.command, path.join("C:\\tools", "drydock.exe"));
    const bundled = context([path.join(EXT, "bin", "drydock.exe")], { platform: "win32", env: {} });
    assert.equal(findServer(bundled).found && (findServer(bundled) as { source: string }).source, "bundled");
  });
});

describe("expandPath", () => {
  it("leaves absolute paths and bare names alone", () => {
    assert.equal(expandPath("/usr/bin/drydock", { workspaceFolder: WS, homeDir: "/h" }), "/usr/bin/drydock");
    assert.equal(expandPath("drydock", { workspaceFolder: WS, homeDir: "/h" }), "drydock");
    assert.equal(expandPath("${userHome}/bin/drydock", { homeDir: "/h" }), "/h/bin/drydock");
  });
});
