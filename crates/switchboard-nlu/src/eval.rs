//! Evaluation: scores a classifier against labelled messages, for `switchboard eval FILE`.
//!
//! Out-of-scope handling is part of what is measured: a case labelled `out_of_scope` is right
//! when the classifier rejects it (best confidence below the threshold), and an in-scope case
//! is right only when its intent is both ranked first and accepted.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::classifier::Classifier;
use crate::entities::EntityExtractor;

/// The label of cases that should be rejected, and of rejected predictions in the report.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// How many example texts a confusion keeps.
const CONFUSION_EXAMPLES: usize = 3;

/// One labelled message. `intent` is an intent name or [`OUT_OF_SCOPE`]; `tags` group cases
/// for [`EvalReport::per_tag`] (`hinglish`, `typo`); `entities` are the values the message
/// carries, by entity name, for [`score_entities`] (a list: every value of that entity, in
/// order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalCase {
    pub text: String,
    pub intent: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entities: BTreeMap<String, Value>,
}

impl EvalCase {
    /// A case with no tags and no entities.
    pub fn new(text: impl Into<String>, intent: impl Into<String>) -> EvalCase {
        EvalCase {
            text: text.into(),
            intent: intent.into(),
            tags: Vec::new(),
            entities: BTreeMap::new(),
        }
    }
}

/// The outcome of [`evaluate`].
///
/// Ratios with nothing to measure (no cases, an intent never predicted) are reported as 0;
/// the accompanying counts tell those apart from real zeros.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// The threshold the cases were judged at.
    pub threshold: f32,
    pub cases: usize,
    /// Share of all cases judged right (in-scope and out-of-scope together).
    pub accuracy: f32,
    /// Share of in-scope cases whose intent was ranked first and accepted.
    pub in_scope_accuracy: f32,
    pub in_scope_cases: usize,
    /// Share of out-of-scope cases that were rejected.
    pub out_of_scope_recall: f32,
    pub out_of_scope_cases: usize,
    /// The threshold that would have maximised `accuracy` on these cases, with that accuracy.
    /// A hint for calibration; on a small set it overfits, so round it rather than copy it.
    pub suggested_threshold: f32,
    pub suggested_accuracy: f32,
    /// One row per intent in classifier order, then one for [`OUT_OF_SCOPE`].
    pub per_intent: Vec<IntentMetrics>,
    /// One row per tag found on the cases, in alphabetical order.
    pub per_tag: Vec<TagMetrics>,
    /// One row per entity annotated on the cases ([`score_entities`]); empty until scored.
    pub entities: Vec<EntityMetrics>,
    /// Mistakes grouped by (expected, predicted), most frequent first.
    pub confusions: Vec<Confusion>,
    /// Labels in the cases that the classifier does not know (typos in the test file?).
    pub unknown_intents: Vec<String>,
}

/// Precision and recall of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentMetrics {
    pub intent: String,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    /// Cases labelled with this intent.
    pub support: usize,
    /// Cases predicted as this intent.
    pub predicted: usize,
}

/// How the cases carrying one tag fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagMetrics {
    pub tag: String,
    pub cases: usize,
    /// Share of the tag's cases judged right.
    pub accuracy: f32,
    /// Of those, how many were out of scope, and the share of them rejected.
    pub out_of_scope_cases: usize,
    pub out_of_scope_recall: f32,
}

/// How often one entity was read as annotated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityMetrics {
    pub entity: String,
    /// Cases that annotate this entity.
    pub cases: usize,
    pub accuracy: f32,
    /// A few misses: the text, what was expected and what was found.
    pub misses: Vec<EntityMiss>,
}

/// A case whose entity was not read as annotated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityMiss {
    pub text: String,
    pub expected: Value,
    pub found: Value,
}

/// A kind of mistake: cases labelled `expected` that came out as `predicted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub expected: String,
    pub predicted: String,
    pub count: usize,
    /// A few of the texts, in test-file order.
    pub examples: Vec<String>,
}

/// Classifies every case and compares with its label; `threshold` decides out-of-scope.
pub fn evaluate(classifier: &Classifier, threshold: f32, cases: &[EvalCase]) -> EvalReport {
    let labels: Vec<String> = classifier.intents().map(str::to_string).collect();
    // (best confidence, whether the best intent is the expected one, expected is out of scope)
    let mut sweep: Vec<(f32, bool, bool)> = Vec::with_capacity(cases.len());
    let mut predicted = Vec::with_capacity(cases.len());
    for case in cases {
        let prediction = classifier.classify(&case.text);
        let best = prediction.best();
        predicted.push(match prediction.accept(threshold) {
            Some(s) => s.intent.clone(),
            None => OUT_OF_SCOPE.to_string(),
        });
        sweep.push((
            best.map_or(0.0, |s| s.confidence),
            best.is_some_and(|s| s.intent == case.intent),
            case.intent == OUT_OF_SCOPE,
        ));
    }
    let mut report = score(&labels, threshold, cases, &predicted);
    let (suggested_threshold, suggested_correct) = best_threshold(&mut sweep);
    report.suggested_threshold = suggested_threshold;
    report.suggested_accuracy = ratio(suggested_correct, cases.len());
    report
}

/// Compares predictions made by anything (the classifier, a language model, both) with the
/// cases' labels: `predicted[i]` is case i's intent or [`OUT_OF_SCOPE`]. `labels` are the
/// intents, in report order. No threshold is suggested (`suggested_threshold` is
/// `threshold`, `suggested_accuracy` the accuracy).
pub fn score(
    labels: &[String],
    threshold: f32,
    cases: &[EvalCase],
    predicted: &[String],
) -> EvalReport {
    let mut labels: Vec<String> = labels.to_vec();
    labels.push(OUT_OF_SCOPE.to_string());
    let known: BTreeMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();

    let mut support = vec![0usize; labels.len()];
    let mut predicted_count = vec![0usize; labels.len()];
    let mut true_pos = vec![0usize; labels.len()];
    let mut confusions: BTreeMap<(String, String), Confusion> = BTreeMap::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut correct = 0usize;
    let (mut in_scope, mut in_scope_correct) = (0usize, 0usize);
    let (mut oos, mut oos_rejected) = (0usize, 0usize);

    for (case, predicted) in cases.iter().zip(predicted) {
        let predicted = predicted.as_str();
        if case.intent == OUT_OF_SCOPE {
            oos += 1;
            if predicted == OUT_OF_SCOPE {
                oos_rejected += 1;
            }
        } else {
            in_scope += 1;
            if predicted == case.intent {
                in_scope_correct += 1;
            }
        }
        match known.get(case.intent.as_str()) {
            Some(&i) => support[i] += 1,
            None => {
                if !unknown.contains(&case.intent) {
                    unknown.push(case.intent.clone());
                }
            }
        }
        if let Some(&i) = known.get(predicted) {
            predicted_count[i] += 1;
        }
        if predicted == case.intent {
            correct += 1;
            if let Some(&i) = known.get(predicted) {
                true_pos[i] += 1;
            }
        } else {
            let entry = confusions
                .entry((case.intent.clone(), predicted.to_string()))
                .or_insert_with(|| Confusion {
                    expected: case.intent.clone(),
                    predicted: predicted.to_string(),
                    count: 0,
                    examples: Vec::new(),
                });
            entry.count += 1;
            if entry.examples.len() < CONFUSION_EXAMPLES {
                entry.examples.push(case.text.clone());
            }
        }
    }

    let per_intent = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let precision = ratio(true_pos[i], predicted_count[i]);
            let recall = ratio(true_pos[i], support[i]);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            IntentMetrics {
                intent: label.clone(),
                precision,
                recall,
                f1,
                support: support[i],
                predicted: predicted_count[i],
            }
        })
        .collect();
    let mut confusions: Vec<Confusion> = confusions.into_values().collect();
    confusions.sort_by_key(|c| std::cmp::Reverse(c.count));
    // tag -> (cases, right, out of scope, rejected)
    let mut tags: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    for (case, predicted) in cases.iter().zip(predicted) {
        for tag in &case.tags {
            let row = tags.entry(tag.as_str()).or_default();
            row.0 += 1;
            if *predicted == case.intent {
                row.1 += 1;
            }
            if case.intent == OUT_OF_SCOPE {
                row.2 += 1;
                if predicted == OUT_OF_SCOPE {
                    row.3 += 1;
                }
            }
        }
    }
    let per_tag = tags
        .into_iter()
        .map(|(tag, (n, right, oos, rejected))| TagMetrics {
            tag: tag.to_string(),
            cases: n,
            accuracy: ratio(right, n),
            out_of_scope_cases: oos,
            out_of_scope_recall: ratio(rejected, oos),
        })
        .collect();
    EvalReport {
        threshold,
        cases: cases.len(),
        accuracy: ratio(correct, cases.len()),
        in_scope_accuracy: ratio(in_scope_correct, in_scope),
        in_scope_cases: in_scope,
        out_of_scope_recall: ratio(oos_rejected, oos),
        out_of_scope_cases: oos,
        suggested_threshold: threshold,
        suggested_accuracy: ratio(correct, cases.len()),
        per_intent,
        per_tag,
        entities: Vec::new(),
        confusions,
        unknown_intents: unknown,
    }
}

/// How many misses an [`EntityMetrics`] keeps.
const ENTITY_MISSES: usize = 5;

/// Reads each case's annotated entities with `extractor` (relative dates against `today`)
/// and compares: an entity is right when the values found for it are the annotated one
/// (any of them), or for a list, exactly the listed values in order.
pub fn score_entities(
    extractor: &EntityExtractor,
    today: NaiveDate,
    cases: &[EvalCase],
) -> Vec<EntityMetrics> {
    let mut rows: BTreeMap<&str, EntityMetrics> = BTreeMap::new();
    for case in cases.iter().filter(|c| !c.entities.is_empty()) {
        let found = extractor.extract(&case.text, today);
        for (entity, expected) in &case.entities {
            let values: Vec<Value> = found
                .iter()
                .filter(|m| &m.entity == entity)
                .map(|m| m.value.clone())
                .collect();
            let right = match expected {
                Value::Array(list) => {
                    list.len() == values.len() && list.iter().zip(&values).all(|(e, f)| same(e, f))
                }
                one => values.iter().any(|f| same(one, f)),
            };
            let row = rows
                .entry(entity.as_str())
                .or_insert_with(|| EntityMetrics {
                    entity: entity.clone(),
                    cases: 0,
                    accuracy: 0.0,
                    misses: Vec::new(),
                });
            row.cases += 1;
            if right {
                row.accuracy += 1.0;
            } else if row.misses.len() < ENTITY_MISSES {
                row.misses.push(EntityMiss {
                    text: case.text.clone(),
                    expected: expected.clone(),
                    found: Value::Array(values),
                });
            }
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.accuracy /= r.cases as f32;
            r
        })
        .collect()
}

fn ratio(num: usize, den: usize) -> f32 {
    if den == 0 {
        0.0
    } else {
        num as f32 / den as f32
    }
}

/// A threshold chosen on examples held out of training (see [`calibrate`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The threshold with the best balanced accuracy on the held-out messages.
    pub threshold: f32,
    /// In-scope examples and out-of-scope examples held out.
    pub in_scope: usize,
    pub out_of_scope: usize,
    /// Balanced accuracy of the held-out messages at `threshold`: the mean of the share of
    /// in-scope ones taken by the right intent and the share of out-of-scope ones turned away.
    pub accuracy: f32,
}

/// Holds out every fourth example of each intent (with four or more) and every other
/// out-of-scope example, trains on the rest, and returns the threshold with the best balanced
/// accuracy on the held-out messages, kept within `[MIN_CALIBRATED, MAX_CALIBRATED]` (a small
/// sample should not swing it far). `None` with fewer than [`CALIBRATION_MIN_OUT_OF_SCOPE`]
/// out-of-scope examples: with nothing to reject, any low threshold looks best.
pub fn calibrate(intents: &[(String, Vec<String>)], negatives: &[String]) -> Option<Calibration> {
    if negatives.len() < CALIBRATION_MIN_OUT_OF_SCOPE {
        return None;
    }
    let held_negatives: Vec<&String> = negatives.iter().skip(1).step_by(2).collect();
    let kept_negatives: Vec<String> = negatives.iter().step_by(2).cloned().collect();
    let mut train = Vec::with_capacity(intents.len());
    let mut held: Vec<(&str, &str)> = Vec::new();
    for (name, examples) in intents {
        let mut kept = Vec::with_capacity(examples.len());
        for (i, e) in examples.iter().enumerate() {
            if examples.len() >= 4 && i % 4 == 3 {
                held.push((name.as_str(), e.as_str()));
            } else {
                kept.push(e.clone());
            }
        }
        train.push((name.clone(), kept));
    }
    let classifier = Classifier::train_with_negatives(&train, &kept_negatives);
    let mut sweep: Vec<(f32, bool, bool)> = Vec::with_capacity(held.len() + held_negatives.len());
    for (intent, text) in &held {
        let p = classifier.classify(text);
        let best = p.best();
        sweep.push((
            best.map_or(0.0, |s| s.confidence),
            best.is_some_and(|s| s.intent == *intent),
            false,
        ));
    }
    for text in &held_negatives {
        let best = classifier
            .classify(text)
            .best()
            .map_or(0.0, |s| s.confidence);
        sweep.push((best, false, true));
    }
    // Balanced: taking in-scope messages and turning the others away count the same,
    // however many out-of-scope examples the project happens to list.
    let balanced = |t: f32| {
        let in_right = sweep
            .iter()
            .filter(|(c, hit, oos)| !oos && *hit && *c >= t)
            .count();
        let out_right = sweep.iter().filter(|(c, _, oos)| *oos && *c < t).count();
        (ratio(in_right, held.len()) + ratio(out_right, held_negatives.len())) / 2.0
    };
    let mut cuts: Vec<f32> = sweep.iter().map(|s| s.0).collect();
    cuts.sort_by(f32::total_cmp);
    cuts.dedup();
    let candidates = cuts
        .windows(2)
        .map(|w| (w[0] + w[1]) / 2.0)
        .filter(|t| (MIN_CALIBRATED..=MAX_CALIBRATED).contains(t))
        .chain([MIN_CALIBRATED, crate::DEFAULT_THRESHOLD, MAX_CALIBRATED]);
    // The best balance; on a tie, the one nearest the default.
    let threshold = candidates
        .map(|t| (t, balanced(t)))
        .max_by(|a, b| {
            a.1.total_cmp(&b.1).then(
                (b.0 - crate::DEFAULT_THRESHOLD)
                    .abs()
                    .total_cmp(&(a.0 - crate::DEFAULT_THRESHOLD).abs()),
            )
        })
        .map_or(crate::DEFAULT_THRESHOLD, |(t, _)| t);
    Some(Calibration {
        threshold,
        in_scope: held.len(),
        out_of_scope: held_negatives.len(),
        accuracy: balanced(threshold),
    })
}

/// Things no bot of a business serves, to make near misses from: "track" + "my fitness
/// goals", "book" + "a flight to london".
const ELSEWHERE: [&str; 16] = [
    "a flight to london",
    "a pizza with extra cheese",
    "my fitness goals",
    "a table for two tonight",
    "the football score",
    "a taxi to the airport",
    "a movie ticket",
    "the price of bitcoin",
    "my netflix subscription",
    "the lottery numbers",
    "a hotel room in paris",
    "the weather on mars",
    "my horoscope",
    "a song by taylor swift",
    "the capital of peru",
    "a recipe for lasagna",
];

/// Messages that start the way a project's examples start but ask for something else
/// ("book a flight to london" next to "book an appointment"): the most common first word of
/// each intent's examples, then each of a fixed list of unrelated things in turn. Up to
/// `per_intent` per intent, deterministic.
pub fn near_misses(training: &[(String, Vec<String>)], per_intent: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    for (_, examples) in training {
        let mut firsts: BTreeMap<String, usize> = BTreeMap::new();
        for e in examples {
            if let Some(w) = e.split_whitespace().next() {
                let w = w.to_lowercase();
                if w.chars().all(char::is_alphabetic) {
                    *firsts.entry(w).or_default() += 1;
                }
            }
        }
        let Some((first, _)) = firsts
            .into_iter()
            .max_by_key(|(w, n)| (*n, std::cmp::Reverse(w.clone())))
        else {
            continue;
        };
        for _ in 0..per_intent {
            let text = format!("{first} {}", ELSEWHERE[at % ELSEWHERE.len()]);
            at += 1;
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// Out-of-scope examples [`calibrate`] needs: every other one is held out, and fewer than
/// three held out say nothing about rejecting.
pub const CALIBRATION_MIN_OUT_OF_SCOPE: usize = 6;

/// The range a calibrated threshold is kept in.
const MIN_CALIBRATED: f32 = 0.15;
const MAX_CALIBRATED: f32 = 0.35;

/// Whether a found value is the annotated one. Annotations read from YAML may carry numbers
/// as strings (`amount: 100`), so a string and a number of the same value agree.
fn same(expected: &Value, found: &Value) -> bool {
    match (expected, found) {
        (Value::String(e), Value::Number(f)) => e.parse::<f64>().ok() == f.as_f64(),
        (Value::Object(e), Value::Object(f)) => {
            e.len() == f.len()
                && e.iter()
                    .all(|(k, v)| f.get(k).is_some_and(|fv| same(v, fv)))
        }
        (Value::Array(e), Value::Array(f)) => {
            e.len() == f.len() && e.iter().zip(f).all(|(a, b)| same(a, b))
        }
        (e, f) => e == f,
    }
}

/// Finds the threshold with the most cases right, scanning cut points between sorted
/// confidences: below the cut everything is rejected, at or above it the best intent stands.
/// Returns the midpoint of the first best gap, and the number of cases right there.
fn best_threshold(sweep: &mut [(f32, bool, bool)]) -> (f32, usize) {
    sweep.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Cut at 0: nothing rejected.
    let mut right = sweep.iter().filter(|(_, hit, _)| *hit).count();
    let (mut best_right, mut best_t) = (right, 0.0f32);
    for k in 0..sweep.len() {
        // Move case k from "accepted" to "rejected".
        let (conf, hit, oos) = sweep[k];
        if hit {
            right -= 1;
        }
        if oos {
            right += 1;
        }
        let next = sweep.get(k + 1).map(|s| s.0);
        if next == Some(conf) {
            continue; // cannot cut between equal confidences
        }
        if right > best_right {
            best_right = right;
            best_t = match next {
                Some(n) => (conf + n) / 2.0,
                None => (conf + 1.0) / 2.0,
            };
        }
    }
    (best_t, best_right)
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} cases, threshold {:.2}", self.cases, self.threshold)?;
        writeln!(f, "  accuracy             {:>6.1}%", self.accuracy * 100.0)?;
        writeln!(
            f,
            "  in-scope accuracy    {:>6.1}%  ({} cases)",
            self.in_scope_accuracy * 100.0,
            self.in_scope_cases
        )?;
        if self.out_of_scope_cases > 0 {
            writeln!(
                f,
                "  out-of-scope recall  {:>6.1}%  ({} cases)",
                self.out_of_scope_recall * 100.0,
                self.out_of_scope_cases
            )?;
        } else {
            writeln!(f, "  out-of-scope recall     n/a  (no out_of_scope cases)")?;
        }
        writeln!(
            f,
            "  best threshold here  {:>6.2}   (accuracy {:.1}%)",
            self.suggested_threshold,
            self.suggested_accuracy * 100.0
        )?;
        let width = self
            .per_intent
            .iter()
            .map(|m| m.intent.chars().count())
            .max()
            .unwrap_or(0)
            .max("intent".len());
        writeln!(f)?;
        writeln!(
            f,
            "  {:<width$}  precision  recall     f1  support",
            "intent"
        )?;
        for m in &self.per_intent {
            if m.support == 0 && m.predicted == 0 {
                writeln!(
                    f,
                    "  {:<width$}          -       -      -        0",
                    m.intent
                )?;
                continue;
            }
            writeln!(
                f,
                "  {:<width$}  {:>9.2}  {:>6.2}  {:>5.2}  {:>7}",
                m.intent, m.precision, m.recall, m.f1, m.support
            )?;
        }
        if !self.per_tag.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "  by tag             accuracy  cases  out-of-scope recall"
            )?;
            for t in &self.per_tag {
                let oos = if t.out_of_scope_cases > 0 {
                    format!(
                        "{:>6.1}%  ({} cases)",
                        t.out_of_scope_recall * 100.0,
                        t.out_of_scope_cases
                    )
                } else {
                    "-".to_string()
                };
                writeln!(
                    f,
                    "  {:<16} {:>8.1}%  {:>5}  {oos}",
                    t.tag,
                    t.accuracy * 100.0,
                    t.cases
                )?;
            }
        }
        if !self.entities.is_empty() {
            writeln!(f)?;
            writeln!(f, "  entity           accuracy  cases")?;
            for e in &self.entities {
                writeln!(
                    f,
                    "  {:<16} {:>8.1}%  {:>5}",
                    e.entity,
                    e.accuracy * 100.0,
                    e.cases
                )?;
                for m in &e.misses {
                    writeln!(
                        f,
                        "      {:?}: expected {}, found {}",
                        m.text, m.expected, m.found
                    )?;
                }
            }
        }
        if !self.confusions.is_empty() {
            writeln!(f)?;
            writeln!(f, "  confusions (expected -> predicted):")?;
            for c in &self.confusions {
                let examples: Vec<String> = c.examples.iter().map(|e| format!("{e:?}")).collect();
                writeln!(
                    f,
                    "  {:>4} x {} -> {}: {}",
                    c.count,
                    c.expected,
                    c.predicted,
                    examples.join(", ")
                )?;
            }
        }
        if !self.unknown_intents.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "  labels not known to the classifier: {}",
                self.unknown_intents.join(", ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(text: &str, intent: &str) -> EvalCase {
        EvalCase::new(text, intent)
    }

    fn tiny() -> Classifier {
        let data = [
            ("greet", vec!["hi", "hello", "good morning", "hey there"]),
            (
                "refund",
                vec![
                    "refund my payment",
                    "I want my money back",
                    "give me a refund",
                ],
            ),
        ];
        let data: Vec<(String, Vec<String>)> = data
            .iter()
            .map(|(n, ex)| (n.to_string(), ex.iter().map(|e| e.to_string()).collect()))
            .collect();
        Classifier::train(&data)
    }

    #[test]
    fn counts_hits_rejections_and_confusions() {
        let c = tiny();
        let cases = [
            case("hello", "greet"),
            case("refund my payment please", "refund"),
            case("hello", "refund"),
            case("hello", "no_such_intent"),
        ];
        let report = evaluate(&c, 0.0, &cases);
        assert_eq!(report.cases, 4);
        assert_eq!(report.accuracy, 0.5);
        assert_eq!(report.unknown_intents, ["no_such_intent"]);
        assert_eq!(report.confusions.len(), 2);
        let greet = &report.per_intent[0];
        assert_eq!((greet.support, greet.predicted), (1, 3));
        assert_eq!(report.out_of_scope_cases, 0);

        // With a threshold above every confidence, everything is rejected.
        let report = evaluate(
            &c,
            1.5,
            &[case("hello", "greet"), case("zzz", OUT_OF_SCOPE)],
        );
        assert_eq!(report.accuracy, 0.5);
        assert_eq!(report.out_of_scope_recall, 1.0);
        let text = report.to_string();
        assert!(text.contains("out-of-scope recall"), "{text}");
        assert!(serde_json::to_string(&report).is_ok());
    }

    #[test]
    fn empty_input_is_fine() {
        let report = evaluate(&tiny(), 0.5, &[]);
        assert_eq!(report.accuracy, 0.0);
        assert!(!report.to_string().is_empty());
    }

    #[test]
    fn calibration_needs_out_of_scope_examples_and_stays_in_range() {
        let intents: Vec<(String, Vec<String>)> = [
            (
                "greet",
                &[
                    "hi",
                    "hello",
                    "good morning",
                    "hey there",
                    "hiya",
                    "hello bot",
                ][..],
            ),
            (
                "refund",
                &[
                    "refund my payment",
                    "I want my money back",
                    "give me a refund",
                    "refund please",
                    "money back for my order",
                    "can I get a refund",
                ][..],
            ),
        ]
        .iter()
        .map(|(n, ex)| (n.to_string(), ex.iter().map(|e| e.to_string()).collect()))
        .collect();
        let few = vec!["book a flight".to_string(); 5];
        assert!(calibrate(&intents, &few).is_none());
        let negatives: Vec<String> = [
            "book a flight",
            "order a pizza",
            "weather in paris",
            "tell me a joke",
            "who won the match",
            "play some music",
            "what is the time",
            "sing a song",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = calibrate(&intents, &negatives).expect("calibrated");
        assert_eq!((c.in_scope, c.out_of_scope), (2, 4));
        assert!(
            (MIN_CALIBRATED..=MAX_CALIBRATED).contains(&c.threshold),
            "{c:?}"
        );
        assert!((0.5..=1.0).contains(&c.accuracy), "{c:?}");
    }

    #[test]
    fn best_threshold_separates() {
        let mut sweep = vec![(0.1, false, true), (0.2, false, true), (0.8, true, false)];
        let (t, right) = best_threshold(&mut sweep);
        assert_eq!(right, 3);
        assert!(t > 0.2 && t < 0.8);
    }
}
