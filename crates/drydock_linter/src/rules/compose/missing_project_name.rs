use drydock_compose::interpolate::{Lookup, Vars};
use drydock_compose::model::Text;
use drydock_compose::tree::Origin;
use drydock_text::TextRange;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a project without a name of its own, which Compose then names after its folder.
    ///
    /// It is reported when no main compose file (base or override)
    /// has a top-level `name`, or it is empty, and `.env` does not set
    /// `COMPOSE_PROJECT_NAME` (which Compose also reads from there). A `name` that depends on
    /// a variable drydock cannot resolve counts as set. The finding is reported once per
    /// project, at the start of its first compose file.
    ///
    /// ## Why is this bad?
    /// Without a name, Compose names the project after the folder holding the compose file.
    /// Container, network and volume names then change with the checkout folder: two clones
    /// of a repository (or two repositories with a `docker` folder) share or clobber each
    /// other's containers and volumes, and scripts that refer to `<project>_default` or
    /// `<project>-web-1` break when the folder is renamed.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: shop
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    pub(crate) MissingProjectName {
        code: "CMP109",
        name: "missing-project-name",
        aliases: [],
        category: Style,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The project name Compose derives from a folder name: lowercase, keeping letters, digits,
/// `_` and `-`.
fn folder_name(folder: &str) -> String {
    folder
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect()
}

impl Rule for MissingProjectName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        let Some(&first) = project.main_files.first() else {
            return;
        };
        let name = project
            .root
            .as_ref()
            .and_then(|r| r.get("name"))
            .and_then(Text::of);
        let named = name
            .as_ref()
            .is_some_and(|t| t.unknown || !t.text.trim().is_empty());
        let from_env = matches!(project.env.get("COMPOSE_PROJECT_NAME"), Lookup::Set(v) if !v.trim().is_empty());
        if named || from_env {
            return;
        }
        let folder = project
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(folder_name)
            .unwrap_or_default();
        let what = if name.is_some() {
            "the project's top-level `name` is empty"
        } else {
            "the project has no top-level `name`"
        };
        let message = if folder.is_empty() {
            format!("{what}: Compose names it after the folder of its compose file")
        } else {
            format!("{what}: Compose names it after its folder, `{folder}`")
        };
        ctx.report(Origin { file: first, range: TextRange::empty(0.into()) }, message)
            .help("add `name: <project>` at the top of the compose file so that container, network and volume names do not depend on the folder");
    }
}
