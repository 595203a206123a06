// Runs before `vsce package` (the `vscode:prepublish` script, after `tsc`): copies into the
// extension folder what it ships from the repository, none of which is checked in here:
//
// - LICENSE (the repository's);
// - schemas/drydock.schema.json (the `.drydock.yaml` schema, for `yamlValidation`);
// - bin/drydock (bin/drydock.exe on Windows) from $DRYDOCK_BINARY, when set: the server
//   bundled in a platform-specific package (`vsce package --target linux-x64`). Without it the
//   package has no server and the extension looks for `drydock` on PATH.

"use strict";

const fs = require("fs");
const path = require("path");

const extension = path.resolve(__dirname, "..");
const repo = path.resolve(extension, "..", "..");

function copy(from, to, mode) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  if (mode !== undefined) {
    fs.chmodSync(to, mode);
  }
  console.log(`prepare-package: ${path.relative(repo, from)} -> ${path.relative(extension, to)}`);
}

copy(path.join(repo, "LICENSE"), path.join(extension, "LICENSE"));
copy(path.join(repo, "schemas", "drydock.schema.json"), path.join(extension, "schemas", "drydock.schema.json"));

fs.rmSync(path.join(extension, "bin"), { recursive: true, force: true });
const binary = process.env.DRYDOCK_BINARY;
if (binary) {
  const name = path.extname(binary) === ".exe" ? "drydock.exe" : "drydock";
  copy(path.resolve(binary), path.join(extension, "bin", name), 0o755);
} else {
  console.log("prepare-package: DRYDOCK_BINARY is not set: no bundled server (drydock from PATH)");
}
