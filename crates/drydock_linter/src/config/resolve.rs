//! Configuration for each file: `--config`, else the nearest `.drydock.yaml` upwards, else
//! hadolint's configuration, else defaults; the command line on top. Cached per configuration
//! file, so a large tree reads each configuration once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{self, ConfigError, Configuration};
use crate::registry;
use crate::settings::{Origin, Settings};
use globset::{Glob, GlobSet, GlobSetBuilder};

/// Settings for a group of files.
#[derive(Debug)]
pub struct Resolved {
    /// The merged configuration (for `--show-settings` and the size limit).
    pub config: Configuration,
    /// The settings rules run with.
    pub settings: Settings,
    exclude: GlobSet,
}

impl Resolved {
    /// Whether a walked file is excluded by `exclude` globs.
    #[must_use]
    pub fn excludes(&self, display: &Path, absolute: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let relative = self
            .config
            .root
            .as_deref()
            .and_then(|root| absolute.strip_prefix(root).ok());
        self.exclude.is_match(display) || relative.is_some_and(|r| self.exclude.is_match(r))
    }
}

/// Resolves settings per file.
#[derive(Debug)]
pub struct Resolver {
    cli: Configuration,
    explicit: Option<Arc<Resolved>>,
    fallback: Mutex<Option<Arc<Resolved>>>,
    fallback_layer: Option<Configuration>,
    by_config: Mutex<HashMap<PathBuf, Arc<Resolved>>>,
    by_dir: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    /// Settings by the folder of the files asked about, as written.
    by_parent: Mutex<HashMap<Vec<u8>, Arc<Resolved>>>,
}

/// An error resolving configuration: a broken file, or a bad value on the command line.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// A configuration file is broken.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A setting is invalid.
    #[error("{0}")]
    Invalid(String),
}

fn build(config: Configuration) -> Result<Arc<Resolved>, ResolveError> {
    let settings = config.to_settings().map_err(ResolveError::Invalid)?;
    let mut builder = GlobSetBuilder::new();
    for pattern in &config.exclude {
        let glob = Glob::new(pattern)
            .map_err(|e| ResolveError::Invalid(format!("exclude: bad glob `{pattern}`: {e}")))?;
        builder.add(glob);
    }
    let exclude = builder
        .build()
        .map_err(|e| ResolveError::Invalid(e.to_string()))?;
    Ok(Arc::new(Resolved {
        config,
        settings,
        exclude,
    }))
}

impl Resolver {
    /// A resolver with the command-line layer `cli`, an explicit `--config`, and the working
    /// folder (where hadolint looks for its configuration).
    ///
    /// # Errors
    /// A broken explicit configuration or an invalid command-line value.
    pub fn new(
        cli: Configuration,
        explicit: Option<&Path>,
        cwd: &Path,
    ) -> Result<Self, ResolveError> {
        let env = |name: &str| std::env::var(name).ok();
        let explicit = match explicit {
            None => None,
            Some(path) => {
                let layer = if is_hadolint_name(path) {
                    Configuration::from_hadolint_file(path)
                } else {
                    Configuration::from_drydock_file(path)?
                };
                Some(build(layer.merge(cli.clone()))?)
            }
        };
        // hadolint: environment first, then its file (hadolint's precedence: env < file < CLI).
        let env_layer = config::hadolint_env(&env);
        let file_layer = config::find_hadolint_config(cwd, &env)
            .map(|found| Configuration::from_hadolint_file(&found.path));
        let fallback_layer = match (env_layer, file_layer) {
            (None, None) => None,
            (Some(e), None) => Some(e),
            (None, Some(f)) => Some(f),
            (Some(e), Some(f)) => Some(e.merge(f)),
        };
        // Validate the command line once, up front.
        build(cli.clone())?;
        Ok(Self {
            cli,
            explicit,
            fallback: Mutex::new(None),
            fallback_layer,
            by_config: Mutex::new(HashMap::new()),
            by_dir: Mutex::new(HashMap::new()),
            by_parent: Mutex::new(HashMap::new()),
        })
    }

    /// Warnings from lenient (hadolint) configuration reading.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(explicit) = &self.explicit {
            out.extend(explicit.config.warnings.iter().cloned());
        } else if let Some(layer) = &self.fallback_layer {
            out.extend(layer.warnings.iter().cloned());
        }
        out
    }

    /// Settings for `path` (absolute or relative to the working folder).
    ///
    /// # Errors
    /// A broken `.drydock.yaml`.
    pub fn for_file(&self, path: &Path) -> Result<Arc<Resolved>, ResolveError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        // The files of a folder share their settings: found by the folder as written (its
        // bytes, hashed at once; no path in a folder starts with NUL, the key of no folder).
        let key = path
            .parent()
            .map_or(&b"\0"[..], |p| p.as_os_str().as_encoded_bytes());
        let by_parent = || {
            self.by_parent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(found) = by_parent().get(key) {
            return Ok(found.clone());
        }
        let resolved = self.for_folder_of(path)?;
        by_parent().insert(key.to_vec(), resolved.clone());
        Ok(resolved)
    }

    /// [`Self::for_file`] without the cache by folder.
    fn for_folder_of(&self, path: &Path) -> Result<Arc<Resolved>, ResolveError> {
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        match self.config_for(&dir) {
            Some(config_path) => {
                if let Some(found) = self
                    .by_config
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get(&config_path)
                {
                    return Ok(found.clone());
                }
                let layer = Configuration::from_drydock_file(&config_path)?;
                let resolved = build(layer.merge(self.cli.clone()))?;
                self.by_config
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(config_path, resolved.clone());
                Ok(resolved)
            }
            None => self.fallback(),
        }
    }

    /// [`config::find_drydock_config`] of `dir`, each folder looked at once per resolver: the
    /// walk up stops at a folder already known, and every folder it passed gets its answer.
    fn config_for(&self, dir: &Path) -> Option<PathBuf> {
        let cache = || {
            self.by_dir
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let mut passed = Vec::new();
        let mut found = None;
        for folder in dir.ancestors() {
            if let Some(known) = cache().get(folder) {
                found.clone_from(known);
                break;
            }
            passed.push(folder);
            // (Not looked for with the lock held: another thread may look for the same.)
            found = config::CONFIG_NAMES
                .iter()
                .map(|n| folder.join(n))
                .find(|p| p.is_file());
            if found.is_some() {
                break;
            }
        }
        let mut cache = cache();
        for folder in passed {
            cache.insert(folder.to_owned(), found.clone());
        }
        found
    }

    /// Every configuration resolved so far (for `--verbose`), by origin.
    #[must_use]
    pub fn used(&self) -> Vec<Arc<Resolved>> {
        let mut out: Vec<Arc<Resolved>> = Vec::new();
        if let Some(explicit) = &self.explicit {
            out.push(explicit.clone());
        }
        out.extend(
            self.by_config
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
                .cloned(),
        );
        if let Some(fallback) = &*self
            .fallback
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            out.push(fallback.clone());
        }
        out.sort_by_key(|r| origin_key(&r.config.origin));
        out
    }

    fn fallback(&self) -> Result<Arc<Resolved>, ResolveError> {
        let mut slot = self
            .fallback
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = &*slot {
            return Ok(found.clone());
        }
        let base = self.fallback_layer.clone().unwrap_or_default();
        let resolved = build(base.merge(self.cli.clone()))?;
        *slot = Some(resolved.clone());
        Ok(resolved)
    }
}

fn origin_key(origin: &Origin) -> (u8, PathBuf) {
    match origin {
        Origin::Drydock(path) => (0, path.clone()),
        Origin::Hadolint(path) => (1, path.clone()),
        Origin::Defaults => (2, PathBuf::new()),
    }
}

impl Resolved {
    /// What `--verbose` prints: where the configuration came from and the effective settings,
    /// as `.drydock.yaml` keys.
    #[must_use]
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let config = &self.config;
        let settings = &self.settings;
        let mut out = match &config.origin {
            Origin::Drydock(path) => format!("configuration file used: {}\n", path.display()),
            Origin::Hadolint(path) if path.as_os_str().is_empty() => {
                "configuration used: hadolint's HADOLINT_* environment variables\n".to_owned()
            }
            Origin::Hadolint(path) => {
                format!("configuration file used (hadolint's): {}\n", path.display())
            }
            Origin::Defaults => "no configuration file found; using the defaults\n".to_owned(),
        };
        let list = |items: &[String]| {
            if items.is_empty() {
                "[]".to_owned()
            } else {
                format!("[{}]", items.join(", "))
            }
        };
        let enabled: Vec<String> = settings
            .enabled_rules()
            .map(|id| id.meta().code.to_owned())
            .collect();
        let _ = writeln!(
            out,
            "  enabled rules ({}): {}",
            enabled.len(),
            list(&enabled)
        );
        let overrides: Vec<String> = registry::ids()
            .filter_map(|id| {
                settings
                    .severity_override(id)
                    .map(|s| format!("{}: {s}", id.meta().code))
            })
            .collect();
        let _ = writeln!(out, "  severity: {}", list(&overrides));
        let _ = writeln!(
            out,
            "  failure-threshold: {}",
            settings.failure_threshold.as_str()
        );
        let _ = writeln!(out, "  no-fail: {}", settings.no_fail);
        let _ = writeln!(
            out,
            "  disable-ignore-pragma: {}",
            settings.disable_ignore_pragma
        );
        let _ = writeln!(out, "  exclude: {}", list(&config.exclude));
        let per_file: Vec<String> = settings
            .per_file_ignores
            .iter()
            .map(|p| {
                let codes: Vec<String> =
                    p.rules.iter().map(|id| id.meta().code.to_owned()).collect();
                format!("{}: {}", p.pattern, list(&codes))
            })
            .collect();
        let _ = writeln!(out, "  per-file-ignores: {}", list(&per_file));
        let _ = writeln!(out, "  max-file-size: {}", config.max_file_size());
        let _ = writeln!(out, "  format: {}", list(&config.formats));
        let options = &settings.options;
        let _ = writeln!(
            out,
            "  trusted-registries: {}",
            list(&options.trusted_registries)
        );
        let schema: Vec<String> = options
            .label_schema
            .iter()
            .map(|(label, ty)| format!("{label}: {ty}"))
            .collect();
        let _ = writeln!(out, "  label-schema: {}", list(&schema));
        let _ = writeln!(out, "  strict-labels: {}", options.strict_labels);
        let shellcheck = &settings.shellcheck;
        let _ = writeln!(out, "  shellcheck: {}", shellcheck.enabled);
        if let Some(path) = &shellcheck.path {
            let _ = writeln!(out, "  shellcheck-path: {}", path.display());
        }
        if !shellcheck.ignore.is_empty() || !shellcheck.severity.is_empty() {
            let ignored: Vec<String> = shellcheck.ignore.iter().cloned().collect();
            let severity: Vec<String> = shellcheck
                .severity
                .iter()
                .map(|(code, s)| format!("{code}: {s}"))
                .collect();
            let _ = writeln!(
                out,
                "  shellcheck codes: ignore {}, severity {}",
                list(&ignored),
                list(&severity)
            );
        }
        if config.hadolint_mode {
            let _ = writeln!(
                out,
                "  hadolint mode: only the DL rules run on Dockerfiles unless more are selected"
            );
        }
        out
    }
}

fn is_hadolint_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains("hadolint") || n == "config.yaml" || n == "config.yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk that stops at folders already known gives every folder the nearest
    /// configuration, whatever order the folders are asked in.
    #[test]
    fn known_folders_give_the_nearest_configuration() {
        let root = tempfile::tempdir().expect("tempdir");
        let root = root.path();
        let folders = [
            "", "a", "a/b", "a/b/c", "a/b/c/d", "a/e", "a/e/f", "g", "g/h",
        ];
        for folder in folders {
            std::fs::create_dir_all(root.join(folder)).expect("mkdir");
        }
        std::fs::write(root.join("a/.drydock.yaml"), "").expect("write");
        std::fs::write(root.join("a/b/c/.drydock.yml"), "").expect("write");
        std::fs::write(root.join("g/h/.drydock.yaml"), "").expect("write");
        // Deepest first, shallowest first, and mixed.
        let orders: [Vec<&str>; 3] = [
            folders.iter().rev().copied().collect(),
            folders.to_vec(),
            vec![
                "a/b/c/d", "a/e", "g", "a/b", "g/h", "", "a/e/f", "a", "a/b/c",
            ],
        ];
        for order in orders {
            let resolver = Resolver::new(Configuration::default(), None, root).expect("resolver");
            for folder in order {
                let dir = root.join(folder);
                assert_eq!(
                    resolver.config_for(&dir),
                    config::find_drydock_config(&dir),
                    "{folder}"
                );
                // Settings by folder: the same as without the cache, asked twice.
                let file = dir.join("Dockerfile");
                let fresh = Resolver::new(Configuration::default(), None, root)
                    .and_then(|r| r.for_folder_of(&file))
                    .expect("settings");
                for _ in 0..2 {
                    let cached = resolver.for_file(&file).expect("settings");
                    assert_eq!(cached.config.origin, fresh.config.origin, "{folder}");
                }
            }
        }
    }
}
