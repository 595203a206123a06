//! `drydock completions SHELL` and `drydock manpage`: files generated from the command line's
//! definition (clap), so they never drift from it.

use std::io::Write;

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::commands::check::ExitStatus;

/// Prints the completion script for a shell.
#[must_use]
pub fn completions(args: &CompletionsArgs) -> ExitStatus {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "drydock", &mut out);
    write_stdout(&out)
}

/// Prints the man page.
#[must_use]
pub fn run_manpage() -> ExitStatus {
    match manpage() {
        Ok(page) => write_stdout(&page),
        Err(e) => {
            eprintln!("drydock: error: {e}");
            ExitStatus::Error
        }
    }
}

/// `drydock.1` (roff): the top-level page clap_mangen renders, then one `COMMANDS`
/// subsection per subcommand with its description, synopsis, options and notes, so that a
/// single page documents every option.
///
/// # Errors
/// Never in practice (writing to memory).
pub fn manpage() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_bin_name().unwrap_or_else(|| sub.get_name());
        writeln!(out, ".SS \"{}\"", name.replace('-', "\\-"))?;
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut section = |render: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
            let mut chunk = Vec::new();
            render(&mut chunk)?;
            append_body(&mut out, &chunk)
        };
        section(&|w| sub_man.render_description_section(w))?;
        section(&|w| sub_man.render_synopsis_section(w))?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            section(&|w| sub_man.render_options_section(w))?;
        }
        if sub.get_after_help().is_some() || sub.get_after_long_help().is_some() {
            section(&|w| sub_man.render_extra_section(w))?;
        }
    }
    man.render_version_section(&mut out)?;
    // Each rendering starts with the same string definitions: keep the first ones.
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut page = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i >= 2 && is_preamble(line) {
            continue;
        }
        page.push_str(line);
        page.push('\n');
    }
    Ok(page.into_bytes())
}

fn is_preamble(line: &str) -> bool {
    line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq")
}

/// Appends a rendered section without its `.SH` heading and roff preamble (the string
/// definitions every rendering starts with), separated by a paragraph break.
fn append_body(out: &mut Vec<u8>, chunk: &[u8]) -> std::io::Result<()> {
    let text = String::from_utf8_lossy(chunk);
    writeln!(out, ".PP")?;
    for line in text.lines() {
        if line.starts_with(".SH ") || is_preamble(line) {
            continue;
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> ExitStatus {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitStatus::Success,
        // A closed pipe (`drydock manpage | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(e) => {
            eprintln!("drydock: error: {e}");
            ExitStatus::Error
        }
    }
}
