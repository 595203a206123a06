use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Checks each compose file against the Compose Specification: unknown keys (with a "did you
    /// mean" suggestion), values of the wrong type or shape (`cap_add: SYS_ADMIN` instead of a
    /// list, `ports: 80` instead of a list), values outside an enumeration (`cgroup: shared`),
    /// and missing required keys. Scalars are typed as Compose's YAML decoder types them before
    /// validation: plain `8080` is an integer, `"8080"` a string, `true` a boolean, `3.8` a
    /// number. `x-` keys are accepted wherever the specification allows extensions.
    ///
    /// Every problem is reported, each at its key or value, and the other rules still run on the
    /// rest of the file.
    ///
    /// ## Why is this bad?
    /// Compose rejects the file (`docker compose up` fails), and a misspelt security key
    /// (`privilegd`, `cap_dorp`, `security-opt`) silently does nothing in tools that do not
    /// validate.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     cap_dorp: [ALL]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     cap_drop: [ALL]
    /// ```
    pub(crate) SchemaInvalid {
        code: "CMP101",
        name: "schema-invalid",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for SchemaInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
