//! drydock's compose schema (`crates/drydock_compose/src/schema.txt`) against the Compose
//! Specification's JSON schema (../shared/schemas/compose-spec.json): the two are walked side by
//! side, and every object must have the same keys (and required keys, extension and openness
//! rules), every value the same alternatives (string, number, list, map, ...), every enumeration
//! the same values. Descriptions are ours and are only checked to be present.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use drydock_compose::schema::{Schema, Ty, TypeDef, schema};
use serde_json::Value as J;

fn spec_path() -> PathBuf {
    [
        drydock_tests::repo_root().join("../shared/schemas/compose-spec.json"),
        PathBuf::from("/work/shared/schemas/compose-spec.json"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .expect("../shared/schemas/compose-spec.json (the Compose Specification's schema) is missing")
}

/// What drydock's schema knows beyond the specification copy in ../shared/schemas, each with
/// the reason: `(type, key, why)`.
const BEYOND_THE_SPEC_COPY: &[(&str, &str, &str)] = &[(
    "service",
    "pre_start",
    "init containers run before a service starts: in compose-go's schema (the one Compose \
     validates with) since 2026 and in the specification's text, not yet in the compose-spec \
     copy; its item type is `pre_start_hook`",
)];

struct Walker<'a> {
    spec: &'a J,
    ours: &'a Schema,
    errors: Vec<String>,
    seen: HashSet<String>,
    fields: usize,
    allowed: usize,
}

/// The kind of a JSON-schema alternative.
fn json_kind(j: &J) -> &'static str {
    match j.get("type").and_then(J::as_str) {
        Some("string") => "string",
        Some("number") => "number",
        Some("integer") => "integer",
        Some("boolean") => "boolean",
        Some("null") => "null",
        Some("array") => "array",
        Some("object") => "object",
        _ if j.get("properties").is_some() || j.get("patternProperties").is_some() => "object",
        _ if j.get("enum").is_some() => "string",
        _ => "any",
    }
}

fn ty_kind(ours: &Schema, ty: &Ty) -> &'static str {
    match ty {
        Ty::String | Ty::Enum(_) => "string",
        Ty::Number => "number",
        Ty::Integer => "integer",
        Ty::Boolean => "boolean",
        Ty::Null => "null",
        Ty::Any => "any",
        Ty::List(_) => "array",
        Ty::Map(_) => "object",
        Ty::Named(name) => match ours.types.get(name) {
            Some(TypeDef::Object { .. }) => "object",
            Some(TypeDef::Alias(inner)) => ty_kind(ours, inner),
            None => "missing",
        },
        Ty::Union(_) => "union",
    }
}

impl Walker<'_> {
    fn deref(&self, j: &J) -> J {
        let mut j = j.clone();
        while let Some(r) = j.get("$ref").and_then(J::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            j = self.spec["definitions"][name].clone();
        }
        j
    }

    /// Our alternatives, with aliases resolved and unions flattened.
    fn our_alts(&self, ty: &Ty, out: &mut Vec<Ty>) {
        match ty {
            Ty::Union(alts) => {
                for alt in alts {
                    self.our_alts(alt, out);
                }
            }
            Ty::Named(name) => match self.ours.types.get(name) {
                Some(TypeDef::Alias(inner)) => self.our_alts(inner, out),
                _ => out.push(ty.clone()),
            },
            other => out.push(other.clone()),
        }
    }

    /// The JSON schema's alternatives: `oneOf`/`anyOf` items, or one per `type` array entry.
    fn json_alts(&self, j: &J, out: &mut Vec<J>) {
        let j = self.deref(j);
        if j == J::Bool(true) || j.as_object().is_some_and(serde_json::Map::is_empty) {
            out.push(J::Object(serde_json::Map::new()));
            return;
        }
        if let Some(alts) = j
            .get("oneOf")
            .or_else(|| j.get("anyOf"))
            .and_then(J::as_array)
        {
            for alt in alts {
                self.json_alts(alt, out);
            }
            return;
        }
        if let Some(types) = j.get("type").and_then(J::as_array) {
            for t in types {
                let mut one = j.clone();
                one["type"] = t.clone();
                out.push(one);
            }
            return;
        }
        out.push(j);
    }

    fn walk(&mut self, j: &J, ty: &Ty, path: &str) {
        let mut jalts = Vec::new();
        self.json_alts(j, &mut jalts);
        let mut oalts = Vec::new();
        self.our_alts(ty, &mut oalts);
        // `any` on our side accepts whatever the specification allows there.
        if oalts == [Ty::Any] {
            return;
        }
        let mut used = vec![false; oalts.len()];
        for jalt in &jalts {
            let kind = json_kind(jalt);
            let found = oalts
                .iter()
                .enumerate()
                .find(|(i, o)| !used[*i] && ty_kind(self.ours, o) == kind)
                .map(|(i, _)| i);
            let Some(i) = found else {
                // Several JSON alternatives of one kind may map to one of ours (e.g. two
                // string forms).
                if oalts.iter().any(|o| ty_kind(self.ours, o) == kind) {
                    continue;
                }
                self.errors.push(format!(
                    "{path}: the specification allows {kind}, drydock's schema has {oalts:?}"
                ));
                continue;
            };
            used[i] = true;
            let o = oalts[i].clone();
            self.pair(jalt, &o, path);
        }
        for (i, o) in oalts.iter().enumerate() {
            if !used[i] {
                self.errors.push(format!(
                    "{path}: drydock's schema allows {o:?}, the specification does not"
                ));
            }
        }
    }

    fn pair(&mut self, j: &J, o: &Ty, path: &str) {
        match o {
            Ty::Enum(values) => {
                let ours: BTreeSet<&str> = values.iter().map(String::as_str).collect();
                let theirs: BTreeSet<&str> = j
                    .get("enum")
                    .and_then(J::as_array)
                    .map(|a| a.iter().filter_map(J::as_str).collect())
                    .unwrap_or_default();
                if ours != theirs {
                    self.errors
                        .push(format!("{path}: enum {ours:?} != specification {theirs:?}"));
                }
            }
            Ty::String if j.get("enum").is_some() => {
                self.errors.push(format!(
                    "{path}: the specification has an enumeration, drydock a plain string"
                ));
            }
            Ty::List(inner) => {
                let items = j.get("items").cloned().unwrap_or(J::Bool(true));
                self.walk(&items, inner, &format!("{path}[]"));
            }
            Ty::Map(inner) => {
                if j.get("properties").is_some() {
                    self.errors.push(format!(
                        "{path}: the specification lists properties, drydock has a map"
                    ));
                }
                let values = self.other_values(j);
                match values.as_slice() {
                    [] => self.walk(&J::Bool(true), inner, &format!("{path}.*")),
                    [one] => self.walk(one, inner, &format!("{path}.*")),
                    many => {
                        let merged = serde_json::json!({ "anyOf": many });
                        self.walk(&merged, inner, &format!("{path}.*"));
                    }
                }
            }
            Ty::Named(name) if self.seen.insert(format!("{name}@{j}")) => {
                self.object(j, name, path);
            }
            _ => {}
        }
    }

    /// Schemas of keys other than the listed properties and `x-` extensions.
    fn other_values(&self, j: &J) -> Vec<J> {
        let mut out: Vec<J> = j
            .get("patternProperties")
            .and_then(J::as_object)
            .map(|pp| {
                pp.iter()
                    .filter(|(k, _)| k.as_str() != "^x-")
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(ap) = j.get("additionalProperties")
            && ap.is_object()
            && ap.as_object().is_some_and(|m| !m.is_empty())
        {
            out.push(ap.clone());
        }
        out
    }

    fn object(&mut self, j: &J, name: &str, path: &str) {
        let Some(TypeDef::Object {
            ext,
            open,
            keys,
            fields,
            index: _,
        }) = self.ours.types.get(name)
        else {
            self.errors
                .push(format!("{path}: `{name}` is not an object type"));
            return;
        };
        let props = j
            .get("properties")
            .and_then(J::as_object)
            .cloned()
            .unwrap_or_default();
        let theirs: BTreeSet<&str> = props.keys().map(String::as_str).collect();
        let ours: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        for missing in theirs.difference(&ours) {
            self.errors.push(format!(
                "{path}: `{missing}` is in the specification, not in `{name}`"
            ));
        }
        for extra in ours.difference(&theirs) {
            if BEYOND_THE_SPEC_COPY
                .iter()
                .any(|(ty, key, _)| *ty == name && key == extra)
            {
                self.allowed += 1;
                continue;
            }
            self.errors.push(format!(
                "{path}: `{extra}` is in `{name}`, not in the specification"
            ));
        }
        let required: BTreeSet<&str> = j
            .get("required")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).collect())
            .unwrap_or_default();
        let our_required: BTreeSet<&str> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_str())
            .collect();
        if required != our_required {
            self.errors.push(format!(
                "{path}: required {our_required:?} != specification {required:?}"
            ));
        }
        let their_ext = j
            .get("patternProperties")
            .and_then(J::as_object)
            .is_some_and(|pp| pp.contains_key("^x-"));
        if *ext != their_ext {
            self.errors.push(format!(
                "{path}: x- extensions {ext} != specification {their_ext}"
            ));
        }
        let their_open = j.get("additionalProperties") != Some(&J::Bool(false));
        if *open != their_open {
            self.errors
                .push(format!("{path}: open {open} != specification {their_open}"));
        }
        let others = self.other_values(j);
        match (keys, others.as_slice()) {
            (None, []) => {}
            (Some(k), [one]) => {
                let k = k.clone();
                self.walk(one, &k, &format!("{path}.*"));
            }
            (Some(k), many) if !many.is_empty() => {
                let k = k.clone();
                self.walk(
                    &serde_json::json!({ "anyOf": many }),
                    &k,
                    &format!("{path}.*"),
                );
            }
            (k, v) => self
                .errors
                .push(format!("{path}: other keys {k:?} != specification {v:?}")),
        }
        for field in fields.clone() {
            if field.doc.trim().is_empty() {
                self.errors
                    .push(format!("{path}.{}: no description", field.name));
            }
            if let Some(spec) = props.get(&field.name) {
                self.fields += 1;
                self.walk(spec, &field.ty, &format!("{path}.{}", field.name));
            }
        }
    }
}

#[test]
fn schema_matches_the_compose_specification() {
    let text = std::fs::read_to_string(spec_path())
        .unwrap_or_else(|e| panic!("{}: {e}", spec_path().display()));
    let spec: J = serde_json::from_str(&text).expect("compose-spec.json is JSON");
    let ours = schema();
    let mut walker = Walker {
        spec: &spec,
        ours,
        errors: Vec::new(),
        seen: HashSet::new(),
        fields: 0,
        allowed: 0,
    };
    walker.object(&spec, "top", "(top)");
    assert!(
        walker.errors.is_empty(),
        "{} differences:\n{}",
        walker.errors.len(),
        walker.errors.join("\n")
    );
    // Every allowlisted key is still needed (the list cannot go stale silently).
    assert_eq!(
        walker.allowed,
        BEYOND_THE_SPEC_COPY.len(),
        "an allowlisted key is now in the specification copy or gone from drydock's schema"
    );
    // The walk really compared the schema (every service key, every nested object).
    assert!(
        walker.fields > 300,
        "only {} fields compared",
        walker.fields
    );
}
