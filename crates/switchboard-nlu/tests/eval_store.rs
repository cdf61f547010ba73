//! Trains on the demo store's examples and scores the classifier on the held-out evaluation
//! set in `examples/store/eval.yaml`, printing the report (`cargo test -p switchboard-nlu
//! --test eval_store -- --nocapture` to see it).

mod common;

use serde::Deserialize;
use switchboard_nlu::{Classifier, DEFAULT_THRESHOLD, EvalCase, evaluate};

#[derive(Deserialize)]
struct EvalFile {
    cases: Vec<EvalCase>,
}

fn eval_cases() -> Vec<EvalCase> {
    let text = include_str!("../../../examples/store/eval.yaml");
    let file: EvalFile = marked_yaml::from_yaml(0, text).expect("eval.yaml parses");
    file.cases
}

#[test]
fn store_eval_meets_the_bar() {
    let train = common::demo_training();
    assert_eq!(train.len(), 13, "13 demo intents");
    let classifier = Classifier::train(&train);
    let cases = eval_cases();
    assert!(cases.len() >= 380, "eval set has {} cases", cases.len());

    let report = evaluate(&classifier, DEFAULT_THRESHOLD, &cases);
    println!("{report}");
    assert!(
        report.unknown_intents.is_empty(),
        "{:?}",
        report.unknown_intents
    );
    assert!(report.out_of_scope_cases >= 60);
    assert!(
        report.accuracy >= 0.90,
        "accuracy {:.3} < 0.90",
        report.accuracy
    );
    assert!(
        report.out_of_scope_recall >= 0.80,
        "out-of-scope recall {:.3} < 0.80",
        report.out_of_scope_recall
    );
}

#[test]
fn no_eval_text_is_a_training_example() {
    let seen: Vec<String> = common::demo_training()
        .into_iter()
        .flat_map(|(_, ex)| ex)
        .map(|e| e.to_lowercase())
        .collect();
    for case in eval_cases() {
        assert!(
            !seen.contains(&case.text.to_lowercase()),
            "eval text is also a training example: {:?}",
            case.text
        );
    }
}
