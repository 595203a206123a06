//! The properties the fuzz targets check (`fuzz/fuzz_targets/*.rs` are one-line wrappers), kept
//! here so that the stable test suite replays every saved crash input (`fuzz/regressions/`)
//! through exactly the same checks (`tests/tests/fuzz_regressions.rs`).
//!
//! Each function panics when a property does not hold; libFuzzer turns the panic into a crash
//! report.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use drydock_compose::project::{self, FileSystem, LoadOptions, Problem};
use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Args, Dockerfile, Instruction, ItemKind, parse};
use drydock_linter::compose::{ComposeInput, lint_project};
use drydock_linter::fix::{MAX_ROUNDS, apply_edits, fix_compose, select_fixes, uses_crlf};
use drydock_linter::{
    DockerfileInput, Edit, Settings, lint_dockerfile, lint_dockerfile_after, registry,
};
use drydock_text::{SourceText, TextRange};

/// The fuzz targets, by name (also the folder names under `fuzz/regressions/`).
pub const TARGETS: [&str; 4] = [
    "dockerfile_parse",
    "compose_load",
    "lint_fix",
    "lsp_messages",
];

/// Runs target `name` on `data`.
///
/// # Panics
/// When a property does not hold, or `name` is not a target.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "dockerfile_parse" => dockerfile_parse(data),
        "compose_load" => compose_load(data),
        "lint_fix" => lint_fix(data),
        "lsp_messages" => lsp_messages(data),
        _ => panic!("no fuzz target `{name}`"),
    }
}

fn all_rules() -> Settings {
    let all: Vec<_> = registry::ids().collect();
    Settings::only(&all)
}

fn in_text(range: TextRange, text: &str, what: &str) {
    let (s, e) = (usize::from(range.start()), usize::from(range.end()));
    assert!(
        s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e),
        "{what} range {range:?} is not inside the text ({} bytes) on character boundaries",
        text.len()
    );
}

fn check_instruction(i: &Instruction, text: &str) {
    in_text(i.range, text, "instruction");
    in_text(i.keyword.range, text, "keyword");
    for f in &i.flags {
        in_text(f.range, text, "flag");
        in_text(f.name_range, text, "flag name");
        if let Some(v) = f.value_range {
            in_text(v, text, "flag value");
        }
    }
    for h in &i.heredocs {
        in_text(h.marker, text, "heredoc marker");
        in_text(h.body, text, "heredoc body");
    }
    let mut words = Vec::new();
    match &i.args {
        Args::Exec(e) => words.extend(e.elements.iter().map(|w| w.range)),
        Args::Shell(s) => words.push(s.range),
        Args::Paths(p) => words.extend(p.items.iter().map(|w| w.range)),
        Args::Words(w) => words.extend(w.iter().map(|w| w.range)),
        Args::KeyValues(kv) => words.extend(
            kv.pairs
                .iter()
                .flat_map(|p| [p.range, p.key.range, p.value.range]),
        ),
        Args::Arg(d) => words.extend(
            d.iter()
                .flat_map(|d| {
                    [
                        Some(d.range),
                        Some(d.name.range),
                        d.default.as_ref().map(|w| w.range),
                    ]
                })
                .flatten(),
        ),
        Args::Text(w) => words.push(w.range),
        Args::Healthcheck(h) => words.push(h.kind.range),
        Args::Onbuild(inner) => check_instruction(inner, text),
        Args::Empty | Args::Unknown(None) => {}
        Args::Unknown(Some(w)) => words.push(w.range),
    }
    for w in words {
        in_text(w, text, "argument");
    }
}

/// The tree's items partition the file, every range of an instruction and every error is
/// inside the file on character boundaries.
///
/// # Panics
/// When one is not.
pub fn check_dockerfile_ranges(file: &Dockerfile) {
    let text = file.text();
    let mut pos = 0usize;
    for item in file.items() {
        assert_eq!(
            usize::from(item.range.start()),
            pos,
            "items must partition the file"
        );
        pos = usize::from(item.range.end());
        if let ItemKind::Instruction(i) = &item.kind {
            check_instruction(i, text);
        }
    }
    assert_eq!(pos, text.len(), "items must cover the file");
    for e in file.errors() {
        in_text(e.range, text, "error");
    }
}

/// Every shell command, word and pipe of every `RUN` is inside the file.
///
/// # Panics
/// When one is not.
pub fn check_shell_ranges(model: &Model) {
    let text = model.text();
    for i in 0..model.instruction_count() {
        if let Some(script) = model.shell(i) {
            for c in &script.commands {
                in_text(c.range, text, "command");
                for w in c.words.iter().chain(&c.assignments).chain(&c.redirects) {
                    in_text(w.range, text, "shell word");
                }
            }
            for p in &script.pipes {
                in_text(*p, text, "pipe");
            }
        }
    }
}

/// Dockerfile parsing: the tree prints back to the input byte for byte, its ranges are sound,
/// and the model (stages, scopes, users, shell views) builds.
///
/// # Panics
/// When a property does not hold.
pub fn dockerfile_parse(data: &[u8]) {
    let file = parse(SourceText::from_bytes(data.to_vec()));
    assert!(file.to_bytes() == data, "the tree does not print the input");
    check_dockerfile_ranges(&file);
    let model = Model::new(file);
    check_shell_ranges(&model);
    for stage in 0..model.stages().len() {
        let _ = model.effective_user(stage);
        let _ = model.ancestry(stage).count();
    }
    for i in 0..model.instruction_count() {
        let _ = model.shell_spec(i);
        let _ = model.user_value(i);
        let _ = model.shell(i);
    }
    // An edited version (a byte moved) takes the shell views the edit did not touch from this
    // model, as the language server does: they must be a fresh parse's.
    if !data.is_empty() {
        let mut edited = data.to_vec();
        let moved = edited.remove(data.len() / 2);
        edited.insert(edited.len() / 3, moved);
        let after = Model::new(parse(SourceText::from_bytes(edited.clone())));
        after.reuse_shells(&model);
        let fresh = Model::new(parse(SourceText::from_bytes(edited)));
        for i in 0..fresh.instruction_count() {
            assert!(
                after.shell(i) == fresh.shell(i),
                "a reused shell view differs from a fresh one (instruction {i})"
            );
        }
    }
}

/// An in-memory file system for the compose target.
struct MemFs(HashMap<PathBuf, Vec<u8>>);

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(path)
    }
}

/// Separates the files of one compose input.
const SEPARATOR: &[u8] = b"\n#8<--\n";

/// Where the parts of a compose input go: the base file, its override, the `.env`, a file
/// `include` and `extends` can name, a file in a sub-folder, a build Dockerfile, a file outside
/// the root.
const COMPOSE_FILES: [&str; 7] = [
    "/p/compose.yaml",
    "/p/compose.override.yaml",
    "/p/.env",
    "/p/other.yaml",
    "/p/sub/compose.yaml",
    "/p/Dockerfile",
    "/outside/compose.yaml",
];

fn compose_fs(data: &[u8]) -> MemFs {
    let mut files = HashMap::new();
    let mut rest = data;
    for name in COMPOSE_FILES {
        let (part, next) = match find(rest, SEPARATOR) {
            Some(i) => (&rest[..i], Some(&rest[i + SEPARATOR.len()..])),
            None => (rest, None),
        };
        files.insert(PathBuf::from(name), part.to_vec());
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    MemFs(files)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn compose_options(fs: &MemFs) -> LoadOptions {
    let (files, _) = project::project_files(Path::new("/p/compose.yaml"), fs);
    LoadOptions {
        files,
        project_dir: Some(PathBuf::from("/p")),
        root: Some(PathBuf::from("/p")),
        ..LoadOptions::default()
    }
}

/// Compose loading: the base file, its override, `.env`, `include`, `extends`, merging and
/// interpolation, then every rule. Nothing outside the root is read, every file keeps its
/// bytes, every range is inside its file on character boundaries.
///
/// # Panics
/// When a property does not hold.
pub fn compose_load(data: &[u8]) {
    let fs = compose_fs(data);
    let options = compose_options(&fs);
    let loaded = project::load(&options, &fs);
    for file in &loaded.files {
        assert!(
            file.path.starts_with("/p"),
            "{} is outside the root and was read",
            file.path.display()
        );
        assert!(
            file.source.to_bytes() == fs.0[&file.path],
            "{}: the text does not keep the bytes",
            file.path.display()
        );
    }
    for problem in &loaded.problems {
        let origin = match problem {
            Problem::Yaml { origin, .. }
            | Problem::Interpolation { origin, .. }
            | Problem::UnsetVariable { origin, .. }
            | Problem::EnvFile { origin, .. }
            | Problem::Extends { origin, .. }
            | Problem::Include { origin, .. }
            | Problem::RemoteInclude { origin, .. }
            | Problem::OutsideRoot { origin, .. } => Some(*origin),
            Problem::Unreadable { origin, .. } => *origin,
        };
        if let Some(origin) = origin {
            in_text(
                origin.range,
                loaded.file(origin.file).source.text(),
                "problem",
            );
        }
    }
    for (_, tree) in &loaded.file_trees {
        let _ = drydock_compose::schema::validate(tree);
    }
    let input = ComposeInput {
        fs: &fs,
        focus: None,
    };
    let settings = all_rules();
    for d in lint_project(&loaded, &input, &settings) {
        let text = loaded.file(d.file).source.text();
        in_text(d.diagnostic.range, text, d.diagnostic.code);
        for label in d.diagnostic.labels.iter().filter(|l| l.file.is_none()) {
            in_text(label.range, text, "label");
        }
        for edit in d.diagnostic.fix.iter().flat_map(|f| &f.edits) {
            in_text(edit.range, text, "fix edit");
        }
    }
}

/// Whether every byte outside `edits` is where `apply_edits` must have left it: the output is
/// the input with each edited range replaced, in order.
///
/// Used by the fix property tests too.
#[must_use]
pub fn keeps_outside(before: &[u8], after: &[u8], edits: &[&Edit], crlf: bool) -> bool {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut pos = 0usize;
    let mut out = 0usize;
    for edit in sorted {
        let (start, end) = (
            usize::from(edit.range.start()),
            usize::from(edit.range.end()),
        );
        let kept = &before[pos..start];
        if after.get(out..out + kept.len()) != Some(kept) {
            return false;
        }
        out += kept.len();
        let content = if crlf {
            edit.content.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            edit.content.clone()
        };
        out += content.len();
        pos = end;
    }
    after.get(out..) == Some(&before[pos..])
}

/// Lint and fix. For a Dockerfile (first byte even): every rule on, unsafe fixes included, round
/// by round: no round adds a syntax error, bytes outside the edits never change, and fixing
/// stops within [`MAX_ROUNDS`] rounds; fixing the output again changes nothing; the language
/// server's lint of each fixed version, which carries findings over from the previous one
/// (`lint_dockerfile_after`), finds what a fresh lint finds. For a compose
/// project (first byte odd, files as in [`compose_load`]): no round is thrown away for making
/// the project worse, and fixing converges.
///
/// # Panics
/// When a property does not hold.
pub fn lint_fix(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let settings = all_rules();
    if mode % 2 == 1 {
        let fs = compose_fs(rest);
        let options = compose_options(&fs);
        let fixed = fix_compose(&options, &fs, None, &settings, true);
        assert!(
            !fixed.rejected,
            "a round of compose fixes made the project worse"
        );
        assert!(
            fixed.converged,
            "compose fixes did not converge in {MAX_ROUNDS} rounds"
        );
        return;
    }
    let input = DockerfileInput::default();
    let crlf = uses_crlf(rest);
    let mut current = rest.to_vec();
    let mut lint = lint_dockerfile(SourceText::from_bytes(current.clone()), input, &settings);
    // The language server's lint of each fixed version, carrying over what the previous
    // version's lint found on the instructions and stages a fix did not touch.
    let (_, mut previous) = lint_dockerfile_after(
        SourceText::from_bytes(current.clone()),
        None,
        input,
        &settings,
    )
    .into_previous();
    let mut rounds = 0;
    loop {
        let fixes = select_fixes(&lint.diagnostics, true);
        if fixes.is_empty() {
            break;
        }
        rounds += 1;
        assert!(
            rounds <= MAX_ROUNDS,
            "fixes did not converge in {MAX_ROUNDS} rounds"
        );
        let edits: Vec<&Edit> = fixes.iter().flat_map(|f| f.edits.iter()).collect();
        let next = apply_edits(&current, &edits, crlf);
        assert!(
            keeps_outside(&current, &next, &edits, crlf),
            "a fix changed bytes outside its edits"
        );
        let next_lint = lint_dockerfile(SourceText::from_bytes(next.clone()), input, &settings);
        let carried = lint_dockerfile_after(
            SourceText::from_bytes(next.clone()),
            Some(&previous),
            input,
            &settings,
        );
        assert!(
            carried.diagnostics == next_lint.diagnostics,
            "a lint carrying findings over from the previous version differs from a fresh one"
        );
        previous = carried.into_previous().1;
        let (before, after) = (
            lint.model.file().errors().len(),
            next_lint.model.file().errors().len(),
        );
        if after > before {
            let codes: Vec<&str> = fixes
                .iter()
                .filter_map(|f| {
                    lint.diagnostics
                        .iter()
                        .find(|d| d.fix.as_ref().is_some_and(|g| std::ptr::eq(g, *f)))
                        .map(|d| d.code)
                })
                .collect();
            panic!(
                "fixes {codes:?} added syntax errors ({before} -> {after}):\n{}\n--- became ---\n{}",
                String::from_utf8_lossy(&current),
                String::from_utf8_lossy(&next)
            );
        }
        current = next;
        lint = next_lint;
    }
}

/// Client capabilities for the LSP target: push (even) or pull (odd) diagnostics.
fn lsp_capabilities(pull: bool) -> serde_json::Value {
    if pull {
        serde_json::json!({
            "textDocument": {"diagnostic": {}, "hover": {"contentFormat": ["markdown"]},
                "completion": {"completionItem": {"snippetSupport": true}},
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}}},
            "workspace": {"configuration": true, "diagnostics": {"refreshSupport": true},
                "didChangeWatchedFiles": {"dynamicRegistration": true}},
        })
    } else {
        serde_json::json!({
            "general": {"positionEncodings": ["utf-8", "utf-16"]},
            "textDocument": {"publishDiagnostics": {"versionSupport": true, "relatedInformation": true}},
        })
    }
}

/// Keeps a fuzzed message from reaching outside the test: no parent process to watch, no
/// configuration file to read, no process environment.
fn sanitize(message: &mut lsp_server::Message) {
    let params = match message {
        lsp_server::Message::Request(r) => &mut r.params,
        lsp_server::Message::Notification(n) => &mut n.params,
        lsp_server::Message::Response(r) => match &mut r.response_result {
            Ok(v) => v,
            Err(_) => return,
        },
    };
    scrub(params);
}

fn scrub(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("processId");
            map.remove("configPath");
            map.remove("envFromProcess");
            for v in map.values_mut() {
                scrub(v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

/// The language server on arbitrary client bytes, framed as the stdio transport frames them:
/// with the first byte's low bit clear, the harness sends `initialize` (push capabilities, or
/// pull with the second bit) and `initialized` first; otherwise the input's own first message
/// must be `initialize`. The server must answer without panicking (a panic on a worker is caught
/// and answered, but libFuzzer's panic hook still reports it) and stop when the input ends.
///
/// # Panics
/// When the server panics or fails to stop.
pub fn lsp_messages(data: &[u8]) {
    use drydock_server::transport::{Frame, read_frame};
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (server_conn, client) = Connection::memory();
    let server = std::thread::spawn(move || drydock_server::run(server_conn));
    let Connection { sender, receiver } = client;
    // Answers come back on an unbounded channel; drain them on a thread so nothing blocks.
    let drain = std::thread::spawn(move || receiver.iter().count());
    if mode & 1 == 0 {
        let _ = sender.send(Message::Request(Request {
            id: RequestId::from(0),
            method: "initialize".to_owned(),
            params: serde_json::json!({
                "processId": null,
                "rootUri": "file:///nonexistent-drydock-fuzz",
                "capabilities": lsp_capabilities(mode & 2 != 0),
            }),
        }));
        let _ = sender.send(Message::Notification(Notification {
            method: "initialized".to_owned(),
            params: serde_json::json!({}),
        }));
    }
    let mut input = rest;
    while let Ok(Some(frame)) = read_frame(&mut input) {
        if let Frame::Message(mut message) = frame {
            sanitize(&mut message);
            if sender.send(message).is_err() {
                break;
            }
        }
    }
    drop(sender);
    let _ = server.join().expect("the server thread panicked");
    let _ = drain.join().expect("the drain thread panicked");
}
