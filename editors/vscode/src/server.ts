// Finding the drydock binary: the `drydock.path` setting, then the binary bundled with the
// extension, then `drydock` on PATH; else a message that says how to install it. No `vscode`
// import, so that the unit tests run under plain Node.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What the lookup needs to know about the machine (injected by the tests). */
export interface LookupContext {
  /** The `drydock.path` setting ("" when unset). */
  configuredPath: string;
  /** The first workspace folder, for `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  /** The extension's folder: a bundled binary is `bin/drydock` (`bin/drydock.exe`) in it. */
  extensionPath: string;
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** The environment (PATH, PATHEXT, HOME). */
  env: NodeJS.ProcessEnv;
  /** Whether a file exists and can be run. */
  isExecutable: (file: string) => boolean;
  /** The user's home folder, for `~`. */
  homeDir?: string;
}

/** Where the server binary was found, or why it was not. */
export type Lookup =
  | { found: true; command: string; source: "setting" | "bundled" | "path" }
  | { found: false; message: string };

/** How to install drydock, for the "not found" message. */
export const INSTALL_HELP =
  "Install drydock with `cargo install --locked --git https://github.com/drydock-lint/drydock drydock` " +
  "(it needs a Rust toolchain), put it on PATH, or set `drydock.path` to the binary.";

/** Expands `~`, `${userHome}` and `${workspaceFolder}`; a relative path is taken from the
 *  workspace folder (or left for PATH lookup when there is none). */
export function expandPath(value: string, ctx: Pick<LookupContext, "workspaceFolder" | "homeDir">): string {
  const home = ctx.homeDir ?? os.homedir();
  let out = value.trim();
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = home + out.slice(1);
  }
  out = out.replace(/\$\{userHome\}/g, home);
  if (ctx.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
    if (!path.isAbsolute(out) && (out.includes("/") || out.includes("\\"))) {
      out = path.join(ctx.workspaceFolder, out);
    }
  }
  return out;
}

function executableNames(name: string, ctx: LookupContext): string[] {
  if (ctx.platform !== "win32") {
    return [name];
  }
  if (path.extname(name) !== "") {
    return [name];
  }
  const exts = (ctx.env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e !== "");
  return [name, ...exts.map((e) => name + e.toLowerCase()), ...exts.map((e) => name + e)];
}

/** Looks a bare command name up on PATH. */
export function searchPath(name: string, ctx: LookupContext): string | undefined {
  const pathVar = ctx.env.PATH ?? ctx.env.Path ?? "";
  const delimiter = ctx.platform === "win32" ? ";" : ":";
  for (const dir of pathVar.split(delimiter)) {
    if (dir === "") {
      continue;
    }
    for (const candidate of executableNames(name, ctx)) {
      const file = path.join(dir, candidate);
      if (ctx.isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/** Finds the server: the setting, then the bundled binary, then PATH. */
export function findServer(ctx: LookupContext): Lookup {
  const configured = ctx.configuredPath.trim();
  if (configured !== "") {
    const expanded = expandPath(configured, ctx);
    const isBareName = !expanded.includes("/") && !expanded.includes("\\");
    if (isBareName) {
      const onPath = searchPath(expanded, ctx);
      if (onPath !== undefined) {
        return { found: true, command: onPath, source: "setting" };
      }
    } else {
      for (const candidate of executableNames(expanded, ctx)) {
        if (ctx.isExecutable(candidate)) {
          return { found: true, command: candidate, source: "setting" };
        }
      }
    }
    return {
      found: false,
      message: `drydock.path is set to \`${configured}\`, which is not an executable file. Fix the setting, or clear it to use the bundled binary or \`drydock\` on PATH.`,
    };
  }
  const exe = ctx.platform === "win32" ? "drydock.exe" : "drydock";
  const bundled = path.join(ctx.extensionPath, "bin", exe);
  if (ctx.isExecutable(bundled)) {
    return { found: true, command: bundled, source: "bundled" };
  }
  const onPath = searchPath("drydock", ctx);
  if (onPath !== undefined) {
    return { found: true, command: onPath, source: "path" };
  }
  return { found: false, message: `The drydock binary was not found. ${INSTALL_HELP}` };
}

/** The real file system check: a regular file with an execute bit (any file on Windows). */
export function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === "win32") {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
