// The VS Code side of drydock: starts `drydock server` with vscode-languageclient for Dockerfiles
// and compose files, passes the `drydock.*` settings to it, and adds the commands. Everything
// the server does (diagnostics, quick fixes, hovers, completion, navigation) comes from it.

import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

import { fixAllParams, pickFixAllEdit } from "./fixAll";
import { findServer, isExecutableFile } from "./server";
import { type ExtensionSettings, RESTART_SETTINGS, toServerSettings } from "./settings";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let starting: Promise<void> | undefined;

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function readSettings(scope?: vscode.ConfigurationScope): ExtensionSettings {
  const config = vscode.workspace.getConfiguration("drydock", scope);
  return {
    path: config.get<string>("path", ""),
    select: config.get<string[] | null>("select", null),
    extendSelect: config.get<string[]>("extendSelect", []),
    ignore: config.get<string[]>("ignore", []),
    failureThreshold: config.get<string>("failureThreshold", ""),
    configPath: config.get<string>("configPath", ""),
    envFromProcess: config.get<boolean>("envFromProcess", false),
    documentationUrl: config.get<string>("documentationUrl", ""),
  };
}

function serverSettings(scope?: vscode.ConfigurationScope): object {
  return toServerSettings(readSettings(scope), workspaceFolder());
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const lookup = findServer({
    configuredPath: readSettings().path ?? "",
    workspaceFolder: workspaceFolder(),
    extensionPath: context.extensionPath,
    platform: process.platform,
    env: process.env,
    isExecutable: isExecutableFile,
  });
  if (!lookup.found) {
    output.error(lookup.message);
    const choice = await vscode.window.showErrorMessage(
      `drydock: ${lookup.message}`,
      "Open Settings",
      "Show Output",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "drydock.path");
    } else if (choice === "Show Output") {
      output.show();
    }
    return;
  }
  output.info(`starting ${lookup.command} server (found through ${lookup.source})`);

  const serverOptions: ServerOptions = {
    command: lookup.command,
    args: ["server"],
    options: { cwd: workspaceFolder() },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "dockerfile" },
      { scheme: "untitled", language: "dockerfile" },
      { scheme: "file", language: "dockercompose" },
      { scheme: "untitled", language: "dockercompose" },
      // Compose files opened in plain YAML mode (a file association elsewhere): the server
      // recognises them by name.
      { scheme: "file", language: "yaml", pattern: "**/{compose,docker-compose}*.{yaml,yml}" },
    ],
    initializationOptions: serverSettings(),
    outputChannel: output,
    synchronize: { configurationSection: "drydock" },
    middleware: {
      workspace: {
        // The server asks for the `drydock` section: answer with the same mapping as the
        // initialization options (empty strings unset, paths expanded, client-only keys out).
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) {
            return answer;
          }
          return params.items.map((item, i) => {
            if (item.section !== "drydock") {
              return answer[i];
            }
            const scope = item.scopeUri !== undefined ? vscode.Uri.parse(item.scopeUri) : undefined;
            return serverSettings(scope);
          });
        },
      },
    },
  };
  client = new LanguageClient("drydock", "drydock", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    output.error(`the server did not start: ${String(e)}`);
    void vscode.window.showErrorMessage(`drydock: the server did not start (${String(e)}).`, "Show Output")
      .then((choice) => choice && output.show());
  }
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  if (old !== undefined) {
    try {
      await old.stop(2000);
    } catch (e) {
      output.warn(`stopping the server: ${String(e)}`);
    }
    await old.dispose();
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (starting !== undefined) {
    await starting;
  }
  starting = (async () => {
    await stop();
    await start(context);
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || client === undefined || !client.isRunning()) {
    void vscode.window.showWarningMessage("drydock: open a Dockerfile or compose file (with the server running) first.");
    return;
  }
  const document = editor.document;
  const version = document.version;
  const last = document.lineAt(document.lineCount - 1);
  const answer = await client.sendRequest(
    "textDocument/codeAction",
    fixAllParams(client.code2ProtocolConverter.asUri(document.uri), last.lineNumber, last.text.length),
  );
  const edit = pickFixAllEdit(answer);
  if (edit === undefined) {
    void vscode.window.showInformationMessage("drydock: no problem here can be fixed automatically.");
    return;
  }
  if (document.version !== version) {
    void vscode.window.showWarningMessage("drydock: the document changed while fixing; run the command again.");
    return;
  }
  // The server's edit replaces the whole document with `drydock check --fix`'s result.
  const workspaceEdit = await client.protocol2CodeConverter.asWorkspaceEdit(
    edit as Parameters<typeof client.protocol2CodeConverter.asWorkspaceEdit>[0],
  );
  if (workspaceEdit === undefined || !(await vscode.workspace.applyEdit(workspaceEdit))) {
    void vscode.window.showWarningMessage("drydock: VS Code did not apply the fixes.");
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("drydock", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("drydock.restartServer", () => restart(context)),
    vscode.commands.registerCommand("drydock.fixAll", fixAll),
    vscode.commands.registerCommand("drydock.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(name))) {
        void restart(context);
      }
    }),
    // `drydock.path` from the workspace settings counts only once the workspace is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart(context)),
  );
  await restart(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}
