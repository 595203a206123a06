use drydock_compose::model::{self, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use super::pids_limit_missing::conflict;
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service without a memory limit (`mem_limit` or
    /// `deploy.resources.limits.memory`), and a `mem_limit` Compose refuses next to
    /// `deploy.resources.limits`.
    ///
    /// The service is reported when neither field is set to a positive size (`512m`, `1g`,
    /// `1073741824`, `"1.5gb"`). A limit of `0` or `-1` means "unlimited": the finding then points
    /// at that value. Otherwise it points at the service's name in the first file that declares it,
    /// so a limit added by an override file, `extends` or a merge key (`<<: *limits`) counts. A
    /// limit that depends on a variable drydock cannot resolve counts as set.
    ///
    /// It also reports, as an error, a `mem_limit` that Compose refuses to load: compose-go
    /// compares it with `deploy.resources.limits.memory` (in bytes) whenever `mem_limit` is
    /// not 0 and a `deploy.resources.limits` mapping exists, reading a missing `memory` there as
    /// 0 ("can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'").
    /// That finding points at `mem_limit`, with a label at the other value (or at `limits:`), and
    /// replaces the missing-limit check for the service.
    ///
    /// ## Why is this bad?
    /// Without a limit, one leaking or attacked container can use all of the host's memory and
    /// get other containers, or the Docker daemon, killed by the kernel's OOM killer (CIS
    /// Docker Benchmark 5.11).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 512m
    /// ```
    pub(crate) MemoryLimitMissing {
        code: "CMP029",
        name: "memory-limit-missing",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// What a service's resource limit fields say.
#[derive(Clone, Copy, Debug)]
pub(super) enum Limit<'a> {
    /// A positive limit is set.
    Set,
    /// Only "unlimited" values (`0`, `-1`) are set; the first of them.
    Unlimited(&'a Value),
    /// A value depends on an unknown variable or cannot be read.
    Unknown,
    /// Nothing is set.
    Missing,
}

/// Reads a limit from the fields at `paths` (the first positive one wins) with `parse`
/// returning the value as a number (`None`: unreadable).
pub(super) fn limit<'a>(
    service: &'a Service,
    paths: &[&[&str]],
    parse: fn(&str) -> Option<f64>,
) -> Limit<'a> {
    let mut unlimited = None;
    let mut unknown = false;
    for path in paths {
        let Some(value) = path.iter().try_fold(service.value(), |v, k| v.get(k)) else {
            continue;
        };
        let Some(text) = Text::of(value) else {
            continue;
        };
        if text.unknown {
            unknown = true;
            continue;
        }
        let trimmed = text.text.trim();
        if trimmed.is_empty() {
            continue;
        }
        match parse(trimmed) {
            Some(n) if n > 0.0 => return Limit::Set,
            Some(_) => {
                unlimited.get_or_insert(value);
            }
            None => unknown = true,
        }
    }
    match (unknown, unlimited) {
        (true, _) => Limit::Unknown,
        (false, Some(value)) => Limit::Unlimited(value),
        (false, None) => Limit::Missing,
    }
}

/// A memory size in bytes; `-1` reads as 0 (unlimited).
pub(super) fn parse_memory(text: &str) -> Option<f64> {
    if text == "-1" {
        Some(0.0)
    } else {
        model::parse_bytes(text)
    }
}

/// The service's memory limit.
pub(super) fn memory_limit(service: &Service) -> Limit<'_> {
    limit(
        service,
        &[&["mem_limit"], &["deploy", "resources", "limits", "memory"]],
        parse_memory,
    )
}

impl Rule for MemoryLimitMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            const HELP: &str = "set `deploy.resources.limits.memory` (or `mem_limit`) to what the service needs, e.g. `512m`";
            if conflict(ctx, service, "mem_limit", "memory", parse_memory) {
                continue;
            }
            match memory_limit(service) {
                Limit::Set | Limit::Unknown => {}
                Limit::Unlimited(value) => {
                    let text = value.str().unwrap_or_default();
                    ctx.report_value(
                        service,
                        value,
                        format!(
                            "service `{}` sets its memory limit to `{text}`, which means unlimited",
                            service.name
                        ),
                    )
                    .help(HELP);
                }
                Limit::Missing => {
                    ctx.report_missing(
                        service,
                        format!(
                            "service `{}` has no memory limit: it can use all of the host's memory",
                            service.name
                        ),
                    )
                    .help(HELP);
                }
            }
        }
    }
}
