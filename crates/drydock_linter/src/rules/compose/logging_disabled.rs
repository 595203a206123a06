use drydock_compose::model::Text;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose logs are thrown away by `logging: {driver: none}`.
    ///
    /// The driver name is compared in any case, with surrounding spaces removed. The finding points
    /// at the `driver:` value, wherever it was written (an override file, an `extends` base, a
    /// merge key such as `logging: *no-logs` or `<<: *defaults`). A driver that depends on a
    /// variable drydock cannot resolve is not reported; `${LOG_DRIVER:-none}` with `LOG_DRIVER`
    /// unset is.
    ///
    /// ## Why is this bad?
    /// With the `none` driver, `docker logs` shows nothing and no log shipper can collect the
    /// service's output: errors go unnoticed and, after an incident, there is no record of
    /// what the service did.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     logging:
    ///       driver: none
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     logging:
    ///       driver: local
    ///       options:
    ///         max-size: 10m
    /// ```
    pub(crate) LoggingDisabled {
        code: "CMP036",
        name: "logging-disabled",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for LoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(driver) = service.value().get("logging").and_then(|l| l.get("driver")) else {
                continue;
            };
            if Text::of(driver)
                .is_some_and(|t| !t.unknown && t.text.trim().eq_ignore_ascii_case("none"))
            {
                ctx.report_value(service, driver, format!("service `{}` uses the `none` logging driver: its output is thrown away", service.name))
                    .help("use a logging driver that keeps the output (`local`, `json-file` with `max-size`, or your log shipper's)");
            }
        }
    }
}
