//! Reading configuration YAML into serde types with error locations.

use drydock_compose::yaml::{self, Document, Node, NodeKind, Style};
use drydock_text::{LineIndex, PositionEncoding, TextRange};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// A configuration problem with its position (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

const ALIAS_BUDGET: usize = 10_000;

/// Converts a YAML node to JSON using the YAML 1.2 core schema for plain scalars.
fn to_json(node: &Node, doc: &Document, budget: &mut usize) -> Value {
    if *budget == 0 {
        return Value::Null;
    }
    *budget -= 1;
    match &node.kind {
        NodeKind::Scalar(scalar) => {
            if scalar.style != Style::Plain || node.tag.as_deref() == Some("!!str") {
                return Value::String(scalar.value.clone());
            }
            plain_scalar(&scalar.value)
        }
        NodeKind::Sequence(items) => {
            Value::Array(items.iter().map(|n| to_json(n, doc, budget)).collect())
        }
        NodeKind::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match &k.kind {
                    NodeKind::Scalar(s) => s.value.clone(),
                    _ => continue,
                };
                map.insert(key, to_json(v, doc, budget));
            }
            Value::Object(map)
        }
        NodeKind::Alias(id) => match doc.anchors.iter().rev().find(|(a, _)| a == id) {
            Some((_, target)) => to_json(target, doc, budget),
            None => Value::Null,
        },
    }
}

fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Number(i.into());
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Number(i.into());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Number(i.into());
    }
    if text.contains(['.', 'e', 'E'])
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// The node at a serde path (`a.b[2].c`), for locating errors.
/// The value, or the key itself when `key_wanted` (an unknown field) or the value is empty.
fn node_at<'a>(root: &'a Node, path: &serde_path_to_error::Path, key_wanted: bool) -> &'a Node {
    let mut node = root;
    let segments: Vec<_> = path.iter().collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let next = match segment {
            serde_path_to_error::Segment::Map { key } => node.entry(key).map(|(k, v)| {
                if (last && key_wanted) || v.range.is_empty() {
                    k
                } else {
                    v
                }
            }),
            serde_path_to_error::Segment::Seq { index } => {
                node.as_sequence().and_then(|items| items.get(*index))
            }
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

fn locate(text: &str, index: &LineIndex, range: TextRange, message: String) -> Located {
    let pos = index.line_col(text, range.start(), PositionEncoding::Utf32);
    Located {
        line: pos.line + 1,
        column: pos.col + 1,
        message,
    }
}

/// Parses `text` as YAML and deserializes it into `T`.
///
/// # Errors
/// A YAML syntax error, a duplicate key, or a value of the wrong shape, with its position.
pub fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, Located> {
    let (value, doc, index) = parse_value(text)?;
    let deserializer = value.clone();
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().clone();
        let inner = err.into_inner().to_string();
        let unknown_field = inner.starts_with("unknown field");
        let range = doc.root.as_ref().map_or_else(TextRange::default, |root| {
            node_at(root, &path, unknown_field).range
        });
        let at = path.to_string();
        let message = if at == "." || unknown_field {
            inner
        } else {
            format!("{at}: {inner}")
        };
        locate(text, &index, range, message)
    })
}

/// Parses `text` as YAML into a JSON value (for lenient readers that look at keys themselves).
///
/// # Errors
/// A YAML syntax error or duplicate key, with its position.
pub fn parse_value(text: &str) -> Result<(Value, Document, LineIndex), Located> {
    let doc = yaml::parse(text);
    let index = LineIndex::new(text);
    if let Some(error) = doc.errors.first() {
        return Err(locate(text, &index, error.range, error.message.clone()));
    }
    let mut budget = ALIAS_BUDGET;
    let value = doc
        .root
        .as_ref()
        .map_or(Value::Null, |root| to_json(root, &doc, &mut budget));
    if budget == 0 {
        return Err(Located {
            line: 1,
            column: 1,
            message: "too many aliases to expand".to_owned(),
        });
    }
    // An empty file is an empty mapping.
    let value = if value.is_null() {
        Value::Object(Map::new())
    } else {
        value
    };
    Ok((value, doc, index))
}
