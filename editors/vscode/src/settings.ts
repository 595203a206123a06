// The extension's `drydock.*` settings as the server reads them: the `initializationOptions`
// and the answer to `workspace/configuration` for the `drydock` section (`ClientSettings` in
// crates/drydock_server/src/session.rs). No `vscode` import (unit-tested under plain Node).

import { expandPath } from "./server";

/** The `drydock` settings section as VS Code returns it (every key optional). */
export interface ExtensionSettings {
  path?: string;
  select?: string[] | null;
  extendSelect?: string[];
  ignore?: string[];
  failureThreshold?: string;
  configPath?: string;
  envFromProcess?: boolean;
  documentationUrl?: string;
  trace?: { server?: string };
}

/** What the server accepts (every key optional; unknown keys are ignored by the server). */
export interface ServerSettings {
  select?: string[];
  extendSelect: string[];
  ignore: string[];
  failureThreshold?: string;
  configPath?: string;
  envFromProcess: boolean;
  documentationUrl?: string;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim())
    : [];
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Maps the extension's settings onto the server's. Client-only keys (`path`, `trace`) are
 *  left out; empty strings mean "unset"; `configPath` is expanded like `drydock.path`. */
export function toServerSettings(
  settings: ExtensionSettings,
  workspaceFolder?: string,
  homeDir?: string,
): ServerSettings {
  const out: ServerSettings = {
    extendSelect: stringList(settings.extendSelect),
    ignore: stringList(settings.ignore),
    envFromProcess: settings.envFromProcess === true,
  };
  if (Array.isArray(settings.select)) {
    out.select = stringList(settings.select);
  }
  const threshold = nonEmpty(settings.failureThreshold);
  if (threshold !== undefined) {
    out.failureThreshold = threshold;
  }
  const configPath = nonEmpty(settings.configPath);
  if (configPath !== undefined) {
    out.configPath = expandPath(configPath, { workspaceFolder, homeDir });
  }
  const docs = nonEmpty(settings.documentationUrl);
  if (docs !== undefined) {
    out.documentationUrl = docs;
  }
  return out;
}

/** The settings whose change needs a new server process (the others are sent to it). */
export const RESTART_SETTINGS = ["drydock.path"];
