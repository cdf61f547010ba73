//! Text normalisation shared by training and classification, so both see the same tokens.
//!
//! The classifier should not care about case, punctuation, apostrophes or the particular
//! digits in an id: "Where's order #1001?" and "wheres order 2231" must look alike. Digit runs
//! are therefore folded into a single `#` inside their token (`TRK1001` -> `trk#`,
//! `10:00` -> `#`, `#`), which keeps the shape of ids without memorising them.

/// Only this many bytes of a message are looked at. Chat messages that matter are short; the
/// cap bounds the work per message, whatever a client sends.
pub const MAX_CLASSIFY_BYTES: usize = 2048;

/// Upper bound on the number of tokens kept from one message (a second cap, for texts made of
/// many one-character tokens).
const MAX_TOKENS: usize = 256;

/// Returns the longest prefix of `text` that is at most `max` bytes and ends on a character
/// boundary, so byte offsets into the prefix stay valid offsets into `text`.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Splits a message into normalised word tokens.
///
/// Lowercases, drops apostrophes inside words (`what's` -> `whats`, matching users who skip
/// them), treats every other non-alphanumeric character as a separator, folds each run of
/// digits into `#`, and expands a few chat abbreviations (`u`, `pls`, `thx`, ...) that would
/// otherwise be unknown words.
pub fn tokens(text: &str) -> Vec<String> {
    let text = truncate(text, MAX_CLASSIFY_BYTES);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_digits = false;
    for ch in text.chars() {
        if is_apostrophe(ch) {
            // "what's" -> "whats"; a quote outside a word is just dropped.
            continue;
        }
        if ch.is_numeric() {
            if !in_digits {
                current.push('#');
                in_digits = true;
            }
        } else if ch.is_alphanumeric() {
            in_digits = false;
            current.extend(ch.to_lowercase());
        } else {
            in_digits = false;
            flush(&mut current, &mut out);
            if out.len() >= MAX_TOKENS {
                break;
            }
        }
    }
    flush(&mut current, &mut out);
    out.truncate(MAX_TOKENS);
    out
}

fn is_apostrophe(ch: char) -> bool {
    matches!(ch, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`')
}

fn flush(current: &mut String, out: &mut Vec<String>) {
    if current.is_empty() {
        return;
    }
    let word = std::mem::take(current);
    match expand_abbreviation(&word) {
        Some(words) => out.extend(words.iter().map(|w| (*w).to_string())),
        None => out.push(word),
    }
}

/// Common chat shorthands, mapped to the words the examples are usually written with.
fn expand_abbreviation(word: &str) -> Option<&'static [&'static str]> {
    Some(match word {
        "u" => &["you"],
        "ur" => &["your"],
        "r" => &["are"],
        "pls" | "plz" | "plse" => &["please"],
        "thx" | "thnx" | "thanx" | "ty" => &["thanks"],
        "wanna" => &["want", "to"],
        "gonna" => &["going", "to"],
        "gimme" => &["give", "me"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_and_digits() {
        assert_eq!(tokens("Where's order #1001?"), ["wheres", "order", "#"]);
        assert_eq!(tokens("track TRK1001"), ["track", "trk#"]);
        assert_eq!(tokens("PAY-1001 at 10:00"), ["pay", "#", "at", "#", "#"]);
        assert_eq!(tokens("thx u"), ["thanks", "you"]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert!(tokens("").is_empty());
        assert!(tokens("🙂🙂 \u{0}\u{7f}\t").is_empty());
        let long = "é".repeat(100_000);
        let t = tokens(&long);
        assert_eq!(t.len(), 1);
        assert!(t[0].len() <= MAX_CLASSIFY_BYTES);
        assert_eq!(tokens(&"a ".repeat(50_000)).len(), 256);
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
