# syntax=docker/dockerfile:1
# drydock's container image. Build and run it from the repository root:
#
#   docker build -t drydock .
#   docker run --rm -v "$PWD:/src:ro" drydock check
#
# Two stages: the build stage compiles the release binary with the toolchain named by
# `rust-version` (or newer); the final stage is distroless (glibc and libgcc, no shell, no
# package manager) and runs as an unprivileged user. drydock lints this file with zero findings
# (tests/tests/integrations.rs).

ARG RUST_VERSION=1.90

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /build
COPY . .
# The registry and target folders are BuildKit caches, so rebuilds after a source change are
# incremental; the binary is copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked --bin drydock \
    && install -m 0755 target/release/drydock /usr/local/bin/drydock

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="drydock" \
      org.opencontainers.image.description="A Dockerfile and Docker Compose linter with an LSP server" \
      org.opencontainers.image.source="https://github.com/drydock-lint/drydock" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /usr/local/bin/drydock /usr/local/bin/drydock
# The project to lint is mounted here (read-only is enough unless you use --fix).
WORKDIR /src
# distroless's `nonroot` user, numerically, so that `runAsNonRoot` policies can check it.
USER 65532:65532
# A command-line tool, not a service: nothing to probe.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/drydock"]
CMD ["check"]
