// Unit tests of the mapping from the extension's settings to the server's.

import * as assert from "node:assert/strict";
import { describe, it } from "node:test";

import { FIX_ALL_KIND, fixAllParams, pickFixAllEdit } from "../fixAll";
import { toServerSettings } from "../settings";

describe("toServerSettings", () => {
  it("gives the server defaults for default settings, without client-only keys", () => {
    assert.deepEqual(
      toServerSettings({
        path: "/usr/bin/drydock",
        select: null,
        extendSelect: [],
        ignore: [],
        failureThreshold: "",
        configPath: "",
        envFromProcess: false,
        documentationUrl: "",
        trace: { server: "verbose" },
      }),
      { extendSelect: [], ignore: [], envFromProcess: false },
    );
  });

  it("passes rule selection, threshold and paths through", () => {
    assert.deepEqual(
      toServerSettings(
        {
          select: ["DS", " DL3004 "],
          extendSelect: ["DL3057", ""],
          ignore: ["DS114"],
          failureThreshold: "warning",
          configPath: "${workspaceFolder}/ci/.drydock.yaml",
          envFromProcess: true,
          documentationUrl: "https://example.invalid/rules",
        },
        "/work/project",
      ),
      {
        select: ["DS", "DL3004"],
        extendSelect: ["DL3057"],
        ignore: ["DS114"],
        failureThreshold: "warning",
        configPath: "/work/project/ci/.drydock.yaml",
        envFromProcess: true,
        documentationUrl: "https://example.invalid/rules",
      },
    );
  });

  it("keeps an explicit empty selection (no rules) apart from an unset one", () => {
    assert.deepEqual(toServerSettings({ select: [] }).select, []);
    assert.equal(toServerSettings({}).select, undefined);
  });

  it("tolerates values of the wrong type", () => {
    const weird = { select: "DS", extendSelect: [1, "DL3057"], envFromProcess: "yes" } as unknown as Parameters<
      typeof toServerSettings
    >[0];
    assert.deepEqual(toServerSettings(weird), { extendSelect: ["DL3057"], ignore: [], envFromProcess: false });
  });
});

describe("fix all", () => {
  it("asks for the fix-all kind only, over the whole document", () => {
    assert.deepEqual(fixAllParams("file:///p/Dockerfile", 3, 7), {
      textDocument: { uri: "file:///p/Dockerfile" },
      range: { start: { line: 0, character: 0 }, end: { line: 3, character: 7 } },
      context: { diagnostics: [], only: [FIX_ALL_KIND], triggerKind: 1 },
    });
  });

  it("picks the fix-all action's edit and nothing else", () => {
    const edit = { changes: {} };
    assert.equal(pickFixAllEdit(null), undefined);
    assert.equal(pickFixAllEdit([{ title: "x", command: "y" }]), undefined);
    assert.equal(pickFixAllEdit([{ kind: "quickfix", edit: {} }, { kind: FIX_ALL_KIND }]), undefined);
    assert.equal(pickFixAllEdit([{ kind: "quickfix", edit: {} }, { kind: FIX_ALL_KIND, edit }]), edit);
  });
});
