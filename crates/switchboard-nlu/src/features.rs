//! Feature extraction: sparse TF-IDF vectors over words, word pairs and character n-grams.
//!
//! Words and word pairs carry the meaning ("track my", "refund"); character n-grams (3 to 5
//! characters, never crossing a word boundary) make word forms and typos land near the right
//! words. Both blocks are weighted by inverse document frequency, normalised separately, then
//! mixed, so that neither can drown the other just because it produces more features.
//!
//! Unknown words are also spelling-corrected against the training vocabulary ("refnd" ->
//! "refund") before the word features are taken: users type fast, and a project has only a
//! few hundred examples to learn from.

use std::collections::{HashMap, HashSet};

/// Smallest and largest character n-gram.
const CHAR_MIN: usize = 3;
const CHAR_MAX: usize = 5;
/// Words shorter than this are never corrected: "hi", "cya" and "sup" have too many
/// neighbours one edit away.
const CORRECT_MIN_CHARS: usize = 4;
/// Words shorter than this are only corrected for a dropped, doubled or swapped letter, not
/// a different one: "ordr" -> "order" and "hlep" -> "help", but "love" stays "love" rather
/// than becoming "live" (short words one letter apart are usually different words).
const CORRECT_SUBSTITUTION_CHARS: usize = 6;
/// Words at least this long may be two edits away from the word meant.
const CORRECT_TWO_EDITS_CHARS: usize = 8;
/// Each part of a split compound ("goodnight" -> "good night") has at least this many chars.
const COMPOUND_PART_CHARS: usize = 3;
/// At most this many unknown words per message are corrected (bounds the work).
const CORRECT_MAX_WORDS: usize = 32;
/// How much a corrected word counts towards [`Analysis::coverage`], against 1 for a word
/// spelled as in training.
const CORRECTED_COVERAGE: f32 = 0.8;

/// A sparse vector: `(feature index, value)` sorted by index, without duplicates.
pub(crate) type SparseVec = Vec<(u32, f32)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Word,
    Char,
}

/// Calls `f` for every feature of a message: word and word-pair features from `words`,
/// character n-grams from `typed`. The two are the same except where a word was
/// spelling-corrected; keeping the typed characters means a wrong guess costs little.
fn for_each_feature(words: &[String], typed: &[String], mut f: impl FnMut(&str, Block)) {
    let mut buf = String::new();
    for (i, word) in words.iter().enumerate() {
        buf.clear();
        buf.push_str("w:");
        buf.push_str(word);
        f(&buf, Block::Word);
        if let Some(next) = words.get(i + 1) {
            buf.clear();
            buf.push_str("b:");
            buf.push_str(word);
            buf.push(' ');
            buf.push_str(next);
            f(&buf, Block::Word);
        }
    }
    for tok in typed {
        for_each_char_ngram(tok, &mut buf, |g| f(g, Block::Char));
    }
}

/// Character n-grams of `<token>`, so prefixes and suffixes are marked.
fn for_each_char_ngram(tok: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let chars: Vec<char> = std::iter::once('<')
        .chain(tok.chars())
        .chain(std::iter::once('>'))
        .collect();
    for n in CHAR_MIN..=CHAR_MAX {
        if chars.len() < n {
            break;
        }
        for window in chars.windows(n) {
            buf.clear();
            buf.push_str("c:");
            buf.extend(window.iter());
            f(buf);
        }
    }
}

/// What the vocabulary makes of one message.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    /// Unit-length TF-IDF vector (empty when nothing in the message is known).
    pub vector: SparseVec,
    /// How much of the message the training vocabulary knows, in `[0, 1]`.
    ///
    /// Each word counts with its IDF raised to a power (unknown words with the IDF of an
    /// unseen feature, so an unfamiliar word weighs a lot and "the" next to nothing). A known word counts fully, a
    /// spelling-corrected one for [`CORRECTED_COVERAGE`], any other unknown word by the share
    /// of its character n-grams that are known, squared (a foreign word shares a few n-grams
    /// with something by chance; that should count for little). Messages about something
    /// else entirely ("capital of France") score low here even when the softmax is confident.
    pub coverage: f32,
}

/// A known word, for spelling correction.
#[derive(Debug, Clone)]
struct KnownWord {
    chars: Vec<char>,
    /// Which letters the word has ([`letters`]), to skip most words before measuring.
    letters: u64,
    word: String,
    df: u32,
}

/// A 64-bit set of the letters in a word (by code point, modulo 64). One edit changes at most
/// two members, so two words whose sets differ in more than `2 * max` cannot be `max` edits
/// apart: a test far cheaper than the distance itself.
fn letters(chars: &[char]) -> u64 {
    chars.iter().fold(0, |m, c| m | 1u64 << (*c as u32 % 64))
}

/// The feature space learned from the training examples: which features exist, their
/// inverse document frequencies and blocks, and the known words.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    index: HashMap<String, u32>,
    idf: Vec<f32>,
    block: Vec<Block>,
    /// The IDF a feature seen in no training example would get; used to weigh unknown words.
    unseen_idf: f32,
    /// Known words in order of first appearance (correction ties are broken explicitly).
    words: Vec<KnownWord>,
    /// Share of a vector's weight given to the word block; the rest goes to characters.
    word_share: f32,
    /// Exponent on IDF when weighing words for coverage.
    cov_power: f32,
}

impl Vocabulary {
    /// Builds the vocabulary from tokenised training documents. Indices are assigned in
    /// order of first appearance, so the same documents always give the same space.
    /// `word_share` is the share of a vector given to word features, `cov_power` the
    /// exponent on IDF when measuring coverage.
    pub(crate) fn build(docs: &[Vec<String>], word_share: f32, cov_power: f32) -> Vocabulary {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut block = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut seen_in_doc: Vec<usize> = Vec::new();
        for (doc_no, doc) in docs.iter().enumerate() {
            for_each_feature(doc, doc, |feature, b| {
                let id = match index.get(feature) {
                    Some(&id) => id as usize,
                    None => {
                        let id = block.len();
                        index.insert(feature.to_string(), id as u32);
                        block.push(b);
                        df.push(0);
                        seen_in_doc.push(usize::MAX);
                        id
                    }
                };
                if seen_in_doc[id] != doc_no {
                    seen_in_doc[id] = doc_no;
                    df[id] += 1;
                }
            });
        }
        let mut words = Vec::new();
        let mut listed: HashSet<&str> = HashSet::new();
        for tok in docs.iter().flatten() {
            if tok.contains('#') || !listed.insert(tok.as_str()) {
                continue;
            }
            if let Some(&id) = index.get(format!("w:{tok}").as_str()) {
                let chars: Vec<char> = tok.chars().collect();
                words.push(KnownWord {
                    letters: letters(&chars),
                    chars,
                    word: tok.clone(),
                    df: df[id as usize],
                });
            }
        }
        let n = docs.len() as f32;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        Vocabulary {
            index,
            idf,
            block,
            unseen_idf: (1.0 + n).ln() + 1.0,
            words,
            word_share: word_share.clamp(0.0, 1.0),
            cov_power,
        }
    }

    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.idf.len()
    }

    fn word_id(&self, word: &str, buf: &mut String) -> Option<usize> {
        buf.clear();
        buf.push_str("w:");
        buf.push_str(word);
        self.index.get(buf.as_str()).map(|&id| id as usize)
    }

    /// Vectorises a tokenised message and measures how familiar it is.
    pub(crate) fn analyze(&self, tokens: &[String]) -> Analysis {
        let mut buf = String::new();
        let mut words: Vec<String> = Vec::with_capacity(tokens.len());
        let (mut total, mut known) = (0.0f32, 0.0f32);
        let mut corrections = 0;
        for tok in tokens {
            if let Some(id) = self.word_id(tok, &mut buf) {
                let w = self.idf[id].powf(self.cov_power);
                total += w;
                known += w;
                words.push(tok.clone());
                continue;
            }
            let corrected = if corrections < CORRECT_MAX_WORDS {
                corrections += 1;
                self.correct(tok)
            } else {
                None
            };
            match corrected {
                Some(replacement) => {
                    for word in replacement {
                        let w = self
                            .word_id(word, &mut buf)
                            .map_or(self.unseen_idf, |id| self.idf[id])
                            .powf(self.cov_power);
                        total += w;
                        known += w * CORRECTED_COVERAGE;
                        words.push(word.to_string());
                    }
                }
                None => {
                    let w = self.unseen_idf.powf(self.cov_power);
                    total += w;
                    let (mut seen, mut all) = (0u32, 0u32);
                    let mut gram = String::new();
                    for_each_char_ngram(tok, &mut gram, |g| {
                        all += 1;
                        if self.index.contains_key(g) {
                            seen += 1;
                        }
                    });
                    if all > 0 {
                        let share = seen as f32 / all as f32;
                        known += w * share * share;
                    }
                    words.push(tok.clone());
                }
            }
        }
        let coverage = if total > 0.0 { known / total } else { 0.0 };
        Analysis {
            vector: self.vectorize(&words, tokens),
            coverage,
        }
    }

    /// What an unknown `token` was probably meant to be: the closest training word (fewest
    /// edits, transpositions counting as one; then the word in more examples; then
    /// alphabetical order), or else two training words run together. `None` if neither.
    fn correct(&self, token: &str) -> Option<Vec<&str>> {
        let chars: Vec<char> = token.chars().collect();
        if chars.len() < CORRECT_MIN_CHARS || token.contains('#') || chars.len() > 40 {
            return None;
        }
        let max = if chars.len() >= CORRECT_TWO_EDITS_CHARS {
            2
        } else {
            1
        };
        let substitutions = chars.len() >= CORRECT_SUBSTITUTION_CHARS;
        let mask = letters(&chars);
        let mut best: Option<(usize, &KnownWord)> = None;
        for w in &self.words {
            if w.chars.len() < CORRECT_MIN_CHARS - 1
                || w.chars.len().abs_diff(chars.len()) > max
                || (w.letters ^ mask).count_ones() as usize > 2 * max
            {
                continue;
            }
            let Some(d) = edit_distance(&chars, &w.chars, max, substitutions) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((bd, bw)) => {
                    d < bd || (d == bd && (w.df > bw.df || (w.df == bw.df && w.word < bw.word)))
                }
            };
            if better {
                best = Some((d, w));
            }
        }
        if let Some((_, w)) = best {
            return Some(vec![w.word.as_str()]);
        }
        self.split_compound(&chars)
    }

    /// "goodnight" -> ["good", "night"], when both halves are training words.
    fn split_compound(&self, chars: &[char]) -> Option<Vec<&str>> {
        let mut buf = String::new();
        let mut first = String::new();
        for cut in COMPOUND_PART_CHARS..=chars.len().saturating_sub(COMPOUND_PART_CHARS) {
            first.clear();
            first.extend(&chars[..cut]);
            let second: String = chars[cut..].iter().collect();
            if self.word_id(&first, &mut buf).is_some() && self.word_id(&second, &mut buf).is_some()
            {
                let a = self.words.iter().find(|w| w.word == first)?;
                let b = self.words.iter().find(|w| w.word == second)?;
                return Some(vec![a.word.as_str(), b.word.as_str()]);
            }
        }
        None
    }

    /// The unit-length TF-IDF vector; features unseen in training are ignored (they cannot
    /// carry weight in the model anyway).
    fn vectorize(&self, words: &[String], typed: &[String]) -> SparseVec {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for_each_feature(words, typed, |feature, _| {
            if let Some(&id) = self.index.get(feature) {
                *counts.entry(id).or_insert(0) += 1;
            }
        });
        let mut v: SparseVec = counts
            .into_iter()
            .map(|(id, c)| (id, (1.0 + (c as f32).ln()) * self.idf[id as usize]))
            .collect();
        v.sort_unstable_by_key(|&(id, _)| id);
        // Normalise each block to unit length, then mix them with fixed shares.
        let (mut word_norm, mut char_norm) = (0.0f32, 0.0f32);
        for &(id, x) in &v {
            match self.block[id as usize] {
                Block::Word => word_norm += x * x,
                Block::Char => char_norm += x * x,
            }
        }
        let word_scale = scale(word_norm, self.word_share);
        let char_scale = scale(char_norm, 1.0 - self.word_share);
        for (id, x) in &mut v {
            *x *= match self.block[*id as usize] {
                Block::Word => word_scale,
                Block::Char => char_scale,
            };
        }
        let norm = v.iter().map(|&(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, x) in &mut v {
                *x /= norm;
            }
        }
        v
    }
}

fn scale(squared_norm: f32, share: f32) -> f32 {
    if squared_norm > 0.0 {
        share.sqrt() / squared_norm.sqrt()
    } else {
        0.0
    }
}

/// Optimal-string-alignment distance (insertions, deletions, adjacent transpositions and,
/// when `substitutions`, substitutions), or `None` when it exceeds `max`.
fn edit_distance(a: &[char], b: &[char], max: usize, substitutions: bool) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    // A substitution costs two (a deletion and an insertion) when not allowed as one.
    let substitution = if substitutions { 1 } else { 2 };
    // Three rolling rows: two back (for transpositions), previous, current.
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = if a[i - 1] == b[j - 1] {
                0
            } else {
                substitution
            };
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

/// Dot product of two sparse vectors sorted by index (the classifier sums through its
/// postings instead; this states what those sums are).
#[cfg(test)]
fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokens;

    fn vocab() -> Vocabulary {
        Vocabulary::build(
            &[tokens("refund my payment"), tokens("where is my order")],
            0.6,
            1.0,
        )
    }

    #[test]
    fn vectors_are_unit_length_and_typos_stay_close() {
        let vocab = vocab();
        let a = vocab.analyze(&tokens("refund my payment")).vector;
        let norm: f32 = a.iter().map(|&(_, x)| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        let typo = vocab.analyze(&tokens("refnd my paymnet")).vector;
        let other = vocab.analyze(&tokens("where is my order")).vector;
        assert!(dot(&a, &typo) > 0.8, "{}", dot(&a, &typo));
        assert!(dot(&a, &typo) > dot(&a, &other));
    }

    #[test]
    fn coverage_separates_known_from_foreign_words() {
        let vocab = vocab();
        assert!(vocab.analyze(&tokens("where is my payment")).coverage > 0.99);
        assert!(vocab.analyze(&tokens("wher is my ordr")).coverage > 0.7);
        assert!(vocab.analyze(&tokens("capital of france")).coverage < 0.2);
        assert_eq!(vocab.analyze(&[]).coverage, 0.0);
    }

    #[test]
    fn corrects_within_edit_distance() {
        let vocab = vocab();
        assert_eq!(vocab.correct("paymnet"), Some(vec!["payment"]));
        assert_eq!(vocab.correct("ordr"), Some(vec!["order"]));
        assert_eq!(vocab.correct("wher"), Some(vec!["where"]));
        assert_eq!(vocab.correct("pizza"), None);
        assert_eq!(vocab.correct("my"), None);
        // Short words one different letter apart are different words.
        assert_eq!(vocab.correct("whom"), None);
        assert_eq!(
            vocab.correct("refundpayment"),
            Some(vec!["refund", "payment"])
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("hlep"), &c("help"), 2, false), Some(1));
        assert_eq!(edit_distance(&c("kitten"), &c("sitting"), 3, true), Some(3));
        assert_eq!(edit_distance(&c("kitten"), &c("sitting"), 2, true), None);
        assert_eq!(edit_distance(&c("love"), &c("live"), 1, false), None);
        assert_eq!(edit_distance(&c(""), &c("ab"), 2, true), Some(2));
    }
}
