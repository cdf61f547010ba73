//! Which of a project's languages a message is written in, so replies can answer in kind.
//!
//! The languages are the ones the project gives examples in (`examples: {en: [...], ar:
//! [...]}`). The script decides first (Arabic letters are not English); among languages of
//! one script (English and Hinglish both in Latin letters) the words decide: those that only
//! one language's examples use, plus a few very common words of the languages most often
//! mixed (English, Hindi in Latin letters). When nothing tells, the conversation's language
//! so far stands, or else the first language of the script listed.

use std::collections::{HashMap, HashSet};

use crate::normalize::{fold, tokens};

/// Writing systems told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Script {
    Latin,
    Arabic,
    Devanagari,
    Other,
}

fn script_of(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x0041..=0x024F => Script::Latin,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x0900..=0x097F => Script::Devanagari,
        _ => Script::Other,
    })
}

/// The script most of the letters of `text` are in.
fn dominant_script(text: &str) -> Option<Script> {
    let mut counts: HashMap<Script, usize> = HashMap::new();
    for c in text.chars() {
        if let Some(s) = script_of(c) {
            *counts.entry(s).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(s, n)| (n, s == Script::Latin))
        .map(|(s, _)| s)
}

/// Very common words that tell Hinglish from English (and back) in short messages.
const HINGLISH: &[&str] = &[
    "hai",
    "hain",
    "kya",
    "mera",
    "meri",
    "mere",
    "mujhe",
    "muje",
    "karo",
    "kar",
    "kardo",
    "karna",
    "kahan",
    "kaha",
    "nahi",
    "nahin",
    "nai",
    "ka",
    "ki",
    "ke",
    "ko",
    "se",
    "aur",
    "ho",
    "tha",
    "kab",
    "kitna",
    "kitne",
    "kaise",
    "kaisa",
    "batao",
    "bata",
    "chahiye",
    "wala",
    "wale",
    "abhi",
    "bhai",
    "yaar",
    "ji",
    "haan",
    "acha",
    "accha",
    "theek",
    "kal",
    "aaj",
    "parso",
    "paisa",
    "paise",
    "baje",
    "hoga",
    "hogi",
    "raha",
    "rahi",
    "gaya",
    "gaye",
    "mein",
    "main",
    "hum",
    "aap",
    "tum",
    "dikhao",
    "sakte",
    "milega",
    "namaste",
    "namaskar",
    "shukriya",
    "dhanyavaad",
    "dhanyawad",
    "alvida",
    "haal",
];
const ENGLISH: &[&str] = &[
    "the", "is", "my", "what", "where", "how", "please", "can", "you", "i", "to", "for", "of", "a",
    "when", "me", "it", "are", "do", "with", "and", "in", "on", "will",
];

/// One language: its tag, script and the words that point to it.
#[derive(Debug, Clone)]
struct Profile {
    tag: String,
    script: Script,
    words: HashSet<String>,
}

/// Recognises a message's language among a project's example languages. Cheap to query.
#[derive(Debug, Clone, Default)]
pub struct LanguageDetector {
    profiles: Vec<Profile>,
}

impl LanguageDetector {
    /// Learns from `(language tag, example)` pairs; languages keep their first-seen order.
    pub fn learn<'a>(examples: impl IntoIterator<Item = (&'a str, &'a str)>) -> LanguageDetector {
        let mut order: Vec<String> = Vec::new();
        let mut scripts: HashMap<String, HashMap<Script, usize>> = HashMap::new();
        let mut words: HashMap<String, HashSet<String>> = HashMap::new();
        for (tag, text) in examples {
            if !order.iter().any(|t| t == tag) {
                order.push(tag.to_string());
            }
            if let Some(s) = dominant_script(&fold(text)) {
                *scripts
                    .entry(tag.to_string())
                    .or_default()
                    .entry(s)
                    .or_default() += 1;
            }
            words
                .entry(tag.to_string())
                .or_default()
                .extend(tokens(text).into_iter().filter(|w| !w.contains('#')));
        }
        let script_of_tag = |tag: &str| {
            scripts
                .get(tag)
                .and_then(|c| c.iter().max_by_key(|&(s, n)| (*n, *s == Script::Latin)))
                .map_or(Script::Latin, |(s, _)| *s)
        };
        let mut profiles: Vec<Profile> = order
            .iter()
            .map(|tag| Profile {
                tag: tag.clone(),
                script: script_of_tag(tag),
                words: HashSet::new(),
            })
            .collect();
        // A word tells a language only if no other language of the same script uses it.
        for i in 0..profiles.len() {
            let own = &words[&profiles[i].tag];
            let mut distinct: HashSet<String> = own
                .iter()
                .filter(|w| {
                    profiles.iter().enumerate().all(|(j, other)| {
                        j == i
                            || other.script != profiles[i].script
                            || !words[&other.tag].contains(*w)
                    })
                })
                .cloned()
                .collect();
            let primary = profiles[i].tag.split('-').next().unwrap_or("");
            let common: &[&str] = match (primary, profiles[i].script) {
                ("hi", Script::Latin) => HINGLISH,
                ("en", Script::Latin) => ENGLISH,
                _ => &[],
            };
            distinct.extend(common.iter().map(|w| (*w).to_string()));
            profiles[i].words = distinct;
        }
        LanguageDetector { profiles }
    }

    /// Whether the project gave examples by language at all.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The language of `text`, or `None` when the message does not tell: no letters, a
    /// script none of the languages is written in, or, when the conversation already has a
    /// language (`previous`), no word that points to any. `previous` also wins ties.
    pub fn detect(&self, text: &str, previous: Option<&str>) -> Option<String> {
        let folded = fold(crate::normalize::truncate(text, crate::MAX_CLASSIFY_BYTES));
        let script = dominant_script(&folded)?;
        let candidates: Vec<&Profile> = self
            .profiles
            .iter()
            .filter(|p| p.script == script)
            .collect();
        let toks = tokens(&folded);
        let scores: Vec<usize> = candidates
            .iter()
            .map(|p| toks.iter().filter(|t| p.words.contains(*t)).count())
            .collect();
        let best = scores.iter().copied().max().unwrap_or(0);
        // No word of any language ("TRK1004", "ok"): the conversation's language stands.
        if best == 0 && previous.is_some() {
            return None;
        }
        let tied: Vec<&Profile> = candidates
            .iter()
            .zip(&scores)
            .filter(|&(_, &s)| s == best)
            .map(|(p, _)| *p)
            .collect();
        let kept = previous.and_then(|prev| tied.iter().find(|p| p.tag == prev));
        kept.or(tied.first()).map(|p| p.tag.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        LanguageDetector::learn([
            ("en", "where is my order"),
            ("en", "track my parcel"),
            ("hi-Latn", "mera order kahan hai"),
            ("hi-Latn", "parcel track karo"),
            ("ar", "وين طلبي"),
            ("ar", "تتبع الشحنة"),
        ])
    }

    #[test]
    fn script_then_words_then_the_conversation_decide() {
        let d = detector();
        assert_eq!(
            d.detect("where's my order 1001?", None).as_deref(),
            Some("en")
        );
        assert_eq!(
            d.detect("order 1001 kab aayega bhai", None).as_deref(),
            Some("hi-Latn")
        );
        assert_eq!(d.detect("ابي اعرف حالة الطلب", None).as_deref(), Some("ar"));
        assert_eq!(d.detect("١٠٠٣", Some("ar")), None);
        // An id in Latin letters says nothing about an Arabic conversation.
        assert_eq!(d.detect("TRK1004", Some("ar")), None);
        // "order 1004" says nothing: the conversation's language stands, or the first one.
        assert_eq!(d.detect("order 1004", Some("hi-Latn")), None);
        assert_eq!(d.detect("order 1004", None).as_deref(), Some("en"));
        // A script no language is written in.
        assert_eq!(d.detect("заказ", None), None);
    }

    #[test]
    fn nothing_learned_detects_nothing() {
        let d = LanguageDetector::learn([]);
        assert!(d.is_empty());
        assert_eq!(d.detect("hello", None), None);
    }
}
