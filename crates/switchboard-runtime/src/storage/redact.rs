//! Keeps a connection URL's password out of error messages (invariant 2).
//!
//! sqlx's errors do not normally echo the URL, but they wrap messages from the URL parser, TLS
//! and the server; cutting the secret out of every message we build is cheaper than proving that.

use percent_encoding::percent_decode_str;
use std::fmt;

/// Replaces the secret parts of one connection URL in text.
#[derive(Clone)]
pub(crate) struct Redactor {
    /// The whole URL and its password, as written and percent-decoded, longest first.
    secrets: Vec<String>,
}

/// What a secret is replaced with.
const MASK: &str = "[redacted]";

impl Redactor {
    /// Finds the secrets in `url`: the password in its user info and any `password=` parameter.
    pub(crate) fn new(url: &str) -> Redactor {
        let mut found = vec![url];
        if let Some((_, rest)) = url.split_once("://") {
            // The user info ends at the authority's last `@`; a malformed URL may have `/` or
            // `?` in its password, so the text up to the URL's last `@` is tried too.
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            for user_info in [authority.rsplit_once('@'), rest.rsplit_once('@')] {
                if let Some((_, password)) = user_info.and_then(|(info, _)| info.split_once(':')) {
                    found.push(password);
                }
            }
        }
        if let Some((_, query)) = url.split_once('?') {
            found.extend(
                query
                    .split('&')
                    .filter_map(|pair| pair.strip_prefix("password=")),
            );
        }

        let mut secrets: Vec<String> = found
            .into_iter()
            .flat_map(|raw| {
                [
                    raw.to_owned(),
                    percent_decode_str(raw).decode_utf8_lossy().into_owned(),
                ]
            })
            .filter(|secret| !secret.is_empty())
            .collect();
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret masked.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), MASK)
        })
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::Redactor;

    fn check(url: &str, message: &str, expect: &str) {
        assert_eq!(Redactor::new(url).redact(message), expect);
    }

    #[test]
    fn masks_the_user_info_password() {
        check(
            "postgres://bot:s3cret@db:5432/app",
            "auth failed for s3cret",
            "auth failed for [redacted]",
        );
    }

    #[test]
    fn masks_the_whole_url() {
        check(
            "postgres://bot:s3cret@db/app",
            "bad url postgres://bot:s3cret@db/app",
            "bad url [redacted]",
        );
    }

    #[test]
    fn masks_percent_encoded_and_decoded_forms() {
        let url = "postgres://bot:p%40ss%2Fw@db/app";
        check(url, "p%40ss%2Fw and p@ss/w", "[redacted] and [redacted]");
    }

    #[test]
    fn masks_a_password_parameter() {
        check(
            "postgres://db/app?sslmode=require&password=hunter2",
            "x hunter2 y",
            "x [redacted] y",
        );
    }

    #[test]
    fn masks_a_password_with_an_unescaped_slash() {
        check("postgres://bot:ab/cd@db/app", "saw ab/cd", "saw [redacted]");
    }

    #[test]
    fn leaves_text_alone_without_a_password() {
        check(
            "postgres://postgres@127.0.0.1:5432/test",
            "connection refused",
            "connection refused",
        );
    }
}
