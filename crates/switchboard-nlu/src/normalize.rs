//! Text normalisation shared by training, classification and entity extraction, so all three
//! see the same text.
//!
//! First [`fold`]: the same word must look the same however it was typed. Digits of any
//! script become ASCII (`TRK١٠١٧` is `TRK1017`, `१००६` is `1006`), compatibility forms become
//! plain ones (NFKC: full-width letters, ligatures, Arabic presentation forms), and Arabic
//! spelling variants become one (alef forms, taa marbuta, alef maqsura, Persian kaf and yeh,
//! tatweel and diacritics dropped), as Arabic search engines do. Case is kept there, because
//! entity patterns may care about it.
//!
//! Then, for the classifier only, [`tokens`]: case folded, punctuation dropped, and each digit
//! run folded into `#` inside its token (`TRK1001` -> `trk#`, `10:00` -> `#`, `#`), which keeps
//! the shape of ids without memorising them: "Where's order #1001?" and "wheres order 2231"
//! must look alike.

use unicode_normalization::UnicodeNormalization;

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
/// Folds the text ([`fold`]) and its case, drops apostrophes inside words (`what's` ->
/// `whats`, matching users who skip them), treats every other non-alphanumeric character as a
/// separator, folds each run of digits into `#`, squeezes a letter typed three or more times
/// into one (`hiii`, `pleeease`), strips the Arabic article from the front of a word (`الطلب`
/// -> `طلب`), and expands a few chat abbreviations (`u`, `pls`, `thx`, ...) that would
/// otherwise be unknown words.
pub fn tokens(text: &str) -> Vec<String> {
    let text = truncate(text, MAX_CLASSIFY_BYTES);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_digits = false;
    let mut stop = false;
    let mut run: (char, usize) = ('\0', 0);
    for_each_folded(text, |ch| {
        if stop {
            return;
        }
        if is_apostrophe(ch) {
            // "what's" -> "whats"; a quote outside a word is just dropped.
            return;
        }
        if ch.is_numeric() {
            if !in_digits {
                current.push('#');
                in_digits = true;
            }
            run = ('#', 0);
        } else if ch.is_alphanumeric() {
            in_digits = false;
            for lower in fold_case(ch) {
                run = if run.0 == lower {
                    (lower, run.1 + 1)
                } else {
                    (lower, 1)
                };
                if run.1 < 3 {
                    current.push(lower);
                } else if run.1 == 3 {
                    // The third of a run: squeeze the run to one letter.
                    current.pop();
                }
            }
        } else {
            in_digits = false;
            run = ('\0', 0);
            flush(&mut current, &mut out);
            stop = out.len() >= MAX_TOKENS;
        }
    });
    flush(&mut current, &mut out);
    out.truncate(MAX_TOKENS);
    out
}

/// Lowercase, with the few full case folds that lowercasing misses.
fn fold_case(ch: char) -> impl Iterator<Item = char> {
    let special: Option<&'static str> = match ch {
        'ß' | 'ẞ' => Some("ss"),
        'ς' => Some("σ"),
        _ => None,
    };
    let (a, b) = match special {
        Some(s) => (Some(s.chars()), None),
        None => (None, Some(ch.to_lowercase())),
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// The text as the understanding reads it (see the module comment).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for_each_folded(text, |c| out.push(c));
    out
}

/// Calls `f` with each character of the folded `text`.
fn for_each_folded(text: &str, mut f: impl FnMut(char)) {
    if text.is_ascii() {
        text.chars().for_each(f);
        return;
    }
    for ch in text.chars() {
        fold_char(ch, &mut f);
    }
}

/// A message folded for entity extraction, with the way back to the bytes the user sent:
/// entities are found in the folded text, and reported with spans of the original.
#[derive(Debug)]
pub(crate) struct Folded {
    pub text: String,
    /// For each byte of `text`, the original character it came from (start, end); empty
    /// when the two are the same (ASCII input, the common case).
    origin: Vec<(u32, u32)>,
}

impl Folded {
    pub(crate) fn new(original: &str) -> Folded {
        if original.is_ascii() {
            return Folded {
                text: original.to_string(),
                origin: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        for (at, ch) in original.char_indices() {
            let span = (at as u32, (at + ch.len_utf8()) as u32);
            fold_char(ch, &mut |c| {
                text.push(c);
                origin.extend(std::iter::repeat_n(span, c.len_utf8()));
            });
        }
        Folded { text, origin }
    }

    /// The original span of `text[start..end]`.
    pub(crate) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        if self.origin.is_empty() {
            return (start, end);
        }
        if start >= end {
            // An empty span: where its character begins (or the end of the text).
            let at = self
                .origin
                .get(start)
                .map_or_else(|| self.origin.last().map_or(0, |o| o.1), |o| o.0);
            return (at as usize, at as usize);
        }
        (
            self.origin[start].0 as usize,
            self.origin[end - 1].1 as usize,
        )
    }
}

/// Folds one character (see the module comment); dropped characters call `f` zero times.
fn fold_char(ch: char, f: &mut impl FnMut(char)) {
    if ch.is_ascii() {
        return f(ch);
    }
    if let Some(d) = digit_value(ch) {
        return f(char::from(b'0' + d));
    }
    match ch {
        'أ' | 'إ' | 'آ' | 'ٱ' => f('ا'),
        'ة' => f('ه'),
        'ى' | 'ی' | 'ئ' => f('ي'),
        'ک' => f('ك'),
        'ؤ' => f('و'),
        // Tatweel (a stretching stroke), harakat and the superscript alef.
        'ـ' | '\u{064B}'..='\u{065F}' | '\u{0670}' => {}
        '٫' => f('.'),
        '٬' | '،' => f(','),
        '؟' => f('?'),
        '٪' => f('%'),
        // NFKC output is stable under NFKC, so this recursion is one level deep.
        _ => {
            for c in std::iter::once(ch).nfkc() {
                if c == ch { f(c) } else { fold_char(c, f) }
            }
        }
    }
}

/// The value of a decimal digit in one of the scripts the product's users write in (Arabic,
/// Persian and Urdu, and the scripts of India).
fn digit_value(ch: char) -> Option<u8> {
    const ZEROS: [u32; 12] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66,
    ];
    let c = ch as u32;
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&c))
        .map(|&z| (c - z) as u8)
}

fn is_apostrophe(ch: char) -> bool {
    matches!(ch, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`')
}

fn flush(current: &mut String, out: &mut Vec<String>) {
    if current.is_empty() {
        return;
    }
    let word = strip_article(std::mem::take(current));
    match expand_abbreviation(&word) {
        Some(words) => out.extend(words.iter().map(|w| (*w).to_string())),
        None => out.push(word),
    }
}

/// The Arabic definite article and the prepositions glued to it, when what is left is still
/// a word of three letters or more.
fn strip_article(word: String) -> String {
    for prefix in ["وال", "بال", "كال", "فال", "ال", "لل"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.chars().count() >= 3
        {
            return rest.to_string();
        }
    }
    word
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
    fn folds_other_digits_arabic_spelling_and_compatibility_forms() {
        assert_eq!(fold("TRK١٠١٧"), "TRK1017");
        assert_eq!(fold("۱۲۳ १२३ ১২৩"), "123 123 123");
        assert_eq!(fold("أحمد إلى آخر"), "احمد الي اخر");
        assert_eq!(fold("مدرسة"), "مدرسه");
        assert_eq!(fold("مـــرحـبـا"), "مرحبا");
        assert_eq!(fold("مَرْحَبًا"), "مرحبا");
        assert_eq!(fold("ＡＢＣ１２"), "ABC12");
        assert_eq!(fold("ﬁne"), "fine");
        assert_eq!(fold("١٢٫٥"), "12.5");
    }

    #[test]
    fn tokens_fold_case_letters_and_the_arabic_article() {
        assert_eq!(tokens("Straße"), ["strasse"]);
        assert_eq!(tokens("hiii thx"), ["hi", "thanks"]);
        assert_eq!(tokens("pleeeease"), ["please"]);
        assert_eq!(tokens("الطلب ١٠٠٣"), ["طلب", "#"]);
        assert_eq!(tokens("وين الشحنة"), ["وين", "شحنه"]);
        assert_eq!(tokens("book"), ["book"]);
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
