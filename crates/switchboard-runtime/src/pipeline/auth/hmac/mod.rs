//! Generic HMAC request signing: chosen parts of the request joined by a separator, signed
//! with SHA-256 or SHA-512, written as hex or base64 into a header template.

#[cfg(test)]
mod tests;

use super::set_sensitive;
use crate::pipeline::request::PreparedRequest;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_config::Secret;
use switchboard_config::model::{HmacAlgorithm, HmacEncoding, HmacSigning, SignedPart};

/// The `hmac` scheme.
#[derive(Debug)]
pub struct HmacSigner {
    secret: Secret,
    algorithm: HmacAlgorithm,
    encoding: HmacEncoding,
    sign: Vec<SignedPart>,
    separator: String,
    header: String,
    value: String,
    timestamp_header: Option<String>,
}

impl HmacSigner {
    /// A signer from compiled settings.
    pub fn new(s: &HmacSigning) -> HmacSigner {
        HmacSigner {
            secret: s.secret.clone(),
            algorithm: s.algorithm,
            encoding: s.encoding,
            sign: s.sign.clone(),
            separator: s.separator.clone(),
            header: s.header.clone(),
            value: s.value.clone(),
            timestamp_header: s.timestamp_header.clone(),
        }
    }

    /// The bytes that are signed.
    pub fn message(&self, req: &PreparedRequest, timestamp: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, part) in self.sign.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(self.separator.as_bytes());
            }
            match part {
                SignedPart::Timestamp => out.extend_from_slice(timestamp.to_string().as_bytes()),
                SignedPart::Method => out.extend_from_slice(req.method.as_str().as_bytes()),
                SignedPart::Path => out.extend_from_slice(req.url.path().as_bytes()),
                SignedPart::Query => {
                    out.extend_from_slice(req.url.query().unwrap_or_default().as_bytes());
                }
                SignedPart::Body => {
                    out.extend_from_slice(req.body.as_deref().unwrap_or_default());
                }
            }
        }
        out
    }

    /// The encoded signature of `message`.
    pub fn signature(&self, message: &[u8]) -> String {
        let key = self.secret.expose().as_bytes();
        let raw: Vec<u8> = match self.algorithm {
            HmacAlgorithm::Sha1 => {
                let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key)
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            HmacAlgorithm::Sha256 => {
                let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            HmacAlgorithm::Sha512 => {
                let mut mac = <Hmac<sha2::Sha512> as KeyInit>::new_from_slice(key)
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
        };
        match self.encoding {
            HmacEncoding::Hex => hex::encode(raw),
            HmacEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(raw),
        }
    }

    /// Signs the request as it is now (auth runs last, so this is what is sent).
    pub fn apply(&self, req: &mut PreparedRequest, now: SystemTime) {
        let ts = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let sig = self.signature(&self.message(req, ts));
        let value = self
            .value
            .replace("{timestamp}", &ts.to_string())
            .replace("{signature}", &sig);
        set_sensitive(&mut req.headers, &self.header, &value);
        if let Some(h) = &self.timestamp_header
            && let (Ok(name), Ok(v)) = (
                http::HeaderName::from_bytes(h.as_bytes()),
                http::HeaderValue::from_str(&ts.to_string()),
            )
        {
            req.headers.insert(name, v);
        }
    }
}
