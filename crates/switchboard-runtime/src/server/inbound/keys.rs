//! API keys, compared by SHA-256 in constant time, so the file never holds a usable key and
//! a timing side channel gives nothing away.

use sha2::{Digest, Sha256};
use switchboard_config::model::InboundKey;

/// The entry whose hash matches `presented`.
pub fn find<'a>(keys: &'a [InboundKey], presented: &str) -> Option<&'a InboundKey> {
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let mut found = None;
    // Every entry is compared, matching or not.
    for k in keys {
        let diff = k
            .sha256
            .iter()
            .zip(digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 && found.is_none() {
            found = Some(k);
        }
    }
    found
}
