//! The typed service model: short and long syntaxes normalised, every item pointing at the value
//! it was read from.
//!
//! Scalars are read the way Compose reads them into its typed fields: booleans accept `true`/
//! `false` in any case and, with a deprecation warning in Compose, `y`/`yes`/`on` and
//! `n`/`no`/`off` (compose-go's `toBoolean`); numbers accept a quoted or unquoted decimal. A
//! value that depends on an unknown variable is [`Flag::Unknown`] and rules stay silent on it.

use crate::tree::{Origin, Value, ValueKind};

/// A boolean field as Compose reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// True (`true`, or the YAML 1.1 spellings `y`, `yes`, `on`).
    True,
    /// False (`false`, `n`, `no`, `off`).
    False,
    /// Depends on a variable drydock cannot know.
    Unknown,
    /// Not a boolean (Compose rejects it).
    Invalid,
}

impl Flag {
    /// Reads a boolean field.
    #[must_use]
    pub fn of(value: &Value) -> Self {
        let Some(s) = value.scalar() else {
            return Flag::Invalid;
        };
        if s.unknown {
            return Flag::Unknown;
        }
        match s.value.to_ascii_lowercase().as_str() {
            "true" => Flag::True,
            "false" => Flag::False,
            "y" | "yes" | "on" => Flag::True,
            "n" | "no" | "off" => Flag::False,
            _ => Flag::Invalid,
        }
    }

    /// Whether the value is known to be true.
    #[must_use]
    pub fn is_true(self) -> bool {
        self == Flag::True
    }
}

/// Whether a boolean was written with a YAML 1.1 spelling Compose only accepts with a warning.
#[must_use]
pub fn is_yaml11_bool(value: &Value) -> bool {
    value.scalar().is_some_and(|s| {
        !s.quoted()
            && matches!(
                s.value.to_ascii_lowercase().as_str(),
                "y" | "yes" | "on" | "n" | "no" | "off"
            )
    })
}

/// A string-valued list item or field with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    /// The interpolated text.
    pub text: &'a str,
    /// Whether it depends on an unknown variable.
    pub unknown: bool,
    /// The value it came from.
    pub value: &'a Value,
}

impl<'a> Text<'a> {
    /// A string scalar (`None` for null, collections).
    #[must_use]
    pub fn of(value: &'a Value) -> Option<Self> {
        let s = value.scalar().filter(|s| !s.is_null())?;
        Some(Self {
            text: &s.value,
            unknown: s.unknown,
            value,
        })
    }
}

/// The items of a field that is a list, or a single string (`string_or_list`).
#[must_use]
pub fn string_or_list(value: &Value) -> Vec<Text<'_>> {
    match &value.kind {
        ValueKind::Seq(items) => items.iter().filter_map(Text::of).collect(),
        ValueKind::Scalar(_) => Text::of(value).into_iter().collect(),
        ValueKind::Map(_) => Vec::new(),
    }
}

/// One `KEY=value` of a list-or-mapping field (`environment`, `labels`, `sysctls`, `build.args`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue<'a> {
    /// The key.
    pub key: &'a str,
    /// The value; `None` for a bare `KEY` (taken from the environment at run time).
    pub value: Option<String>,
    /// Whether the value depends on an unknown variable.
    pub unknown: bool,
    /// Where the key is (the mapping key, or the list item).
    pub key_origin: Origin,
    /// The value (the mapping value, or the list item).
    pub item: &'a Value,
}

/// Reads a list-or-mapping field.
#[must_use]
pub fn key_values(value: &Value) -> Vec<KeyValue<'_>> {
    match &value.kind {
        ValueKind::Map(entries) => entries
            .iter()
            .map(|e| {
                let s = e.value.scalar();
                KeyValue {
                    key: &e.key,
                    value: s.filter(|s| !s.is_null()).map(|s| s.value.clone()),
                    unknown: s.is_some_and(|s| s.unknown),
                    key_origin: e.key_origin,
                    item: &e.value,
                }
            })
            .collect(),
        ValueKind::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let s = item.scalar()?;
                let (key, value) = match s.value.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_owned())),
                    None => (s.value.as_str(), None),
                };
                Some(KeyValue {
                    key,
                    value,
                    unknown: s.unknown,
                    key_origin: item.origin,
                    item,
                })
            })
            .collect(),
        ValueKind::Scalar(_) => Vec::new(),
    }
}

/// A Linux capability name normalised: uppercase, without `CAP_`.
#[must_use]
pub fn normalize_cap(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    // Docker treats only `ALL` as every capability; `CAP_ALL` is an unknown capability.
    match upper.strip_prefix("CAP_") {
        Some(rest) if rest != "ALL" => rest.to_owned(),
        _ => upper,
    }
}

/// One `security_opt` item split into key and value (on the first `=`, else the first `:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityOpt<'a> {
    /// `seccomp`, `apparmor`, `label`, `no-new-privileges`, `systempaths`, ... as written (Docker
    /// compares keys case-sensitively).
    pub key: String,
    /// The value (empty for a bare key).
    pub value: String,
    /// The item.
    pub item: Text<'a>,
}

/// Reads `security_opt`.
#[must_use]
pub fn security_opts(value: &Value) -> Vec<SecurityOpt<'_>> {
    string_or_list(value)
        .into_iter()
        .map(|item| {
            let text = item.text;
            let (key, val) = match (text.find('='), text.find(':')) {
                (Some(e), _) => (&text[..e], &text[e + 1..]),
                (None, Some(c)) => (&text[..c], &text[c + 1..]),
                (None, None) => (text, ""),
            };
            SecurityOpt {
                key: key.trim().to_owned(),
                value: val.trim().to_owned(),
                item,
            }
        })
        .collect()
}

/// A published or exposed port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port<'a> {
    /// The host address (`127.0.0.1`, `::1`), if given.
    pub host_ip: Option<String>,
    /// The published host port or range, if given.
    pub published: Option<String>,
    /// The container port or range.
    pub target: String,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// Whether it was written in the long (mapping) syntax.
    pub long: bool,
    /// Whether it depends on an unknown variable.
    pub unknown: bool,
    /// The item.
    pub item: &'a Value,
}

/// Parses a short-syntax port: `[[IP:]PUBLISHED:]TARGET[/PROTOCOL]`, IPv6 in brackets or not.
#[must_use]
pub fn parse_short_port(text: &str) -> Option<(Option<String>, Option<String>, String, String)> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((s, p)) => (s, p.to_ascii_lowercase()),
        None => (text, "tcp".to_owned()),
    };
    // `[::1]:8080:80`
    if let Some(rest) = spec.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let after = after.strip_prefix(':')?;
        let (published, target) = match after.rsplit_once(':') {
            Some((p, t)) => (Some(p.to_owned()), t.to_owned()),
            None => (None, after.to_owned()),
        };
        return Some((
            Some(ip.to_owned()),
            published.filter(|p| !p.is_empty()),
            target,
            protocol,
        ));
    }
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    Some(match parts.as_slice() {
        [target] => (None, None, (*target).to_owned(), protocol),
        [target, published] => (
            None,
            Some((*published).to_owned()).filter(|p| !p.is_empty()),
            (*target).to_owned(),
            protocol,
        ),
        [target, published, ip] => (
            Some((*ip).to_owned()).filter(|i| !i.is_empty()),
            Some((*published).to_owned()).filter(|p| !p.is_empty()),
            (*target).to_owned(),
            protocol,
        ),
        _ => return None,
    })
}

/// Reads `ports`.
#[must_use]
pub fn ports(value: &Value) -> Vec<Port<'_>> {
    let Some(items) = value.items() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.kind {
            ValueKind::Map(_) => {
                let get = |k: &str| item.get(k).and_then(Text::of);
                let target = get("target")?;
                let unknown = ["target", "published", "host_ip", "protocol"]
                    .iter()
                    .any(|k| get(k).is_some_and(|t| t.unknown));
                Some(Port {
                    host_ip: get("host_ip").map(|t| t.text.to_owned()),
                    published: get("published").map(|t| t.text.to_owned()),
                    target: target.text.to_owned(),
                    protocol: get("protocol")
                        .map_or_else(|| "tcp".to_owned(), |t| t.text.to_ascii_lowercase()),
                    long: true,
                    unknown,
                    item,
                })
            }
            _ => {
                let text = Text::of(item)?;
                let (host_ip, published, target, protocol) = parse_short_port(text.text)?;
                Some(Port {
                    host_ip,
                    published,
                    target,
                    protocol,
                    long: false,
                    unknown: text.unknown,
                    item,
                })
            }
        })
        .collect()
}

/// The kind of a mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// A tmpfs.
    Tmpfs,
    /// A Windows named pipe.
    Npipe,
    /// An image's content.
    Image,
    /// A cluster volume.
    Cluster,
    /// Something else (an unknown `type:`).
    Other,
}

/// One entry of a service's `volumes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount<'a> {
    /// The kind.
    pub kind: MountKind,
    /// The source (host path or volume name); `None` for an anonymous volume or tmpfs.
    pub source: Option<String>,
    /// The path in the container.
    pub target: Option<String>,
    /// Read-only (`:ro`, `read_only: true`).
    pub read_only: bool,
    /// Bind propagation (`shared`, `rslave`, ...).
    pub propagation: Option<String>,
    /// Short-syntax options (`ro`, `z`, `nocopy`, ...) or long-syntax tmpfs options.
    pub options: Vec<String>,
    /// Whether it was written in the long syntax.
    pub long: bool,
    /// Whether it depends on an unknown variable.
    pub unknown: bool,
    /// The item.
    pub item: &'a Value,
}

/// Splits a short-syntax volume on `:` as compose-go does, keeping a Windows drive letter
/// (`C:\data:/data`) with its path.
#[must_use]
pub fn split_volume(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            // `C:` followed by `\` or `/` at the start of a part is a drive letter.
            let is_drive = i == start + 1
                && bytes[start].is_ascii_alphabetic()
                && matches!(bytes.get(i + 1), Some(b'\\' | b'/'));
            if !is_drive {
                parts.push(&text[start..i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// Whether a short-syntax volume source is a host path (rather than a volume name).
#[must_use]
pub fn is_bind_source(source: &str) -> bool {
    let b = source.as_bytes();
    source.starts_with(['.', '/', '~', '\\', '$'])
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Reads a service's `volumes`.
#[must_use]
pub fn mounts(value: &Value) -> Vec<Mount<'_>> {
    let Some(items) = value.items() else {
        return Vec::new();
    };
    items.iter().filter_map(mount).collect()
}

fn mount(item: &Value) -> Option<Mount<'_>> {
    match &item.kind {
        ValueKind::Map(_) => {
            let get = |k: &str| item.get(k).and_then(Text::of);
            let kind = match get("type").map(|t| t.text.to_ascii_lowercase()).as_deref() {
                Some("bind") => MountKind::Bind,
                Some("volume") | None => MountKind::Volume,
                Some("tmpfs") => MountKind::Tmpfs,
                Some("npipe") => MountKind::Npipe,
                Some("image") => MountKind::Image,
                Some("cluster") => MountKind::Cluster,
                Some(_) => MountKind::Other,
            };
            let unknown = ["type", "source", "target"]
                .iter()
                .any(|k| get(k).is_some_and(|t| t.unknown));
            let propagation = item
                .get("bind")
                .and_then(|b| b.get("propagation"))
                .and_then(Text::of)
                .map(|t| t.text.to_ascii_lowercase());
            Some(Mount {
                kind,
                source: get("source").map(|t| t.text.to_owned()),
                target: get("target").map(|t| t.text.to_owned()),
                read_only: item.get("read_only").is_some_and(|v| Flag::of(v).is_true()),
                propagation,
                options: Vec::new(),
                long: true,
                unknown,
                item,
            })
        }
        _ => {
            let text = Text::of(item)?;
            let parts = split_volume(text.text);
            let (source, target, options) = match parts.as_slice() {
                [target] => (None, Some(*target), Vec::new()),
                [source, target] => (Some(*source), Some(*target), Vec::new()),
                [source, target, opts, ..] => (
                    Some(*source),
                    Some(*target),
                    opts.split(',').map(str::trim).collect(),
                ),
                [] => return None,
            };
            let kind = match source {
                Some(s) if is_bind_source(s) => MountKind::Bind,
                _ => MountKind::Volume,
            };
            let propagation = options
                .iter()
                .find(|o| {
                    matches!(
                        **o,
                        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                    )
                })
                .map(|o| (*o).to_owned());
            Some(Mount {
                kind,
                source: source.map(str::to_owned),
                target: target.map(str::to_owned),
                read_only: options.contains(&"ro"),
                propagation,
                options: options.into_iter().map(str::to_owned).collect(),
                long: false,
                unknown: text.unknown,
                item,
            })
        }
    }
}

/// One device mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device<'a> {
    /// The host device path, or a CDI name (`vendor.com/class=name`).
    pub source: String,
    /// Whether it is a CDI device name.
    pub cdi: bool,
    /// The item.
    pub item: &'a Value,
    /// Whether it depends on an unknown variable.
    pub unknown: bool,
}

/// Reads `devices`.
#[must_use]
pub fn devices(value: &Value) -> Vec<Device<'_>> {
    let Some(items) = value.items() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.kind {
            ValueKind::Map(_) => {
                let source = item.get("source").and_then(Text::of)?;
                Some(Device {
                    source: source.text.to_owned(),
                    cdi: false,
                    item,
                    unknown: source.unknown,
                })
            }
            _ => {
                let text = Text::of(item)?;
                let cdi = !text.text.starts_with('/')
                    && text.text.contains('=')
                    && text.text.contains('/');
                let source = if cdi {
                    text.text.to_owned()
                } else {
                    text.text.split(':').next().unwrap_or("").to_owned()
                };
                Some(Device {
                    source,
                    cdi,
                    item,
                    unknown: text.unknown,
                })
            }
        })
        .collect()
}

/// Parses a Compose byte size (`512m`, `1g`, `1024`, `1.5gb`) into bytes.
#[must_use]
pub fn parse_bytes(text: &str) -> Option<f64> {
    let lower = text.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let number: f64 = lower[..digits_end].parse().ok()?;
    let unit = lower[digits_end..].trim();
    let factor = match unit {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some(number * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ports() {
        let p = |s: &str| parse_short_port(s).unwrap();
        assert_eq!(p("80"), (None, None, "80".into(), "tcp".into()));
        assert_eq!(
            p("8080:80"),
            (None, Some("8080".into()), "80".into(), "tcp".into())
        );
        assert_eq!(
            p("127.0.0.1:8080:80/udp"),
            (
                Some("127.0.0.1".into()),
                Some("8080".into()),
                "80".into(),
                "udp".into()
            )
        );
        assert_eq!(
            p("[::1]:6001:6001"),
            (
                Some("::1".into()),
                Some("6001".into()),
                "6001".into(),
                "tcp".into()
            )
        );
        assert_eq!(
            p("9090-9091:8080-8081"),
            (
                None,
                Some("9090-9091".into()),
                "8080-8081".into(),
                "tcp".into()
            )
        );
        assert_eq!(
            p("127.0.0.1::80"),
            (Some("127.0.0.1".into()), None, "80".into(), "tcp".into())
        );
    }

    #[test]
    fn volume_split() {
        assert_eq!(
            split_volume("/var/run/docker.sock:/var/run/docker.sock:ro"),
            ["/var/run/docker.sock", "/var/run/docker.sock", "ro"]
        );
        assert_eq!(split_volume("C:\\data:/data"), ["C:\\data", "/data"]);
        assert_eq!(split_volume("data:/data"), ["data", "/data"]);
        assert_eq!(split_volume("/cache"), ["/cache"]);
        assert!(
            is_bind_source("./src")
                && is_bind_source("~/x")
                && is_bind_source("C:\\x")
                && !is_bind_source("dbdata")
        );
    }

    #[test]
    fn sizes_and_caps() {
        assert_eq!(parse_bytes("512m"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1.5GB"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(normalize_cap("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_cap("all"), "ALL");
        assert_eq!(normalize_cap("CAP_ALL"), "CAP_ALL");
    }
}
