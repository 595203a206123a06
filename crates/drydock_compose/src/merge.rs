//! Merging compose files (`-f base -f override`) by the Compose Specification's merge rules:
//! mappings merge key by key (later wins), sequences append, `command`, `entrypoint` and
//! `healthcheck.test` are replaced, list-or-mapping fields (`environment`, `labels`, `sysctls`,
//! `build.args`, ...) merge by key, `ports`/`volumes`/`secrets`/`configs` are unique by their key
//! (later entries replace earlier ones with the same key), and the `!reset` and `!override` tags
//! clear or replace what earlier files set. Every merged value keeps its own origin.

use crate::tree::{Entry, Tag, Value, ValueKind};

/// How the value at a path merges.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Recursive mapping merge / sequence append / scalar override.
    Default,
    /// The later value replaces the earlier one.
    Replace,
    /// List-or-mapping: normalised to `key -> item`, merged by key.
    ByKey,
    /// Sequence whose items are unique by a derived key.
    Unique(fn(&Value) -> String),
}

fn service_rule(field: &str, rest: &[&str]) -> Rule {
    match (field, rest) {
        ("command" | "entrypoint", []) | ("healthcheck", ["test"]) => Rule::Replace,
        (
            "environment" | "labels" | "annotations" | "sysctls" | "extra_hosts" | "dns"
            | "dns_opt" | "dns_search" | "env_file" | "label_file" | "tmpfs",
            [],
        )
        | ("build", ["args" | "labels" | "additional_contexts" | "extra_hosts"])
        | ("deploy", ["labels"]) => Rule::ByKey,
        ("ports", []) => Rule::Unique(port_key),
        ("volumes" | "secrets" | "configs", []) => Rule::Unique(target_key),
        ("devices", []) => Rule::Unique(device_key),
        _ => Rule::Default,
    }
}

fn rule_for(path: &[&str]) -> Rule {
    match path {
        ["services", _, field, rest @ ..] => service_rule(field, rest),
        ["networks" | "volumes", _, "labels"] => Rule::ByKey,
        _ => Rule::Default,
    }
}

/// Merges `over` on top of `base` at `path` (keys from the root, e.g. `["services", "web"]`).
#[must_use]
pub fn merge(base: Value, over: Value, path: &[&str]) -> Value {
    match over.tag {
        Some(Tag::Override) => return over,
        Some(Tag::Reset) => return over,
        None => {}
    }
    if over.is_null() && !matches!(base.kind, ValueKind::Scalar(_)) {
        // `key:` with no value in an override leaves a collection as it was.
        return base;
    }
    match rule_for(path) {
        Rule::Replace => over,
        Rule::ByKey => merge_by_key(&base, &over),
        Rule::Unique(key) => merge_unique(&base, over, key),
        Rule::Default => match (base.kind, over.kind) {
            (ValueKind::Map(base_entries), ValueKind::Map(over_entries)) => {
                let mut entries = base_entries;
                for entry in over_entries {
                    let mut child_path: Vec<&str> = path.to_vec();
                    child_path.push(&entry.key);
                    match entries.iter().position(|e| e.key == entry.key) {
                        Some(i) => {
                            let existing = entries.remove(i);
                            let merged = if entry.value.tag == Some(Tag::Reset) {
                                None
                            } else {
                                Some(merge(existing.value, entry.value, &child_path))
                            };
                            if let Some(value) = merged {
                                entries.insert(
                                    i,
                                    Entry {
                                        key: entry.key,
                                        key_origin: existing.key_origin,
                                        value,
                                    },
                                );
                            }
                        }
                        None if entry.value.tag == Some(Tag::Reset) => {}
                        None => entries.push(entry),
                    }
                }
                Value {
                    origin: base.origin,
                    via: base.via,
                    tag: None,
                    kind: ValueKind::Map(entries),
                }
            }
            (ValueKind::Seq(mut items), ValueKind::Seq(more)) => {
                items.extend(more);
                Value {
                    origin: base.origin,
                    via: base.via,
                    tag: None,
                    kind: ValueKind::Seq(items),
                }
            }
            (_, kind) => Value { kind, ..over },
        },
    }
}

/// The key of a list-or-mapping item: `KEY=value` / `KEY: value` give `KEY`; plain strings are
/// their own key.
fn item_key(item: &Value) -> String {
    let text = item.str().unwrap_or_default();
    text.split_once('=').map_or(text, |(k, _)| k).to_owned()
}

/// Normalises a list-or-mapping value into `(key, item)` pairs; a mapping stays a mapping.
fn keyed(value: &Value) -> Vec<(String, Value)> {
    match &value.kind {
        ValueKind::Map(entries) => entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect(),
        ValueKind::Seq(items) => items.iter().map(|i| (item_key(i), i.clone())).collect(),
        ValueKind::Scalar(_) => vec![(item_key(value), value.clone())],
    }
}

fn merge_by_key(base: &Value, over: &Value) -> Value {
    // Keep the base's form when both forms agree; a list merged with a mapping becomes a
    // mapping, as Compose normalises it (each value keeps its own origin either way).
    let both_seqs =
        matches!(base.kind, ValueKind::Seq(_)) && matches!(over.kind, ValueKind::Seq(_));
    if !both_seqs {
        let as_map = |v: &Value| match &v.kind {
            ValueKind::Seq(items) => Value {
                kind: ValueKind::Map(items.iter().map(list_item_entry).collect()),
                ..v.clone()
            },
            _ => v.clone(),
        };
        let (base, over) = (as_map(base), as_map(over));
        if matches!(base.kind, ValueKind::Map(_)) && matches!(over.kind, ValueKind::Map(_)) {
            return merge_by_key_maps(&base, &over);
        }
    }
    merge_by_key_maps(base, over)
}

/// A `KEY=value` (or bare `KEY`) list item as a mapping entry: `KEY=value` gives the string
/// `value` (empty for `KEY=`), a bare `KEY` gives null (a pass-through, like `KEY:`).
fn list_item_entry(item: &Value) -> Entry {
    let Some(s) = item.scalar() else {
        return Entry {
            key: item_key(item),
            key_origin: item.origin,
            value: item.clone(),
        };
    };
    let split = |t: &str| t.split_once('=').map(|(_, v)| v.to_owned());
    let (raw, value) = match (split(&s.raw), split(&s.value)) {
        (Some(raw), Some(value)) => (raw, value),
        _ => (String::new(), String::new()),
    };
    let has_value = s.value.contains('=');
    // `KEY=` is an empty string, not a null: give the value a quoted style.
    let style = if has_value && s.style == crate::yaml::Style::Plain && raw.is_empty() {
        crate::yaml::Style::DoubleQuoted
    } else {
        s.style
    };
    Entry {
        key: item_key(item),
        key_origin: item.origin,
        value: Value {
            kind: ValueKind::Scalar(crate::tree::Scalar {
                raw,
                value,
                unknown: s.unknown,
                style,
            }),
            ..item.clone()
        },
    }
}

fn merge_by_key_maps(base: &Value, over: &Value) -> Value {
    let both_maps =
        matches!(base.kind, ValueKind::Map(_)) && matches!(over.kind, ValueKind::Map(_));
    let mut pairs = keyed(base);
    for (key, item) in keyed(over) {
        match pairs.iter().position(|(k, _)| *k == key) {
            Some(i) => pairs[i].1 = item,
            None => pairs.push((key, item)),
        }
    }
    let kind = if both_maps {
        let key_origins: Vec<(String, crate::tree::Origin)> = base
            .entries()
            .into_iter()
            .flatten()
            .chain(over.entries().into_iter().flatten())
            .map(|e| (e.key.clone(), e.key_origin))
            .collect();
        ValueKind::Map(
            pairs
                .into_iter()
                .map(|(key, value)| {
                    let key_origin = key_origins
                        .iter()
                        .rev()
                        .find(|(k, _)| *k == key)
                        .map_or(value.origin, |(_, o)| *o);
                    Entry {
                        key,
                        key_origin,
                        value,
                    }
                })
                .collect(),
        )
    } else {
        ValueKind::Seq(pairs.into_iter().map(|(_, v)| v).collect())
    };
    Value {
        origin: base.origin,
        via: base.via,
        tag: None,
        kind,
    }
}

fn merge_unique(base: &Value, over: Value, key: fn(&Value) -> String) -> Value {
    let (ValueKind::Seq(mut items), ValueKind::Seq(more)) = (base.kind.clone(), over.kind.clone())
    else {
        return Value {
            kind: over.kind,
            ..over
        };
    };
    for item in more {
        let k = key(&item);
        match items.iter().position(|i| key(i) == k) {
            Some(i) => items[i] = item,
            None => items.push(item),
        }
    }
    Value {
        origin: base.origin,
        via: base.via,
        tag: None,
        kind: ValueKind::Seq(items),
    }
}

/// A short-syntax `[IP:][PUBLISHED:]TARGET[/PROTO]` or long-syntax port's merge key.
fn port_key(item: &Value) -> String {
    match &item.kind {
        ValueKind::Map(_) => {
            let get = |k: &str| item.get(k).and_then(Value::str).unwrap_or("").to_owned();
            format!(
                "{}|{}|{}|{}",
                get("host_ip"),
                get("published"),
                get("target"),
                if get("protocol").is_empty() {
                    "tcp".into()
                } else {
                    get("protocol")
                }
            )
        }
        _ => {
            let text = item.str().unwrap_or_default();
            let (spec, proto) = text.rsplit_once('/').unwrap_or((text, "tcp"));
            let parts: Vec<&str> = spec.rsplitn(2, ':').collect();
            let (target, host) = match parts.as_slice() {
                [t] => (*t, ""),
                [t, h] => (*t, *h),
                _ => (spec, ""),
            };
            format!("{host}|{target}|{proto}")
        }
    }
}

/// A mount's target (`SOURCE:TARGET[:MODE]` or `target:` in long syntax; a bare string is its
/// own target).
fn target_key(item: &Value) -> String {
    match &item.kind {
        ValueKind::Map(_) => item
            .get("target")
            .and_then(Value::str)
            .or_else(|| item.get("source").and_then(Value::str))
            .unwrap_or("")
            .to_owned(),
        _ => {
            let text = item.str().unwrap_or_default();
            let parts = crate::model::split_volume(text);
            parts
                .get(1)
                .or_else(|| parts.first())
                .map_or_else(String::new, |s| (*s).to_owned())
        }
    }
}

fn device_key(item: &Value) -> String {
    match &item.kind {
        ValueKind::Map(_) => item
            .get("target")
            .and_then(Value::str)
            .unwrap_or("")
            .to_owned(),
        _ => {
            let text = item.str().unwrap_or_default();
            let parts: Vec<&str> = text.split(':').collect();
            parts.get(1).unwrap_or(&parts[0]).to_string()
        }
    }
}
