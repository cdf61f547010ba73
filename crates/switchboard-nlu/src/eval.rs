//! Evaluation: scores a classifier against labelled messages, for `switchboard eval FILE`.
//!
//! Out-of-scope handling is part of what is measured: a case labelled `out_of_scope` is right
//! when the classifier rejects it (best confidence below the threshold), and an in-scope case
//! is right only when its intent is both ranked first and accepted.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;

/// The label of cases that should be rejected, and of rejected predictions in the report.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// How many example texts a confusion keeps.
const CONFUSION_EXAMPLES: usize = 3;

/// One labelled message. `intent` is an intent name or [`OUT_OF_SCOPE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalCase {
    pub text: String,
    pub intent: String,
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
        confusions,
        unknown_intents: unknown,
    }
}

fn ratio(num: usize, den: usize) -> f32 {
    if den == 0 {
        0.0
    } else {
        num as f32 / den as f32
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
        EvalCase {
            text: text.into(),
            intent: intent.into(),
        }
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
    fn best_threshold_separates() {
        let mut sweep = vec![(0.1, false, true), (0.2, false, true), (0.8, true, false)];
        let (t, right) = best_threshold(&mut sweep);
        assert_eq!(right, 3);
        assert!(t > 0.2 && t < 0.8);
    }
}
