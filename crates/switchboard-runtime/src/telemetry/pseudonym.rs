//! Pseudonymous user ids for the audit trail: a keyed hash (HMAC-SHA256) of the user id, so
//! rows of one user can be grouped and, with the key, matched to a known id, while the rows
//! alone reveal nobody.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};

/// The key file made in the data directory when the project names no key.
pub const KEY_FILE: &str = "audit-pseudonym.key";

/// Why the key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum PseudonymError {
    /// The key file could not be read or written.
    #[error("audit pseudonym key {path}: {reason}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Turns user ids into pseudonyms.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer([redacted])")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer with `key`.
    pub fn new(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// The key from the project, or else the data directory's key file (made with 32 random
    /// bytes on first use, readable by the owner only).
    pub fn from_config_or_dir(
        key: Option<&str>,
        data_dir: &Path,
    ) -> Result<Pseudonymizer, PseudonymError> {
        if let Some(k) = key {
            return Ok(Pseudonymizer::new(k.as_bytes()));
        }
        let path = data_dir.join(KEY_FILE);
        let err = |e: std::io::Error| PseudonymError::KeyFile {
            path: path.clone(),
            reason: e.to_string(),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Pseudonymizer::new(text.trim().as_bytes())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(err)?;
                let key = hex::encode(rand::random::<[u8; 32]>());
                write_private(&path, &key).map_err(err)?;
                Ok(Pseudonymizer::new(key.as_bytes()))
            }
            Err(e) => Err(err(e)),
        }
    }

    /// The pseudonym of `user_id`: 32 hex digits (128 bits of the HMAC).
    pub fn pseudonym(&self, user_id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(user_id.as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..16])
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keyed_and_not_the_id() {
        let a = Pseudonymizer::new(b"key-one");
        let b = Pseudonymizer::new(b"key-two");
        assert_eq!(a.pseudonym("alice"), a.pseudonym("alice"));
        assert_ne!(a.pseudonym("alice"), b.pseudonym("alice"));
        assert_ne!(a.pseudonym("alice"), a.pseudonym("bob"));
        assert_eq!(a.pseudonym("alice").len(), 32);
        assert!(!a.pseudonym("alice").contains("alice"));
    }

    #[test]
    fn a_key_file_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Pseudonymizer::from_config_or_dir(None, dir.path()).unwrap();
        let again = Pseudonymizer::from_config_or_dir(None, dir.path()).unwrap();
        assert_eq!(first.pseudonym("u"), again.pseudonym("u"));
        assert!(dir.path().join(KEY_FILE).exists());
    }
}
