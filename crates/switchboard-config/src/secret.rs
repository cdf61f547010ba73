//! Credentials that never print.
//!
//! A `Secret` shows as `[redacted]` in `Debug` and `Display`, so it cannot leak into logs,
//! errors, audit rows or `check` output by accident; the one way to read it is `expose()`,
//! which the pipeline calls when it attaches credentials to a request.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A credential or any value that came from `${env:...}` or `${file:...}`.
#[derive(Clone)]
pub struct Secret {
    inner: SecretString,
    /// Whether the value was written literally in the project file (allowed only where the
    /// value is not a credential, such as a plain default header).
    literal: bool,
}

impl Secret {
    /// A value resolved from a reference.
    pub fn from_reference(value: String) -> Secret {
        Secret {
            inner: SecretString::from(value),
            literal: false,
        }
    }

    /// A value written in the project file itself.
    pub fn literal(value: String) -> Secret {
        Secret {
            inner: SecretString::from(value),
            literal: true,
        }
    }

    /// The value, for attaching to a request. Never log what this returns.
    pub fn expose(&self) -> &str {
        self.inner.expose_secret()
    }

    /// Whether the value was written in the project file.
    pub fn is_literal(&self) -> bool {
        self.literal
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::from_reference("hunter2".into());
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        assert_eq!(s.expose(), "hunter2");
    }
}
