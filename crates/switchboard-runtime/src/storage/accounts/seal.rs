//! Sealing tokens at rest: XChaCha20-Poly1305 with a random 24-byte nonce per write, and the
//! user and connector as associated data, so a sealed row copied onto another user's row
//! does not open.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};

const NONCE: usize = 24;

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Too short, tampered with, sealed with another key or for another user or connector.
    #[error("the sealed value does not open with this key and owner")]
    Open,
}

/// Seals and opens account tokens with the project's `bot.accounts_key`.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer on a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: XChaCha20Poly1305::new(&(*key).into()),
        }
    }

    /// `nonce || ciphertext+tag`.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE] = rand::random();
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), Payload { msg: plain, aad })
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plain bytes, when `sealed` was made by [`Sealer::seal`] with this key and `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE {
            return Err(SealError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SealError::Open)?;
        self.cipher
            .decrypt(&nonce.into(), Payload { msg: body, aad })
            .map_err(|_| SealError::Open)
    }
}

/// The associated data binding a sealed account to its owner.
pub(super) fn aad(user: &str, connector: &str) -> Vec<u8> {
    format!("switchboard-account\0{connector}\0{user}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let s = Sealer::new(&[7; 32]);
        let a = s.seal(b"token", b"u1");
        let b = s.seal(b"token", b"u1");
        assert_ne!(a, b, "a fresh nonce per write");
        assert_eq!(s.open(&a, b"u1").unwrap(), b"token");
        assert!(s.open(&a, b"u2").is_err());
        assert!(Sealer::new(&[8; 32]).open(&a, b"u1").is_err());
        assert!(s.open(&a[..10], b"u1").is_err());
    }
}
