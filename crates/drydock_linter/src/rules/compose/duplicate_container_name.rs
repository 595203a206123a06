use drydock_compose::model::Text;
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `container_name` that cannot be unique: the same name on two services, or a
    /// name on a service that asks for several containers.
    ///
    /// In detail:
    ///
    /// - the same `container_name` (compared exactly, after interpolation) on two or more
    ///   services of the merged project; every service after the first is reported, at its
    ///   value, with a secondary label at the first one;
    /// - a `container_name` on a service that asks for more than one container
    ///   (`deploy.replicas` or `scale` greater than 1), at the value (when the name is also a
    ///   duplicate, only the duplicate is reported).
    ///
    /// Two services whose `profiles` are both set and share no profile are not compared (each
    /// runs only with its own profile). Values from `.env`, defaults, anchors, override files,
    /// `extends` and `include` count; a name that depends on a variable drydock cannot resolve
    /// is not compared.
    ///
    /// ## Why is this bad?
    /// Docker container names are unique on a host. Compose creates the first container and
    /// fails on the second (`Conflict. The container name "/db" is already in use`), so the
    /// project never fully starts; with replicas it refuses the service outright.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    ///     container_name: app
    ///   worker:
    ///     image: example/worker:1.4
    ///     container_name: app
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    ///   worker:
    ///     image: example/worker:1.4
    /// ```
    ///
    /// ## Notes
    /// Without `container_name`, Compose names containers `<project>-<service>-<n>`, which is
    /// unique by construction; prefer that unless a fixed name is really needed.
    pub(crate) DuplicateContainerName {
        code: "CMP105",
        name: "duplicate-container-name",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The number of containers a service asks for, when more than one is known.
fn replicas(service: &Service) -> Option<u64> {
    let deploy = service
        .value()
        .get("deploy")
        .and_then(|d| d.get("replicas"));
    [deploy, service.value().get("scale")]
        .into_iter()
        .flatten()
        .find_map(|v| {
            let text = Text::of(v)?;
            let n: u64 = text.text.trim().parse().ok()?;
            (!text.unknown && n > 1).then_some(n)
        })
}

/// Whether two services can run together: not when both have profiles and share none (each
/// runs only with its own profile).
fn can_run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles.iter().any(|p| b.profiles.contains(p))
}

impl Rule for DuplicateContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let mut seen: Vec<(&str, &Service, &Value)> = Vec::new();
        for service in ctx.services() {
            let Some(value) = service.value().get("container_name") else {
                continue;
            };
            let Some(text) = Text::of(value) else {
                continue;
            };
            let name = text.text.trim();
            if text.unknown || name.is_empty() {
                continue;
            }
            if let Some(&(_, first, first_value)) = seen
                .iter()
                .find(|(n, other, _)| *n == name && can_run_together(other, service))
            {
                let label_file = (first_value.origin.file != value.origin.file)
                    .then(|| ctx.relative(first_value.origin.file));
                let label = format!("service `{}` already uses `{name}`", first.name);
                let d = ctx.report_value(
                    service,
                    value,
                    format!(
                        "service `{}` uses `container_name: {name}`, which service `{}` uses too",
                        service.name, first.name
                    ),
                );
                d.help("give each service its own `container_name`, or remove it and let Compose name the containers");
                match label_file {
                    Some(file) => d.label_in(file, first_value.origin.range, label),
                    None => d.label(first_value.origin.range, label),
                };
                continue;
            }
            seen.push((name, service, value));
            if let Some(n) = replicas(service) {
                ctx.report_value(service, value, format!("service `{}` sets `container_name: {name}` but asks for {n} containers, which cannot share the name", service.name))
                    .help("remove `container_name` and let Compose name the replicas");
            }
        }
    }
}
