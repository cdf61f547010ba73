//! The development benchmark the classifier's constants were chosen on, kept as a
//! regression guard: 5-fold cross-validation over the demo's training examples (each example
//! is classified by a model that never saw it) plus out-of-scope messages that are not in the
//! held-out evaluation set (`tests/data/dev_out_of_scope.yaml`).
//!
//! It is harsher than `eval_store` (each fold trains on only 80% of a small set), so the bar
//! is lower; it exists to catch changes that help the eval set by luck and hurt elsewhere.

mod common;

use serde::Deserialize;
use switchboard_nlu::{Classifier, DEFAULT_THRESHOLD};

#[derive(Deserialize)]
struct Messages {
    messages: Vec<String>,
}

const FOLDS: usize = 5;

#[test]
fn cross_validated_accuracy_with_out_of_scope() {
    let training = common::demo_training();
    let oos: Messages =
        marked_yaml::from_yaml(0, include_str!("data/dev_out_of_scope.yaml")).expect("parses");

    let (mut right, mut total) = (0usize, 0usize);
    for fold in 0..FOLDS {
        let mut train = Vec::new();
        let mut held_out = Vec::new();
        for (intent, examples) in &training {
            let mut kept = Vec::new();
            for (i, e) in examples.iter().enumerate() {
                if i % FOLDS == fold {
                    held_out.push((intent.as_str(), e.as_str()));
                } else {
                    kept.push(e.clone());
                }
            }
            train.push((intent.clone(), kept));
        }
        let classifier = Classifier::train_with_negatives(&train, &common::demo_negatives());
        for (intent, text) in held_out {
            total += 1;
            let prediction = classifier.classify(text);
            if prediction
                .accept(DEFAULT_THRESHOLD)
                .map(|s| s.intent.as_str())
                == Some(intent)
            {
                right += 1;
            }
        }
    }
    let in_scope = (right, total);

    let classifier = Classifier::train_with_negatives(&training, &common::demo_negatives());
    let rejected = oos
        .messages
        .iter()
        .filter(|m| classifier.classify(m).accept(DEFAULT_THRESHOLD).is_none())
        .count();
    right += rejected;
    total += oos.messages.len();

    let accuracy = right as f32 / total as f32;
    println!(
        "dev: accuracy {accuracy:.3} (in-scope {}/{}, out-of-scope rejected {rejected}/{})",
        in_scope.0,
        in_scope.1,
        oos.messages.len()
    );
    assert!(accuracy >= 0.74, "dev accuracy {accuracy:.3}");
}
