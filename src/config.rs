//! Configuration: built-in defaults, overridden by `~/.tvmux.conf` (TOML;
//! `TVMUX_CONFIG_FILE` names another file), overridden by environment
//! variables `TVMUX_<SECTION>_<FIELD>` (e.g. `TVMUX_RECORDING_FORMAT=v3`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::cast::{Fsync, Version};
pub use crate::quantity::{ByteSize, Span};
pub use crate::record::status::View;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
/// The configuration: `~/.tvmux.conf` (TOML), then `TVMUX_<SECTION>_<FIELD>` variables, over the defaults.
pub struct Config {
    /// Where casts go.
    pub output: Output,
    /// The per-user server.
    pub server: Server,
    /// How recordings are made.
    pub recording: Recording,
    /// What the server logs, and where.
    pub logging: Logging,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
/// `[output]`: where casts go.
pub struct Output {
    /// Where casts go; `~` is the home directory.
    pub directory: String,
    /// The subdirectory for a recording, as a strftime pattern.
    pub date_format: String,
    /// Compress each finished cast (a recording's parts, its last):
    /// `none`, `zstd` (NAME.cast.zst) or `gzip` (NAME.cast.gz).
    pub compress: Compress,
    /// The most tvmux's casts under the directory may take (`10G`; empty:
    /// no limit): the oldest finished ones are removed first.
    pub max_total_size: ByteSize,
    /// The oldest a finished cast may get (`30d`; empty: no limit).
    pub max_age: Span,
    /// Index each finished cast (`tvmux index`), after its stop is
    /// announced, so that `grep` and `text` answer from the index.
    pub index: bool,
}

impl Default for Output {
    fn default() -> Self {
        Self {
            directory: "~/Videos/tmux".into(),
            date_format: "%Y-%m".into(),
            compress: Compress::None,
            max_total_size: ByteSize(None),
            max_age: Span(None),
            index: true,
        }
    }
}

/// How finished casts are compressed (`[output] compress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compress {
    /// Kept as written.
    None,
    /// zstd, at its default level.
    Zstd,
    /// gzip, at its default level.
    Gzip,
}

impl Compress {
    /// The compression this setting asks for, if any.
    pub fn compression(self) -> Option<crate::cast::Compression> {
        match self {
            Compress::None => None,
            Compress::Zstd => Some(crate::cast::Compression::Zstd),
            Compress::Gzip => Some(crate::cast::Compression::Gzip),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
/// `[server]`: the per-user server.
pub struct Server {
    /// `tvmux rec start` starts the server when none is running.
    pub auto_start: bool,
    /// The server exits when its last recording stops.
    pub auto_shutdown: bool,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            auto_start: true,
            auto_shutdown: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
/// `[recording]`: how recordings are made.
pub struct Recording {
    /// Follow whichever pane of the window is active.
    pub follow_active_pane: bool,
    /// `pane`: the active pane; `window`: the whole window as tmux draws it.
    pub view: View,
    /// Window view: draw the status line too.
    pub status_line: bool,
    /// The cast format written.
    pub format: Version,
    /// Events reach the file at most this long after they happen.
    pub flush_interval_ms: u64,
    /// When casts are made durable.
    pub fsync: Fsync,
    /// Check the cast when a recording stops, and repair it if needed.
    pub repair_on_stop: bool,
    /// Close the cast at this size and go on in a new one (`100M`; empty:
    /// never).
    pub rotate_size: ByteSize,
    /// Close the cast when it is this old and go on in a new one (`1h`;
    /// empty: never).
    pub rotate_interval: Span,
    /// The server records every window of its tmux server, those created
    /// later too (`rec stop` of one stops it until the window is closed).
    pub auto: bool,
}

impl Default for Recording {
    fn default() -> Self {
        Self {
            follow_active_pane: true,
            view: View::Pane,
            status_line: false,
            format: Version::V2,
            flush_interval_ms: 100,
            fsync: Fsync::OnFinish,
            repair_on_stop: true,
            rotate_size: ByteSize(None),
            rotate_interval: Span(None),
            auto: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
/// `[logging]`: what the server logs, and where.
pub struct Logging {
    /// error, warn, info or debug.
    pub level: String,
    /// The server's log file; empty means `server.log` in the runtime directory.
    pub file: String,
}

impl Default for Logging {
    fn default() -> Self {
        Self {
            level: "info".into(),
            file: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
/// Why the configuration could not be loaded.
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value in it is wrong.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, where.
        message: String,
    },
    /// A `TVMUX_…` variable has a value that does not fit its field.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong with its value.
        message: String,
    },
}

impl Config {
    /// The configuration file's path: `TVMUX_CONFIG_FILE` or `~/.tvmux.conf`.
    pub fn path() -> PathBuf {
        match std::env::var_os("TVMUX_CONFIG_FILE") {
            Some(p) => PathBuf::from(p),
            None => home_dir().join(".tvmux.conf"),
        }
    }

    /// Defaults, then the file (if it exists), then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(&Self::path(), &vars)
    }

    /// The configuration from the file at `path` and the variables `env`, over the defaults.
    pub fn load_from(path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let mut table = toml::Table::try_from(Config::default()).expect("defaults serialize");
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: toml::Table =
                    text.parse()
                        .map_err(|e: toml::de::Error| ConfigError::Parse {
                            path: path.to_path_buf(),
                            message: e.to_string(),
                        })?;
                merge(&mut table, file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        let parse = |table: toml::Table| -> Result<Config, toml::de::Error> { table.try_into() };
        let from_file = table.clone();
        let applied = apply_env(&mut table, env)?;
        parse(table).map_err(|e| {
            let file_error = |e: toml::de::Error| ConfigError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            };
            // The file alone first: its mistakes are the file's.
            if let Err(e) = parse(from_file.clone()) {
                return file_error(e);
            }
            // Else name the variable whose value is wrong.
            let culprit = applied.iter().find_map(|name| {
                let mut alone = from_file.clone();
                let one: Vec<(String, String)> =
                    env.iter().filter(|(k, _)| k == name).cloned().collect();
                apply_env(&mut alone, &one).ok()?;
                parse(alone).err().map(|e| (name.clone(), e))
            });
            match culprit {
                Some((name, e)) => ConfigError::Env {
                    name,
                    message: e.message().to_string(),
                },
                None => file_error(e),
            }
        })
    }

    /// The configuration as TOML, as `tvmux config show` prints it.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("config serializes")
    }

    /// Every setting as `TVMUX_SECTION_FIELD=value` lines.
    pub fn to_env(&self) -> String {
        let table = toml::Table::try_from(self).expect("config serializes");
        let mut out = String::new();
        for (section, fields) in &table {
            let Some(fields) = fields.as_table() else {
                continue;
            };
            for (field, value) in fields {
                let value = match value {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!("{}={value}\n", env_name(section, field)));
            }
        }
        out
    }

    /// The output directory with `~` expanded.
    pub fn output_dir(&self) -> PathBuf {
        expand_home(&self.output.directory)
    }
}

fn env_name(section: &str, field: &str) -> String {
    format!("TVMUX_{}_{}", section.to_uppercase(), field.to_uppercase())
}

/// Overlays `file` on `base`, section by section, so a file may set a few fields.
fn merge(base: &mut toml::Table, file: toml::Table) {
    for (key, value) in file {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(f)) => merge(b, f),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets each known field from its environment variable, typed like its
/// default; the names of the variables it used.
fn apply_env(
    table: &mut toml::Table,
    env: &[(String, String)],
) -> Result<Vec<String>, ConfigError> {
    let mut applied = Vec::new();
    for (section, fields) in table.iter_mut() {
        let Some(fields) = fields.as_table_mut() else {
            continue;
        };
        for (field, value) in fields.iter_mut() {
            let name = env_name(section, field);
            let Some((_, raw)) = env.iter().find(|(k, _)| *k == name) else {
                continue;
            };
            let bad = |message: String| ConfigError::Env {
                name: name.clone(),
                message,
            };
            *value = match value {
                toml::Value::Boolean(_) => match raw.to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
                    "0" | "false" | "no" | "off" => toml::Value::Boolean(false),
                    _ => return Err(bad(format!("expected true or false, not {raw:?}"))),
                },
                toml::Value::Integer(_) => toml::Value::Integer(
                    raw.parse()
                        .map_err(|_| bad(format!("expected a whole number, not {raw:?}")))?,
                ),
                _ => toml::Value::String(raw.clone()),
            };
            applied.push(name);
        }
    }
    Ok(applied)
}

/// The user's home directory (`$HOME`).
pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// `path` with a leading `~` replaced by the home directory.
pub fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            home_dir().join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tvmux.conf");
        std::fs::write(
            &path,
            "[recording]\nformat = \"v3\"\nflush_interval_ms = 50\n",
        )
        .unwrap();
        let c = Config::load_from(
            &path,
            &env(&[
                ("TVMUX_RECORDING_FLUSH_INTERVAL_MS", "20"),
                ("TVMUX_SERVER_AUTO_SHUTDOWN", "yes"),
            ]),
        )
        .unwrap();
        assert_eq!(c.recording.format, Version::V3);
        assert_eq!(c.recording.flush_interval_ms, 20);
        assert!(c.server.auto_shutdown);
        assert_eq!(c.output, Output::default());
        let missing = Config::load_from(&dir.path().join("none"), &[]).unwrap();
        assert_eq!(missing, Config::default());
    }

    #[test]
    fn bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tvmux.conf");
        let e =
            Config::load_from(&path, &env(&[("TVMUX_SERVER_AUTO_START", "maybe")])).unwrap_err();
        assert!(e.to_string().contains("TVMUX_SERVER_AUTO_START"), "{e}");
        std::fs::write(&path, "[recording]\nformat = \"v9\"\n").unwrap();
        let e = Config::load_from(&path, &[]).unwrap_err();
        assert!(e.to_string().contains("v9"), "{e}");
        std::fs::write(&path, "[recordin]\n").unwrap();
        assert!(Config::load_from(&path, &[]).is_err());
    }

    #[test]
    fn env_listing_round_trips() {
        let text = Config::default().to_env();
        assert!(text.contains("TVMUX_RECORDING_FORMAT=v2\n"), "{text}");
        let vars: Vec<(String, String)> = text
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load_from(&dir.path().join("x"), &vars).unwrap(),
            Config::default()
        );
    }
}
