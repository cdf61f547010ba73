//! The redaction policy: the project's own secret values as literal text, built-in patterns
//! (emails, phone numbers, card numbers, tokens) for any text, plus configured keys and
//! JSONPaths for JSON. Applied to log lines and to audit rows before they are written (and
//! again to everything the admin routes show). JSON is redacted as values, never by editing
//! its serialised text, so what comes out still parses.

use regex::{Captures, Regex};
use serde_json::Value;
use serde_json_path::JsonPath;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Keys whose values are always redacted in JSON (compared case-insensitively, `-` and `_`
/// ignored).
pub const BUILTIN_KEYS: &[&str] = &[
    "password",
    "secret",
    "token",
    "accesstoken",
    "refreshtoken",
    "authorization",
    "apikey",
    "cardnumber",
    "cvv",
    "email",
    "phone",
];

struct Patterns {
    token: Regex,
    opaque: Regex,
    email: Regex,
    card: Regex,
    phone: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns {
    // Bearer credentials, JWTs, prefixed API keys.
    token: Regex::new(
        r"(?i)\bbearer\s+[a-z0-9._~+/-]+=*|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\b(?:sk|pk|rk|ghp|gho|xox[abp])[_-][A-Za-z0-9_-]{8,}",
    )
    .expect("token pattern"),
    // Long opaque strings mixing letters and digits (API keys); hex and UUIDs are kept, as
    // they are our own trace, request and conversation ids and pseudonyms.
    opaque: Regex::new(r"\b[A-Za-z0-9_-]{32,}\b").expect("opaque pattern"),
    email: Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("email pattern"),
    card: Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("card pattern"),
    phone: Regex::new(
        r"\+\d{9,15}\b|(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\b\d{2,4}(?:[ .-]\d{2,4}){2,4}\b",
    )
    .expect("phone pattern"),
}
});

/// Whether a digit string passes the Luhn check (as card numbers do).
fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// How sensitive keys are commonly spelled in text (`password=…`, `"api_key": "…"`).
const BUILTIN_KEY_SPELLINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "authorization",
    "api_key",
    "api-key",
    "apikey",
    "x-api-key",
    "card_number",
    "cvv",
];

/// What `application/x-www-form-urlencoded` leaves as is: alphanumerics and `*-._`.
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Shortest secret value redacted as literal text: shorter ones would match ordinary words
/// and numbers all over a log.
pub const MIN_SECRET_CHARS: usize = 6;

/// The redaction policy of a project.
#[derive(Debug, Clone)]
pub struct Redactor {
    keys: Vec<String>,
    paths: Vec<JsonPath>,
    /// `key=value`, `key: value` and `"key": "value"` for the sensitive keys, in text.
    key_text: Option<Regex>,
    /// The project's loaded secret values, as one alternation of literals (longest first).
    secrets: Option<Regex>,
}

impl Default for Redactor {
    /// The built-in patterns and keys only.
    fn default() -> Self {
        Redactor::new(&[], Vec::new())
    }
}

fn key_text_pattern(extra: &[String]) -> Option<Regex> {
    let spellings: Vec<String> = BUILTIN_KEY_SPELLINGS
        .iter()
        .map(|k| (*k).to_string())
        .chain(extra.iter().map(|k| k.trim().to_string()))
        .filter(|k| !k.is_empty())
        .map(|k| regex::escape(&k))
        .collect();
    Regex::new(&format!(
        r#"(?i)\b({})("?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,;&}}\]"\\]+)"#,
        spellings.join("|")
    ))
    .ok()
}

fn normalise_key(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl Redactor {
    /// The built-in policy plus configured keys and JSONPaths.
    pub fn new(extra_keys: &[String], paths: Vec<JsonPath>) -> Redactor {
        let mut keys: Vec<String> = BUILTIN_KEYS.iter().map(|k| (*k).to_string()).collect();
        keys.extend(extra_keys.iter().map(|k| normalise_key(k)));
        Redactor {
            keys,
            paths,
            key_text: key_text_pattern(extra_keys),
            secrets: None,
        }
    }

    /// This policy plus `values` as literal text to redact wherever they occur (values
    /// shorter than [`MIN_SECRET_CHARS`] are skipped). An upstream that echoes a credential
    /// (a query-string key in a URL, a token in an error) is redacted whatever its shape.
    #[must_use]
    pub fn with_secrets<'a>(mut self, values: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut values: Vec<&str> = values
            .into_iter()
            .map(str::trim)
            .filter(|v| v.chars().count() >= MIN_SECRET_CHARS)
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        if values.is_empty() {
            return self;
        }
        // Each value also as it appears percent-encoded in a URL, or escaped in JSON text.
        let mut forms: Vec<String> = Vec::new();
        for v in values {
            forms.push(regex::escape(v));
            // As `url`'s query serialiser writes it (form encoding), and fully encoded.
            let encoded = percent_encoding::utf8_percent_encode(v, FORM)
                .to_string()
                .replace("%20", "+");
            let component =
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            let json = serde_json::to_string(v).unwrap_or_default();
            let json = json.trim_matches('"');
            for f in [encoded.as_str(), component.as_str(), json] {
                if f != v {
                    forms.push(regex::escape(f));
                }
            }
        }
        forms.dedup();
        self.secrets = Regex::new(&forms.join("|")).ok();
        self
    }

    /// The policy of a loaded project: its settings plus every secret value it loaded.
    pub fn from_project(project: &switchboard_config::Project) -> Redactor {
        Redactor::from_settings(&project.telemetry.redact).with_secrets(
            project
                .secrets
                .iter()
                .map(switchboard_config::Secret::expose),
        )
    }

    /// The project's policy. JSONPaths were checked at load time; one that fails here anyway
    /// is skipped.
    pub fn from_settings(settings: &switchboard_config::model::RedactSettings) -> Redactor {
        let paths = settings
            .json_paths
            .iter()
            .filter_map(|p| JsonPath::parse(p).ok())
            .collect();
        Redactor::new(&settings.keys, paths)
    }

    /// A log line: [`Redactor::text`] between terminal colour codes, never across them. The
    /// codes end in letters and glue onto the value that follows ("\x1b[0m0b7e…"), which
    /// would make a request id look like an opaque key.
    pub fn log_line<'a>(&self, text: &'a str) -> Cow<'a, str> {
        static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;]*m").ok());
        let ansi = match ANSI.as_ref() {
            Some(re) if text.contains('\x1b') => re,
            _ => return self.text(text),
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in ansi.find_iter(text) {
            out.push_str(&self.text(&text[last..m.start()]));
            out.push_str(m.as_str());
            last = m.end();
        }
        out.push_str(&self.text(&text[last..]));
        Cow::Owned(out)
    }

    /// `text` with emails, card numbers, phone numbers and tokens replaced, and the values
    /// of sensitive keys (`password=…`, `"national_id": "…"`).
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let out = match &self.secrets {
            Some(re) if re.is_match(text) => match redact_text(&re.replace_all(text, REDACTED)) {
                Cow::Borrowed(b) => Cow::Owned(b.to_string()),
                Cow::Owned(o) => Cow::Owned(o),
            },
            _ => redact_text(text),
        };
        let Some(re) = &self.key_text else {
            return out;
        };
        if !re.is_match(&out) {
            return out;
        }
        let replaced = re
            .replace_all(&out, |c: &Captures<'_>| {
                if c[3].trim_start_matches('"').starts_with("[redacted") {
                    return c[0].to_string();
                }
                let quoted = c[3].starts_with('"');
                let value = if quoted { "\"[redacted]\"" } else { REDACTED };
                format!("{}{}{value}", &c[1], &c[2])
            })
            .into_owned();
        Cow::Owned(replaced)
    }

    /// An audit detail as stored: words, optionally followed by `: ` and a JSON excerpt of
    /// the upstream's error body. The words are redacted as text and the JSON as a value, so
    /// the excerpt still parses afterwards; a detail without a JSON part is redacted as text
    /// (whose key patterns stop at quotes, so an excerpt cut short keeps its quoting).
    pub fn detail(&self, detail: &str) -> String {
        for (i, _) in detail.match_indices(": ") {
            let rest = &detail[i + 2..];
            if !(rest.starts_with('{') || rest.starts_with('[')) {
                continue;
            }
            if let Ok(mut v) = serde_json::from_str::<Value>(rest) {
                self.json(&mut v);
                return format!("{}: {v}", self.text(&detail[..i]));
            }
        }
        self.text(detail).into_owned()
    }

    /// Redacts a JSON value in place: configured paths, sensitive keys, then secrets,
    /// patterns and sensitive `key=value` pairs inside every string.
    pub fn json(&self, value: &mut Value) {
        for p in self.path_pointers(value) {
            if let Some(v) = value.pointer_mut(&p) {
                *v = Value::String(REDACTED.into());
            }
        }
        self.walk(value);
    }

    /// Where the configured JSONPaths point in `value`, as JSON pointers.
    fn path_pointers(&self, value: &Value) -> Vec<String> {
        self.paths
            .iter()
            .flat_map(|path| {
                path.query_located(value)
                    .locations()
                    .map(|l| l.to_json_pointer())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn walk(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.keys.contains(&normalise_key(k)) && !v.is_null() {
                        *v = Value::String(REDACTED.into());
                    } else {
                        self.walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk(v)),
            Value::String(s) => {
                if let Cow::Owned(r) = self.text(s) {
                    *s = r;
                }
            }
            _ => {}
        }
    }
}

/// The built-in patterns alone (what log lines get: they are written before any project is
/// loaded).
pub fn redact_text(text: &str) -> Cow<'_, str> {
    replace_patterns(text, &mut |_, _| REDACTED.to_string())
}

/// What a built-in pattern found: `secret` (tokens and opaque keys, never given back),
/// `email`, `phone` or `card`.
type Found = &'static str;

/// The built-in patterns, each match replaced by what `with` makes of it.
fn replace_patterns<'a>(
    text: &'a str,
    with: &mut dyn FnMut(Found, &str) -> String,
) -> Cow<'a, str> {
    // Fast path: every pattern needs an '@' or a digit or a long word.
    if !text.bytes().any(|b| b == b'@' || b.is_ascii_digit()) && text.len() < 32 {
        return Cow::Borrowed(text);
    }
    let p = &*PATTERNS;
    let mut out = Cow::Borrowed(text);
    let mut apply = |re: &Regex, found: Found, keep: &dyn Fn(&str) -> bool| {
        if re.is_match(&out) {
            let replaced = re
                .replace_all(&out, |c: &Captures<'_>| {
                    let m = &c[0];
                    if keep(m) || is_placeholder(m) {
                        m.to_string()
                    } else {
                        with(found, m)
                    }
                })
                .into_owned();
            out = Cow::Owned(replaced);
        }
    };
    apply(&p.token, "secret", &|_| false);
    apply(&p.opaque, "secret", &|m| {
        m.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            || !m.chars().any(|c| c.is_ascii_digit())
            || !m.chars().any(|c| c.is_ascii_alphabetic())
    });
    apply(&p.email, "email", &|_| false);
    // Phone numbers first: a `+` number can pass the Luhn check by chance.
    apply(&p.phone, "phone", &|m| digits(m).len() < 9);
    apply(&p.card, "card", &|m| !luhn(&digits(m)));
    out
}

/// Whether a match is already a mask (`[redacted]`, `[email_1]`).
fn is_placeholder(m: &str) -> bool {
    m.starts_with('[') && m.ends_with(']')
}

/// Values hidden from a reader who must not see them (a language model), each behind a
/// placeholder (`[email_1]`) that [`Masks::unmask`] puts back in what the reader writes, so
/// a user's own data can be shown back to that user. The same value always gets the same
/// placeholder. Tokens and the project's secrets are replaced by `[redacted]` and never
/// come back.
#[derive(Debug, Clone, Default)]
pub struct Masks {
    hidden: Vec<(String, String)>,
}

impl Masks {
    fn hide(&mut self, kind: Found, value: &str) -> String {
        if kind == "secret" {
            return REDACTED.to_string();
        }
        if let Some((p, _)) = self.hidden.iter().find(|(_, v)| v == value) {
            return p.clone();
        }
        let n = self
            .hidden
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("[{kind}_")))
            .count()
            + 1;
        let placeholder = format!("[{kind}_{n}]");
        self.hidden.push((placeholder.clone(), value.to_string()));
        placeholder
    }

    /// Whether anything was hidden.
    pub fn is_empty(&self) -> bool {
        self.hidden.is_empty()
    }

    /// `text` with every placeholder replaced by the value it hides.
    pub fn unmask(&self, text: &str) -> String {
        let mut out = text.to_string();
        if !out.contains('[') {
            return out;
        }
        for (p, v) in &self.hidden {
            out = out.replace(p.as_str(), v);
        }
        out
    }

    /// Where a placeholder could still be completed by text not yet seen: the byte offset of
    /// a trailing `[` with no `]` after it, if it is short enough to be one.
    pub fn open_placeholder(text: &str) -> Option<usize> {
        let at = text.rfind('[')?;
        (!text[at..].contains(']') && text.len() - at <= 24).then_some(at)
    }
}

impl Redactor {
    /// `text` as a model may read it: what [`Redactor::text`] would redact is hidden behind
    /// placeholders recorded in `masks` (tokens and secrets become `[redacted]`).
    pub fn mask_text(&self, text: &str, masks: &mut Masks) -> String {
        let text = match &self.secrets {
            Some(re) if re.is_match(text) => re.replace_all(text, REDACTED).into_owned(),
            _ => text.to_string(),
        };
        let text = replace_patterns(&text, &mut |kind, m| masks.hide(kind, m)).into_owned();
        let Some(re) = &self.key_text else {
            return text;
        };
        if !re.is_match(&text) {
            return text;
        }
        re.replace_all(&text, |c: &Captures<'_>| {
            let raw = &c[3];
            let quoted = raw.starts_with('"') && raw.len() >= 2;
            let value = if quoted { &raw[1..raw.len() - 1] } else { raw };
            if is_placeholder(value) {
                return c[0].to_string();
            }
            let p = masks.hide("value", value);
            let p = if quoted { format!("\"{p}\"") } else { p };
            format!("{}{}{p}", &c[1], &c[2])
        })
        .into_owned()
    }

    /// A JSON value as a model may read it: configured paths and sensitive keys hidden behind
    /// placeholders, and every string masked as text.
    pub fn mask_json(&self, value: &mut Value, masks: &mut Masks) {
        for p in self.path_pointers(value) {
            if let Some(v) = value.pointer_mut(&p) {
                let shown = match &*v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                *v = Value::String(masks.hide("value", &shown));
            }
        }
        self.mask_walk(value, masks);
    }

    fn mask_walk(&self, value: &mut Value, masks: &mut Masks) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.keys.contains(&normalise_key(k))
                        && !v.is_null()
                        && !v.is_object()
                        && !v.is_array()
                    {
                        let shown = match &*v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        if !is_placeholder(&shown) {
                            *v = Value::String(masks.hide(found_for_key(k), &shown));
                        }
                    } else {
                        self.mask_walk(v, masks);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.mask_walk(v, masks)),
            Value::String(s) => {
                *s = self.mask_text(s, masks);
            }
            _ => {}
        }
    }
}

/// The placeholder kind of a sensitive key's value: credentials never come back.
fn found_for_key(key: &str) -> Found {
    match normalise_key(key).as_str() {
        "email" => "email",
        "phone" => "phone",
        "cardnumber" => "card",
        "password" | "secret" | "token" | "accesstoken" | "refreshtoken" | "authorization"
        | "apikey" | "cvv" => "secret",
        _ => "value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_and_conversation_ids_survive_in_log_lines() {
        for line in [
            "request{method=POST path=/v1/chat request_id=0b7e6a52-3c1d-4e8f-9a20-5d6c7b8e9f01}: turn{conversation_id=d171d404-3886-5459-8bf8-59496f733e3b}: slow",
            "\u{1b}[1mrequest\u{1b}[0m\u{1b}[1m{\u{1b}[0m\u{1b}[3mrequest_id\u{1b}[0m\u{1b}[2m=\u{1b}[0m0b7e6a52-3c1d-4e8f-9a20-5d6c7b8e9f01\u{1b}[1m}\u{1b}[0m",
            r#"{"span":{"request_id":"0b7e6a52-3c1d-4e8f-9a20-5d6c7b8e9f01","conversation_id":"d171d404-3886-5459-8bf8-59496f733e3b"}}"#,
        ] {
            assert_eq!(Redactor::default().log_line(line), line);
        }
        // Secrets are still found between colour codes.
        assert_eq!(
            Redactor::default()
                .log_line("\u{1b}[3mtext\u{1b}[0m\u{1b}[2m=\u{1b}[0mmail ana.lopez@example.com"),
            "\u{1b}[3mtext\u{1b}[0m\u{1b}[2m=\u{1b}[0mmail [redacted]"
        );
    }

    #[test]
    fn the_projects_own_secrets_are_redacted_in_every_form() {
        let r = Redactor::default().with_secrets(["k3y w/ spaces+1", "short", "zebra-quartz-7741"]);
        for (input, want) in [
            (
                "GET /x?api_key=k3y+w%2F+spaces%2B1&n=1 and k3y w/ spaces+1",
                "GET /x?api_key=[redacted]&n=1 and [redacted]",
            ),
            ("key=zebra-quartz-7741", "key=[redacted]"),
            // Too short to be told from ordinary words: left alone.
            ("a short note", "a short note"),
        ] {
            assert_eq!(r.text(input), want, "{input}");
        }
        // Inside JSON, as values: the serialised text is never edited.
        let mut v = json!({"request": "http://h/p?k=zebra-quartz-7741", "path": "/p"});
        r.json(&mut v);
        assert_eq!(
            v,
            json!({"request": "http://h/p?k=[redacted]", "path": "/p"})
        );
        // A stored detail: words, then a JSON excerpt that still parses after redaction.
        let d = r.detail(
            r#"upstream answered 500 (unavailable): {"path":"/p","request":"http://h/p?api_key=zebra-quartz-7741"}"#,
        );
        assert_eq!(
            d,
            r#"upstream answered 500 (unavailable): {"path":"/p","request":"http://h/p?api_key=[redacted]"}"#
        );
        // Text whose JSON cannot parse keeps its quotes: a key's bare value ends at a quote.
        assert_eq!(
            Redactor::default().text(r#"{"u":"http://h/?api_key=abc","path":"/p"#),
            r#"{"u":"http://h/?api_key=[redacted]","path":"/p"#
        );
    }

    #[test]
    fn builtin_patterns() {
        let r = Redactor::default();
        let cases = [
            ("mail ana.lopez@example.com now", "mail [redacted] now"),
            ("card 4111 1111 1111 1111.", "card [redacted]."),
            ("call +44 20 7946 0958 today", "call [redacted] today"),
            ("call +4915112345678", "call [redacted]"),
            (
                "Authorization: Bearer abc.def-123",
                "Authorization: [redacted]",
            ),
            ("key sk_live_abcdef123456 used", "key [redacted] used"),
            (
                "order A1001 on 2026-11-24 took 12.5 ms",
                "order A1001 on 2026-11-24 took 12.5 ms",
            ),
            (
                "latency_ms=0.123456789 status=200",
                "latency_ms=0.123456789 status=200",
            ),
            (
                "id 1234567890123 is not a card",
                "id 1234567890123 is not a card",
            ),
            ("key Zx9kQ2mP7vL4nR8tY1wE5uI3oA6sD0fGhJ", "key [redacted]"),
            ("login password=hunter2 ok", "login password=[redacted] ok"),
            (
                r#"{"api_key": "abc", "client_secret":"x y", "n": 1}"#,
                r#"{"api_key": "[redacted]", "client_secret":"[redacted]", "n": 1}"#,
            ),
            ("tokens=5 trace_id=abc", "tokens=5 trace_id=abc"),
            (
                "trace 4bf92f3577b34da6a3ce929d0e0e4736 conversation 3f2b8c1e-9d4a-5b6c-8e7f-1a2b3c4d5e6f",
                "trace 4bf92f3577b34da6a3ce929d0e0e4736 conversation 3f2b8c1e-9d4a-5b6c-8e7f-1a2b3c4d5e6f",
            ),
            (
                "switchboard_upstream_call_duration_seconds",
                "switchboard_upstream_call_duration_seconds",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.text(input), want, "{input}");
        }
    }

    #[test]
    fn keys_paths_and_strings_in_json() {
        let r = Redactor::new(
            &["national_id".to_string()],
            vec![JsonPath::parse("$.customer.address").unwrap()],
        );
        let mut v = json!({
            "customer": {"address": {"street": "1 Main St"}, "name": "Ana", "Email": "a@b.co"},
            "national-id": "X123",
            "note": "reach me at a@b.co",
            "items": [{"password": "hunter2"}],
        });
        r.json(&mut v);
        assert_eq!(
            r.text("national_id: X123, NATIONAL_ID=Y9"),
            "national_id: [redacted], NATIONAL_ID=[redacted]"
        );
        assert_eq!(
            v,
            json!({
                "customer": {"address": "[redacted]", "name": "Ana", "Email": "[redacted]"},
                "national-id": "[redacted]",
                "note": "reach me at [redacted]",
                "items": [{"password": "[redacted]"}],
            })
        );
    }

    #[test]
    fn masks_hide_personal_data_and_give_it_back_but_never_credentials() {
        let r = Redactor::new(&["national_id".to_string()], Vec::new())
            .with_secrets(["zebra-quartz-7741"]);
        let mut masks = Masks::default();
        let text = "I'm ana.lopez@example.com, call +971501234567, national_id=784-1990-1 key zebra-quartz-7741 and Bearer abc.def.ghi";
        let masked = r.mask_text(text, &mut masks);
        for clear in [
            "ana.lopez@example.com",
            "+971501234567",
            "784-1990-1",
            "zebra-quartz-7741",
            "abc.def.ghi",
        ] {
            assert!(!masked.contains(clear), "{clear} in {masked}");
        }
        assert!(
            masked.contains("[email_1]")
                && masked.contains("[phone_1]")
                && masked.contains("[value_1]"),
            "{masked}"
        );
        // The same value, the same placeholder.
        assert_eq!(
            r.mask_text("again ana.lopez@example.com", &mut masks),
            "again [email_1]"
        );
        let reply = "Sent to [email_1]; we will call [phone_1]. [redacted]";
        assert_eq!(
            masks.unmask(reply),
            "Sent to ana.lopez@example.com; we will call +971501234567. [redacted]"
        );

        let mut data = json!({"customer": {"email": "b@example.org", "password": "hunter22", "orders": [{"note": "card 4111 1111 1111 1111"}]}});
        r.mask_json(&mut data, &mut masks);
        let shown = data.to_string();
        assert!(
            !shown.contains("b@example.org")
                && !shown.contains("hunter22")
                && !shown.contains("4111"),
            "{shown}"
        );
        assert_eq!(
            masks.unmask(data["customer"]["email"].as_str().unwrap()),
            "b@example.org"
        );
        assert_eq!(data["customer"]["password"], "[redacted]");
        assert_eq!(Masks::open_placeholder("ok [ema"), Some(3));
        assert_eq!(Masks::open_placeholder("ok [email_1] done"), None);
    }
}
