use drydock_compose::project::SourceKind;
use drydock_compose::tree::Origin;
use drydock_compose::yaml::NodeKind;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports top-level keys of a compose file out of the order `version`, `name`, `include`,
    /// `services`, `networks`, `volumes`, `configs`, `secrets`, `models`.
    ///
    /// Each compose file is checked on its own (main, override, included and extended files
    /// alike). Keys may be missing; extension fields (`x-*`, usually holding anchors, which
    /// must come before their aliases anyway) and unknown keys may stand anywhere and are not
    /// checked. A key is reported when an earlier key of the same file belongs after it; the finding
    /// points at the key itself (the ordering is about the key, not its value) and names the
    /// first earlier key it should precede. Nothing inside `services` or other sections is
    /// checked.
    ///
    /// ## Why is this bad?
    /// A fixed order makes compose files of a repository read alike: the project's identity
    /// (`name`, `include`) first, then what runs (`services`), then the resources services
    /// refer to. It is a convention, not a correctness problem, so the rule is off by default.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// name: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: shop
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## Notes
    /// dclint's `top-level-properties-order` puts `secrets` before `configs`; drydock follows the
    /// order in which the Compose Specification documents them.
    pub(crate) UnorderedKeys {
        code: "CMP110",
        name: "unordered-keys",
        aliases: [],
        category: Style,
        severity: Style,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

/// Top-level keys in the expected order.
const ORDER: [&str; 9] = [
    "version", "name", "include", "services", "networks", "volumes", "configs", "secrets", "models",
];

fn rank(key: &str) -> Option<usize> {
    ORDER.iter().position(|k| *k == key)
}

impl Rule for UnorderedKeys {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        for (index, file) in project.files.iter().enumerate() {
            let SourceKind::Compose(doc) = &file.kind else {
                continue;
            };
            let Some(NodeKind::Mapping(entries)) = doc.root.as_ref().map(|r| &r.kind) else {
                continue;
            };
            let Ok(id) = u32::try_from(index) else {
                continue;
            };
            let keys: Vec<(&str, usize, drydock_text::TextRange)> = entries
                .iter()
                .filter_map(|(k, _)| {
                    k.as_str()
                        .and_then(|name| rank(name).map(|r| (name, r, k.range)))
                })
                .collect();
            for (i, &(name, r, range)) in keys.iter().enumerate() {
                let Some(&(before, _, _)) = keys[..i].iter().find(|(_, other, _)| *other > r)
                else {
                    continue;
                };
                ctx.report(
                    Origin { file: id, range },
                    format!("top-level `{name}` comes after `{before}`; it belongs before it"),
                )
                .help(format!(
                    "order the top-level keys as {}",
                    ORDER
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}
