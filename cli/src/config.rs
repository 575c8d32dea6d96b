//! The pusher configuration from a file (TOML, or the JSON line `apnspush mock` prints), the
//! environment (`APNSPUSH_<KEY>`) and flags, applied in that order so flags win. Secret keys are
//! refused on the command line and no message quotes their values.

use crate::ConfigArgs;
use apnspush::config::{is_secret_key, KEYS};
use apnspush::Config;
use std::time::Duration;

/// A validated configuration and the close timeout and send queue capacity it sets.
pub struct Loaded {
    pub config: Config,
    pub close_timeout: Duration,
    pub queue_capacity: usize,
}

/// Where a key/value pair came from, for messages.
#[derive(Clone, Copy)]
enum Source<'a> {
    File(&'a str),
    Env,
    Flag,
}

/// Loads file, environment and flags. Errors are one-line messages (exit 2) that name the key
/// and the source, never a secret value.
pub fn load(args: &ConfigArgs) -> Result<Loaded, String> {
    let mut pairs: Vec<(String, String, Source)> = Vec::new();
    let path_text;
    if let Some(path) = &args.config {
        path_text = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --config {path_text}: {e}"))?;
        for (k, v) in file_pairs(&text).map_err(|e| format!("--config {path_text}: {e}"))? {
            pairs.push((k, v, Source::File(&path_text)));
        }
    }
    for (key, _) in KEYS {
        let var = format!("APNSPUSH_{}", key.to_ascii_uppercase());
        if let Ok(value) = std::env::var(&var) {
            pairs.push((key.to_string(), value, Source::Env));
        }
    }
    for set in &args.set {
        let Some((key, value)) = set.split_once('=') else {
            return Err(format!("--set {:?}: expected KEY=VALUE", shorten(set)));
        };
        let key = key.trim();
        if is_secret_key(key) {
            return Err(format!(
                "--set {key}: secret keys are refused on the command line (other users can read \
                 it in the process list); use the --config file, APNSPUSH_{} or a *_file key",
                key.to_ascii_uppercase()
            ));
        }
        pairs.push((key.to_string(), value.to_string(), Source::Flag));
    }
    if let Some(topic) = &args.topic {
        pairs.push(("topic".into(), topic.clone(), Source::Flag));
    }
    let mut config = Config::new();
    let mut close_timeout_ms = default_of("close_timeout_ms");
    let mut queue_capacity = default_of("queue_capacity");
    for (key, value, source) in &pairs {
        config.set(key, value).map_err(|e| match source {
            Source::File(path) => format!("--config {path}: {}", e.message()),
            Source::Env => format!("APNSPUSH_{}: {}", key.to_ascii_uppercase(), e.message()),
            Source::Flag => format!("--set {key}: {}", e.message()),
        })?;
        if key == "close_timeout_ms" {
            close_timeout_ms = value.trim().parse().unwrap_or(close_timeout_ms);
        }
        if key == "queue_capacity" {
            queue_capacity = value.trim().parse().unwrap_or(queue_capacity);
        }
    }
    Ok(Loaded {
        config,
        close_timeout: Duration::from_millis(close_timeout_ms),
        queue_capacity: queue_capacity as usize,
    })
}

fn default_of(key: &str) -> u64 {
    KEYS.iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// The key/value pairs of a TOML file, or of a JSON object (a file starting with `{`). Values
/// may be strings, integers or booleans; anything else is an error naming the key.
fn file_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    if text.trim_start().starts_with('{') {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
        for (key, value) in map {
            check_known(&key)?;
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(format!("{key}: expected a string, number or boolean")),
            };
            out.push((key, value));
        }
        return Ok(out);
    }
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
    for (key, value) in table {
        check_known(&key)?;
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(format!("{key}: expected a string, integer or boolean")),
        };
        out.push((key, value));
    }
    Ok(out)
}

fn check_known(key: &str) -> Result<(), String> {
    if KEYS.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(apnspush::config::unknown_key(key).message().to_string())
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_files_give_the_same_pairs_and_unknown_keys_are_named() {
        let toml = file_pairs("host = \"127.0.0.1\"\nport = 2197\nconnect_on_start = false\n");
        let json = file_pairs(r#"{"host":"127.0.0.1","port":"2197","connect_on_start":false}"#);
        assert_eq!(toml, json);
        assert_eq!(toml.unwrap().len(), 3);
        let err = file_pairs("hots = \"x\"\n").unwrap_err();
        assert!(err.contains("\"hots\""), "{err}");
        let err = file_pairs("port = [1]\n").unwrap_err();
        assert!(err.starts_with("port:"), "{err}");
    }

    #[test]
    fn flags_override_the_file_and_secrets_are_refused_on_the_command_line() {
        let dir = std::env::temp_dir().join(format!("apnspush-cli-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "close_timeout_ms = 100\n").unwrap();
        let args = ConfigArgs {
            config: Some(file.clone()),
            set: vec!["close_timeout_ms=250".into()],
            topic: None,
        };
        assert_eq!(
            load(&args).unwrap().close_timeout,
            Duration::from_millis(250)
        );
        let args = ConfigArgs {
            config: Some(file),
            set: vec!["key_pem=-----BEGIN PRIVATE KEY-----SECRET".into()],
            topic: None,
        };
        let err = load(&args).err().unwrap();
        assert!(err.contains("key_pem") && !err.contains("SECRET"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
