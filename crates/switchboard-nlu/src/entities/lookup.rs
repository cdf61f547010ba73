//! Lookup lists: a fixed set of canonical values, each with synonyms, found anywhere in a
//! message case-insensitively and on word boundaries.
//!
//! All phrases of one entity are compiled into a single regex alternation, longest phrase
//! first, so at any position the longest matching phrase wins ("new york city" over "new
//! york") and the work per message is one linear scan however long the list.

use std::collections::HashMap;

use regex::{Regex, RegexBuilder};

use super::LookupValue;

/// Compiled size budget for one lookup list; plenty for thousands of phrases.
const SIZE_LIMIT: usize = 64 << 20;

#[derive(Debug, Clone)]
pub(super) struct Lookup {
    /// `None` when the list has no usable phrase.
    regex: Option<Regex>,
    /// Normalised phrase -> canonical value.
    canonical: HashMap<String, String>,
}

/// Folds (as messages are folded: `أبوظبي` is `ابوظبي`), lowercases and collapses runs of
/// whitespace and hyphens, so "New-York" and "new  york" find the value listed as "New York".
fn key(phrase: &str) -> String {
    crate::normalize::fold(phrase)
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Regex source for one phrase: words joined by any whitespace or hyphens, with `\b` at
/// each end that is a word character (so "c++" still matches before a space).
fn phrase_pattern(phrase: &str) -> String {
    let words: Vec<String> = phrase.split(' ').map(regex::escape).collect();
    let mut p = words.join(r"[\s\-]+");
    let word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    if phrase.chars().next().is_some_and(is_arabic) {
        // Arabic glues "and", "in", "for", "the" to the word: بالروبية, ودبي, للدرهم.
        p.insert_str(0, ARABIC_PROCLITICS);
    }
    if word_char(phrase.chars().next()) {
        p.insert_str(0, r"\b");
    }
    if word_char(phrase.chars().next_back()) {
        p.push_str(r"\b");
    }
    p
}

/// The particles Arabic writes onto the front of a word, as a regex prefix (folded text).
const ARABIC_PROCLITICS: &str = "(?:[وفبكل]?(?:ال)?|لل)?";
/// The same, longest first, to find the phrase a match is.
const PROCLITICS: [&str; 12] = [
    "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ك", "ل", "",
];

fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

impl Lookup {
    pub(super) fn new(values: &[LookupValue]) -> Result<Lookup, String> {
        let mut canonical: HashMap<String, String> = HashMap::new();
        let mut phrases: Vec<String> = Vec::new();
        for v in values {
            for phrase in std::iter::once(&v.value).chain(&v.synonyms) {
                let k = key(phrase);
                if k.is_empty() || canonical.contains_key(&k) {
                    continue; // first definition of a phrase wins
                }
                canonical.insert(k.clone(), v.value.clone());
                phrases.push(k);
            }
        }
        if phrases.is_empty() {
            return Ok(Lookup {
                regex: None,
                canonical,
            });
        }
        // Longest first (by characters), then alphabetical, for a deterministic alternation.
        phrases.sort_by(|a, b| {
            b.chars()
                .count()
                .cmp(&a.chars().count())
                .then_with(|| a.cmp(b))
        });
        let alternation: Vec<String> = phrases.iter().map(|p| phrase_pattern(p)).collect();
        let regex = RegexBuilder::new(&alternation.join("|"))
            .case_insensitive(true)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| format!("lookup list does not compile: {e}"))?;
        Ok(Lookup {
            regex: Some(regex),
            canonical,
        })
    }

    /// Non-overlapping matches as `(start, end, canonical value)`.
    pub(super) fn find(&self, text: &str) -> Vec<(usize, usize, String)> {
        let Some(regex) = &self.regex else {
            return Vec::new();
        };
        regex
            .find_iter(text)
            .filter_map(|m| {
                let said = key(m.as_str());
                let value = self.canonical.get(&said).or_else(|| {
                    PROCLITICS
                        .iter()
                        .filter_map(|p| said.strip_prefix(p))
                        .find_map(|rest| self.canonical.get(rest))
                })?;
                Some((m.start(), m.end(), value.clone()))
            })
            .collect()
    }
}
