//! The typed layer over the syntax tree: stages, base images, variable scopes, the effective
//! `USER`, the `SHELL` in effect, and a cached [`ShellScript`] per `RUN`.

use foldhash::{HashMap, HashMapExt};
use std::sync::{Arc, LazyLock, OnceLock};

use drydock_text::TextRange;

use crate::image::ImageRef;
use crate::lex::{Env, Expansion, LexError, Lexer, VarValue};
use crate::shell::{self, ShellScript};
use crate::syntax::{Args, Dockerfile, Instruction, InstructionKind, ItemKind, Word};

/// Platform arguments BuildKit defines in the global scope.
pub const PLATFORM_ARGS: [&str; 11] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDOSVERSION",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETOSVERSION",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

/// A Dockerfile with its typed model.
#[derive(Debug)]
pub struct Model {
    file: Dockerfile,
    /// Item index of each top-level instruction.
    items: Vec<usize>,
    /// Each top-level instruction (the tree's own, shared: asked for by index far more often
    /// than anything else of the model).
    instructions: Vec<Arc<Instruction>>,
    /// The kind of each top-level instruction (rules looking for one kind scan this, not the
    /// instructions).
    kinds: Vec<InstructionKind>,
    info: Vec<InstructionInfo>,
    stages: Vec<Stage>,
    /// The first stage of each (lowercase) name.
    names: HashMap<String, usize>,
    /// The stage each stage's `FROM <stage>` chain starts at (itself when it has no parent).
    roots: Vec<usize>,
    global_args: Vec<usize>,
    /// The walk's state before each instruction, and after the last: where the model of an
    /// edited version resumes ([`Model::new_after`]).
    checkpoints: Vec<Checkpoint>,
    /// Shell views, built on first use (shared with the next version of an edited document).
    shells: Vec<OnceLock<Option<Arc<ShellScript>>>>,
}

/// The state of the model's walk between two instructions.
#[derive(Clone, Debug)]
struct Checkpoint {
    /// The global `ARG`s (those before the first `FROM`).
    global: Arc<Scope>,
    /// The variables of the stage (or of the global part) so far.
    scope: Arc<Scope>,
    /// The shell in effect.
    shell: Arc<ShellSpec>,
}

#[derive(Clone, Debug)]
struct InstructionInfo {
    stage: Option<usize>,
    /// Variables visible to this instruction's builder-expanded words (state *before* it runs).
    scope: Arc<Scope>,
    /// The shell in effect for this instruction.
    shell: Arc<ShellSpec>,
}

/// A build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Clone, Debug)]
pub struct Stage {
    /// Position among the stages (0-based).
    pub index: usize,
    /// Instruction index of the `FROM`.
    pub from: usize,
    /// Instruction indices of the stage's instructions (after the `FROM`).
    pub body: std::ops::Range<usize>,
    /// The `AS name`, if any.
    pub name: Option<StageName>,
    /// The base image word as written.
    pub image: Option<Word>,
    /// What the stage builds on.
    pub base: Base,
    /// The earlier stage this one builds on (`FROM <stage>`).
    pub parent: Option<usize>,
    /// Whether the base image (or its chain) looks like a Windows image, whose default shell is
    /// `cmd`.
    pub windows: bool,
}

/// A stage name after `AS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageName {
    /// As written.
    pub text: String,
    /// Lowercased, as BuildKit stores it.
    pub lower: String,
    /// Where it is.
    pub range: TextRange,
}

/// The base of a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// `FROM <earlier stage>`.
    Stage(usize),
    /// An external image; `unknown` when a variable in it has no known value.
    Image { reference: ImageRef, unknown: bool },
    /// The image word could not be expanded (a syntax error in a `${}`), or is missing.
    Invalid,
}

/// The shell RUN (shell form) uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellSpec {
    /// The argv prefix (`["/bin/sh", "-c"]` by default).
    pub argv: Vec<String>,
    /// Instruction index of the `SHELL` that set it, if any.
    pub instruction: Option<usize>,
    /// What kind of shell this is.
    pub kind: ShellKind,
}

/// Families of shells, for deciding which checks apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKind {
    /// A POSIX shell (sh, bash, ash, dash, zsh, ksh, mksh, busybox).
    Posix,
    /// PowerShell (powershell, pwsh).
    PowerShell,
    /// Windows `cmd`.
    Cmd,
    /// Anything else (an interpreter given as SHELL).
    Other,
}

impl ShellSpec {
    fn default_posix() -> Self {
        Self {
            argv: vec!["/bin/sh".into(), "-c".into()],
            instruction: None,
            kind: ShellKind::Posix,
        }
    }

    fn default_windows() -> Self {
        Self {
            argv: vec!["cmd".into(), "/S".into(), "/C".into()],
            instruction: None,
            kind: ShellKind::Cmd,
        }
    }

    /// Classifies an argv by its executable's name.
    #[must_use]
    pub fn classify(argv: &[String]) -> ShellKind {
        let Some(exe) = argv.first() else {
            return ShellKind::Other;
        };
        let lower = exe.to_ascii_lowercase();
        if lower.contains("pwsh") || lower.contains("powershell") {
            return ShellKind::PowerShell;
        }
        let base = shell::basename(&lower);
        let base = base.strip_suffix(".exe").unwrap_or(base);
        match base {
            "cmd" => ShellKind::Cmd,
            "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "busybox" => ShellKind::Posix,
            _ => ShellKind::Other,
        }
    }

    /// Whether RUN text goes through a POSIX shell.
    #[must_use]
    pub fn is_posix(&self) -> bool {
        self.kind == ShellKind::Posix
    }
}

/// An `ARG` or `ENV` variable and what is known of its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Name.
    pub name: String,
    /// Its value, if known statically.
    pub value: Option<String>,
    /// Whether it was declared by `ENV` (otherwise by `ARG`).
    pub env: bool,
}

/// Variables visible at a point of the file.
///
/// Every instruction keeps the scope it sees, so a file with thousands of `ENV` or `ARG`
/// instructions must not copy every variable for each of them. A scope is a short list of
/// shared, immutable layers (newest last) whose sizes halve like a binary counter: setting a
/// variable adds a one-entry layer and merges the newest layers while they are of similar
/// size. Cloning copies at most a few dozen pointers, a lookup checks as many hash maps, and
/// all snapshots together hold O(n log n) entries.
#[derive(Debug, Default)]
pub struct Scope {
    layers: Vec<Arc<Layer>>,
    /// Declaration order of the next new name.
    next: usize,
    /// Undeclared names may come from the base image's environment (not `scratch`).
    open: bool,
    /// [`Scope::vars`], built on first use.
    ordered: OnceLock<Vec<Variable>>,
}

/// Variables by name, each with the position of its first declaration. Names and entries are
/// shared between the layers a variable is merged into (a merge copies pointers, not text).
#[derive(Debug, Default)]
struct Layer {
    vars: HashMap<Arc<str>, Arc<(usize, Variable)>>,
}

impl Clone for Scope {
    fn clone(&self) -> Self {
        // Not the cached order: it is rebuilt on demand, and copying it would make every
        // snapshot as big as the scope again.
        Self {
            layers: self.layers.clone(),
            next: self.next,
            open: self.open,
            ordered: OnceLock::new(),
        }
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.open == other.open && self.vars() == other.vars()
    }
}

impl Eq for Scope {}

impl Scope {
    fn with_open(open: bool) -> Self {
        Self {
            open,
            ..Self::default()
        }
    }

    fn entry(&self, name: &str) -> Option<&(usize, Variable)> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| l.vars.get(name))
            .map(|entry| &**entry)
    }

    fn set(&mut self, var: Variable) {
        let order = match self.entry(&var.name) {
            Some((order, existing)) => {
                // An ARG never hides an ENV of the same name (ENV wins in BuildKit).
                if existing.env && !var.env {
                    return;
                }
                *order
            }
            None => {
                self.next += 1;
                self.next - 1
            }
        };
        self.ordered = OnceLock::new();
        let mut layer = Layer::default();
        layer
            .vars
            .insert(Arc::from(var.name.as_str()), Arc::new((order, var)));
        self.layers.push(Arc::new(layer));
        while let [.., older, newer] = self.layers.as_slice()
            && older.vars.len() <= 2 * newer.vars.len()
        {
            let mut merged = HashMap::with_capacity(older.vars.len() + newer.vars.len());
            merged.extend(
                older
                    .vars
                    .iter()
                    .map(|(k, v)| (Arc::clone(k), Arc::clone(v))),
            );
            merged.extend(
                newer
                    .vars
                    .iter()
                    .map(|(k, v)| (Arc::clone(k), Arc::clone(v))),
            );
            self.layers.pop();
            self.layers.pop();
            self.layers.push(Arc::new(Layer { vars: merged }));
        }
    }

    /// Looks a variable up by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.entry(name).map(|(_, v)| v)
    }

    /// All variables, in declaration order.
    #[must_use]
    pub fn vars(&self) -> &[Variable] {
        self.ordered.get_or_init(|| {
            let mut latest: HashMap<&str, &(usize, Variable)> = HashMap::new();
            for layer in &self.layers {
                for (name, entry) in &layer.vars {
                    latest.insert(name, entry);
                }
            }
            let mut all: Vec<&(usize, Variable)> = latest.into_values().collect();
            all.sort_by_key(|(order, _)| *order);
            all.into_iter().map(|(_, v)| v.clone()).collect()
        })
    }
}

impl Env for Scope {
    fn lookup(&self, name: &str) -> Option<VarValue<'_>> {
        match self.get(name) {
            Some(Variable { value: Some(v), .. }) => Some(VarValue::Set(v)),
            Some(Variable { value: None, .. }) => Some(VarValue::Unknown),
            None if self.open => Some(VarValue::Unknown),
            None => None,
        }
    }
}

impl Model {
    /// Builds the model. Never fails.
    #[must_use]
    pub fn new(file: Dockerfile) -> Self {
        Builder::build(file, None)
    }

    /// [`Model::new`] for a new version of `previous`'s text, typically a tree from
    /// [`crate::reparse`]: what the model says of the instructions the two trees share from the
    /// start (the same `Arc`s, so the same text at the same place) is taken from `previous`,
    /// and the walk over the instructions resumes after them. The result is the same as
    /// [`Model::new`]'s.
    #[must_use]
    pub fn new_after(file: Dockerfile, previous: &Model) -> Self {
        let shared = if file.escape() == previous.file.escape() {
            file.instructions()
                .zip(previous.file.instructions())
                .take_while(|(new, old)| std::ptr::eq(*new, *old))
                .count()
        } else {
            0
        };
        Builder::build(file, Some((previous, shared)).filter(|_| shared > 0))
    }

    /// The syntax tree.
    #[must_use]
    pub fn file(&self) -> &Dockerfile {
        &self.file
    }

    /// Everything the model's walk found, in a stable text form (scopes as their ordered
    /// variables, stage names sorted), for tests comparing [`Model::new_after`] with
    /// [`Model::new`].
    #[doc(hidden)]
    #[must_use]
    pub fn walk_dump(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let scope = |s: &Scope| format!("open {} {:?}", s.open, s.vars());
        for (i, info) in self.info.iter().enumerate() {
            let _ = writeln!(
                out,
                "{i}: stage {:?} scope {} shell {:?}",
                info.stage,
                scope(&info.scope),
                info.shell
            );
        }
        for (i, at) in self.checkpoints.iter().enumerate() {
            let _ = writeln!(
                out,
                "before {i}: global {} scope {} shell {:?}",
                scope(&at.global),
                scope(&at.scope),
                at.shell
            );
        }
        let mut names: Vec<_> = self.names.iter().collect();
        names.sort();
        let _ = writeln!(
            out,
            "{:?}\n{names:?}\n{:?}\n{:?}\n{:?}",
            self.stages, self.roots, self.global_args, self.items
        );
        out
    }

    /// The file's text.
    #[must_use]
    pub fn text(&self) -> &str {
        self.file.text()
    }

    /// Number of top-level instructions.
    #[must_use]
    pub fn instruction_count(&self) -> usize {
        self.items.len()
    }

    /// Top-level instruction `index`.
    ///
    /// # Panics
    /// Panics when `index` is out of range.
    #[must_use]
    pub fn instruction(&self, index: usize) -> &Instruction {
        &self.instructions[index]
    }

    /// Item index of instruction `index` (for looking at the comments above it).
    #[must_use]
    pub fn item_index(&self, index: usize) -> usize {
        self.items[index]
    }

    /// All top-level instructions with their indices.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &Instruction)> {
        (0..self.items.len()).map(|i| (i, self.instruction(i)))
    }

    /// Instructions of one kind (ONBUILD-wrapped ones are not included).
    pub fn instructions_of(
        &self,
        kind: InstructionKind,
    ) -> impl Iterator<Item = (usize, &Instruction)> {
        self.kinds
            .iter()
            .enumerate()
            .filter(move |&(_, &k)| k == kind)
            .map(|(i, _)| (i, self.instruction(i)))
    }

    /// The stages, in order.
    #[must_use]
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The last stage, the one `docker build` produces by default.
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage named `name` (case-insensitive, as BuildKit) or with that index.
    #[must_use]
    pub fn stage_by_ref(&self, reference: &str) -> Option<&Stage> {
        let lower = reference.to_lowercase();
        self.names
            .get(&lower)
            .map(|&i| &self.stages[i])
            .or_else(|| {
                reference
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.stages.get(i))
            })
    }

    /// The stage instruction `index` belongs to (`None` before the first `FROM`).
    #[must_use]
    pub fn stage_of(&self, index: usize) -> Option<usize> {
        self.info[index].stage
    }

    /// Instruction indices of the `ARG`s before the first `FROM`.
    #[must_use]
    pub fn global_args(&self) -> &[usize] {
        &self.global_args
    }

    /// The variables visible to instruction `index` (before it runs).
    #[must_use]
    pub fn scope(&self, index: usize) -> &Scope {
        &self.info[index].scope
    }

    /// The shell in effect for instruction `index`.
    #[must_use]
    pub fn shell_spec(&self, index: usize) -> &ShellSpec {
        &self.info[index].shell
    }

    /// Expands a builder-processed word (`COPY`, `WORKDIR`, `USER`, ...) as BuildKit would at
    /// instruction `index`.
    ///
    /// # Errors
    /// BuildKit's substitution errors (bad `${`, `${X:?}` on an unset `X`).
    pub fn expand(&self, index: usize, word: &str) -> Result<Expansion, LexError> {
        Lexer::new(self.file.escape()).process_word(word, self.scope(index))
    }

    /// The stage `stage`'s chain of `FROM <stage>` parents starts at: the last of
    /// [`Model::ancestry`], without walking the chain.
    #[must_use]
    pub fn root_stage(&self, stage: usize) -> Option<&Stage> {
        self.stages.get(*self.roots.get(stage)?)
    }

    /// The chain of stages from `stage` up through its parents (itself first).
    pub fn ancestry(&self, stage: usize) -> impl Iterator<Item = &Stage> {
        let mut next = Some(stage);
        let mut guard = 0;
        std::iter::from_fn(move || {
            let current = next?;
            guard += 1;
            if guard > self.stages.len() {
                return None;
            }
            let s = self.stages.get(current)?;
            next = s.parent;
            Some(s)
        })
    }

    /// The last `USER` instruction of a stage itself (not inherited).
    #[must_use]
    pub fn stage_user(&self, stage: usize) -> Option<usize> {
        let s = &self.stages[stage];
        s.body
            .clone()
            .rev()
            .find(|&i| self.instruction(i).kind == InstructionKind::User)
    }

    /// The `USER` in effect at the end of a stage, looking through `FROM <stage>` parents:
    /// `(stage that set it, USER instruction index)`. `None` means the base image's default user.
    #[must_use]
    pub fn effective_user(&self, stage: usize) -> Option<(usize, usize)> {
        self.ancestry(stage)
            .find_map(|s| self.stage_user(s.index).map(|u| (s.index, u)))
    }

    /// The text of a `USER` instruction's argument, expanded where possible.
    #[must_use]
    pub fn user_value(&self, index: usize) -> Option<(String, bool)> {
        let Args::Text(word) = &self.instruction(index).args else {
            return None;
        };
        match self.expand(index, &word.text) {
            Ok(e) => Some((e.result, e.unknown)),
            Err(_) => Some((word.text.clone(), true)),
        }
    }

    /// The shell view of a `RUN` (or `ONBUILD RUN`) instruction, parsed on first use and cached.
    /// `None` for other instructions. Under a shell that is not POSIX, of a script drydock's own
    /// reader cannot read only what a strict shell parser reads is read
    /// ([`shell::parse_run_non_posix`]).
    #[must_use]
    pub fn shell(&self, index: usize) -> Option<&ShellScript> {
        self.shells[index]
            .get_or_init(|| {
                let outer = self.instruction(index);
                let script = match outer.kind {
                    InstructionKind::Run if !self.shell_spec(index).is_posix() => {
                        shell::parse_run_non_posix(&self.file, outer)
                    }
                    InstructionKind::Run => shell::parse_run(&self.file, outer),
                    // (Triggers run in an image whose shell is not known here.)
                    InstructionKind::Onbuild => shell::parse_run(
                        &self.file,
                        outer
                            .onbuild_inner()
                            .filter(|i| i.kind == InstructionKind::Run)?,
                    ),
                    _ => return None,
                };
                Some(Arc::new(script))
            })
            .as_deref()
    }

    /// Takes the shell views `previous` (an earlier version of the same document) has already
    /// built for the `RUN` instructions an edit did not touch ([`Model::unchanged_since`]):
    /// those before the edit are shared, those after it are moved; only the changed
    /// instructions will be parsed again. Returns how many views were taken.
    pub fn reuse_shells(&self, previous: &Model) -> usize {
        self.reuse_shells_matched(previous, &self.unchanged_since(previous))
    }

    /// [`Model::reuse_shells`] with the matching already computed.
    pub fn reuse_shells_matched(&self, previous: &Model, unchanged: &[Option<usize>]) -> usize {
        let mut reused = 0;
        for (new, old) in unchanged.iter().enumerate() {
            let Some(old) = *old else { continue };
            let Some(Some(view)) = previous.shells[old].get() else {
                continue;
            };
            // Whether the shell is POSIX decides how much of the script is read.
            if previous.shell_spec(old).is_posix() != self.shell_spec(new).is_posix() {
                continue;
            }
            let (from, to) = (
                previous.instruction(old).range.start(),
                self.instruction(new).range.start(),
            );
            let view = if from == to {
                view.clone()
            } else {
                Arc::new(view.moved(from, to))
            };
            if self.shells[new].set(Some(view)).is_ok() {
                reused += 1;
            }
        }
        reused
    }

    /// For each instruction, the instruction of `previous` (an earlier version of the same
    /// document) it is an unchanged copy of, if any: the same text with the same escape
    /// character, matched from the start (at the same offset) and from the end (at the same
    /// distance from the end of the file). What depends on nothing but an instruction's text
    /// can be carried over from `previous` for these, moved by the difference of their starts.
    #[must_use]
    pub fn unchanged_since(&self, previous: &Model) -> Vec<Option<usize>> {
        let (new_count, old_count) = (self.instruction_count(), previous.instruction_count());
        let mut unchanged = vec![None; new_count];
        if self.file.escape() != previous.file.escape() {
            return unchanged;
        }
        let (new_text, old_text) = (self.text(), previous.text());
        let mut prefix = 0;
        while prefix < new_count.min(old_count) {
            let (new, old) = (
                self.instruction(prefix).range,
                previous.instruction(prefix).range,
            );
            if new != old || new_text[new] != old_text[old] {
                break;
            }
            unchanged[prefix] = Some(prefix);
            prefix += 1;
        }
        let mut suffix = 1;
        while suffix <= new_count.min(old_count) - prefix {
            let (new_index, old_index) = (new_count - suffix, old_count - suffix);
            let (new, old) = (
                self.instruction(new_index).range,
                previous.instruction(old_index).range,
            );
            // The same distance from the end of the file, and the same text.
            let same_place = new_text.len() - usize::from(new.start())
                == old_text.len() - usize::from(old.start());
            if !same_place || new_text[new] != old_text[old] {
                break;
            }
            unchanged[new_index] = Some(old_index);
            suffix += 1;
        }
        unchanged
    }
}

struct Builder {
    file: Dockerfile,
    items: Vec<usize>,
    info: Vec<InstructionInfo>,
    stages: Vec<Stage>,
    names: HashMap<String, usize>,
    global_args: Vec<usize>,
    checkpoints: Vec<Checkpoint>,
}

impl Builder {
    /// Builds the model of `file`; with `resume`, a previous model whose first instructions
    /// (that many) are the file's.
    fn build(file: Dockerfile, resume: Option<(&Model, usize)>) -> Model {
        let items: Vec<usize> = file
            .items()
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item.kind, ItemKind::Instruction(_)))
            .map(|(i, _)| i)
            .collect();
        let mut builder = Builder {
            file,
            items,
            info: Vec::new(),
            stages: Vec::new(),
            names: HashMap::new(),
            global_args: Vec::new(),
            checkpoints: Vec::new(),
        };
        match resume {
            Some((previous, shared)) => builder.resume(previous, shared),
            None => builder.walk(),
        }
        let shells = (0..builder.items.len()).map(|_| OnceLock::new()).collect();
        let Builder {
            file,
            items,
            info,
            stages,
            names,
            global_args,
            checkpoints,
        } = builder;
        let instructions: Vec<Arc<Instruction>> = items
            .iter()
            .filter_map(|&item| match &file.items()[item].kind {
                ItemKind::Instruction(instruction) => Some(Arc::clone(instruction)),
                _ => None,
            })
            .collect();
        let kinds = instructions.iter().map(|i| i.kind).collect();
        // Parents are always earlier stages, so one pass finds every chain's start.
        let mut roots: Vec<usize> = Vec::with_capacity(stages.len());
        for stage in &stages {
            let root = match stage.parent {
                Some(p) if p < roots.len() => roots[p],
                _ => stage.index,
            };
            roots.push(root);
        }
        Model {
            file,
            items,
            instructions,
            kinds,
            info,
            stages,
            names,
            roots,
            global_args,
            checkpoints,
            shells,
        }
    }

    /// Takes what `previous` says of its first `shared` instructions (which are this file's
    /// first ones), then walks the rest from where `previous`'s walk was before them.
    fn resume(&mut self, previous: &Model, shared: usize) {
        let started = previous.stages.partition_point(|stage| stage.from < shared);
        self.info.extend_from_slice(&previous.info[..shared]);
        self.checkpoints
            .extend_from_slice(&previous.checkpoints[..shared]);
        self.stages.extend_from_slice(&previous.stages[..started]);
        for stage in &self.stages {
            if let Some(name) = &stage.name {
                self.names.entry(name.lower.clone()).or_insert(stage.index);
            }
        }
        self.global_args.extend(
            previous
                .global_args
                .iter()
                .copied()
                .take_while(|&index| index < shared),
        );
        self.walk_from(shared, previous.checkpoints[shared].clone(), Some(previous));
    }

    fn instruction(&self, index: usize) -> &Instruction {
        match &self.file.items()[self.items[index]].kind {
            ItemKind::Instruction(instruction) => instruction,
            _ => unreachable!("instruction indices point at instruction items"),
        }
    }

    fn walk(&mut self) {
        /// The global scope of every file before its first instruction: the platform `ARG`s
        /// BuildKit predefines. Built once; each model shares its layers.
        static PLATFORM_SCOPE: LazyLock<Arc<Scope>> = LazyLock::new(|| {
            let mut global = Scope::default();
            for name in PLATFORM_ARGS {
                global.set(Variable {
                    name: name.to_owned(),
                    value: None,
                    env: false,
                });
            }
            Arc::new(global)
        });
        let global = Arc::clone(&PLATFORM_SCOPE);
        let start = Checkpoint {
            scope: global.clone(),
            global,
            shell: Arc::new(ShellSpec::default_posix()),
        };
        self.walk_from(0, start, None);
    }

    /// Walks the instructions from `first` on, from the state before it (the checkpoints
    /// and stages before it are in place).
    ///
    /// With `previous` (a model of an earlier version of the file), once the walk reaches a
    /// `FROM` where the rest of the file is the rest of `previous`'s, moved, and from the same
    /// state, it takes the rest of `previous`'s walk ([`Builder::converge`]).
    fn walk_from(&mut self, first: usize, at: Checkpoint, previous: Option<&Model>) {
        let escape = self.file.escape();
        let Checkpoint {
            mut global,
            mut scope,
            mut shell,
        } = at;
        let count = self.items.len();
        for index in first..count {
            self.checkpoints.push(Checkpoint {
                global: global.clone(),
                scope: scope.clone(),
                shell: shell.clone(),
            });
            let kind = self.instruction(index).kind;
            if kind == InstructionKind::From {
                if let Some(last) = self.stages.last_mut() {
                    last.body.end = index;
                }
                if let Some(previous) = previous
                    && self.converge(index, &global, previous)
                {
                    return;
                }
                let stage = self.make_stage(index, &global, escape);
                let (inherited_scope, inherited_shell) = match stage.parent {
                    Some(parent) => {
                        // The parent's state at its end: before the instruction after its body.
                        let end = &self.checkpoints[self.stages[parent].body.end];
                        let (s, sh) = (&end.scope, &end.shell);
                        // ENV is part of the image; since BuildKit 0.15 (dockerfile 1.9,
                        // 2024) the parent stage's ARGs are inherited too (dockerfile2llb
                        // appends the base stage's build args to the child's).
                        ((**s).clone(), sh.clone())
                    }
                    None => {
                        let open = !matches!(stage.base, Base::Scratch);
                        let sh = if stage.windows {
                            ShellSpec::default_windows()
                        } else {
                            ShellSpec::default_posix()
                        };
                        (Scope::with_open(open), Arc::new(sh))
                    }
                };
                self.info.push(InstructionInfo {
                    stage: Some(self.stages.len()),
                    scope: global.clone(),
                    shell: inherited_shell.clone(),
                });
                if let Some(name) = &stage.name {
                    self.names.entry(name.lower.clone()).or_insert(stage.index);
                }
                self.stages.push(stage);
                scope = Arc::new(inherited_scope);
                shell = inherited_shell;
                continue;
            }
            let stage = self.stages.len().checked_sub(1);
            self.info.push(InstructionInfo {
                stage,
                scope: scope.clone(),
                shell: shell.clone(),
            });
            match stage {
                None => {
                    if kind == InstructionKind::Arg {
                        self.global_args.push(index);
                        global = Arc::new(self.apply_arg(index, &global, None, escape));
                        scope = global.clone();
                    }
                }
                Some(_) => match kind {
                    InstructionKind::Arg => {
                        let updated = self.apply_arg(index, &scope, Some(&global), escape);
                        scope = Arc::new(updated);
                    }
                    InstructionKind::Env => {
                        let updated = self.apply_env(index, &scope, escape);
                        scope = Arc::new(updated);
                    }
                    InstructionKind::Shell => {
                        if let Args::Exec(exec) = &self.instruction(index).args {
                            let argv: Vec<String> =
                                exec.elements.iter().map(|w| w.text.clone()).collect();
                            if !argv.is_empty() {
                                let kind = ShellSpec::classify(&argv);
                                shell = Arc::new(ShellSpec {
                                    argv,
                                    instruction: Some(index),
                                    kind,
                                });
                            }
                        }
                    }
                    _ => {}
                },
            }
        }
        if let Some(last) = self.stages.last_mut() {
            last.body.end = count;
        }
        self.checkpoints.push(Checkpoint {
            global,
            scope,
            shell,
        });
    }

    fn apply_arg(
        &self,
        index: usize,
        scope: &Scope,
        global: Option<&Scope>,
        escape: char,
    ) -> Scope {
        let mut next = scope.clone();
        let Args::Arg(decls) = &self.instruction(index).args else {
            return next;
        };
        let lexer = Lexer::new(escape);
        for decl in decls {
            let name = decl.name.text.clone();
            let value = match &decl.default {
                Some(default) => match lexer.process_word(&default.text, &next) {
                    Ok(e) if !e.unknown => Some(e.result),
                    _ => None,
                },
                // `ARG X` in a stage imports the global default of X.
                None => global
                    .and_then(|g| g.get(&name))
                    .and_then(|v| v.value.clone()),
            };
            next.set(Variable {
                name,
                value,
                env: false,
            });
        }
        next
    }

    fn apply_env(&self, index: usize, scope: &Scope, escape: char) -> Scope {
        let mut next = scope.clone();
        let Args::KeyValues(kv) = &self.instruction(index).args else {
            return next;
        };
        let lexer = Lexer::new(escape);
        for pair in &kv.pairs {
            // Every pair of one ENV sees the values from before the instruction.
            let key = lexer
                .process_word(&pair.key.text, scope)
                .map_or_else(|_| pair.key.text.clone(), |e| e.result);
            let value = match lexer.process_word(&pair.value.text, scope) {
                Ok(e) if !e.unknown => Some(e.result),
                _ => None,
            };
            next.set(Variable {
                name: key,
                value,
                env: true,
            });
        }
        next
    }

    /// At the `FROM` at `index` (the checkpoint before it pushed, the stage before it closed):
    /// when the text from there on is `previous`'s from one of its `FROM`s, with as many
    /// instructions, and what a walk from there reads of the walk so far is the same as
    /// `previous`'s (the global `ARG`s, the names of the stages so far, and the state at the end
    /// of every stage the rest builds on), takes the rest of `previous`'s walk, moved to where
    /// its instructions are now; `true` when it did.
    fn converge(&mut self, index: usize, global: &Arc<Scope>, previous: &Model) -> bool {
        let count = self.items.len();
        let old_count = previous.instruction_count();
        let Some(old) = (index + old_count).checked_sub(count) else {
            return false;
        };
        let stage = self.stages.len();
        // The cheap tests first: the text comparison goes to the end of the file.
        if old >= old_count
            || previous.instruction(old).kind != InstructionKind::From
            || previous.info[old].stage != Some(stage)
            || self.file.escape() != previous.file.escape()
        {
            return false;
        }
        let old_global = &previous.checkpoints[old].global;
        if !(Arc::ptr_eq(global, old_global) || **global == **old_global) {
            return false;
        }
        fn lower(stage: &Stage) -> Option<&str> {
            stage.name.as_ref().map(|n| n.lower.as_str())
        }
        if !self
            .stages
            .iter()
            .zip(&previous.stages[..stage])
            .all(|(new, old)| lower(new) == lower(old))
        {
            return false;
        }
        for later in &previous.stages[stage..] {
            if let Some(parent) = later.parent
                && parent < stage
            {
                let new_end = &self.checkpoints[self.stages[parent].body.end];
                let old_end = &previous.checkpoints[previous.stages[parent].body.end];
                if *new_end.scope != *old_end.scope
                    || *new_end.shell != *old_end.shell
                    || self.stages[parent].windows != previous.stages[parent].windows
                {
                    return false;
                }
            }
        }
        let from = previous.instruction(old).range.start();
        let to = self.instruction(index).range.start();
        if self.file.text().get(usize::from(to)..) != previous.text().get(usize::from(from)..) {
            return false;
        }
        // Taken over: instruction indices move by the change in their number, offsets by the
        // change in length before them; everything else is the same.
        // (Only indices from `old` on are moved.)
        let moved_index = |i: usize| i - old + index;
        let mut last: Option<(*const ShellSpec, Arc<ShellSpec>)> = None;
        let mut shell = |spec: &Arc<ShellSpec>| -> Arc<ShellSpec> {
            match spec.instruction {
                Some(set_by) if set_by >= old && index != old => {
                    if let Some((was, now)) = &last
                        && std::ptr::eq(*was, Arc::as_ptr(spec))
                    {
                        return now.clone();
                    }
                    let now = Arc::new(ShellSpec {
                        instruction: Some(moved_index(set_by)),
                        ..(**spec).clone()
                    });
                    last = Some((Arc::as_ptr(spec), now.clone()));
                    now
                }
                _ => spec.clone(),
            }
        };
        for info in &previous.info[old..] {
            self.info.push(InstructionInfo {
                stage: info.stage,
                scope: info.scope.clone(),
                shell: shell(&info.shell),
            });
        }
        for at in &previous.checkpoints[old + 1..] {
            self.checkpoints.push(Checkpoint {
                global: at.global.clone(),
                scope: at.scope.clone(),
                shell: shell(&at.shell),
            });
        }
        for old_stage in &previous.stages[stage..] {
            let mut moved = old_stage.clone();
            moved.from = moved_index(moved.from);
            moved.body = moved_index(moved.body.start)..moved_index(moved.body.end);
            if let Some(name) = &mut moved.name {
                name.range = drydock_text::moved(name.range, from, to);
            }
            if let Some(image) = &mut moved.image {
                image.range = drydock_text::moved(image.range, from, to);
            }
            if let Some(name) = &moved.name {
                self.names.entry(name.lower.clone()).or_insert(moved.index);
            }
            self.stages.push(moved);
        }
        true
    }

    fn make_stage(&self, from: usize, global: &Scope, escape: char) -> Stage {
        let instruction = self.instruction(from);
        let words = match &instruction.args {
            Args::Words(words) => words.as_slice(),
            _ => &[],
        };
        let image = words.first().cloned();
        let name = match words {
            [_, as_kw, name] if as_kw.text.eq_ignore_ascii_case("as") => Some(StageName {
                text: name.text.clone(),
                lower: name.text.to_lowercase(),
                range: name.range,
            }),
            _ => None,
        };
        let (base, parent) = match &image {
            None => (Base::Invalid, None),
            Some(word) => match Lexer::new(escape).process_word(&word.text, global) {
                Err(_) => (Base::Invalid, None),
                Ok(expanded) => {
                    let lower = expanded.result.to_lowercase();
                    let parent = self.names.get(&lower).copied();
                    match parent {
                        Some(p) if !expanded.unknown => (Base::Stage(p), Some(p)),
                        _ if !expanded.unknown && lower == "scratch" => (Base::Scratch, None),
                        _ => (
                            Base::Image {
                                reference: ImageRef::parse(&expanded.result),
                                unknown: expanded.unknown,
                            },
                            None,
                        ),
                    }
                }
            },
        };
        let windows = match (&base, parent) {
            (_, Some(p)) => self.stages[p].windows,
            (Base::Image { reference, .. }, _) => is_windows_image(&reference.text),
            _ => false,
        };
        Stage {
            index: self.stages.len(),
            from,
            body: from + 1..from + 1,
            name,
            image,
            base,
            parent,
            windows,
        }
    }
}

/// Whether an image reference names a Windows base image (whose default shell is `cmd`).
#[must_use]
pub fn is_windows_image(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    [
        "windows/servercore",
        "windows/nanoserver",
        "windows/server",
        "mcr.microsoft.com/windows",
        "windowsservercore",
        "nanoserver",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}
