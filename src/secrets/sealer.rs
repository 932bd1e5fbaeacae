//! Sealing with AES-256-GCM under a key that lives outside the database (`key_file` or `TAPID_KEY`).

use std::fmt;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::TryRngCore;

const KEY_LEN: usize = 32;
/// Stored sealed values start with this, so a plaintext value is never mistaken for a sealed one.
const PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {error}")]
    Read { path: String, error: String },
    #[error("cannot create the key file {path}: {error}")]
    Create { path: String, error: String },
    #[error("the key in {0} is not 32 bytes of base64")]
    Malformed(String),
    #[error(
        "the key ({0}) does not match this database: it cannot open secrets sealed with another key"
    )]
    WrongKey(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot read the key check from the database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Seals and opens secrets. `Debug` never shows the key.
pub struct Sealer {
    key: LessSafeKey,
    /// For [`Sealer::keyed_digest`]: derived from the key, never the key itself.
    digest_key: hmac::Key,
    source: String,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    pub fn from_bytes(bytes: &[u8], source: impl Into<String>) -> Result<Self, KeyError> {
        let source = source.into();
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| KeyError::Malformed(source.clone()))?;
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, bytes),
            b"tapid keyed digest",
        );
        Ok(Self {
            key: LessSafeKey::new(key),
            digest_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            source,
        })
    }

    /// From base64 text (`TAPID_KEY`).
    pub fn from_base64(text: &str, source: impl Into<String>) -> Result<Self, KeyError> {
        let source = source.into();
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed(source.clone()))?;
        if bytes.len() != KEY_LEN {
            return Err(KeyError::Malformed(source));
        }
        Self::from_bytes(&bytes, source)
    }

    /// Reads the key file, creating it (mode 0600) with a fresh key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text, shown),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_LEN];
                rand::rngs::OsRng
                    .try_fill_bytes(&mut key)
                    .expect("the OS random number generator failed");
                write_new_key_file(path, &STANDARD.encode(key)).map_err(|error| {
                    KeyError::Create {
                        path: shown.clone(),
                        error: error.to_string(),
                    }
                })?;
                Self::from_bytes(&key, shown)
            }
            Err(e) => Err(KeyError::Read {
                path: shown,
                error: e.to_string(),
            }),
        }
    }

    /// Loads the key the configuration names: `key` (base64) if set, else the key file.
    pub fn from_config(config: &crate::config::Config) -> Result<Self, KeyError> {
        match &config.key {
            Some(key) => Self::from_base64(key.expose(), "TAPID_KEY"),
            None => Self::load_or_create(&config.key_file_path()),
        }
    }

    /// Proves this key is the one the database's secrets were sealed with; the first key to meet a
    /// database leaves its check value there.
    pub async fn check_against(&self, db: &crate::db::Db) -> Result<(), CheckError> {
        const NAME: &str = "secrets_key_check";
        let stored = match crate::db::settings::get(db.pool(), NAME).await? {
            Some(value) => value,
            None => {
                crate::db::settings::insert_if_absent(db.pool(), NAME, &self.seal(b"tapid", NAME))
                    .await?;
                crate::db::settings::get(db.pool(), NAME)
                    .await?
                    .unwrap_or_default()
            }
        };
        match self.open(&stored, NAME) {
            Some(_) => Ok(()),
            None => Err(CheckError::Key(KeyError::WrongKey(self.source.clone()))),
        }
    }

    /// The stored form of a short, low-entropy secret that must be found by its value (a device's user
    /// code): HMAC-SHA-256 under a key derived from the deployment key, so that a copy of the database
    /// alone does not let anyone try every possible code. `context` separates kinds of secret.
    pub fn keyed_digest(&self, context: &str, secret: &str) -> String {
        let mut message = context.as_bytes().to_vec();
        message.push(0);
        message.extend_from_slice(secret.as_bytes());
        hex::encode(hmac::sign(&self.digest_key, &message).as_ref())
    }

    /// Where the key came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Seals `plaintext`; `context` binds the value to where it is stored (e.g. `signing_key:<kid>`),
    /// so a sealed value moved to another row does not open.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .expect("the OS random number generator failed");
        let mut buffer = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buffer,
            )
            .expect("AES-GCM sealing cannot fail for in-memory buffers");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens a value sealed with this key and context; `None` if the key or context is wrong or it was altered.
    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(unix)]
fn write_new_key_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_new_key_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        Sealer::from_bytes(&[byte; 32], "test").unwrap()
    }

    #[test]
    fn sealed_values_open_with_the_same_key_and_context() {
        let s = sealer(1);
        let sealed = s.seal(b"totp secret", "totp:1");
        assert!(!sealed.contains("totp secret"));
        assert_eq!(s.open(&sealed, "totp:1").unwrap(), b"totp secret");
    }

    #[test]
    fn a_wrong_key_or_context_opens_nothing() {
        let sealed = sealer(1).seal(b"secret", "ctx");
        assert!(sealer(2).open(&sealed, "ctx").is_none());
        assert!(sealer(1).open(&sealed, "other").is_none());
        assert!(sealer(1).open("v1:AAAA", "ctx").is_none());
        assert!(sealer(1).open("garbage", "ctx").is_none());
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tapid.key");
        let first = Sealer::load_or_create(&path).unwrap();
        let sealed = first.seal(b"x", "c");
        let second = Sealer::load_or_create(&path).unwrap();
        assert_eq!(second.open(&sealed, "c").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
