//! drydock's compose schema (`schema.txt`) and validation of a file against it (CMP101).
//!
//! Validation follows the Compose Specification's JSON schema: scalars are typed the way YAML
//! 1.2's core schema types them before validation (plain `true` is a boolean, `8080` an
//! integer, `"8080"` and `${PORT}` strings), objects reject unknown keys unless they start with
//! `x-` where extensions are allowed, and every problem is reported (validation never stops at
//! the first one).

use std::sync::OnceLock;

use crate::tree::{Origin, Value, ValueKind};
use crate::yaml::Style;

/// A type expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Any scalar string.
    String,
    /// An integer or float.
    Number,
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
    /// Null.
    Null,
    /// Anything.
    Any,
    /// A list of items of this type.
    List(Box<Ty>),
    /// A mapping with any keys and values of this type.
    Map(Box<Ty>),
    /// One of these strings.
    Enum(Vec<String>),
    /// A named type.
    Named(String),
    /// One of several types.
    Union(Vec<Ty>),
}

/// A field of an object type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The key.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be present.
    pub required: bool,
    /// What it means, in our words.
    pub doc: String,
}

/// A named type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeDef {
    /// An object.
    Object {
        /// `x-` keys allowed.
        ext: bool,
        /// Other keys allowed.
        open: bool,
        /// The type of other keys' values, when constrained.
        keys: Option<Ty>,
        /// Known fields, in order.
        fields: Vec<Field>,
        /// Each field's position in `fields`, by name (a validation looks up every key, and a
        /// service has over a hundred fields).
        index: foldhash::HashMap<String, usize>,
    },
    /// A name for a type expression.
    Alias(Ty),
}

/// The parsed schema.
#[derive(Debug)]
pub struct Schema {
    /// Named types (hashed with foldhash: a validation looks a name up for nearly every value,
    /// and SipHash was most of each lookup).
    pub types: foldhash::HashMap<String, TypeDef>,
}

const SOURCE: &str = include_str!("schema.txt");

/// The compose schema.
#[must_use]
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| parse_schema(SOURCE).unwrap_or_else(|e| panic!("schema.txt: {e}")))
}

fn parse_ty(text: &str) -> Result<Ty, String> {
    let mut parser = TyParser { text, pos: 0 };
    let ty = parser.union()?;
    parser.ws();
    if parser.pos != text.len() {
        return Err(format!(
            "unexpected `{}` in type `{text}`",
            &text[parser.pos..]
        ));
    }
    Ok(ty)
}

struct TyParser<'a> {
    text: &'a str,
    pos: usize,
}

impl TyParser<'_> {
    fn ws(&mut self) {
        while self.text[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn union(&mut self) -> Result<Ty, String> {
        let mut alts = vec![self.alt()?];
        loop {
            self.ws();
            if self.text[self.pos..].starts_with('|') {
                self.pos += 1;
                alts.push(self.alt()?);
            } else {
                break;
            }
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Ty::Union(alts)
        })
    }

    fn word(&mut self) -> &str {
        let start = self.pos;
        while self.text[self.pos..]
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn alt(&mut self) -> Result<Ty, String> {
        self.ws();
        if self.text[self.pos..].starts_with('@') {
            self.pos += 1;
            return Ok(Ty::Named(self.word().to_owned()));
        }
        let word = self.word().to_owned();
        let inner = |p: &mut Self| -> Result<Ty, String> {
            if !p.text[p.pos..].starts_with('(') {
                return Err(format!("`{word}` needs `(`"));
            }
            p.pos += 1;
            let ty = p.union()?;
            p.ws();
            if !p.text[p.pos..].starts_with(')') {
                return Err("missing `)`".to_owned());
            }
            p.pos += 1;
            Ok(ty)
        };
        match word.as_str() {
            "string" => Ok(Ty::String),
            "number" => Ok(Ty::Number),
            "integer" => Ok(Ty::Integer),
            "boolean" => Ok(Ty::Boolean),
            "null" => Ok(Ty::Null),
            "any" => Ok(Ty::Any),
            "list" => Ok(Ty::List(Box::new(inner(self)?))),
            "map" => Ok(Ty::Map(Box::new(inner(self)?))),
            "enum" => {
                let close = self.text[self.pos..].find(')').ok_or("unterminated enum")?;
                let values = self.text[self.pos + 1..self.pos + close]
                    .split(',')
                    .map(|v| v.trim().to_owned())
                    .collect();
                self.pos += close + 1;
                Ok(Ty::Enum(values))
            }
            other => Err(format!("unknown type `{other}`")),
        }
    }
}

/// Parses the schema DSL.
///
/// # Errors
/// A line that does not follow the grammar.
pub fn parse_schema(source: &str) -> Result<Schema, String> {
    let mut types = foldhash::HashMap::default();
    let mut current: Option<(String, TypeDef)> = None;
    for (n, line) in source.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}", n + 1);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("alias ") {
            if let Some((name, def)) = current.take() {
                types.insert(name, def);
            }
            let (name, ty) = rest
                .split_once('=')
                .ok_or_else(|| at("alias needs `=`".to_owned()))?;
            types.insert(
                name.trim().to_owned(),
                TypeDef::Alias(parse_ty(ty.trim()).map_err(at)?),
            );
        } else if let Some(rest) = line.strip_prefix("type ") {
            if let Some((name, def)) = current.take() {
                types.insert(name, def);
            }
            let (head, keys) = match rest.split_once(" keys ") {
                Some((h, k)) => (h, Some(parse_ty(k.trim()).map_err(at)?)),
                None => (rest, None),
            };
            let mut words = head.split_whitespace();
            let name = words
                .next()
                .ok_or_else(|| at("type needs a name".to_owned()))?
                .to_owned();
            let flags: Vec<&str> = words.collect();
            current = Some((
                name,
                TypeDef::Object {
                    ext: flags.contains(&"ext"),
                    open: flags.contains(&"open"),
                    keys,
                    fields: Vec::new(),
                    index: foldhash::HashMap::default(),
                },
            ));
        } else if let Some(field) = line.strip_prefix("  ") {
            let Some((_, TypeDef::Object { fields, .. })) = current.as_mut() else {
                return Err(at("field outside a type".to_owned()));
            };
            let (decl, doc) = field
                .split_once(";;")
                .ok_or_else(|| at("field needs `;; description`".to_owned()))?;
            let (name, ty) = decl
                .split_once(':')
                .ok_or_else(|| at("field needs `:`".to_owned()))?;
            let (name, required) = match name.trim().strip_suffix('!') {
                Some(n) => (n, true),
                None => (name.trim(), false),
            };
            fields.push(Field {
                name: name.to_owned(),
                ty: parse_ty(ty.trim()).map_err(at)?,
                required,
                doc: doc.trim().to_owned(),
            });
        } else {
            return Err(at(format!("cannot read `{line}`")));
        }
    }
    if let Some((name, def)) = current.take() {
        types.insert(name, def);
    }
    for def in types.values_mut() {
        if let TypeDef::Object { fields, index, .. } = def {
            for (at, field) in fields.iter().enumerate() {
                index.insert(field.name.clone(), at);
            }
        }
    }
    // Every named type must exist.
    let mut missing = Vec::new();
    for def in types.values() {
        let mut tys: Vec<&Ty> = Vec::new();
        match def {
            TypeDef::Alias(ty) => tys.push(ty),
            TypeDef::Object { keys, fields, .. } => {
                tys.extend(keys);
                tys.extend(fields.iter().map(|f| &f.ty));
            }
        }
        while let Some(ty) = tys.pop() {
            match ty {
                Ty::Named(n) if !types.contains_key(n) => missing.push(n.clone()),
                Ty::List(t) | Ty::Map(t) => tys.push(t),
                Ty::Union(ts) => tys.extend(ts),
                _ => {}
            }
        }
    }
    if let Some(name) = missing.first() {
        return Err(format!("type `{name}` is used but not defined"));
    }
    // An alias must not name itself, directly or through other aliases.
    for (name, def) in &types {
        let TypeDef::Alias(ty) = def else { continue };
        let mut stack = vec![(ty, 0usize)];
        while let Some((ty, depth)) = stack.pop() {
            match ty {
                Ty::Named(n) if n == name => {
                    return Err(format!("alias `{name}` refers to itself"));
                }
                Ty::Named(n) if depth < 16 => {
                    if let Some(TypeDef::Alias(inner)) = types.get(n) {
                        stack.push((inner, depth + 1));
                    }
                }
                Ty::Union(ts) => stack.extend(ts.iter().map(|t| (t, depth + 1))),
                _ => {}
            }
        }
    }
    Ok(Schema { types })
}

/// A validation problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// Where.
    pub origin: Origin,
    /// What, in one sentence.
    pub message: String,
}

/// The YAML core-schema type of a scalar, as Compose's YAML decoder reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A float.
    Float,
    /// A boolean.
    Boolean,
    /// Null.
    Null,
}

/// Types a scalar by YAML 1.2's core schema (quoted scalars are strings).
#[must_use]
pub fn scalar_type(raw: &str, style: Style) -> ScalarType {
    if style != Style::Plain {
        return ScalarType::String;
    }
    match raw {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return ScalarType::Boolean,
        ".inf" | ".Inf" | ".INF" | "-.inf" | "+.inf" | ".nan" | ".NaN" | ".NAN" => {
            return ScalarType::Float;
        }
        _ => {}
    }
    let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return ScalarType::Integer;
    }
    if (raw
        .strip_prefix("0o")
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| (b'0'..=b'7').contains(&b))))
        || (raw
            .strip_prefix("0x")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_hexdigit())))
    {
        return ScalarType::Integer;
    }
    let float_like = digits.contains(['.', 'e', 'E'])
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if float_like && raw.parse::<f64>().is_ok() {
        return ScalarType::Float;
    }
    ScalarType::String
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::String => "a string".into(),
        Ty::Number => "a number".into(),
        Ty::Integer => "an integer".into(),
        Ty::Boolean => "a boolean".into(),
        Ty::Null => "null".into(),
        Ty::Any => "anything".into(),
        Ty::List(_) => "a list".into(),
        Ty::Map(_) => "a mapping".into(),
        Ty::Enum(values) => format!(
            "one of {}",
            values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Named(n) => match schema().types.get(n) {
            Some(TypeDef::Alias(ty)) => describe(ty),
            _ => "a mapping".into(),
        },
        Ty::Union(ts) => {
            let mut parts: Vec<String> = Vec::new();
            for t in ts {
                let d = describe(t);
                if !parts.contains(&d) {
                    parts.push(d);
                }
            }
            match parts.len() {
                1 => parts.remove(0),
                _ => {
                    let last = parts.pop().unwrap_or_default();
                    format!("{} or {last}", parts.join(", "))
                }
            }
        }
    }
}

fn found(value: &Value) -> String {
    match &value.kind {
        ValueKind::Scalar(s) => match scalar_type(&s.raw, s.style) {
            ScalarType::String => format!("the string `{}`", s.raw),
            ScalarType::Integer => format!("the integer `{}`", s.raw),
            ScalarType::Float => format!("the number `{}`", s.raw),
            ScalarType::Boolean => format!("the boolean `{}`", s.raw),
            ScalarType::Null => "null".into(),
        },
        ValueKind::Seq(_) => "a list".into(),
        ValueKind::Map(_) => "a mapping".into(),
    }
}

struct Validator<'a> {
    schema: &'a Schema,
    errors: Vec<SchemaError>,
}

/// Validates a file's resolved tree against the top-level type.
#[must_use]
pub fn validate(root: &Value) -> Vec<SchemaError> {
    let mut v = Validator {
        schema: schema(),
        errors: Vec::new(),
    };
    v.check(root, &Ty::Named("top".into()), What::Text("the file"));
    v.errors
}

/// What a value is, for messages: spelled out only when one is written.
#[derive(Clone, Copy)]
enum What<'w> {
    Text(&'w str),
    /// The value of a key: `` `key` ``.
    Key(&'w str),
    /// An item of a list: "an item of ...".
    ItemOf(&'w What<'w>),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Text(text) => f.write_str(text),
            What::Key(key) => write!(f, "`{key}`"),
            What::ItemOf(list) => write!(f, "an item of {list}"),
        }
    }
}

impl<'a> Validator<'a> {
    /// `ty` through named aliases. What it returns borrows `ty` or the schema, not the
    /// validator, so the validator can record errors while holding it.
    fn resolve<'t>(&self, ty: &'t Ty) -> &'t Ty
    where
        'a: 't,
    {
        let mut ty = ty;
        for _ in 0..16 {
            match ty {
                Ty::Named(n) => match self.schema.types.get(n) {
                    Some(TypeDef::Alias(inner)) => ty = inner,
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// Whether `value` matches `ty` at its top level (nested errors are not considered).
    fn shallow_match(&self, value: &Value, ty: &Ty) -> bool {
        self.shallow_match_at(value, ty, 0)
    }

    fn shallow_match_at(&self, value: &Value, ty: &Ty, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match (self.resolve(ty), &value.kind) {
            (Ty::Any, _) => true,
            (Ty::Union(ts), _) => ts
                .iter()
                .any(|t| self.shallow_match_at(value, t, depth + 1)),
            (Ty::List(_), ValueKind::Seq(_)) => true,
            (Ty::Map(_), ValueKind::Map(_)) => true,
            (Ty::Named(n), ValueKind::Map(_)) => {
                matches!(self.schema.types.get(n), Some(TypeDef::Object { .. }))
            }
            (ty, ValueKind::Scalar(s)) => {
                let st = scalar_type(&s.raw, s.style);
                match ty {
                    Ty::String => st == ScalarType::String,
                    Ty::Number => matches!(st, ScalarType::Integer | ScalarType::Float),
                    Ty::Integer => st == ScalarType::Integer,
                    Ty::Boolean => st == ScalarType::Boolean,
                    Ty::Null => st == ScalarType::Null,
                    Ty::Enum(values) => {
                        st == ScalarType::String
                            && (s.raw.contains('$') || values.contains(&s.value))
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn check<'t>(&mut self, value: &Value, ty: &'t Ty, what: What<'_>)
    where
        'a: 't,
    {
        if value.tag.is_some() {
            // `!reset` / `!override` values are checked by the merge, not the schema.
            return;
        }
        let ty = self.resolve(ty);
        match ty {
            Ty::Any => {}
            Ty::Union(ts) => {
                // Validate against the first alternative matching the shape, for precise errors.
                match ts.iter().find(|t| self.shallow_match(value, t)) {
                    Some(t) => self.check(value, t, what),
                    None => self.error(
                        value.origin,
                        format!("{what} must be {}, found {}", describe(ty), found(value)),
                    ),
                }
            }
            Ty::List(item) => match &value.kind {
                ValueKind::Seq(items) => {
                    for i in items {
                        self.check(i, item, What::ItemOf(&what));
                    }
                }
                _ => self.error(
                    value.origin,
                    format!("{what} must be a list, found {}", found(value)),
                ),
            },
            Ty::Map(item) => match &value.kind {
                ValueKind::Map(entries) => {
                    for e in entries {
                        self.check(&e.value, item, What::Key(&e.key));
                    }
                }
                _ => self.error(
                    value.origin,
                    format!("{what} must be a mapping, found {}", found(value)),
                ),
            },
            Ty::Named(name) => {
                let Some(TypeDef::Object {
                    ext,
                    open,
                    keys,
                    fields,
                    index,
                }) = self.schema.types.get(name)
                else {
                    return;
                };
                let ValueKind::Map(entries) = &value.kind else {
                    self.error(
                        value.origin,
                        format!("{what} must be a mapping, found {}", found(value)),
                    );
                    return;
                };
                for e in entries {
                    if let Some(field) = index.get(e.key.as_str()).map(|&at| &fields[at]) {
                        self.check(&e.value, &field.ty, What::Key(&e.key));
                    } else if *ext && e.key.starts_with("x-") {
                    } else if let Some(keys) = keys {
                        self.check(&e.value, keys, What::Key(&e.key));
                    } else if !*open {
                        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                        let hint = closest(&e.key, &names)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        self.error(
                            e.key_origin,
                            format!("unknown key `{}` in {what}{hint}", e.key),
                        );
                    }
                }
                for f in fields.iter().filter(|f| f.required) {
                    if !entries.iter().any(|e| e.key == f.name) {
                        self.error(value.origin, format!("{what} needs `{}`", f.name));
                    }
                }
            }
            leaf => {
                if !self.shallow_match(value, leaf) {
                    let message = match (leaf, value.scalar()) {
                        (Ty::Enum(_), Some(s))
                            if scalar_type(&s.raw, s.style) == ScalarType::String =>
                        {
                            format!("{what} must be {}, found `{}`", describe(leaf), s.value)
                        }
                        _ => format!("{what} must be {}, found {}", describe(leaf), found(value)),
                    };
                    self.error(value.origin, message);
                }
            }
        }
    }

    fn error(&mut self, origin: Origin, message: String) {
        self.errors.push(SchemaError { origin, message });
    }
}

/// Levenshtein-based "did you mean" (a third of the word's length at most).
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        let mut cur = vec![0; b.len() + 1];
        for (i, ca) in a.chars().enumerate() {
            cur[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        prev[b.len()]
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The documentation of the field at `path` (`["services", "*", "ports"]` style, `*` for any
/// key of a map), for editor hovers.
#[must_use]
pub fn field_doc(path: &[&str]) -> Option<&'static Field> {
    let schema = schema();
    let mut ty = Ty::Named("top".into());
    let mut field: Option<&'static Field> = None;
    for key in path {
        let resolved = {
            let mut t = &ty;
            while let Ty::Named(n) = t
                && let Some(TypeDef::Alias(inner)) = schema.types.get(n)
            {
                t = inner;
            }
            t.clone()
        };
        let candidates: Vec<Ty> = match resolved {
            Ty::Union(ts) => ts,
            other => vec![other],
        };
        let mut next = None;
        for c in candidates {
            match c {
                Ty::Named(n) => {
                    if let Some(TypeDef::Object {
                        fields,
                        index,
                        keys,
                        ..
                    }) = schema.types.get(&n)
                    {
                        if let Some(f) = index.get(*key).map(|&at| &fields[at]) {
                            field = Some(f);
                            next = Some(f.ty.clone());
                            break;
                        }
                        if let Some(k) = keys {
                            next = Some(k.clone());
                            break;
                        }
                    }
                }
                Ty::Map(inner) | Ty::List(inner) => {
                    next = Some(*inner);
                    field = None;
                    break;
                }
                _ => {}
            }
        }
        ty = next?;
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interpolate::Environment;
    use crate::tree::Resolver;
    use crate::yaml;

    #[test]
    fn each_object_indexes_its_fields_by_name() {
        let mut objects = 0;
        for def in schema().types.values() {
            let TypeDef::Object { fields, index, .. } = def else {
                continue;
            };
            objects += 1;
            assert_eq!(index.len(), fields.len(), "{fields:?}");
            for (at, field) in fields.iter().enumerate() {
                assert_eq!(index.get(&field.name), Some(&at));
            }
        }
        assert!(objects > 20, "{objects} object types");
    }

    fn errors(text: &str) -> Vec<String> {
        let doc = yaml::parse(text);
        let env = Environment::default();
        let mut r = Resolver::new(0, &doc, &env);
        let root = r.resolve().expect("a document");
        validate(&root)
            .into_iter()
            .map(|e| format!("{}: {}", &text[e.origin.range], e.message))
            .collect()
    }

    #[test]
    fn the_schema_parses() {
        assert!(schema().types.contains_key("service"));
    }

    #[test]
    fn scalar_types() {
        assert_eq!(scalar_type("8080", Style::Plain), ScalarType::Integer);
        assert_eq!(scalar_type("8080", Style::DoubleQuoted), ScalarType::String);
        assert_eq!(scalar_type("3.8", Style::Plain), ScalarType::Float);
        assert_eq!(scalar_type("yes", Style::Plain), ScalarType::String);
        assert_eq!(scalar_type("TRUE", Style::Plain), ScalarType::Boolean);
        assert_eq!(scalar_type("~", Style::Plain), ScalarType::Null);
        assert_eq!(scalar_type("1.2.3", Style::Plain), ScalarType::String);
    }

    #[test]
    fn validation() {
        assert!(
            errors("services:\n  web:\n    image: nginx\n    privileged: true\n    x-note: 1\n")
                .is_empty()
        );
        let e = errors("services:\n  web:\n    image: nginx\n    privilegd: true\n");
        assert_eq!(
            e,
            ["privilegd: unknown key `privilegd` in `web` (did you mean `privileged`?)"]
        );
        let e = errors("services:\n  web:\n    cap_add: SYS_ADMIN\n    ports: 80\n");
        assert_eq!(e.len(), 2, "{e:?}");
        let e = errors("services:\n  web:\n    image: [a]\n    cgroup: shared\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[1].contains("one of `host`, `private`"), "{e:?}");
    }
}
