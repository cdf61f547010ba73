//! The HMAC-SHA256 that the platforms sign deliveries with, computed by the load generator
//! rather than by the server under test, so that a benchmark proves the receiver accepts what
//! a real sender signs.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Lower-case hex of HMAC-SHA256 over `parts` in order, keyed with `key`.
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length; the error arm cannot happen.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
}
