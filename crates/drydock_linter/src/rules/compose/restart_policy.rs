use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports restart policies that restart a failing container more than five times, or
    /// without limit.
    ///
    /// The levels:
    ///
    /// - `restart: on-failure:N` with N greater than 5, and
    ///   `deploy.restart_policy.max_attempts` greater than 5 (info);
    /// - `restart: always`, `restart: unless-stopped`, and `restart: on-failure` without a
    ///   count (or with `:0`), which restart without limit (style).
    ///
    /// Policy names are compared in any case, with surrounding spaces removed. The finding
    /// points at the value, wherever it was written (an override file, an `extends` base, a
    /// merge key such as `<<: *defaults`). `restart: "no"`, `on-failure:1` to `on-failure:5`,
    /// values that depend on a variable drydock cannot resolve (`${RESTART_POLICY}` without a
    /// default), and values Compose would reject are not reported; with a default,
    /// `${RESTART_POLICY:-always}` is `always` when the variable is not set.
    ///
    /// ## Why is this bad?
    /// A container that fails over and over is restarted over and over: a crash loop hides the
    /// failure, wastes resources and, for an attacker probing a crashing service, gives
    /// unlimited attempts. The CIS Docker Benchmark (5.15) asks for an `on-failure` policy with
    /// at most 5 retries. `always` and `unless-stopped` are common and often deliberate for
    /// long-running services, hence the lowest level.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.8
    ///     restart: on-failure:20
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.8
    ///     restart: on-failure:5
    /// ```
    pub(crate) RestartPolicy {
        code: "CMP034",
        name: "restart-policy",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Most restarts CIS 5.15 accepts.
const MAX_RETRIES: u64 = 5;

fn known(value: &Value) -> Option<&str> {
    Text::of(value)
        .filter(|t| !t.unknown)
        .map(|t| t.text.trim())
}

impl Rule for RestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let name = &service.name;
            if let Some(value) = service.value().get("restart")
                && let Some(text) = known(value)
            {
                let lower = text.to_ascii_lowercase();
                let (policy, count) = lower
                    .split_once(':')
                    .map_or((lower.as_str(), None), |(p, c)| (p, Some(c.trim())));
                match (policy.trim(), count) {
                    ("always" | "unless-stopped", None) => {
                        ctx.report_value(service, value, format!("service `{name}` restarts `{text}`: a crashing container is restarted without limit"))
                            .help(format!("use `on-failure:{MAX_RETRIES}` so a crash loop ends, unless the service must come back after every stop"))
                            .severity(Severity::Style);
                    }
                    ("on-failure", None | Some("0")) => {
                        ctx.report_value(
                            service,
                            value,
                            format!("service `{name}` restarts `{text}` without a retry limit"),
                        )
                        .help(format!("add a limit: `on-failure:{MAX_RETRIES}`"))
                        .severity(Severity::Style);
                    }
                    ("on-failure", Some(count)) => {
                        if let Ok(n) = count.parse::<u64>()
                            && n > MAX_RETRIES
                        {
                            ctx.report_value(service, value, format!("service `{name}` restarts `{text}`: {n} retries, more than {MAX_RETRIES}"))
                                .help(format!("lower the limit to `on-failure:{MAX_RETRIES}` or fewer"));
                        }
                    }
                    _ => {}
                }
            }
            let attempts = ["deploy", "restart_policy", "max_attempts"]
                .iter()
                .try_fold(service.value(), |v, k| v.get(k));
            if let Some(value) = attempts
                && let Some(n) = known(value).and_then(|t| t.parse::<u64>().ok())
                && n > MAX_RETRIES
            {
                ctx.report_value(service, value, format!("service `{name}` allows {n} restart attempts in `deploy.restart_policy.max_attempts`, more than {MAX_RETRIES}"))
                    .help(format!("lower `max_attempts` to {MAX_RETRIES} or fewer"));
            }
        }
    }
}
