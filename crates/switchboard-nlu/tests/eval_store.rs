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
    assert_eq!(train.len(), 14, "13 demo intents and the built-in thanks");
    let classifier = Classifier::train_with_negatives(&train, &common::demo_negatives());
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
        report.in_scope_accuracy >= 0.92,
        "in-scope accuracy {:.3} < 0.92",
        report.in_scope_accuracy
    );
    assert!(
        report.out_of_scope_recall >= 0.85,
        "out-of-scope recall {:.3} < 0.85",
        report.out_of_scope_recall
    );
    for tag in ["hinglish", "arabic"] {
        let row = report
            .per_tag
            .iter()
            .find(|t| t.tag == tag)
            .unwrap_or_else(|| panic!("the eval set has {tag} cases"));
        assert!(row.cases >= 30, "{tag}: {} cases", row.cases);
        assert!(row.accuracy >= 0.85, "{tag}: {:.3} < 0.85", row.accuracy);
    }
}

/// The project's own examples and out-of-scope examples never repeat an eval text. The
/// built-in small talk is exempt: it is the product's fixed list of greetings and goodbyes
/// ("namaste", "مع السلامة"), which the eval's multilingual section, written before it,
/// uses too.
#[test]
fn no_eval_text_is_a_training_example() {
    let small_talk: Vec<&str> = switchboard_nlu::SMALL_TALK
        .iter()
        .flat_map(|t| t.examples.iter().copied())
        .collect();
    let seen: Vec<String> = common::demo_training()
        .into_iter()
        .flat_map(|(_, ex)| ex)
        .filter(|e| !small_talk.contains(&e.as_str()))
        .chain(common::demo_negatives())
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
