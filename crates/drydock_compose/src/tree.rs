//! The resolved value tree of a compose file: aliases expanded (with a budget), merge keys
//! (`<<`) applied, scalar values interpolated, and every value remembering where it was written.

use drydock_text::TextRange;

use crate::interpolate::{self, InterpError, Vars};
use crate::yaml::{self, Document, Node, NodeKind, Style};

/// Identifies a file of a project.
pub type FileId = u32;

/// Where something was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The bytes.
    pub range: TextRange,
}

/// How a value reached its place in the resolved tree (for messages and secondary labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Written in place.
    Direct,
    /// Through an alias (`*name`) whose anchor is at `origin`.
    Alias,
    /// Through a merge key (`<<: *name`).
    Merge,
}

/// YAML tags Compose gives meaning to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `!reset`: clear the value set by earlier files.
    Reset,
    /// `!override`: replace the value of earlier files wholesale.
    Override,
}

/// A resolved value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// Where the value was written.
    pub origin: Origin,
    /// How it got here.
    pub via: Via,
    /// A Compose tag on it.
    pub tag: Option<Tag>,
    /// The content.
    pub kind: ValueKind,
}

/// Resolved content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A scalar (null is a plain scalar reading as null).
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Value>),
    /// A mapping (merge keys applied; duplicate keys: the last one wins, as in Compose).
    Map(Vec<Entry>),
}

/// A scalar and its interpolated value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The text after YAML processing, before interpolation.
    pub raw: String,
    /// The text after interpolation (unknown references kept as written).
    pub value: String,
    /// Whether an unknown variable influenced `value`.
    pub unknown: bool,
    /// How the scalar was written.
    pub style: Style,
}

/// A mapping entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key was written.
    pub key_origin: Origin,
    /// The value.
    pub value: Value,
}

impl Scalar {
    /// Whether this is a plain null (`~`, `null`, empty).
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain
            && matches!(self.raw.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// Whether the scalar was quoted (so YAML reads it as a string).
    #[must_use]
    pub fn quoted(&self) -> bool {
        matches!(self.style, Style::SingleQuoted | Style::DoubleQuoted)
    }
}

impl Value {
    /// The scalar, if this is one.
    #[must_use]
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            ValueKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The interpolated string value of a non-null scalar.
    #[must_use]
    pub fn str(&self) -> Option<&str> {
        self.scalar()
            .filter(|s| !s.is_null())
            .map(|s| s.value.as_str())
    }

    /// The mapping entries, if this is a mapping.
    #[must_use]
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            ValueKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence items, if this is a sequence.
    #[must_use]
    pub fn items(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entry for `key`, if this is a mapping that has it.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().rev().find(|e| e.key == key)
    }

    /// The value for `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|e| &e.value)
    }

    /// Whether this is a null scalar.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.scalar().is_some_and(Scalar::is_null)
    }

    /// A short name of the value's shape, for messages.
    #[must_use]
    pub fn shape(&self) -> &'static str {
        match &self.kind {
            ValueKind::Scalar(s) if s.is_null() => "null",
            ValueKind::Scalar(_) => "a scalar",
            ValueKind::Seq(_) => "a list",
            ValueKind::Map(_) => "a mapping",
        }
    }
}

/// A problem met while resolving the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeProblem {
    /// The YAML itself is broken (syntax error, duplicate key, limits).
    Yaml {
        /// Where.
        origin: Origin,
        /// What.
        message: String,
        /// A related place (the first of two duplicate keys).
        related: Option<Origin>,
    },
    /// Interpolation failed (invalid template, required variable missing).
    Interpolation {
        /// The scalar holding the template.
        origin: Origin,
        /// The error.
        error: InterpError,
    },
    /// `$VAR` / `${VAR}` (no default) of a variable defined nowhere drydock looks.
    UnsetVariable {
        /// The scalar holding the reference.
        origin: Origin,
        /// The variable.
        name: String,
        /// Byte span of the reference in the scalar's text.
        span: (usize, usize),
    },
}

/// Most values alias expansion may create before giving up (a billion-laughs document).
pub const ALIAS_BUDGET: usize = 100_000;

/// Resolves a parsed YAML document into a value tree.
pub struct Resolver<'a> {
    file: FileId,
    doc: &'a Document,
    vars: &'a dyn Vars,
    budget: usize,
    exhausted: bool,
    /// Problems found.
    pub problems: Vec<TreeProblem>,
}

impl<'a> Resolver<'a> {
    /// A resolver for `doc` of file `file`, interpolating with `vars`.
    #[must_use]
    pub fn new(file: FileId, doc: &'a Document, vars: &'a dyn Vars) -> Self {
        let problems = doc
            .errors
            .iter()
            .map(|e| TreeProblem::Yaml {
                origin: Origin {
                    file,
                    range: e.range,
                },
                message: e.message.clone(),
                related: e.related.map(|range| Origin { file, range }),
            })
            .collect();
        Self {
            file,
            doc,
            vars,
            budget: ALIAS_BUDGET,
            exhausted: false,
            problems,
        }
    }

    /// The resolved root, if the document has one.
    pub fn resolve(&mut self) -> Option<Value> {
        let root = self.doc.root.as_ref()?;
        Some(self.node(root, Via::Direct, 0))
    }

    fn origin(&self, range: TextRange) -> Origin {
        Origin {
            file: self.file,
            range,
        }
    }

    fn spend(&mut self, at: TextRange) -> bool {
        if self.exhausted {
            return false;
        }
        if self.budget == 0 {
            self.exhausted = true;
            self.problems.push(TreeProblem::Yaml {
                origin: self.origin(at),
                message: format!(
                    "aliases expand to more than {ALIAS_BUDGET} values (a \"billion laughs\" document?); the rest is not read"
                ),
                related: None,
            });
            return false;
        }
        self.budget -= 1;
        true
    }

    fn anchor(&self, id: usize) -> Option<&'a Node> {
        self.doc
            .anchors
            .iter()
            .rev()
            .find(|(a, _)| *a == id)
            .map(|(_, n)| n)
    }

    fn null(&self, range: TextRange, via: Via) -> Value {
        Value {
            origin: self.origin(range),
            via,
            tag: None,
            kind: ValueKind::Scalar(Scalar {
                raw: String::new(),
                value: String::new(),
                unknown: false,
                style: Style::Plain,
            }),
        }
    }

    fn node(&mut self, node: &'a Node, via: Via, depth: usize) -> Value {
        // Aliases can nest a value deeper than the text does; the resolved tree stays within
        // the YAML layer's own limit, so every walk over it has bounded recursion.
        if !self.spend(node.range) || depth > yaml::MAX_DEPTH {
            return self.null(node.range, via);
        }
        let tag = match node.tag.as_deref() {
            Some("!reset") => Some(Tag::Reset),
            Some("!override") => Some(Tag::Override),
            _ => None,
        };
        let kind = match &node.kind {
            NodeKind::Alias(id) => {
                return match self.anchor(*id) {
                    Some(target) => {
                        let mut value = self.node(target, Via::Alias, depth + 1);
                        if via != Via::Direct {
                            value.via = via;
                        }
                        value
                    }
                    None => self.null(node.range, via),
                };
            }
            NodeKind::Scalar(s) => {
                let out = interpolate::interpolate(&s.value, self.vars);
                for error in out.errors {
                    self.problems.push(TreeProblem::Interpolation {
                        origin: self.origin(node.range),
                        error,
                    });
                }
                for r in out
                    .refs
                    .iter()
                    .filter(|r| !r.defined && r.modifier.is_none())
                {
                    self.problems.push(TreeProblem::UnsetVariable {
                        origin: self.origin(node.range),
                        name: r.name.clone(),
                        span: r.span,
                    });
                }
                ValueKind::Scalar(Scalar {
                    raw: s.value.clone(),
                    value: out.value,
                    unknown: out.unknown,
                    style: s.style,
                })
            }
            NodeKind::Sequence(items) => {
                ValueKind::Seq(items.iter().map(|n| self.node(n, via, depth + 1)).collect())
            }
            NodeKind::Mapping(pairs) => ValueKind::Map(self.mapping(pairs, via, depth)),
        };
        Value {
            origin: self.origin(node.range),
            via,
            tag,
            kind,
        }
    }

    fn mapping(&mut self, pairs: &'a [(Node, Node)], via: Via, depth: usize) -> Vec<Entry> {
        let mut own: Vec<Entry> = Vec::with_capacity(pairs.len());
        let mut merged: Vec<Entry> = Vec::new();
        for (key, value) in pairs {
            let key_text = match &key.kind {
                NodeKind::Scalar(s) => s.value.clone(),
                NodeKind::Alias(id) => self
                    .anchor(*id)
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => self.doc_text_fallback(key),
            };
            if key_text == "<<" && key.as_scalar().is_some_and(|s| s.style == Style::Plain) {
                // Merge key: a mapping, or a list of mappings (earlier ones win).
                let sources: Vec<&'a Node> = match &value.kind {
                    NodeKind::Sequence(items) => items.iter().collect(),
                    _ => vec![value],
                };
                for source in sources {
                    let resolved = self.node(source, Via::Merge, depth + 1);
                    if let ValueKind::Map(entries) = resolved.kind {
                        for mut entry in entries {
                            if !merged.iter().any(|e| e.key == entry.key) {
                                entry.value.via = Via::Merge;
                                merged.push(entry);
                            }
                        }
                    }
                }
                continue;
            }
            let value = self.node(value, via, depth + 1);
            let entry = Entry {
                key: key_text,
                key_origin: self.origin(key.range),
                value,
            };
            // Duplicate keys are reported by the YAML layer; the last one wins, as in Compose.
            own.retain(|e| e.key != entry.key);
            own.push(entry);
        }
        if merged.is_empty() {
            return own;
        }
        // Keys written in the mapping override merged-in keys, wherever the merge key is.
        merged.retain(|m| !own.iter().any(|e| e.key == m.key));
        merged.extend(own);
        merged
    }

    fn doc_text_fallback(&self, node: &Node) -> String {
        // A complex key (a mapping or list used as a key) never names a Compose field.
        format!(
            "<{} key>",
            match node.kind {
                NodeKind::Sequence(_) => "list",
                _ => "mapping",
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interpolate::Environment;

    fn resolve(text: &str) -> (Option<Value>, Vec<TreeProblem>) {
        let doc = yaml::parse(text);
        let env = Environment::new(vec![("TAG".into(), "1.25".into())], false);
        let mut r = Resolver::new(0, &doc, &env);
        let v = r.resolve();
        (v, r.problems)
    }

    fn depth(value: &Value) -> usize {
        // Iterative: the walk itself must not be what overflows.
        let mut deepest = 0;
        let mut stack = vec![(value, 1)];
        while let Some((v, d)) = stack.pop() {
            deepest = deepest.max(d);
            match &v.kind {
                ValueKind::Map(entries) => stack.extend(entries.iter().map(|e| (&e.value, d + 1))),
                ValueKind::Seq(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
                ValueKind::Scalar(_) => {}
            }
        }
        deepest
    }

    /// Aliases to deep anchors used deep in the file nest the resolved tree deeper than the
    /// text; it stays within the YAML layer's limit (found by fuzzing: a stack overflow).
    #[test]
    fn aliases_cannot_nest_the_tree_beyond_the_limit() {
        let levels = 400;
        let mut text = String::new();
        for (name, body) in [("a", "&deep {z: 1}"), ("b", "[*deep, *deep]")] {
            text.push_str(&format!("{name}: "));
            text.push_str(&"{k: ".repeat(levels));
            text.push_str(body);
            text.push_str(&"}".repeat(levels));
            text.push('\n');
        }
        let (root, _) = resolve(&text);
        let root = root.expect("a tree");
        assert!(depth(&root) <= yaml::MAX_DEPTH + 2, "{}", depth(&root));
    }

    #[test]
    fn merge_keys_aliases_and_interpolation() {
        let text = "x-base: &base\n  privileged: true\n  restart: always\nx-log: &log\n  restart: no\n  logging: {driver: none}\nservices:\n  web:\n    <<: [*base, *log]\n    image: nginx:${TAG}\n    restart: unless-stopped\n";
        let (root, problems) = resolve(text);
        assert!(problems.is_empty(), "{problems:?}");
        let web = root
            .unwrap()
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .clone();
        assert_eq!(web.get("image").unwrap().str(), Some("nginx:1.25"));
        assert_eq!(web.get("restart").unwrap().str(), Some("unless-stopped"));
        let privileged = web.get("privileged").unwrap();
        assert_eq!(privileged.str(), Some("true"));
        assert_eq!(privileged.via, Via::Merge);
        assert_eq!(&text[privileged.origin.range], "true");
        assert_eq!(
            web.get("logging").unwrap().get("driver").unwrap().str(),
            Some("none")
        );
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10u8 {
            let (c, p) = ((b'a' + i) as char, (b'a' + i - 1) as char);
            text.push_str(&format!(
                "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let (_, problems) = resolve(&text);
        assert!(problems.iter().any(
            |p| matches!(p, TreeProblem::Yaml { message, .. } if message.contains("billion"))
        ));
        assert!(started.elapsed().as_secs() < 5);
    }
}
