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
pub mod uri;

pub use server::run;

/// Runs the server over standard input and output until the client exits.
///
/// # Errors
/// A broken handshake or an I/O error on the connection.
pub fn run_stdio() -> anyhow::Result<()> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    run(connection)?;
    io_threads.join()?;
    Ok(())
}
