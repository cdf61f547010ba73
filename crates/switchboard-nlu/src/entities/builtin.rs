//! Built-in entities other than dates: numbers, money amounts, e-mail addresses and phones.
//!
//! Each finder returns every candidate it sees; [`super`] settles overlaps between kinds
//! (a number inside an amount or a phone is part of that, not a number of its own).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::Candidate;
use crate::entities::Builtin;

/// A plain decimal, with optional thousands separators: `12`, `3.5`, `1,200`, `1,200.50`,
/// and the Indian grouping (`1,00,000`, `12,34,567`).
const DECIMAL: &str = r"[0-9]{1,3}(?:,[0-9]{2})*(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?";

/// Words that multiply an amount: `5k`, `1.5 lakh`, `2 crore`, `3 million`.
const MULTIPLIER: &str = r"k|thousand|hazaar|hazar|lakhs?|lacs?|crores?|cr|mn|million|m|الف|مليون";

/// Number words understood as values; dialogue rarely needs more than twenty spelled out.
const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

fn number_words_alternation() -> String {
    NUMBER_WORDS.join("|")
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:{DECIMAL}|{})\b",
        number_words_alternation()
    ))
    .expect("number regex is valid")
});

/// Currency words and codes after an amount ("12.50 USD", "100 rupees", "50 درهم"; Arabic
/// as folded, `روبيه`).
const CURRENCY_SUFFIX: &str = r"usd|eur|gbp|aed|inr|jpy|cny|chf|cad|aud|sar|qar|kwd|bhd|omr|sgd|hkd|pkr|egp|dollars?|bucks|euros?|pounds?|quid|rupees?|rupaye|rupaiye|rs|dirhams?|dhs|yen|yuan|riyals?|francs?|درهم|دراهم|روبيه|روبيات|دولار|دولارات|ريال|يورو|جنيه|د\.ا|دا";
/// Symbols and codes before an amount ("$12.50", "AED 50", "Rs. 500", "د.إ 50").
const CURRENCY_PREFIX: &str =
    r"usd|eur|gbp|aed|inr|jpy|cny|chf|cad|aud|sar|qar|kwd|bhd|omr|sgd|hkd|pkr|egp|rs\.?|dhs|د\.ا";

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    let words = number_words_alternation();
    let mult = |i: u8| format!(r"(?:\s?(?P<mul{i}>{MULTIPLIER})\b)?");
    let (m1, m2, m3) = (mult(1), mult(2), mult(3));
    Regex::new(&format!(
        r"(?i)(?P<sym>[$€£¥₹])\s?(?P<n1>{DECIMAL}){m1}|\b(?P<pre>{CURRENCY_PREFIX})\s?(?P<n2>{DECIMAL}){m2}|\b(?P<n3>{DECIMAL}|{words}){m3}\s?(?P<suf>{CURRENCY_SUFFIX})\b"
    ))
    .expect("amount regex is valid")
});

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b")
        .expect("email regex is valid")
});

/// Loose phone shape; the digit count is checked afterwards.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\(?[0-9][0-9 ()\-.]{5,24}[0-9]").expect("phone regex is valid")
});

/// A JSON number: integral values as integers (so templates print `100`, not `100.0`).
pub(crate) fn number_value(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// Parses a [`DECIMAL`] or a number word.
fn parse_number(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = NUMBER_WORDS.iter().position(|w| *w == lower) {
        return Some(i as f64);
    }
    let x: f64 = lower.replace(',', "").parse().ok()?;
    x.is_finite().then_some(x)
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

fn char_after(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

pub(super) fn numbers(text: &str, out: &mut Vec<Candidate>) {
    for m in NUMBER.find_iter(text) {
        // Parts of ids ("PAY-1001") and clock times ("10:00") are not quantities.
        let before = char_before(text, m.start());
        if before == Some(':') || char_after(text, m.end()) == Some(':') {
            continue;
        }
        if before == Some('-')
            && char_before(text, m.start() - 1).is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        if let Some(x) = parse_number(m.as_str()) {
            out.push(Candidate::new(
                Builtin::Number,
                number_value(x),
                m.start(),
                m.end(),
            ));
        }
    }
}

pub(super) fn amounts(text: &str, out: &mut Vec<Candidate>) {
    for caps in AMOUNT.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let (number, currency) = if let (Some(s), Some(n)) = (caps.name("sym"), caps.name("n1")) {
            (n.as_str(), s.as_str())
        } else if let (Some(p), Some(n)) = (caps.name("pre"), caps.name("n2")) {
            (n.as_str(), p.as_str())
        } else if let (Some(n), Some(s)) = (caps.name("n3"), caps.name("suf")) {
            (n.as_str(), s.as_str())
        } else {
            continue;
        };
        let (Some(amount), Some(code)) = (parse_number(number), currency_code(currency)) else {
            continue;
        };
        let mul = ["mul1", "mul2", "mul3"]
            .into_iter()
            .find_map(|g| caps.name(g))
            .map_or(1.0, |m| multiplier(m.as_str()));
        let amount = amount * mul;
        // A number glued to more digits or letters ("$12abc") is not an amount.
        if text[whole.end()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        out.push(Candidate::new(
            Builtin::Amount,
            json!({ "amount": number_value(amount), "currency": code }),
            whole.start(),
            whole.end(),
        ));
    }
}

/// The factor of a [`MULTIPLIER`] word.
fn multiplier(word: &str) -> f64 {
    match word.to_lowercase().as_str() {
        "k" | "thousand" | "hazaar" | "hazar" | "الف" => 1e3,
        "lakh" | "lakhs" | "lac" | "lacs" => 1e5,
        "crore" | "crores" | "cr" => 1e7,
        _ => 1e6,
    }
}

/// ISO 4217 code for a symbol, code or currency word.
fn currency_code(s: &str) -> Option<String> {
    let lower = s.trim_end_matches('.').to_lowercase();
    let code = match lower.as_str() {
        "$" | "dollar" | "dollars" | "bucks" | "دولار" | "دولارات" => "USD",
        "€" | "euro" | "euros" | "يورو" => "EUR",
        "£" | "pound" | "pounds" | "quid" | "جنيه" => "GBP",
        "¥" | "yen" => "JPY",
        "yuan" => "CNY",
        "₹" | "rupee" | "rupees" | "rupaye" | "rupaiye" | "rs" | "روبيه" | "روبيات" => {
            "INR"
        }
        "dirham" | "dirhams" | "dhs" | "درهم" | "دراهم" | "د.ا" | "دا" => "AED",
        "riyal" | "riyals" | "ريال" => "SAR",
        "franc" | "francs" => "CHF",
        other if other.len() == 3 && other.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Some(other.to_ascii_uppercase());
        }
        _ => return None,
    };
    Some(code.to_string())
}

pub(super) fn emails(text: &str, out: &mut Vec<Candidate>) {
    for m in EMAIL.find_iter(text) {
        out.push(Candidate::new(
            Builtin::Email,
            json!(m.as_str().to_lowercase()),
            m.start(),
            m.end(),
        ));
    }
}

pub(super) fn phones(text: &str, out: &mut Vec<Candidate>) {
    for m in PHONE.find_iter(text) {
        let s = m.as_str();
        // Not glued to a word or a longer number ("TRK1234567890", "x1234567").
        if char_before(text, m.start()).is_some_and(|c| c.is_alphanumeric() || c == '+')
            || char_after(text, m.end()).is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let plus = s.starts_with('+');
        let n = digits.len();
        let plausible = if plus {
            (7..=15).contains(&n)
        } else {
            (10..=15).contains(&n) || (digits.starts_with('0') && (9..=15).contains(&n))
        };
        // Separators are single characters between digit groups, not free text.
        let tidy = !s.contains("  ") && !s.contains("..") && !s.contains("--");
        if plausible && tidy {
            let value = if plus { format!("+{digits}") } else { digits };
            out.push(Candidate::new(
                Builtin::Phone,
                json!(value),
                m.start(),
                m.end(),
            ));
        }
    }
}
