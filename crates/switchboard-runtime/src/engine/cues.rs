//! The words that introduce a slot's value, learned from the intent's examples: "weather
//! **in** Dubai", "status of **ticket** 9999". They serve two purposes.
//!
//! - A value the user gave that the entity does not know ("weather in Tokyo" when the city
//!   list has no Tokyo, "ticket 12" when tickets have three digits or more) is noticed, so it
//!   is asked about again with the reason instead of being ignored in favour of a value
//!   carried over from an earlier request.
//! - A bare answer to a slot question ("12" after "Which ticket?") is read as if the cue came
//!   before it, so a pattern that needs context in a full sentence ("ticket (\d+)") takes it.
//!
//! Cues are the word right before an entity's value in an example, when that word is not a
//! function word ("the", "of", "my"); a word after a cue is only taken for a value when it is
//! not part of the intent's ordinary vocabulary and has the shape of the entity's values
//! (with digits when they all have digits).

use std::collections::{HashMap, HashSet};
use switchboard_config::Project;
use switchboard_nlu::{EntityExtractor, EntityMatch};

/// Words that never introduce a value, and are never taken for one.
const FUNCTION_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "my",
    "your",
    "our",
    "his",
    "her",
    "their",
    "its",
    "it",
    "this",
    "that",
    "these",
    "those",
    "of",
    "to",
    "is",
    "are",
    "was",
    "be",
    "am",
    "i",
    "me",
    "you",
    "we",
    "he",
    "she",
    "they",
    "and",
    "or",
    "but",
    "what",
    "what's",
    "whats",
    "how",
    "how's",
    "when",
    "where",
    "which",
    "who",
    "can",
    "could",
    "would",
    "will",
    "do",
    "does",
    "did",
    "please",
    "now",
    "today",
    "tomorrow",
    "yesterday",
    "here",
    "there",
    "some",
    "any",
    "all",
    "one",
    "right",
    "with",
    "at",
    "on",
    "by",
    "about",
    "like",
    "just",
    "also",
    "again",
    "too",
    "so",
];

/// What is known about one slot of one intent.
#[derive(Debug)]
struct SlotCues {
    /// Words seen right before the slot's entity in the intent's examples.
    words: Vec<String>,
    /// Whether every value seen in the examples had a digit.
    digits: bool,
}

/// Cues of every (intent, slot) that has an entity, and each intent's vocabulary.
#[derive(Debug, Default)]
pub struct Cues {
    slots: HashMap<(String, String), SlotCues>,
    /// Words of each intent's examples, outside entity values.
    vocabulary: HashMap<String, HashSet<String>>,
}

/// A word of a message: lower-cased for comparing, with its place in the text.
struct Word<'a> {
    lower: String,
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '\'';
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, is_word(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let piece = text[s..i].trim_matches(['-', '\'']);
                if !piece.is_empty() {
                    let offset = s + text[s..i].find(piece).unwrap_or(0);
                    out.push(Word {
                        lower: piece.to_lowercase(),
                        text: piece,
                        start: offset,
                        end: offset + piece.len(),
                    });
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word)
}

/// Where an entity's value starts within a match: a pattern's capture group may come after
/// context that is part of the match ("ticket 9999" → "9999").
fn value_start(m: &EntityMatch) -> usize {
    match m.value.as_str() {
        Some(value) if !value.is_empty() => m.text.find(value).map_or(m.start, |at| m.start + at),
        _ => m.start,
    }
}

impl Cues {
    /// Learns the cues from every intent's examples.
    pub fn learn(project: &Project, extractor: &EntityExtractor, today: chrono::NaiveDate) -> Cues {
        let mut cues = Cues::default();
        for intent in project.intents.values() {
            let vocabulary = cues.vocabulary.entry(intent.name.clone()).or_default();
            let mut seen: HashMap<String, SlotCues> = HashMap::new();
            for example in &intent.examples {
                let matches = extractor.extract(example, today);
                for word in words(example) {
                    let inside = matches
                        .iter()
                        .any(|m| value_start(m) <= word.start && word.end <= m.end);
                    if !inside {
                        vocabulary.insert(word.lower);
                    }
                }
                for (name, slot) in &intent.slots {
                    let Some(entity) = slot.entity.as_deref() else {
                        continue;
                    };
                    for m in matches.iter().filter(|m| m.entity == entity) {
                        let start = value_start(m);
                        let entry = seen.entry(name.clone()).or_insert(SlotCues {
                            words: Vec::new(),
                            digits: true,
                        });
                        entry.digits &= example[start..m.end].chars().any(|c| c.is_ascii_digit());
                        if let Some(before) = words(&example[..start]).pop()
                            && !is_function_word(&before.lower)
                            && !entry.words.contains(&before.lower)
                        {
                            entry.words.push(before.lower);
                        }
                    }
                }
            }
            for (slot, found) in seen {
                if !found.words.is_empty() {
                    cues.slots.insert((intent.name.clone(), slot), found);
                }
            }
        }
        cues
    }

    /// A value the user gave for `slot` that no entity recognised: the word right after one
    /// of the slot's cues, when it is not one of the intent's ordinary words, not inside a
    /// recognised entity, and shaped like the slot's values.
    pub fn unrecognized<'t>(
        &self,
        intent: &str,
        slot: &str,
        text: &'t str,
        found: &[&EntityMatch],
    ) -> Option<&'t str> {
        let cues = self.slots.get(&(intent.to_string(), slot.to_string()))?;
        let vocabulary = self.vocabulary.get(intent);
        let message = words(text);
        message.windows(2).find_map(|pair| {
            let (cue, word) = (&pair[0], &pair[1]);
            let known = vocabulary.is_some_and(|v| v.contains(&word.lower));
            let recognised = found
                .iter()
                .any(|m| m.start < word.end && word.start < m.end);
            let shaped = !cues.digits || word.text.chars().any(|c| c.is_ascii_digit());
            (cues.words.contains(&cue.lower)
                && !known
                && !recognised
                && shaped
                && !is_function_word(&word.lower))
            .then_some(word.text)
        })
    }

    /// How many words of `text` say something the intent's examples do not: neither function
    /// words nor the intent's vocabulary ("my laptop is broken, open a ticket" has two).
    pub fn unfamiliar_words(&self, intent: &str, text: &str) -> usize {
        let vocabulary = self.vocabulary.get(intent);
        words(text)
            .iter()
            .filter(|w| {
                !is_function_word(&w.lower) && !vocabulary.is_some_and(|v| v.contains(&w.lower))
            })
            .count()
    }

    /// A bare answer read after each of the slot's cues in turn ("12" as "ticket 12"); the
    /// first reading in which the entity is found.
    pub fn in_context(&self, intent: &str, slot: &str, answer: &str) -> Vec<String> {
        self.slots
            .get(&(intent.to_string(), slot.to_string()))
            .map(|cues| {
                cues.words
                    .iter()
                    .map(|cue| format!("{cue} {answer}"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_keep_their_place_in_the_text() {
        let text = "Status of ticket #12, please!";
        let found: Vec<(&str, usize)> = words(text).iter().map(|w| (w.text, w.start)).collect();
        assert_eq!(
            found,
            [
                ("Status", 0),
                ("of", 7),
                ("ticket", 10),
                ("12", 18),
                ("please", 22)
            ]
        );
    }
}
