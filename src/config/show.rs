//! The effective configuration as an operator may see it: every key with its value, secrets redacted.

use serde_json::Value;

use super::Config;

const REDACTED: &str = "[redacted]";

impl Config {
    /// Every key and value, with `key` and anything that names a password, secret or token hidden, and the
    /// password (only) taken out of `database_url`.
    pub fn redacted(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        redact(&mut value, "");
        if let Some(url) = value.get_mut("database_url") {
            *url = Value::String(without_password(self.database_url.expose()));
        }
        value
    }

    /// [`Config::redacted`] as TOML (unset optional keys left out).
    pub fn redacted_toml(&self) -> String {
        let mut value = self.redacted();
        drop_nulls(&mut value);
        toml::to_string(&value).unwrap_or_default()
    }
}

fn redact(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                redact(v, k);
            }
        }
        Value::Null => {}
        other if is_secret_name(key) => *other = Value::String(REDACTED.into()),
        _ => {}
    }
}

/// Key names whose values are secret wherever they appear.
fn is_secret_name(key: &str) -> bool {
    key == "key" || ["password", "secret"].iter().any(|w| key.contains(w))
}

fn drop_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(drop_nulls);
    }
}

fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some(REDACTED));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => REDACTED.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn the_shown_configuration_holds_no_secret() {
        let config = Config {
            database_url: Secret::new("postgres://tapid:hunter2@db/tapid"),
            key: Some(Secret::new("c2VjcmV0a2V5")),
            ..Config::default()
        };
        let shown = config.redacted_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("c2VjcmV0a2V5"), "{shown}");
        assert!(shown.contains("postgres://tapid:"), "{shown}");
        assert!(shown.contains("listen = \"127.0.0.1:8080\""), "{shown}");
    }
}
