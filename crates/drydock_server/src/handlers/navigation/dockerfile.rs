//! The names of a Dockerfile and every place they occur: build stages and `ARG`/`ENV`
//! variables, for definition, references, highlights and rename.
//!
//! **Stages.** A stage is declared by `FROM image AS name` and referred to by `FROM name`,
//! `COPY --from=name`, `RUN --mount=...,from=name,...` (also inside `ONBUILD`). Names compare
//! case-insensitively, as BuildKit lowercases them. `--from=0` (a stage index) is a reference
//! for definition and references, never rewritten by a rename.
//!
//! **Variables.** What is "the same variable" follows BuildKit's scoping:
//! - a global `ARG` (before the first `FROM`) is visible in `FROM` lines only; a stage sees it
//!   when it declares it again with a bare `ARG NAME`, which joins the two;
//! - inside a stage, every `ARG`/`ENV` of one name is one variable (a later declaration
//!   replaces the value of the same variable; an `ARG` never hides an `ENV`);
//! - a stage built `FROM <stage>` inherits that stage's `ARG`s and `ENV`s (BuildKit copies the
//!   base stage's build arguments, `dispatchState.buildArgs`), so its declarations of the same
//!   name join the parent's variable;
//! - references are the `$NAME` / `${NAME...}` the builder expands (`FROM` image and
//!   `--platform`, `ENV`, `LABEL`, `ADD`/`COPY` sources, destination, `--chown`, `--chmod`,
//!   `--checksum` and unquoted heredoc bodies, `WORKDIR`, `USER`, `VOLUME`, `EXPOSE`,
//!   `STOPSIGNAL`, `ARG` defaults, `RUN --mount` options), the ones a POSIX shell expands in
//!   `RUN` (shell form, `sh -c` exec form, heredoc bodies the shell runs or reads unquoted;
//!   build arguments and `ENV`s are in its environment), and, in `CMD`/`ENTRYPOINT`/
//!   `HEALTHCHECK` shell forms, only the stage's `ENV`s (arguments are gone at run time);
//! - in a `RUN` script, a name the script assigns itself (`NAME=...`, `for NAME`, `read NAME`,
//!   `unset NAME`) is the script's variable from that point on, not the build's; single-quoted
//!   text and heredocs with a quoted delimiter are not expanded; a `RUN` whose `SHELL` is not
//!   POSIX (PowerShell, `cmd`) is not read.

use std::collections::HashMap;

use drydock_dockerfile::lex::var_refs;
use drydock_dockerfile::model::{Model, PLATFORM_ARGS, ShellKind};
use drydock_dockerfile::{Args, Flag, Instruction, InstructionKind, TextRange, Word, parse_str};

/// Variables BuildKit defines by itself besides the platform ones (the proxy variables): never
/// renamed, never a rename's target.
const PREDEFINED: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Whether BuildKit defines `name` itself.
pub(crate) fn is_predefined(name: &str) -> bool {
    PLATFORM_ARGS.contains(&name) || PREDEFINED.contains(&name) || name.starts_with("BUILDKIT_")
}

/// What kind of name a symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SymbolKind {
    /// A build stage.
    Stage,
    /// An `ARG`/`ENV` variable.
    Variable,
}

/// One name (all its occurrences are the same thing).
#[derive(Clone, Debug)]
pub(crate) struct Symbol {
    pub(crate) kind: SymbolKind,
    /// The name as first written.
    pub(crate) name: String,
    /// Whether it has a declaration in the file.
    pub(crate) declared: bool,
}

/// One place a name is written.
#[derive(Clone, Debug)]
pub(crate) struct Occurrence {
    /// The name's bytes (without `$`, braces, quotes or `--from=`).
    pub(crate) range: TextRange,
    /// Index into [`Index::symbols`].
    pub(crate) symbol: usize,
    /// Whether this declares the name (`AS name`, `ARG NAME`, `ENV NAME=`).
    pub(crate) declaration: bool,
    /// Where go-to-definition leads from here (an occurrence index).
    pub(crate) target: Option<usize>,
    /// Whether a rename rewrites it (not a stage index).
    pub(crate) renamable: bool,
    /// The stage it is in (`None`: before the first `FROM`, and `FROM` lines themselves).
    pub(crate) scope: Option<usize>,
    kind: SymbolKind,
    name: String,
    node: usize,
}

/// The names of a Dockerfile.
pub(crate) struct Index {
    pub(crate) occurrences: Vec<Occurrence>,
    pub(crate) symbols: Vec<Symbol>,
    /// Stage names (lowercase), for rename collisions.
    pub(crate) stage_names: Vec<String>,
    /// Base image words of `FROM` lines and `--from` values (lowercase), which a stage renamed
    /// to the same name would capture.
    pub(crate) image_words: Vec<String>,
    /// Names shell scripts read or assign, per scope (a renamed variable must not take one).
    shell_names: Vec<(Option<usize>, String)>,
    /// Each stage's parent stage (`FROM <stage>`).
    stage_parents: Vec<Option<usize>>,
}

impl Index {
    /// The occurrence at `offset` (touching either end of it).
    pub(crate) fn at(&self, offset: drydock_dockerfile::TextSize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.range.start() <= offset && offset <= o.range.end())
            // Prefer the one the cursor is inside over one it only touches.
            .min_by_key(|o| u32::from(o.range.end() == offset))
    }

    /// The occurrences of a symbol, in file order.
    pub(crate) fn of(&self, symbol: usize) -> Vec<&Occurrence> {
        let mut out: Vec<&Occurrence> = self
            .occurrences
            .iter()
            .filter(|o| o.symbol == symbol)
            .collect();
        out.sort_by_key(|o| o.range.start());
        out
    }

    /// The scopes a symbol is visible in: where it occurs, and the stages built on those.
    pub(crate) fn scopes(&self, symbol: usize) -> Vec<Option<usize>> {
        let mut scopes: Vec<Option<usize>> = Vec::new();
        for o in self.occurrences.iter().filter(|o| o.symbol == symbol) {
            if !scopes.contains(&o.scope) {
                scopes.push(o.scope);
            }
        }
        // Stages come after their parents: one pass in order reaches every descendant.
        for (stage, parent) in self.stage_parents.iter().enumerate() {
            if parent.is_some_and(|p| scopes.contains(&Some(p))) && !scopes.contains(&Some(stage)) {
                scopes.push(Some(stage));
            }
        }
        scopes
    }

    /// Names used (declared, referenced, or read and assigned by a shell) in a scope, for
    /// rename collisions.
    pub(crate) fn names_in(&self, scope: Option<usize>) -> impl Iterator<Item = &str> {
        self.occurrences
            .iter()
            .filter(move |o| o.scope == scope && o.kind == SymbolKind::Variable)
            .map(|o| o.name.as_str())
            .chain(
                self.shell_names
                    .iter()
                    .filter(move |(s, _)| *s == scope)
                    .map(|(_, n)| n.as_str()),
            )
    }
}

/// A binding of a name in a scope.
#[derive(Clone, Debug)]
struct Binding {
    name: String,
    /// The occurrence index of the declaration in effect.
    decl: usize,
    env: bool,
}

#[derive(Clone, Debug, Default)]
struct Scope(Vec<Binding>);

impl Scope {
    fn get(&self, name: &str) -> Option<&Binding> {
        self.0.iter().find(|b| b.name == name)
    }
}

struct Builder<'a> {
    text: &'a str,
    escape: char,
    occurrences: Vec<Occurrence>,
    parent: Vec<usize>,
    /// Unresolved references: `(scope, name)` -> first occurrence.
    unresolved: HashMap<(Option<usize>, String), usize>,
    /// Names a shell reads or assigns, per scope.
    shell_names: Vec<(Option<usize>, String)>,
}

impl Builder<'_> {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }

    fn push(
        &mut self,
        kind: SymbolKind,
        name: &str,
        range: TextRange,
        declaration: bool,
        scope: Option<usize>,
    ) -> usize {
        let id = self.occurrences.len();
        self.occurrences.push(Occurrence {
            range,
            symbol: 0,
            declaration,
            target: None,
            renamable: true,
            scope,
            kind,
            name: name.to_owned(),
            node: id,
        });
        self.parent.push(id);
        id
    }

    /// Declares `name` in `scope` (joining the binding it replaces).
    fn declare(
        &mut self,
        scope: &mut Scope,
        name: &str,
        range: TextRange,
        env: bool,
        stage: Option<usize>,
    ) -> usize {
        let id = self.push(SymbolKind::Variable, name, range, true, stage);
        let existing = scope.0.iter().position(|b| b.name == name);
        match existing {
            Some(i) => {
                let old = scope.0[i].decl;
                self.union(old, id);
                // An ARG never hides an ENV of the same name.
                if !scope.0[i].env || env {
                    scope.0[i] = Binding {
                        name: name.to_owned(),
                        decl: id,
                        env,
                    };
                }
            }
            None => scope.0.push(Binding {
                name: name.to_owned(),
                decl: id,
                env,
            }),
        }
        id
    }

    /// A reference to `name` resolved in `scope`; with `env_only`, only `ENV` bindings count
    /// and nothing is recorded otherwise.
    fn reference(
        &mut self,
        scope: &Scope,
        name: &str,
        range: TextRange,
        stage: Option<usize>,
        env_only: bool,
        record_unresolved: bool,
    ) {
        match scope.get(name) {
            Some(b) if !env_only || b.env => {
                let decl = b.decl;
                let id = self.push(SymbolKind::Variable, name, range, false, stage);
                self.occurrences[id].target = Some(decl);
                self.union(decl, id);
            }
            _ if record_unresolved && !env_only => {
                let id = self.push(SymbolKind::Variable, name, range, false, stage);
                let key = (stage, name.to_owned());
                match self.unresolved.get(&key) {
                    Some(&first) => self.union(first, id),
                    None => {
                        self.unresolved.insert(key, id);
                    }
                }
            }
            _ => {}
        }
    }

    /// References in a word the builder expands.
    fn builder_word(
        &mut self,
        scope: &Scope,
        instruction: &Instruction,
        word: &Word,
        stage: Option<usize>,
    ) {
        for (start, end) in builder_refs(&word.text, self.escape, true) {
            if let Some(range) = locate(self.text, instruction, word, start, end) {
                let name = word.text[start..end].to_owned();
                self.reference(scope, &name, range, stage, false, true);
            }
        }
    }

    /// References in a flag value the builder expands.
    fn builder_flag(
        &mut self,
        scope: &Scope,
        instruction: &Instruction,
        flag: &Flag,
        stage: Option<usize>,
    ) {
        if let Some(range) = flag.value_range {
            let word = Word {
                range,
                text: self.text[range].to_owned(),
            };
            self.builder_word(scope, instruction, &word, stage);
        }
    }

    /// References in shell text at file offset `base`.
    fn shell_text(
        &mut self,
        scope: &Scope,
        scan: &ShellScan,
        map: &dyn Fn(usize, usize) -> Option<TextRange>,
        src: &str,
        stage: Option<usize>,
        env_only: bool,
        shadows: &mut Vec<(String, usize)>,
        order: usize,
    ) {
        shadows.extend(scan.shadows.iter().map(|(n, at)| (n.clone(), order + at)));
        for (name, _) in &scan.shadows {
            self.shell_names.push((stage, name.clone()));
        }
        for &(start, end) in &scan.refs {
            let name = &src[start..end];
            self.shell_names.push((stage, name.to_owned()));
            let shadowed = shadows
                .iter()
                .any(|(n, at)| n == name && *at <= order + start);
            if shadowed {
                continue;
            }
            if let Some(range) = map(start, end) {
                self.reference(scope, name, range, stage, env_only, false);
            }
        }
    }
}

/// Builds the index of `text`.
pub(crate) fn index(text: &str) -> Index {
    let model = Model::new(parse_str(text));
    let mut b = Builder {
        text,
        escape: model.file().escape(),
        occurrences: Vec::new(),
        parent: Vec::new(),
        unresolved: HashMap::new(),
        shell_names: Vec::new(),
    };
    let mut image_words = Vec::new();

    // --- stages ---------------------------------------------------------------------------
    let mut stage_decl: Vec<Option<usize>> = Vec::new();
    let mut stage_names = Vec::new();
    for stage in model.stages() {
        let decl = stage.name.as_ref().map(|n| {
            stage_names.push(n.lower.clone());
            b.push(SymbolKind::Stage, &n.lower, n.range, true, None)
        });
        stage_decl.push(decl);
    }
    // Stages of the same name are one symbol (a duplicate is an error BuildKit reports).
    for i in 0..stage_decl.len() {
        for j in 0..i {
            if let (Some(a), Some(c)) = (stage_decl[j], stage_decl[i])
                && stage_names_eq(&model, j, i)
            {
                b.union(a, c);
            }
        }
    }
    let by_name = |name: &str| {
        let lower = name.to_lowercase();
        model
            .stages()
            .iter()
            .position(|s| s.name.as_ref().is_some_and(|n| n.lower == lower))
    };
    let stage_ref = |b: &mut Builder<'_>, value: &str, range: TextRange, index_ok: bool| {
        let (stage, renamable) = match by_name(value) {
            Some(s) => (s, true),
            None if index_ok => match value.parse::<usize>() {
                Ok(i) if i < model.stages().len() => (i, false),
                _ => return,
            },
            None => return,
        };
        let Some(decl) = stage_decl[stage] else {
            return;
        };
        let id = b.push(SymbolKind::Stage, &value.to_lowercase(), range, false, None);
        b.occurrences[id].target = Some(decl);
        b.occurrences[id].renamable = renamable;
        b.union(decl, id);
    };
    for stage in model.stages() {
        if let Some(word) = &stage.image {
            image_words.push(word.text.to_lowercase());
            if let Some(parent) = stage.parent
                && model.stages()[parent]
                    .name
                    .as_ref()
                    .is_some_and(|n| n.lower == word.text.to_lowercase())
            {
                stage_ref(&mut b, &word.text, word.range, false);
            }
        }
    }
    for (_, instruction) in model.instructions() {
        let inner = instruction.onbuild_inner();
        for ins in std::iter::once(instruction).chain(inner) {
            for flag in ins.flags_named("from") {
                if matches!(ins.kind, InstructionKind::Copy | InstructionKind::Add)
                    && let (Some(value), Some(range)) = (&flag.value, flag.value_range)
                    && let Some(range) = inner_value(text, range, value)
                {
                    image_words.push(value.to_lowercase());
                    stage_ref(&mut b, value, range, true);
                }
            }
            if ins.kind == InstructionKind::Run {
                for flag in ins.flags_named("mount") {
                    for field in flag.fields(text) {
                        if field.key != "from" {
                            continue;
                        }
                        if let Some(range) = field_value_range(text, field.range, &field.value) {
                            stage_ref(&mut b, &field.value, range, true);
                        }
                    }
                }
            }
        }
    }

    // --- variables ------------------------------------------------------------------------
    let mut global = Scope::default();
    for &index in model.global_args() {
        let instruction = model.instruction(index);
        arg_instruction(&mut b, &mut global, None, instruction, None);
    }
    let mut stage_end: Vec<Scope> = Vec::new();
    for stage in model.stages() {
        let s = Some(stage.index);
        let from = model.instruction(stage.from);
        if let Some(word) = &stage.image {
            b.builder_word(&global, from, word, None);
        }
        for flag in from.flags_named("platform") {
            b.builder_flag(&global, from, flag, None);
        }
        let mut scope = stage
            .parent
            .and_then(|p| stage_end.get(p).cloned())
            .unwrap_or_default();
        let mut runtime: Vec<usize> = Vec::new();
        for index in stage.body.clone() {
            let instruction = model.instruction(index);
            match (&instruction.args, instruction.kind) {
                (Args::Arg(_), _) => {
                    arg_instruction(&mut b, &mut scope, s, instruction, Some(&global));
                    continue;
                }
                (Args::KeyValues(kv), kind @ (InstructionKind::Env | InstructionKind::Label)) => {
                    for pair in &kv.pairs {
                        b.builder_word(&scope, instruction, &pair.key, s);
                        b.builder_word(&scope, instruction, &pair.value, s);
                    }
                    if kind == InstructionKind::Env {
                        // Every pair sees the values from before the instruction.
                        for pair in &kv.pairs {
                            if let Some((name, range)) = plain_name(text, &pair.key) {
                                b.declare(&mut scope, &name, range, true, s);
                            }
                        }
                    }
                }
                (Args::Paths(paths), _) => {
                    for word in paths.items.iter().filter(|w| !w.text.starts_with("<<")) {
                        b.builder_word(&scope, instruction, word, s);
                    }
                }
                (Args::Words(words), InstructionKind::Expose) => {
                    for word in words {
                        b.builder_word(&scope, instruction, word, s);
                    }
                }
                (
                    Args::Text(word),
                    InstructionKind::Workdir | InstructionKind::User | InstructionKind::Stopsignal,
                ) => b.builder_word(&scope, instruction, word, s),
                _ => {}
            }
            let flags: &[&str] = match instruction.kind {
                InstructionKind::Copy => &["chown", "chmod"],
                InstructionKind::Add => &["chown", "chmod", "checksum"],
                _ => &[],
            };
            for flag in instruction
                .flags
                .iter()
                .filter(|f| flags.contains(&f.name.as_str()))
            {
                b.builder_flag(&scope, instruction, flag, s);
            }
            match instruction.kind {
                InstructionKind::Copy | InstructionKind::Add => {
                    for heredoc in instruction.heredocs.iter().filter(|h| h.expand) {
                        let body = &text[heredoc.body];
                        let base = usize::from(heredoc.body.start());
                        for (start, end) in builder_refs(body, '\\', false) {
                            let range = drydock_text::range(base + start, base + end);
                            b.reference(&scope, &body[start..end], range, s, false, true);
                        }
                    }
                }
                InstructionKind::Run => {
                    for flag in instruction.flags_named("mount") {
                        for field in flag.fields(text) {
                            if let Some(range) = field_value_range(text, field.range, &field.value)
                            {
                                let word = Word {
                                    range,
                                    text: text[range].to_owned(),
                                };
                                b.builder_word(&scope, instruction, &word, s);
                            }
                        }
                    }
                    if model.shell_spec(index).kind == ShellKind::Posix {
                        shell_instruction(&mut b, &scope, instruction, s, false);
                    }
                }
                InstructionKind::Cmd
                | InstructionKind::Entrypoint
                | InstructionKind::Healthcheck
                    if model.shell_spec(index).kind == ShellKind::Posix =>
                {
                    runtime.push(index);
                }
                _ => {}
            }
        }
        // The command runs with the image's final environment: the stage's `ENV`s.
        for index in runtime {
            shell_instruction(&mut b, &scope, model.instruction(index), s, true);
        }
        stage_end.push(scope);
    }

    // --- symbols --------------------------------------------------------------------------
    let mut roots: HashMap<usize, usize> = HashMap::new();
    let mut symbols: Vec<Symbol> = Vec::new();
    for i in 0..b.occurrences.len() {
        let root = b.find(b.occurrences[i].node);
        let symbol = *roots.entry(root).or_insert_with(|| {
            symbols.push(Symbol {
                kind: b.occurrences[i].kind,
                name: b.occurrences[i].name.clone(),
                declared: false,
            });
            symbols.len() - 1
        });
        b.occurrences[i].symbol = symbol;
        if b.occurrences[i].declaration {
            symbols[symbol].declared = true;
        }
    }
    Index {
        occurrences: b.occurrences,
        symbols,
        stage_names,
        image_words,
        shell_names: b.shell_names,
        stage_parents: model.stages().iter().map(|s| s.parent).collect(),
    }
}

fn stage_names_eq(model: &Model, a: usize, b: usize) -> bool {
    let name = |i: usize| model.stages()[i].name.as_ref().map(|n| n.lower.clone());
    name(a).is_some() && name(a) == name(b)
}

/// Declarations (and default references) of an `ARG` instruction. In a stage, a bare
/// `ARG NAME` imports the global `ARG NAME`: they are one variable, and definition from the
/// stage's declaration leads to the global one.
fn arg_instruction(
    b: &mut Builder<'_>,
    scope: &mut Scope,
    stage: Option<usize>,
    instruction: &Instruction,
    global: Option<&Scope>,
) {
    let Args::Arg(decls) = &instruction.args else {
        return;
    };
    for decl in decls {
        if let Some(default) = &decl.default {
            b.builder_word(scope, instruction, default, stage);
        }
        let Some((name, range)) = plain_name(b.text, &decl.name) else {
            continue;
        };
        let id = b.declare(scope, &name, range, false, stage);
        if decl.default.is_none()
            && let Some(g) = global.and_then(|g| g.get(&name))
        {
            let g = g.decl;
            b.union(g, id);
            b.occurrences[id].target = Some(g);
        }
    }
}

/// The shell references of a `RUN` (or, with `env_only`, `CMD`/`ENTRYPOINT`/`HEALTHCHECK`).
fn shell_instruction(
    b: &mut Builder<'_>,
    scope: &Scope,
    instruction: &Instruction,
    stage: Option<usize>,
    env_only: bool,
) {
    let text = b.text;
    let args = match &instruction.args {
        Args::Healthcheck(h) => match h.command.as_deref() {
            Some(args) => args,
            None => return,
        },
        args => args,
    };
    let mut shadows: Vec<(String, usize)> = Vec::new();
    match args {
        Args::Shell(form) => {
            let line = &instruction.line;
            let Some(start) = line.logical_offset(form.range.start()) else {
                return;
            };
            let logical = line.text();
            if logical.get(start..start + form.text.len()) != Some(form.text.as_str()) {
                return;
            }
            let src = form.text.as_str();
            let scan = scan_shell(src, true);
            let map = |s: usize, e: usize| Some(line.file_range(start + s, start + e));
            b.shell_text(scope, &scan, &map, src, stage, env_only, &mut shadows, 0);
            // Heredoc bodies: a bare `RUN <<EOF` runs the body as the script; after a command,
            // the shell reads the body as a here-document (expanded unless the delimiter is
            // quoted; a shell reading a quoted one runs it as a script).
            let header_only = src
                .split_whitespace()
                .all(|w| instruction.heredocs.iter().any(|h| text[h.marker] == *w));
            let consumer_is_shell = src
                .split_whitespace()
                .next()
                .is_some_and(|w| is_shell_name(w.trim_matches(['"', '\''])));
            let mut order = src.len();
            for heredoc in &instruction.heredocs {
                let body = &text[heredoc.body];
                let script = if header_only {
                    let shebang = body
                        .lines()
                        .next()
                        .and_then(|l| l.strip_prefix("#!"))
                        .map(str::trim);
                    match shebang {
                        Some(interp) => {
                            let mut parts = interp.split_whitespace();
                            let exe = parts.next().unwrap_or("");
                            let exe = if basename(exe) == "env" {
                                parts.next().unwrap_or("")
                            } else {
                                exe
                            };
                            if !is_shell_name(exe) {
                                order += body.len();
                                continue;
                            }
                            true
                        }
                        None => true,
                    }
                } else if heredoc.expand {
                    false
                } else if consumer_is_shell {
                    true
                } else {
                    order += body.len();
                    continue;
                };
                let scan = scan_shell(body, script);
                let base = usize::from(heredoc.body.start());
                let map = |s: usize, e: usize| Some(drydock_text::range(base + s, base + e));
                b.shell_text(
                    scope,
                    &scan,
                    &map,
                    body,
                    stage,
                    env_only,
                    &mut shadows,
                    order,
                );
                order += body.len();
            }
        }
        Args::Exec(exec) => {
            // `["sh", "-c", "script"]`: the script, when its JSON literal has no escapes.
            let values: Vec<&str> = exec.elements.iter().map(|w| w.text.as_str()).collect();
            let Some(first) = values.first() else {
                return;
            };
            if !is_shell_name(first) {
                return;
            }
            let Some(i) = values
                .iter()
                .position(|v| v.starts_with('-') && !v.starts_with("--") && v.contains('c'))
                .map(|i| i + 1)
                .filter(|&i| i < values.len())
            else {
                return;
            };
            let element = &exec.elements[i];
            let literal = &text[element.range];
            if literal.get(1..literal.len().saturating_sub(1)) != Some(element.text.as_str()) {
                return;
            }
            let base = usize::from(element.range.start()) + 1;
            let src = element.text.as_str();
            let scan = scan_shell(src, true);
            let map = |s: usize, e: usize| Some(drydock_text::range(base + s, base + e));
            b.shell_text(scope, &scan, &map, src, stage, env_only, &mut shadows, 0);
        }
        _ => {}
    }
}

fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_shell_name(name: &str) -> bool {
    matches!(
        basename(name),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    )
}

/// A declared name written plainly (an identifier, possibly quoted), with the range of the
/// name itself.
fn plain_name(text: &str, word: &Word) -> Option<(String, TextRange)> {
    let raw = &text[word.range];
    let (name, offset) = match raw.as_bytes().first() {
        Some(b'"' | b'\'') if raw.len() >= 2 && raw.ends_with(&raw[..1]) => {
            (&raw[1..raw.len() - 1], 1)
        }
        _ => (raw, 0),
    };
    if !is_identifier(name) {
        return None;
    }
    let start = usize::from(word.range.start()) + offset;
    Some((
        name.to_owned(),
        drydock_text::range(start, start + name.len()),
    ))
}

/// Whether `name` is a variable name (`[A-Za-z_][A-Za-z0-9_]*`).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The range of `value` inside a flag value written at `range` (quotes around it allowed).
fn inner_value(text: &str, range: TextRange, value: &str) -> Option<TextRange> {
    let raw = &text[range];
    let start = usize::from(range.start());
    if raw == value {
        return Some(range);
    }
    let quoted = raw.len() >= 2
        && (raw.starts_with('"') || raw.starts_with('\''))
        && raw.ends_with(&raw[..1])
        && &raw[1..raw.len() - 1] == value;
    quoted.then(|| drydock_text::range(start + 1, start + 1 + value.len()))
}

/// The range of a `key=value` field's value, when written plainly.
fn field_value_range(text: &str, field: TextRange, value: &str) -> Option<TextRange> {
    let raw = &text[field];
    let (_, v) = raw.split_once('=')?;
    let end = usize::from(field.end());
    inner_value(text, drydock_text::range(end - v.len(), end), value)
}

/// The file range of bytes `start..end` of a word's text: through the instruction's logical
/// line for words written as they are read (continuations joined), directly for JSON elements
/// without escapes; `None` when the bytes cannot be placed exactly.
fn locate(
    text: &str,
    instruction: &Instruction,
    word: &Word,
    start: usize,
    end: usize,
) -> Option<TextRange> {
    let line = &instruction.line;
    if let Some(offset) = line.logical_offset(word.range.start())
        && line.text().get(offset..offset + word.text.len()) == Some(word.text.as_str())
    {
        return Some(line.file_range(offset + start, offset + end));
    }
    let raw = &text[word.range];
    let base = usize::from(word.range.start());
    if raw.len() == word.text.len() + 2 && raw.get(1..raw.len() - 1) == Some(word.text.as_str()) {
        return Some(drydock_text::range(base + 1 + start, base + 1 + end));
    }
    None
}

/// The variable names a builder-expanded word refers to, as byte ranges of the names (see
/// [`var_refs`]; positional and special parameters such as `$1` are not variables).
pub(crate) fn builder_refs(word: &str, escape: char, quotes: bool) -> Vec<(usize, usize)> {
    var_refs(word, escape, quotes)
        .into_iter()
        .filter(|r| r.is_variable(word))
        .map(|r| (r.name.start, r.name.end))
        .collect()
}

/// Variable references and assignments found in shell text.
#[derive(Debug, Default)]
pub(crate) struct ShellScan {
    /// Byte ranges of referenced names.
    pub(crate) refs: Vec<(usize, usize)>,
    /// Names the script assigns, with the offset from which the script's value is in effect.
    pub(crate) shadows: Vec<(String, usize)>,
}

/// Scans shell text. With `script`, it is shell code (quotes, comments, words, here-documents);
/// otherwise it is an unquoted here-document body (only `\` escapes and expansions).
pub(crate) fn scan_shell(text: &str, script: bool) -> ShellScan {
    let mut out = ShellScan::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut single = false;
    let mut double = false;
    let mut word_start: Option<usize> = None;
    let mut words: Vec<String> = Vec::new();
    // Here-documents waiting for the end of the line: (delimiter, quoted, strip tabs).
    let mut pending: Vec<(String, bool, bool)> = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        if !script {
            match c {
                b'\\' => i += 2,
                b'$' => i = dollar(text, i, &mut out.refs),
                _ => i += 1,
            }
            continue;
        }
        if single {
            if c == b'\'' {
                single = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => {
                word_start.get_or_insert(i);
                i += 2;
            }
            b'\'' if !double => {
                word_start.get_or_insert(i);
                single = true;
                i += 1;
            }
            b'"' => {
                word_start.get_or_insert(i);
                double = !double;
                i += 1;
            }
            b'$' => {
                word_start.get_or_insert(i);
                i = dollar(text, i, &mut out.refs);
            }
            _ if double => i += 1,
            b'#' if word_start.is_none() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                if let Some(start) = word_start.take() {
                    end_word(&text[start..i], i, &mut words, &mut out.shadows);
                }
                if matches!(c, b';' | b'&' | b'|' | b'(' | b')' | b'\n') {
                    words.clear();
                }
                if c == b'<' && bytes.get(i + 1) == Some(&b'<') && bytes.get(i + 2) != Some(&b'<') {
                    i = heredoc_marker(text, i + 2, &mut pending);
                    continue;
                }
                if c == b'\n' && !pending.is_empty() {
                    i = heredoc_bodies(text, i + 1, &mut pending, &mut out.refs);
                    continue;
                }
                i += 1;
            }
            _ => {
                word_start.get_or_insert(i);
                i += 1;
            }
        }
    }
    if let Some(start) = word_start.take()
        && !single
        && !double
    {
        end_word(&text[start..], text.len(), &mut words, &mut out.shadows);
    }
    out
}

/// After a finished word: records assignments (`NAME=`, `for NAME`, `read NAME`, `unset NAME`).
fn end_word(word: &str, end: usize, words: &mut Vec<String>, shadows: &mut Vec<(String, usize)>) {
    if let Some(eq) = word.find('=') {
        let name = word[..eq].strip_suffix('+').unwrap_or(&word[..eq]);
        if is_identifier(name) {
            shadows.push((name.to_owned(), end));
        }
    }
    let first = words.first().map(String::as_str);
    let assigns = match first {
        Some("for" | "select") => words.len() == 1,
        Some("read" | "unset" | "local" | "declare" | "typeset" | "readonly") => {
            !word.starts_with('-')
        }
        _ => false,
    };
    if assigns && is_identifier(word) {
        shadows.push((word.to_owned(), end));
    }
    words.push(word.to_owned());
}

/// Reads a `<<[-]WORD` here-document marker from `i` (after `<<`); returns where to go on.
fn heredoc_marker(text: &str, mut i: usize, pending: &mut Vec<(String, bool, bool)>) -> usize {
    let bytes = text.as_bytes();
    let strip = bytes.get(i) == Some(&b'-');
    if strip {
        i += 1;
    }
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    let start = i;
    let mut quoted = false;
    let mut delimiter = String::new();
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => delimiter.push(char::from(c)),
            None => match c {
                b'\'' | b'"' => {
                    quoted = true;
                    quote = Some(c);
                }
                b'\\' => {
                    quoted = true;
                    if let Some(&n) = bytes.get(i + 1) {
                        delimiter.push(char::from(n));
                        i += 1;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                    break;
                }
                _ => delimiter.push(char::from(c)),
            },
        }
        i += 1;
    }
    if i > start && !delimiter.is_empty() {
        pending.push((delimiter, quoted, strip));
    }
    i
}

/// Skips the bodies of pending here-documents starting at `i` (a line start), scanning the
/// unquoted ones for references; returns the offset after the last terminator line.
fn heredoc_bodies(
    text: &str,
    mut i: usize,
    pending: &mut Vec<(String, bool, bool)>,
    refs: &mut Vec<(usize, usize)>,
) -> usize {
    for (delimiter, quoted, strip) in pending.drain(..) {
        let body_start = i;
        let mut body_end = text.len();
        let mut next = text.len();
        while i < text.len() {
            let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            let mut line = text[i..line_end].trim_end_matches('\r');
            if strip {
                line = line.trim_start_matches('\t');
            }
            if line == delimiter {
                body_end = i;
                next = (line_end + 1).min(text.len());
                break;
            }
            i = (line_end + 1).min(text.len());
            if line_end == text.len() {
                break;
            }
        }
        if !quoted {
            let body = &text[body_start..body_end];
            let scan = scan_shell(body, false);
            refs.extend(
                scan.refs
                    .into_iter()
                    .map(|(s, e)| (body_start + s, body_start + e)),
            );
        }
        i = next;
    }
    i
}

/// A `$` expansion at `i`: records `$NAME`, `${NAME...}` and `${#NAME}`; returns where to go on
/// (inside a `${...}` modifier, so nested expansions are found too).
fn dollar(text: &str, i: usize, refs: &mut Vec<(usize, usize)>) -> usize {
    let bytes = text.as_bytes();
    let mut start = i + 1;
    if bytes.get(start) == Some(&b'{') {
        start += 1;
        if bytes.get(start) == Some(&b'#') {
            start += 1;
        }
    }
    let len = bytes[start.min(bytes.len())..]
        .iter()
        .enumerate()
        .take_while(|&(k, c)| {
            c.is_ascii_alphabetic() || *c == b'_' || (k > 0 && c.is_ascii_digit())
        })
        .count();
    if len > 0 {
        refs.push((start, start + len));
        start + len
    } else {
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, script: bool) -> Vec<&str> {
        scan_shell(text, script)
            .refs
            .iter()
            .map(|&(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn shell_references() {
        assert_eq!(
            names(r#"echo $A "${B:-$C}" '$D' \$E ${#F} $1 # $G"#, true),
            ["A", "B", "C", "F"]
        );
        // An unquoted here-document expands, even inside single quotes; a quoted one does not.
        assert_eq!(
            names(
                "cat <<EOF >x\n'$A'\nEOF\ncat <<'EOF'\n$B\nEOF\necho $C",
                true
            ),
            ["A", "C"]
        );
        assert_eq!(names("'$A' \\$B $C", false), ["A", "C"]);
        let scan = scan_shell(
            "A=\"$A:x\" && for B in 1; do echo $B; done; read -r C",
            true,
        );
        let shadows: Vec<&str> = scan.shadows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(shadows, ["A", "B", "C"]);
        // The assignment takes effect after its word: `$A` in its value is the old one.
        assert!(scan.shadows[0].1 > 3);
    }

    #[test]
    fn builder_references() {
        let word = "a$B/${C:-$D}'$E'\\$F$1";
        let found: Vec<&str> = builder_refs(word, '\\', true)
            .iter()
            .map(|&(s, e)| &word[s..e])
            .collect();
        assert_eq!(found, ["B", "C", "D"]);
    }
}
