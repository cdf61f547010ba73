//! `${env:NAME}`, `${env:NAME:-default}` and `${file:PATH}` references: resolved at load time
//! into [`Secret`]s, with errors that name the variable or file and never the value.

use super::Ctx;
use super::includes::{io_message, normalize};
use crate::raw::Spanned;
use crate::secret::Secret;

/// The hint given for credentials written in the file.
pub(crate) const LITERAL_CREDENTIAL: &str = "literal credential; use ${env:NAME} or ${file:PATH}";

/// A piece of a string with references.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    /// A variable, with the default written after `:-` (used when it is unset or empty).
    Env(&'a str, Option<&'a str>),
    File(&'a str),
}

/// Splits a string into text and references.
fn pieces(s: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "unterminated reference {:?}; write ${{env:NAME}} or ${{file:PATH}}",
                &rest[start..]
            ));
        };
        let inner = &after[..end];
        if let Some(env) = inner.strip_prefix("env:") {
            let (name, default) = match env.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (env, None),
            };
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "invalid environment variable name {name:?} in ${{env:...}}"
                ));
            }
            out.push(Piece::Env(name, default));
        } else if let Some(path) = inner.strip_prefix("file:") {
            if path.trim().is_empty() {
                return Err("empty path in ${file:...}".into());
            }
            out.push(Piece::File(path.trim()));
        } else {
            return Err(format!(
                "unknown reference \"${{{inner}}}\"; use ${{env:NAME}} or ${{file:PATH}}"
            ));
        }
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Resolves a value that may hold references. A `credential` must hold at least one: a value
/// written in the file is an error. `None` when an error was recorded.
pub(crate) fn resolve(ctx: &mut Ctx, value: &Spanned<String>, credential: bool) -> Option<Secret> {
    let parts = match pieces(&value.value) {
        Ok(p) => p,
        Err(e) => {
            ctx.error(value.pos, e);
            return None;
        }
    };
    let is_literal = parts.iter().all(|p| matches!(p, Piece::Text(_)));
    if is_literal {
        if credential {
            ctx.error(value.pos, LITERAL_CREDENTIAL);
            return None;
        }
        return Some(Secret::literal(value.value.clone()));
    }
    let mut out = String::new();
    let mut ok = true;
    for p in parts {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Env(name, Some(_)) if credential => {
                ctx.error(
                    value.pos,
                    format!(
                        "${{env:{name}:-...}} gives a credential a default written in the file; use ${{env:{name}}} or ${{file:PATH}}"
                    ),
                );
                ok = false;
            }
            Piece::Env(name, default) => match ((ctx.options.env)(name), default) {
                (Some(v), _) if !v.is_empty() => {
                    out.push_str(&v);
                    ctx.secrets.push(Secret::from_reference(v));
                }
                // The default is written in the file, so it is no secret to redact.
                (_, Some(d)) if !d.is_empty() => out.push_str(d),
                (Some(_), _) => {
                    ctx.error(value.pos, format!("environment variable {name} is empty"));
                    ok = false;
                }
                (None, _) => {
                    ctx.error(value.pos, format!("environment variable {name} is not set"));
                    ok = false;
                }
            },
            Piece::File(path) => {
                let full = normalize(&ctx.dir_of(value.pos).join(path));
                match (ctx.options.read_file)(&full) {
                    Ok(text) => {
                        let text = text.trim_end_matches(['\r', '\n']);
                        out.push_str(text);
                        ctx.secrets.push(Secret::from_reference(text.to_string()));
                    }
                    Err(e) => {
                        ctx.error(
                            value.pos,
                            format!(
                                "cannot read {} for ${{file:{path}}}: {}",
                                full.display(),
                                io_message(&e)
                            ),
                        );
                        ok = false;
                    }
                }
            }
        }
    }
    ok.then(|| Secret::from_reference(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_references() {
        assert_eq!(
            pieces("Bearer ${env:TOKEN}!").unwrap(),
            vec![
                Piece::Text("Bearer "),
                Piece::Env("TOKEN", None),
                Piece::Text("!")
            ]
        );
        assert_eq!(pieces("${file:a/b}").unwrap(), vec![Piece::File("a/b")]);
        assert_eq!(
            pieces("${env:URL:-http://127.0.0.1:8081/a}/b").unwrap(),
            vec![
                Piece::Env("URL", Some("http://127.0.0.1:8081/a")),
                Piece::Text("/b")
            ]
        );
        assert_eq!(
            pieces("${env:X:-}").unwrap(),
            vec![Piece::Env("X", Some(""))]
        );
        assert!(pieces("${env:1X:-a}").is_err());
        assert!(pieces("${env:1X}").is_err());
        assert!(pieces("${vault:x}").is_err());
        assert!(pieces("${env:X").is_err());
    }
}
