use foldhash::HashSet;

use drydock_dockerfile::lex::{Lexer, VarValue, var_refs};
use drydock_dockerfile::model::{Base, Model};
use drydock_dockerfile::{ArgDecl, Args, Instruction, InstructionKind, KeyValue, TextRange, Word};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Outside, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::{suggest, unknown_parent, word_subrange};

declare_rule! {
    /// ## What it does
    /// Reports `$VAR` / `${VAR}` in a word the builder expands when `VAR` is not defined at
    /// that point of the stage: not an `ARG` declared in the stage (or in a stage it builds on,
    /// `FROM <stage>`), not an `ENV` of the stage or of those stages, and not `PATH` (which
    /// every Linux image defines). When a defined name is at most two edits away, it is
    /// suggested, as BuildKit does (`$PAHT`: did you mean `$PATH`?). This is BuildKit's
    /// `UndefinedVar` build check.
    ///
    /// The builder expands the keys and values of `ENV` and `LABEL`, the sources, destination,
    /// `--chown`, `--chmod` (and `ADD --checksum`) of `COPY` and `ADD`, the bodies of their
    /// heredocs when the delimiter is not quoted, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`,
    /// `ARG` defaults and the `RUN --mount` options. The command text of `RUN`, `CMD` and
    /// `ENTRYPOINT` is expanded by the shell at run time and is not checked, nor is `EXPOSE`.
    /// A variable used before the `ARG` or `ENV` that declares it is reported; global `ARG`s
    /// (before the first `FROM`) are not visible in a stage unless it declares them again. A
    /// stage built on a stage drydock cannot identify (`FROM base-$TARGETARCH`) is not checked.
    ///
    /// ## Why is this bad?
    /// An undefined variable expands to an empty string: `COPY $APP_DIR/ /srv/` copies the
    /// whole build context, `WORKDIR /opt/$VERSION` is `/opt/`. A typo in a variable name
    /// fails silently.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ARG DIR_ASSETS=assets/
    /// COPY $DIR_ASSET /srv/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ARG DIR_ASSETS=assets/
    /// COPY $DIR_ASSETS /srv/
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit also knows the environment of the base image; drydock does not. In a stage
    /// built on an external image (not `scratch`), a variable is therefore reported only when
    /// something shows it is not the image's: this Dockerfile declares it elsewhere (a global
    /// `ARG` the stage does not declare again, an `ARG` or `ENV` later in the stage or in
    /// another stage), or a name the Dockerfile defines is close enough to be suggested (a typo
    /// of `PATH` is not enough: `$GOPATH` may come from the image). An `ENV` that only
    /// refers to itself (`ENV LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/opt/lib`) is not such evidence,
    /// since the variable may come from the image. In stages built on `scratch` every undefined
    /// variable is reported, as BuildKit does. For shell parameters (`$1`, `$@`, in a heredoc
    /// body) drydock suggests nothing, where BuildKit suggests any defined name of one or two
    /// letters. drydock points at the variable, BuildKit at the instruction.
    pub(crate) UndefinedVar {
        code: "BK011",
        name: "undefined-var",
        aliases: ["UndefinedVar"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Variables BuildKit never reports (they configure SBOM scanning).
const NON_ENV_ARGS: [&str; 2] = ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// What is defined in a stage at some point.
#[derive(Clone, Debug, Default)]
struct State<'a> {
    /// Declared names (ARGs with or without a value, ENV keys, PATH).
    names: HashSet<&'a str>,
    /// Names with a value in the environment, in order (BuildKit's suggestions come from these).
    env_keys: Vec<&'a str>,
}

impl<'a> State<'a> {
    fn new(windows: bool) -> Self {
        let mut state = Self::default();
        if !windows {
            state.define("PATH", true);
        }
        state
    }

    fn define(&mut self, name: &'a str, has_value: bool) {
        self.names.insert(name);
        if has_value && !self.env_keys.contains(&name) {
            self.env_keys.push(name);
        }
    }
}

struct Checker<'a, 'c> {
    ctx: &'a mut DockerfileContext<'c>,
    /// Every name declared in the file, with the declaring instruction (listed when first
    /// needed).
    declared: Option<Vec<(&'c str, usize)>>,
}

impl Checker<'_, '_> {
    /// Checks one word (its text is what the builder expands). References are located in the
    /// instruction's logical line, or, with `direct`, at `word.range.start()` plus their offset
    /// (a heredoc body).
    fn word(
        &mut self,
        state: &State<'_>,
        closed: bool,
        index: usize,
        instruction: &Instruction,
        word: &Word,
        lexer: Lexer,
        direct: bool,
    ) {
        // No `$`, no variable reference (and nothing for the lexer to fail on).
        if !word.text.contains('$') {
            return;
        }
        let names = &state.names;
        let env = |name: &str| names.contains(name).then_some(VarValue::Unknown);
        let Ok(expansion) = lexer.process_word(&word.text, &env) else {
            return;
        };
        if expansion.unmatched.is_empty() {
            return;
        }
        let refs = var_refs(&word.text, lexer.escape, !lexer.skip_process_quotes);
        for name in &expansion.unmatched {
            let range = refs
                .iter()
                .find(|r| r.name(&word.text) == name)
                .map_or(word.range, |r| {
                    if direct {
                        let start = usize::from(word.range.start());
                        drydock_text::range(start + r.start, start + r.end)
                    } else {
                        word_subrange(instruction, word, r.start, r.end)
                    }
                });
            self.report(state, closed, index, name, range, direct);
        }
    }

    fn report(
        &mut self,
        state: &State<'_>,
        closed: bool,
        index: usize,
        name: &str,
        range: TextRange,
        heredoc: bool,
    ) {
        if NON_ENV_ARGS.contains(&name) {
            return;
        }
        // `$1`, `$@`: shell parameters, not variables anyone declares.
        let parameter = !name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        let suggestion = if parameter {
            None
        } else {
            suggest(name, state.env_keys.iter().copied(), true)
        };
        if !closed {
            let plausible = name.len() >= 2 && !parameter;
            let model = self.ctx.model;
            let declared = self.declared.get_or_insert_with(|| declared(model));
            let elsewhere = declared.iter().any(|(n, i)| *n == name && *i != index);
            // A typo of a name this Dockerfile defines (not of `PATH`, which the image defines
            // along with names drydock cannot see, such as `GOPATH`).
            let typo = plausible
                && suggest(
                    name,
                    state.env_keys.iter().copied().filter(|k| *k != "PATH"),
                    true,
                )
                .is_some();
            if !elsewhere && !typo {
                return;
            }
        }
        let hint = suggestion
            .map(|s| format!(" (did you mean `${s}`?)"))
            .unwrap_or_default();
        let help = if heredoc {
            format!(
                "the builder expands this heredoc, and `${name}` becomes an empty string: declare it earlier in this stage, write `\\${name}`, or quote the delimiter (`<<'EOF'`) to leave the text to the script"
            )
        } else if parameter {
            format!(
                "`${name}` is a shell parameter, which the builder expands to an empty string: write `\\${name}` to keep it"
            )
        } else {
            format!(
                "it expands to an empty string here: declare it with `ARG {name}` or `ENV {name}=...` earlier in this stage"
            )
        };
        self.ctx
            .report(range, format!("undefined variable `${name}`{hint}"))
            .help(help);
    }
}

/// Whether a stage's chain of `FROM <stage>` ends at `scratch` (its whole environment is
/// known).
fn closed(model: &Model, stage: usize) -> bool {
    model
        .root_stage(stage)
        .is_some_and(|root| root.base == Base::Scratch)
}

/// Every name declared in the file, with the declaring instruction.
fn declared(model: &Model) -> Vec<(&str, usize)> {
    model
        .instructions()
        .flat_map(|(i, instruction)| declarations(instruction).map(move |(name, _)| (name, i)))
        .collect()
}

/// Names an instruction declares: `(name, has a value)`.
fn declarations(instruction: &Instruction) -> impl Iterator<Item = (&str, bool)> {
    let (args, env): (&[_], &[_]) = match &instruction.args {
        Args::Arg(decls) => (decls, &[]),
        Args::KeyValues(kv) if instruction.kind == InstructionKind::Env => (&[], &kv.pairs),
        _ => (&[], &[]),
    };
    let args = args
        .iter()
        .map(|d: &ArgDecl| (d.name.text.as_str(), d.default.is_some()));
    let env = env.iter().map(|p: &KeyValue| (p.key.text.as_str(), true));
    args.chain(env)
}

impl Rule for UndefinedVar {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    /// Whether a variable is declared elsewhere in the file: for each name declared
    /// anywhere, whether one instruction or several declare it.
    fn outside(&self, model: &Model) -> Option<Vec<u8>> {
        let mut declared = declared(model);
        declared.sort_unstable();
        declared.dedup();
        let mut outside = Outside::default();
        for group in declared.chunk_by(|a, b| a.0 == b.0) {
            outside.text(group[0].0).number(group.len().min(2));
        }
        outside.done()
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = model.text();
        let escape = model.file().escape();
        // The stages to go through (to check, or built on by one to check), and to check.
        let walks: Vec<bool> = (0..model.stages().len())
            .map(|s| ctx.walks_stage(s))
            .collect();
        let checks: Vec<bool> = model.stages().iter().map(|s| ctx.checks(s.from)).collect();
        let mut checker = Checker {
            ctx,
            declared: None,
        };
        let lexer = Lexer::new(escape);
        let raw_lexer = Lexer {
            skip_process_quotes: true,
            ..Lexer::new('\\')
        };
        let mut end_states: Vec<State> = Vec::with_capacity(model.stages().len());
        for stage in model.stages() {
            if !walks[stage.index] {
                end_states.push(State::default());
                continue;
            }
            let closed = closed(model, stage.index);
            // Built on a stage drydock cannot identify: anything may be defined. (A stage
            // that is not to be checked is only gone through for its declarations.)
            let skip = unknown_parent(model, stage.index) || !checks[stage.index];
            let mut state = match stage.parent {
                Some(parent) => end_states[parent].clone(),
                None => State::new(stage.windows),
            };
            for index in stage.body.clone() {
                let instruction = model.instruction(index);
                if skip {
                    for (name, has_value) in declarations(instruction) {
                        state.define(name, has_value);
                    }
                    continue;
                }
                let mut words: Vec<&Word> = Vec::new();
                match (&instruction.args, instruction.kind) {
                    (Args::Arg(decls), _) => {
                        // Each default sees the ARGs declared before it, in this instruction too.
                        for decl in decls {
                            if let Some(default) = &decl.default {
                                checker.word(
                                    &state,
                                    closed,
                                    index,
                                    instruction,
                                    default,
                                    lexer,
                                    false,
                                );
                            }
                            state.define(&decl.name.text, decl.default.is_some());
                        }
                        continue;
                    }
                    (Args::KeyValues(kv), InstructionKind::Env | InstructionKind::Label) => {
                        for pair in &kv.pairs {
                            words.push(&pair.key);
                            words.push(&pair.value);
                        }
                    }
                    (Args::Paths(paths), _) => {
                        words.extend(paths.items.iter().filter(|w| !w.text.starts_with("<<")));
                    }
                    (Args::Text(word), InstructionKind::Workdir | InstructionKind::User)
                    | (Args::Text(word), InstructionKind::Stopsignal) => words.push(word),
                    _ => {}
                }
                for word in words {
                    checker.word(&state, closed, index, instruction, word, lexer, false);
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
                    if let Some(range) = flag.value_range {
                        let word = Word {
                            range,
                            text: text[range].to_owned(),
                        };
                        checker.word(&state, closed, index, instruction, &word, lexer, false);
                    }
                }
                if instruction.kind == InstructionKind::Run {
                    for flag in instruction.flags_named("mount") {
                        for field in flag.fields(text) {
                            // The field's value, located inside the field when written plainly.
                            let raw = &text[field.range];
                            let range = match raw.split_once('=') {
                                Some((_, v)) if v == field.value => drydock_text::range(
                                    usize::from(field.range.end()) - v.len(),
                                    usize::from(field.range.end()),
                                ),
                                _ => field.range,
                            };
                            let word = Word {
                                range,
                                text: field.value.clone(),
                            };
                            checker.word(&state, closed, index, instruction, &word, lexer, false);
                        }
                    }
                }
                if matches!(
                    instruction.kind,
                    InstructionKind::Copy | InstructionKind::Add
                ) {
                    for heredoc in instruction.heredocs.iter().filter(|h| h.expand) {
                        let body = Word {
                            range: heredoc.body,
                            text: text[heredoc.body].to_owned(),
                        };
                        checker.word(&state, closed, index, instruction, &body, raw_lexer, true);
                    }
                }
                for (name, has_value) in declarations(instruction) {
                    state.define(name, has_value);
                }
            }
            end_states.push(state);
        }
    }
}
