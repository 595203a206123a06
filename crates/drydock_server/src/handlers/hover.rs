//! `textDocument/hover`: rule documentation on findings and on the codes of suppression
//! comments; what Dockerfile instructions, flags, `--mount` options and parser directives do;
//! compose keys from drydock's compose schema; and the values of variables (compose
//! interpolation from the project's environment, Dockerfile `ARG`/`ENV` scopes). Markdown when
//! the client reads it, plain text otherwise. The hover's range is the word hovered.

use drydock_compose::interpolate::{self, Lookup, Vars};
use drydock_compose::project::{Project, SourceKind};
use drydock_compose::schema::{self, Ty};
use drydock_compose::yaml::{self, Node, NodeKind};
use drydock_dockerfile::lex::var_refs;
use drydock_dockerfile::model::{Model, PLATFORM_ARGS};
use drydock_dockerfile::{Args, Instruction, InstructionKind, ItemKind, TextRange, TextSize};
use drydock_linter::registry::{self, RuleId};
use drydock_linter::suppression;
use drydock_text::LineIndex;
use lsp_types::HoverParams;
use serde_json::{Value, json};

use super::{HandlerError, docs, project};
use crate::diagnostics::rule_url;
use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// What a hover shows: Markdown sections and the range they are about.
struct Found {
    sections: Vec<String>,
    range: TextRange,
}

/// Answers `textDocument/hover`.
///
/// # Errors
/// Malformed parameters.
pub fn hover(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: HoverParams = super::params(params)?;
    let at = p.text_document_position_params;
    let Some(doc) = snapshot.document(&at.text_document.uri).cloned() else {
        return Ok(Value::Null);
    };
    if doc.kind == Kind::Other {
        return Ok(Value::Null);
    }
    let offset = doc.offset(at.position, snapshot.encoding);
    Ok(match find(snapshot, &doc, offset) {
        Some(found) => render(snapshot, &doc, &found),
        None => Value::Null,
    })
}

fn render(snapshot: &Snapshot, doc: &Document, found: &Found) -> Value {
    let (kind, value) = if snapshot.caps.hover_markdown {
        ("markdown", found.sections.join("\n\n---\n\n"))
    } else {
        (
            "plaintext",
            found
                .sections
                .iter()
                .map(|s| docs::plain(s))
                .collect::<Vec<_>>()
                .join("\n\n"),
        )
    };
    json!({
        "contents": {"kind": kind, "value": value},
        "range": doc.range(found.range, snapshot.encoding),
    })
}

fn find(snapshot: &Snapshot, doc: &Document, offset: TextSize) -> Option<Found> {
    let text = &*doc.text;
    let rule_docs = |id: RuleId| rule_text(snapshot, id);
    let element = match doc.kind {
        Kind::Dockerfile => {
            let model = Model::new(drydock_dockerfile::parse_str(text));
            dockerfile_element(&model, offset, &rule_docs)
        }
        Kind::Compose => compose(snapshot, doc, offset, &rule_docs),
        Kind::Other => None,
    };
    // Findings under the cursor, each rule once.
    let linted = crate::lint::lint(snapshot, doc);
    let mut sections = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut cover: Option<TextRange> = None;
    for d in &linted.diagnostics {
        let on = if d.range.is_empty() {
            d.range.start() == offset
        } else {
            d.range.start() <= offset && offset < d.range.end()
        };
        if !on || seen.contains(&d.code) {
            continue;
        }
        let Some(id) = registry::by_code(d.code) else {
            continue;
        };
        seen.push(d.code);
        sections.push(rule_text(snapshot, id));
        cover = Some(cover.map_or(d.range, |c| c.intersect(d.range).unwrap_or(c)));
    }
    match element {
        Some((range, text)) => {
            // The element's own text, unless it is the documentation of a rule already shown.
            if !sections.contains(&text) {
                sections.push(text);
            }
            Some(Found { sections, range })
        }
        None => {
            let cover = cover?;
            let range = word_at(text, offset)
                .and_then(|w| w.intersect(cover))
                .filter(|r| !r.is_empty())
                .unwrap_or(cover);
            Some(Found { sections, range })
        }
    }
}

fn rule_text(snapshot: &Snapshot, id: RuleId) -> String {
    docs::rule(
        id,
        rule_url(snapshot.settings.docs(), id.meta().code).as_deref(),
    )
}

/// The range of the word at `offset`: a run of characters other than whitespace, quotes,
/// brackets, `,`, `;` and `=`.
fn word_at(text: &str, offset: TextSize) -> Option<TextRange> {
    let at = usize::from(offset).min(text.len());
    let is_word = |c: char| !c.is_whitespace() && !"\"'`,;=()[]{}".contains(c);
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| at + i);
    (start < end).then(|| drydock_text::range(start, end))
}

/// Whether `offset` is on `range` (its end included: a cursor right after a word is on it).
fn touches(range: TextRange, offset: TextSize) -> bool {
    range.start() <= offset && offset <= range.end()
}

// --- suppression comments --------------------------------------------------------------------

/// The documentation of the rule code under `offset` in a comment (`comment` is its range from
/// `#`): suppression comments of either tool, and BuildKit `check=` comments.
fn comment_code(
    rule_docs: &dyn Fn(RuleId) -> String,
    text: &str,
    comment: TextRange,
    offset: TextSize,
) -> Option<(TextRange, String)> {
    let after_hash = usize::from(comment.start()) + 1;
    let body = text.get(after_hash..usize::from(comment.end()))?;
    if let Some(pragma) = suppression::parse_comment(body, after_hash) {
        let (code, range) = pragma.codes.iter().find(|(_, r)| touches(*r, offset))?;
        return code_text(rule_docs, code).map(|t| (*range, t));
    }
    // `# check=skip=StageNameCasing,...` (also as the comment above an instruction).
    let trimmed = body.trim_start();
    let lead = body.len() - trimmed.len();
    if trimmed
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("check="))
    {
        let value_start = after_hash + lead + 6;
        return list_word(text, value_start, usize::from(comment.end()), offset)
            .and_then(|(range, word)| code_text(rule_docs, word).map(|t| (range, t)));
    }
    None
}

/// The word of a `a=b,c;d` list in `text[start..end]` under `offset`, with its range.
fn list_word(text: &str, start: usize, end: usize, offset: TextSize) -> Option<(TextRange, &str)> {
    let value = text.get(start..end)?;
    let mut pos = start;
    for part in value.split([',', ';', '=']) {
        let lead = part.len() - part.trim_start().len();
        let word = part.trim();
        let range = drydock_text::range(pos + lead, pos + lead + word.len());
        if !word.is_empty() && touches(range, offset) {
            return Some((range, word));
        }
        pos += part.len() + 1;
    }
    None
}

/// The hover text of a code written in a comment: a rule (by code, alias or name), or a
/// ShellCheck code.
fn code_text(rule_docs: &dyn Fn(RuleId) -> String, code: &str) -> Option<String> {
    if let Some(id) = registry::find(code) {
        return Some(rule_docs(id));
    }
    let upper = code.to_ascii_uppercase();
    registry::is_shellcheck_code(&upper).then(|| {
        format!(
            "**{upper}**: a ShellCheck finding, reported on `RUN` scripts with `--shellcheck`.\n\n\
             [ShellCheck's documentation of {upper}](https://www.shellcheck.net/wiki/{upper})"
        )
    })
}

// --- Dockerfiles -------------------------------------------------------------------------------

/// What the Dockerfile element at `offset` is: a code in a comment, a directive, a variable, a
/// keyword, a flag or a `--mount` option.
fn dockerfile_element(
    model: &Model,
    offset: TextSize,
    rule_docs: &dyn Fn(RuleId) -> String,
) -> Option<(TextRange, String)> {
    let text = model.text();
    let items = model.file().items();
    let probe = if usize::from(offset) >= text.len() && offset > TextSize::new(0) {
        offset - TextSize::new(1)
    } else {
        offset
    };
    let item_index = items
        .iter()
        .position(|item| item.range.start() <= probe && probe < item.range.end())?;
    let item = &items[item_index];
    match &item.kind {
        ItemKind::Comment(comment) => comment_code(rule_docs, text, comment.range, offset),
        ItemKind::Directive(directive) => {
            if touches(directive.name_range, offset) {
                return docs::directive(&directive.name)
                    .map(|d| (directive.name_range, d.to_owned()));
            }
            if directive.name == "check" && touches(directive.value_range, offset) {
                return list_word(
                    text,
                    usize::from(directive.value_range.start()),
                    usize::from(directive.value_range.end()),
                    offset,
                )
                .and_then(|(range, word)| code_text(rule_docs, word).map(|t| (range, t)));
            }
            None
        }
        ItemKind::Instruction(instruction) => {
            let index =
                (0..model.instruction_count()).find(|&i| model.item_index(i) == item_index)?;
            if let Some(found) = variable(model, index, instruction, offset) {
                return Some(found);
            }
            let mut current: &Instruction = instruction;
            loop {
                if let Some(found) = instruction_part(text, current, offset) {
                    return Some(found);
                }
                match current.onbuild_inner() {
                    Some(inner) => current = inner,
                    None => return None,
                }
            }
        }
        ItemKind::Bom | ItemKind::Blank => None,
    }
}

/// The keyword, a flag, a `--mount` option or `HEALTHCHECK`'s `CMD` at `offset`.
fn instruction_part(
    text: &str,
    instruction: &Instruction,
    offset: TextSize,
) -> Option<(TextRange, String)> {
    let kind = instruction.kind;
    if touches(instruction.keyword.range, offset) {
        return docs::instruction(kind).map(|d| (instruction.keyword.range, d.to_owned()));
    }
    for flag in &instruction.flags {
        if !(flag.range.start() <= offset && offset <= flag.range.end()) {
            continue;
        }
        if kind == InstructionKind::Run
            && flag.name == "mount"
            && flag.value_range.is_some_and(|r| touches(r, offset))
        {
            let fields = flag.fields(text);
            let exact =
                fields.iter().all(|f| Some(f.range) != flag.value_range) || fields.len() == 1;
            if exact
                && let Some(field) = fields.iter().find(|f| touches(f.range, offset))
                && let Some(doc) = docs::mount_option(&field.key)
            {
                return Some((field.range, doc.to_owned()));
            }
        }
        let name_range = TextRange::new(flag.range.start(), flag.name_range.end());
        return docs::flag(kind, &flag.name).map(|d| (name_range, d.to_owned()));
    }
    if let Args::Healthcheck(health) = &instruction.args
        && touches(health.kind.range, offset)
    {
        return docs::instruction(InstructionKind::Healthcheck)
            .map(|d| (health.kind.range, d.to_owned()));
    }
    None
}

/// How a word's variables are expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expander {
    /// By BuildKit, from the `ARG`/`ENV` scope.
    Builder,
    /// By the shell when the command runs (only declared variables are described).
    Shell,
}

/// The `$VAR` / `${VAR...}` under `offset` and what it holds here.
fn variable(
    model: &Model,
    index: usize,
    instruction: &Instruction,
    offset: TextSize,
) -> Option<(TextRange, String)> {
    use InstructionKind as K;
    let text = model.text();
    let kind = instruction.kind;
    let builder_kind = matches!(
        kind,
        K::Add
            | K::Copy
            | K::Env
            | K::Expose
            | K::From
            | K::Label
            | K::Stopsignal
            | K::User
            | K::Volume
            | K::Workdir
            | K::Arg
    );
    let shell_kind = matches!(kind, K::Run | K::Cmd | K::Entrypoint);
    if !builder_kind && !shell_kind {
        return None;
    }
    if touches(instruction.keyword.range, offset) && offset < instruction.keyword.range.end() {
        return None;
    }
    // A heredoc body: variables are expanded unless the delimiter was quoted.
    if let Some(heredoc) = instruction
        .heredocs
        .iter()
        .find(|h| h.body.start() <= offset && offset < h.body.end())
    {
        if !heredoc.expand {
            return None;
        }
        let line_start = text[..usize::from(offset)].rfind('\n').map_or(0, |i| i + 1);
        let line_start = line_start.max(usize::from(heredoc.body.start()));
        let line_end = text[usize::from(offset)..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| usize::from(offset) + i);
        let line = &text[line_start..line_end];
        let at = usize::from(offset) - line_start;
        let r = var_refs(line, model.file().escape(), false)
            .into_iter()
            .filter(|r| r.is_variable(line))
            .find(|r| r.start <= at && at < r.end)?;
        let expander = if builder_kind {
            Expander::Builder
        } else {
            Expander::Shell
        };
        let range = drydock_text::range(line_start + r.start, line_start + r.end);
        return describe_dockerfile_var(
            model,
            index,
            r.name(line),
            &line[r.start..r.end],
            expander,
        )
        .map(|t| (range, t));
    }
    let line = &instruction.line;
    let logical = line.logical_offset(offset)?;
    let in_flag = instruction
        .flags
        .iter()
        .any(|f| f.range.start() <= offset && offset < f.range.end());
    let expander = if builder_kind || in_flag {
        Expander::Builder
    } else {
        // The exec form of RUN/CMD/ENTRYPOINT runs no shell: nothing is expanded.
        if !matches!(instruction.args, Args::Shell(_)) {
            return None;
        }
        Expander::Shell
    };
    let r = var_refs(line.text(), model.file().escape(), true)
        .into_iter()
        .filter(|r| r.is_variable(line.text()) && r.start <= logical && logical < r.end)
        .min_by_key(|r| r.end - r.start)?;
    let range = line.file_range(r.start, r.end);
    describe_dockerfile_var(
        model,
        index,
        r.name(line.text()),
        &line.text()[r.start..r.end],
        expander,
    )
    .map(|t| (range, t))
}

/// What the variable `name` (written as `written`) holds at instruction `index`.
fn describe_dockerfile_var(
    model: &Model,
    index: usize,
    name: &str,
    written: &str,
    expander: Expander,
) -> Option<String> {
    let scope = model.scope(index);
    let var = scope.get(name);
    if expander == Expander::Shell && var.is_none() {
        // A shell variable of the script, not one drydock knows.
        return None;
    }
    let line = |kind| {
        declaration(model, index, name, kind)
            .map(|l| format!(" on line {}", l + 1))
            .unwrap_or_default()
    };
    let mut out = format!("**`${name}`**: ");
    match var {
        Some(v) if v.env => {
            let at = line(InstructionKind::Env);
            match &v.value {
                Some(value) => out.push_str(&format!("`{value}`, set by `ENV`{at}.")),
                None => out.push_str(&format!(
                    "set by `ENV`{at} from a value drydock cannot know."
                )),
            }
        }
        Some(v) => {
            let at = line(InstructionKind::Arg);
            match &v.value {
                Some(value) => out.push_str(&format!(
                    "`{value}`, the default of the build argument declared{at}; \
                     `--build-arg {name}=...` can change it."
                )),
                None if PLATFORM_ARGS.contains(&name) => out.push_str(
                    "set by BuildKit from the build or target platform (a global `ARG`; a \
                     stage uses it after declaring `ARG` with its name).",
                ),
                None => out.push_str(&format!(
                    "a build argument without a default{at}: its value comes from \
                     `--build-arg {name}=...`, and it is empty otherwise."
                )),
            }
        }
        None if is_open(model, index) => out.push_str(
            "not declared in this Dockerfile: it may come from the base image's environment, \
             and is empty otherwise.",
        ),
        None => out.push_str("not declared here: it expands to an empty string."),
    }
    if expander == Expander::Builder
        && written != format!("${name}")
        && written != format!("${{{name}}}")
    {
        // Undeclared names are unknown when the base image may set them: then the expansion
        // is given for the case where it does not.
        let closed = Closed(scope);
        let lexer = drydock_dockerfile::lex::Lexer::new(model.file().escape());
        if let Ok(expansion) = model.expand(index, written)
            && !expansion.unknown
        {
            out.push_str(&format!(
                "\n\n`{written}` expands to `{}` here.",
                expansion.result
            ));
        } else if let Ok(expansion) = lexer.process_word(written, &closed)
            && !expansion.unknown
        {
            out.push_str(&format!(
                "\n\n`{written}` expands to `{}` here, unless the base image's environment \
                 sets what this Dockerfile does not declare.",
                expansion.result
            ));
        }
    }
    if expander == Expander::Shell {
        out.push_str(
            "\n\nThe shell expands it when the command runs; `ARG` and `ENV` values are in its \
             environment.",
        );
    }
    Some(out)
}

/// A scope where undeclared names are unset (not possibly set by the base image).
struct Closed<'a>(&'a drydock_dockerfile::model::Scope);

impl drydock_dockerfile::lex::Env for Closed<'_> {
    fn lookup(&self, name: &str) -> Option<drydock_dockerfile::lex::VarValue<'_>> {
        use drydock_dockerfile::lex::VarValue;
        let var = self.0.get(name)?;
        Some(match &var.value {
            Some(v) => VarValue::Set(v),
            None => VarValue::Unknown,
        })
    }
}

/// Whether undeclared names may come from the base image (a stage not built on `scratch`).
/// `Scope` keeps this private; its `Env` answer for a name no Dockerfile can declare tells.
fn is_open(model: &Model, index: usize) -> bool {
    use drydock_dockerfile::lex::{Env, VarValue};
    matches!(
        model.scope(index).lookup("\u{0}drydock-undeclared"),
        Some(VarValue::Unknown)
    )
}

/// The zero-based line of the `ARG` or `ENV` (per `kind`) that declares `name` for instruction
/// `index`: the nearest one before it in its stage (for `ENV`, also in the stages it is built
/// on; for `ARG`, also the global ones).
fn declaration(model: &Model, index: usize, name: &str, kind: InstructionKind) -> Option<usize> {
    let stage = model.stage_of(index);
    let ancestry: Vec<usize> = stage
        .map(|s| model.ancestry(s).map(|st| st.index).collect())
        .unwrap_or_default();
    let index_of = LineIndex::new(model.text());
    (0..index).rev().find_map(|j| {
        let instruction = model.instruction(j);
        if instruction.kind != kind {
            return None;
        }
        let allowed = match (model.stage_of(j), kind) {
            (None, InstructionKind::Arg) => true,
            (Some(s), InstructionKind::Arg) => Some(s) == stage,
            (Some(s), _) => ancestry.contains(&s),
            (None, _) => false,
        };
        if !allowed {
            return None;
        }
        let declares = match &instruction.args {
            Args::Arg(decls) => decls.iter().any(|d| d.name.text == name),
            Args::KeyValues(kv) => kv.pairs.iter().any(|p| p.key.text == name),
            _ => false,
        };
        declares.then(|| index_of.line_of(instruction.range.start()))
    })
}

// --- compose files -----------------------------------------------------------------------------

fn compose(
    snapshot: &Snapshot,
    doc: &Document,
    offset: TextSize,
    rule_docs: &dyn Fn(RuleId) -> String,
) -> Option<(TextRange, String)> {
    let text = &*doc.text;
    let tree = yaml::parse(text);
    if let Some(comment) = yaml::comments(text, &tree)
        .into_iter()
        .find(|c| touches(c.range, offset))
    {
        return comment_code(rule_docs, text, comment.range, offset);
    }
    if let Some(scalar) = value_scalar_at(&tree, offset)
        && let Some(found) = compose_variable(snapshot, doc, scalar, offset)
    {
        return Some(found);
    }
    let key = yaml::key_at(&tree, offset)?;
    if key.key == "<<" {
        return Some((
            key.range,
            "**`<<`**: a YAML merge key: the entries of the aliased mapping (or of each mapping \
             of a list of aliases) are copied into this mapping; keys written here win."
                .to_owned(),
        ));
    }
    let field = std::iter::once(&key.path)
        .chain(&key.via_aliases)
        .find_map(|path| {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            schema::field_doc(&path)
        })?;
    Some((
        key.range,
        format!(
            "**`{}`** ({})\n\n{}",
            field.name,
            type_text(&field.ty),
            field.doc
        ),
    ))
}

/// A schema type in words.
fn type_text(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".to_owned(),
        Ty::Number => "number".to_owned(),
        Ty::Integer => "integer".to_owned(),
        Ty::Boolean => "boolean".to_owned(),
        Ty::Null => "null".to_owned(),
        Ty::Any => "any value".to_owned(),
        Ty::List(inner) => format!("list of {}", type_text(inner)),
        Ty::Map(inner) => format!("mapping to {}", type_text(inner)),
        Ty::Enum(values) => values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(" | "),
        Ty::Named(name) => match schema::schema().types.get(name) {
            Some(schema::TypeDef::Alias(inner)) => type_text(inner),
            _ => "mapping".to_owned(),
        },
        Ty::Union(types) => {
            let mut parts: Vec<String> = Vec::new();
            for t in types {
                let t = type_text(t);
                if !parts.contains(&t) {
                    parts.push(t);
                }
            }
            parts.join(" | ")
        }
    }
}

/// The scalar value (not a key) whose range holds `offset`.
fn value_scalar_at(doc: &yaml::Document, offset: TextSize) -> Option<&Node> {
    let mut stack: Vec<&Node> = doc.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Scalar(_) if node.range.start() <= offset && offset < node.range.end() => {
                return Some(node);
            }
            NodeKind::Mapping(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            NodeKind::Sequence(items) => stack.extend(items),
            _ => {}
        }
    }
    None
}

/// A `$NAME` / `${NAME...}` reference in a compose scalar: the range of the reference, its name.
fn compose_refs(raw: &str) -> Vec<(usize, usize, String)> {
    let bytes = raw.as_bytes();
    let name_len = |from: usize| {
        let rest = &bytes[from..];
        if !rest
            .first()
            .is_some_and(|b| *b == b'_' || b.is_ascii_alphabetic())
        {
            return 0;
        }
        rest.iter()
            .position(|b| !(*b == b'_' || b.is_ascii_alphanumeric()))
            .unwrap_or(rest.len())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let len = name_len(i + 2);
                let mut depth = 0usize;
                let mut end = None;
                for (j, &b) in bytes.iter().enumerate().skip(i + 1) {
                    match b {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j + 1);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if len > 0
                    && let Some(end) = end
                {
                    out.push((i, end, raw[i + 2..i + 2 + len].to_owned()));
                }
                i += 2;
            }
            Some(_) => {
                let len = name_len(i + 1);
                if len > 0 {
                    out.push((i, i + 1 + len, raw[i + 1..i + 1 + len].to_owned()));
                }
                i += 1 + len;
            }
            None => i += 1,
        }
    }
    out
}

fn compose_variable(
    snapshot: &Snapshot,
    doc: &Document,
    scalar: &Node,
    offset: TextSize,
) -> Option<(TextRange, String)> {
    let text = &*doc.text;
    let base = usize::from(scalar.range.start());
    let raw = &text[scalar.range];
    let at = usize::from(offset) - base;
    let (start, end, name) = compose_refs(raw)
        .into_iter()
        .filter(|(s, e, _)| *s <= at && at < *e)
        .min_by_key(|(s, e, _)| e - s)?;
    let written = &raw[start..end];
    let project = project::load(snapshot, doc);
    let interpolated = interpolate::interpolate(written, &project.env);
    let mut out = format!("**`{name}`**: ");
    match project.env.get(&name) {
        Lookup::Set(value) => {
            out.push_str(&format!(
                "`{value}`, {}.",
                env_origin(snapshot, &project, &name)
            ));
        }
        Lookup::Absent if project.env.absent_is_unset() => {
            out.push_str("not set (in the project's `.env` nor in the editor's environment).");
        }
        Lookup::Absent => out.push_str(
            "not set in the project's `.env`: its value is unknown here (Compose takes it from \
             the environment of the shell that runs it).",
        ),
    }
    if written != format!("${name}") && written != format!("${{{name}}}") {
        if interpolated.unknown {
            out.push_str(&format!("\n\n`{written}` cannot be resolved here."));
        } else {
            out.push_str(&format!(
                "\n\n`{written}` is `{}` here.",
                interpolated.value
            ));
        }
    }
    let range = drydock_text::range(base + start, base + end);
    Some((range, out))
}

/// Where a project variable's value comes from: the editor's environment, or an env file line.
fn env_origin(snapshot: &Snapshot, project: &Project, name: &str) -> String {
    if snapshot.settings.env_from_process && std::env::var_os(name).is_some() {
        return "from the editor's environment".to_owned();
    }
    for &id in project.env_sources.iter().rev() {
        let file = project.file(id);
        if let SourceKind::Env(env) = &file.kind
            && let Some(entry) = env.get(name)
            && entry.value.is_some()
        {
            let index = LineIndex::new(file.source.text());
            let line = index.line_of(entry.key_range.start()) + 1;
            let shown = file
                .path
                .strip_prefix(&project.dir)
                .unwrap_or(&file.path)
                .display()
                .to_string();
            return format!("from `{shown}` line {line}");
        }
    }
    "from the project's environment".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_references() {
        let word = "a $A ${B:-$C} '$D' \\$E $1";
        let refs: Vec<(usize, usize, String)> = var_refs(word, '\\', true)
            .into_iter()
            .filter(|r| r.is_variable(word))
            .map(|r| (r.start, r.end, r.name(word).to_owned()))
            .collect();
        assert_eq!(
            refs,
            [
                (2, 4, "A".to_owned()),
                (5, 13, "B".to_owned()),
                (10, 12, "C".to_owned())
            ]
        );
        let refs = compose_refs("x $$HOME ${TAG:-${DEF}} $N");
        let names: Vec<&str> = refs.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(names, ["TAG", "DEF", "N"]);
        assert_eq!((refs[0].0, refs[0].1), (9, 23));
    }

    #[test]
    fn words() {
        let text = "RUN apt-get install curl=1.2";
        assert_eq!(
            word_at(text, TextSize::new(21)),
            Some(drydock_text::range(20, 24))
        );
        assert_eq!(
            word_at(text, TextSize::new(28)),
            Some(drydock_text::range(25, 28))
        );
        assert_eq!(word_at("a  b", TextSize::new(2)), None);
    }
}
