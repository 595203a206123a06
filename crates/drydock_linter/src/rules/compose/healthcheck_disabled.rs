use drydock_compose::model::{Flag, Text};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that switches its health check off with `disable: true` or
    /// `test: ["NONE"]`.
    ///
    /// The spellings:
    ///
    /// - `healthcheck: {disable: true}` (a Compose boolean: `true` in any case, or `yes`/`on`);
    /// - `healthcheck: {test: ["NONE"]}`, a list whose first item is `NONE`.
    ///
    /// It also reports `test: NONE` written as a plain string: Compose turns a string into
    /// `["CMD-SHELL", "NONE"]`, so the check runs a shell command named `NONE`, which always
    /// fails and marks the container unhealthy, instead of disabling anything.
    ///
    /// The finding points at the `disable:` value, the `NONE` item or the `test:` string, wherever
    /// it was written (an override file, an `extends` base, a merge key). A value that depends on a
    /// variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker cannot tell a hung service from a working one:
    /// `depends_on: {condition: service_healthy}` cannot wait for it, and orchestrators cannot
    /// restart or route around it (CIS Docker Benchmark 5.27, and 4.6 for the image's
    /// `HEALTHCHECK`). Disabling the image's check throws that away.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     healthcheck:
    ///       disable: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     healthcheck:
    ///       test: ["CMD", "/app/healthcheck"]
    ///       interval: 30s
    /// ```
    pub(crate) HealthcheckDisabled {
        code: "CMP032",
        name: "healthcheck-disabled",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for HealthcheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(healthcheck) = service.value().get("healthcheck") else {
                continue;
            };
            if let Some(disable) = healthcheck.get("disable")
                && Flag::of(disable).is_true()
            {
                ctx.report_value(
                    service,
                    disable,
                    format!("service `{}` disables its health check", service.name),
                )
                .help(
                    "remove `disable: true` and give the service a `test` that shows it is working",
                );
                continue;
            }
            let Some(test) = healthcheck.get("test") else {
                continue;
            };
            if let Some(first) = test.items().and_then(<[_]>::first) {
                if Text::of(first).is_some_and(|t| !t.unknown && t.text == "NONE") {
                    ctx.report_value(service, first, format!("service `{}` disables its health check with `test: [\"NONE\"]`", service.name))
                        .help("remove the `NONE` test and give the service a `test` that shows it is working");
                }
            } else if Text::of(test).is_some_and(|t| !t.unknown && t.text.trim() == "NONE") {
                ctx.report_value(
                    service,
                    test,
                    format!("service `{}` has `test: NONE` as a string: Compose runs it as the shell command `NONE`, which always fails", service.name),
                )
                .help("write `disable: true` to switch the check off (better: give the service a real `test`)");
            }
        }
    }
}
