use super::memory_limit_missing::{Limit, limit};
use super::pids_limit_missing::conflict;
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that sets no CPU limit or weight (`cpus`, `cpu_quota`, `cpu_shares`,
    /// `deploy.resources.limits.cpus`), and a `cpus` Compose refuses next to
    /// `deploy.resources.limits`.
    ///
    /// The service is reported when none of these is set to a positive number. The Windows
    /// equivalents `cpu_count` and `cpu_percent` count too, and so does a `cpuset`
    /// (the service can then only use the CPUs it lists). A value of `0` (or `-1` for
    /// `cpu_quota`) means "no limit": when only such values are set, the finding points at the
    /// first of them. Otherwise it points at the service's name in the first file that
    /// declares it, so a limit added by an override file, `extends` or a merge key counts. A
    /// value that depends on a variable drydock cannot resolve counts as set.
    ///
    /// It also reports, as an error, a `cpus` that Compose refuses to load: compose-go compares
    /// it with `deploy.resources.limits.cpus` whenever `cpus` is not 0 and a
    /// `deploy.resources.limits` mapping exists, reading a missing `cpus` there as 0 ("can't
    /// set distinct values on 'cpus' and 'deploy.resources.limits.cpus'"). That finding points
    /// at `cpus`, with a label at the other value (or at `limits:`), and
    /// replaces the missing-limit check for the service.
    ///
    /// ## Why is this bad?
    /// A container without a CPU limit or weight competes with every other container and the
    /// host itself on equal terms; a busy or attacked service can starve the others (CIS
    /// Docker Benchmark 5.12).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.8
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.8
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           cpus: "1.5"
    /// ```
    pub(crate) CpuLimitMissing {
        code: "CMP030",
        name: "cpu-limit-missing",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// A CPU number (`1.5`, `"0.5"`, `50000`).
fn parse_cpu(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// A `cpuset` (`0-3`, `1,3`, even `0`) restricts the service to those CPUs: any non-empty value
/// is a limit.
fn parse_cpuset(text: &str) -> Option<f64> {
    (!text.is_empty()).then_some(1.0)
}

impl Rule for CpuLimitMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        const FIELDS: [&[&str]; 6] = [
            &["cpus"],
            &["cpu_quota"],
            &["cpu_shares"],
            &["deploy", "resources", "limits", "cpus"],
            &["cpu_count"],
            &["cpu_percent"],
        ];
        const HELP: &str = "set `deploy.resources.limits.cpus` (or `cpus`, or a `cpu_shares` weight) to what the service needs";
        for service in ctx.services() {
            if conflict(ctx, service, "cpus", "cpus", parse_cpu) {
                continue;
            }
            if matches!(
                limit(service, &[&["cpuset"]], parse_cpuset),
                Limit::Set | Limit::Unknown
            ) {
                continue;
            }
            match limit(service, &FIELDS, parse_cpu) {
                Limit::Set | Limit::Unknown => {}
                Limit::Unlimited(value) => {
                    let text = value.str().unwrap_or_default();
                    ctx.report_value(
                        service,
                        value,
                        format!(
                            "service `{}` sets a CPU limit of `{text}`, which means unlimited",
                            service.name
                        ),
                    )
                    .help(HELP);
                }
                Limit::Missing => {
                    ctx.report_missing(
                        service,
                        format!(
                            "service `{}` has no CPU limit: it can take every CPU of the host",
                            service.name
                        ),
                    )
                    .help(HELP);
                }
            }
        }
    }
}
