#!/usr/bin/env bash
# Installs drydock for the GitHub Action (action.yml), built with cargo from the action's own
# source, once per source version: the install folder is keyed by a hash of the sources and
# kept between runs by actions/cache.
#
#   install.sh locate    # writes `root` and `key` to $GITHUB_OUTPUT
#   install.sh install   # builds into $DRYDOCK_ROOT unless it has a working drydock; adds its
#                        # bin folder to $GITHUB_PATH
#
# Tested by scripts/test-ci-templates (with a stand-in cargo).
set -euo pipefail

action="${GITHUB_ACTION_PATH:?install.sh runs inside the drydock action}"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

case "${1:-}" in
  locate)
    hash="$(cd "$action" && find Cargo.toml Cargo.lock crates -type f -print0 | LC_ALL=C sort -z \
      | xargs -0 cat | sha256 | cut -c1-16)"
    key="drydock-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-$hash"
    root="${RUNNER_TOOL_CACHE:-$HOME/.cache}/drydock-action/$key"
    echo "root=$root" >> "${GITHUB_OUTPUT:?}"
    echo "key=$key" >> "$GITHUB_OUTPUT"
    ;;
  install)
    root="${DRYDOCK_ROOT:?}"
    if "$root/bin/drydock" --version >/dev/null 2>&1; then
      echo "drydock: using the cached build in $root"
    else
      if ! command -v cargo >/dev/null 2>&1; then
        echo "::error title=drydock::cargo was not found: add a Rust toolchain step (for example dtolnay/rust-toolchain@stable) before the drydock action"
        exit 1
      fi
      echo "drydock: building from $action (cargo install --locked)"
      cargo install --locked --path "$action" --root "$root" --bin drydock
    fi
    echo "$root/bin" >> "${GITHUB_PATH:?}"
    "$root/bin/drydock" --version
    ;;
  *)
    echo "usage: install.sh locate|install" >&2
    exit 2
    ;;
esac
