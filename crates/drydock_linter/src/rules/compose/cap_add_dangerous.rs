use drydock_compose::model::{normalize_cap, string_or_list};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `cap_add` item granting a capability outside Docker's default set that CMP003 does
    /// not already cover.
    ///
    /// Names are matched in any case and with or without the `CAP_` prefix. Each offending item is
    /// reported, wherever it was written (override files, `extends`, anchors).
    ///
    /// - Error (high): `NET_ADMIN`, `SYS_PTRACE`, `SYS_BOOT`, `SYS_TIME`, `MAC_ADMIN`,
    ///   `MAC_OVERRIDE`, `BPF`, `PERFMON`, `SYSLOG`, `DAC_READ_SEARCH`.
    /// - Warning (medium): `AUDIT_CONTROL`, `AUDIT_READ`, `BLOCK_SUSPEND`,
    ///   `CHECKPOINT_RESTORE`, `IPC_LOCK`, `IPC_OWNER`, `LEASE`, `LINUX_IMMUTABLE`,
    ///   `NET_BROADCAST`, `SYS_NICE`, `SYS_PACCT`, `SYS_RESOURCE`, `SYS_TTY_CONFIG`,
    ///   `WAKE_ALARM`.
    ///
    /// Docker's 14 default capabilities (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`,
    /// `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `NET_RAW`, `SETFCAP`, `SETGID`,
    /// `SETPCAP`, `SETUID`, `SYS_CHROOT`) are never reported: adding one back after
    /// `cap_drop: [ALL]` is the recommended pattern. Unknown names are left to Docker, which
    /// rejects them. An item that depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// Each of these capabilities lifts a specific kernel restriction the container otherwise
    /// has: `NET_ADMIN` reconfigures interfaces, routes and firewalls, `SYS_PTRACE` reads and
    /// alters other processes' memory, `SYS_TIME` sets the host's clock, `BPF` and `PERFMON`
    /// load kernel programs and read kernel data, `DAC_READ_SEARCH` bypasses file read
    /// permissions (and enabled the "shocker" escape). Add only what the service needs, and
    /// keep the list reviewed (CIS Docker Benchmark 5.4).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:2
    ///     cap_add: [NET_ADMIN]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:2
    ///     cap_drop: [ALL]
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    pub(crate) CapAddDangerous {
        code: "CMP004",
        name: "cap-add-dangerous",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Non-default capabilities not covered by CMP003: what each allows, and the severity of
/// adding it.
fn danger(cap: &str) -> Option<(&'static str, Severity)> {
    use Severity::{Error, Warning};
    Some(match cap {
        "NET_ADMIN" => ("configuring interfaces, routes and firewall rules", Error),
        "SYS_PTRACE" => ("tracing and altering other processes", Error),
        "SYS_BOOT" => ("rebooting and loading a new kernel", Error),
        "SYS_TIME" => ("setting the host's clock", Error),
        "MAC_ADMIN" => ("changing the mandatory access control policy", Error),
        "MAC_OVERRIDE" => ("bypassing mandatory access control", Error),
        "BPF" => ("loading BPF programs into the kernel", Error),
        "PERFMON" => ("kernel performance monitoring and tracing", Error),
        "SYSLOG" => ("reading and clearing the kernel log", Error),
        "DAC_READ_SEARCH" => ("reading any file, bypassing permissions", Error),
        "AUDIT_CONTROL" => ("configuring kernel auditing", Warning),
        "AUDIT_READ" => ("reading the audit log", Warning),
        "BLOCK_SUSPEND" => ("blocking system suspend", Warning),
        "CHECKPOINT_RESTORE" => ("checkpoint and restore of processes", Warning),
        "IPC_LOCK" => ("locking memory", Warning),
        "IPC_OWNER" => ("bypassing IPC permission checks", Warning),
        "LEASE" => ("taking leases on any file", Warning),
        "LINUX_IMMUTABLE" => ("changing immutable and append-only file flags", Warning),
        "NET_BROADCAST" => ("broadcasting and multicasting", Warning),
        "SYS_NICE" => (
            "raising priorities and changing other processes' scheduling",
            Warning,
        ),
        "SYS_PACCT" => ("configuring process accounting", Warning),
        "SYS_RESOURCE" => ("overriding resource limits and quotas", Warning),
        "SYS_TTY_CONFIG" => ("configuring terminals", Warning),
        "WAKE_ALARM" => ("waking the system up", Warning),
        _ => return None,
    })
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for CapAddDangerous {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(caps) = service.value().get("cap_add") else {
                continue;
            };
            for item in string_or_list(caps) {
                if item.unknown {
                    continue;
                }
                let Some((what, severity)) = danger(&normalize_cap(item.text)) else {
                    continue;
                };
                ctx.report_value(
                    service,
                    item.value,
                    format!(
                        "service `{}` adds capability `{}`{} ({what}), which Docker does not grant by default",
                        service.name,
                        item.text,
                        written(item.value)
                    ),
                )
                .severity(severity)
                .help("remove it from `cap_add` unless the service cannot work without it");
            }
        }
    }
}
