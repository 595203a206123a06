//! drydock's language server: diagnostics, fixes, hovers, completion and navigation for
//! Dockerfiles and compose files, over stdio (`drydock server`).
//!
//! Built on `lsp-server` (a synchronous scaffold: no async runtime) and `gen-lsp-types`. Only
//! this crate knows LSP types; it reads documents, lints them with `drydock_linter` and turns
//! the results into LSP values.

pub mod diagnostics;
pub mod document;
pub mod handlers;
pub mod lint;
mod server;
pub mod session;
pub mod transport;
pub mod uri;

pub use server::{run, run_on_text};

/// Runs the server over standard input and output until the client exits, closes its end or
/// dies. It never waits for standard input after the loop ended (a dead client's pipe may stay
/// open).
///
/// # Errors
/// A broken handshake, or a client whose message framing broke.
pub fn run_stdio() -> anyhow::Result<()> {
    let (connection, text, io) = transport::stdio();
    let result = run_on_text(connection, text);
    // The connection is dropped by now: the writer flushes what is queued, then stops.
    let framing = io.finish();
    match (result, framing) {
        (_, Err(e)) => Err(e.into()),
        (result, Ok(())) => result,
    }
}
