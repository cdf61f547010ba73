//! Behaviour of the classifier through its public API: determinism, odd inputs, edge cases.

mod common;

use switchboard_nlu::{Classifier, DEFAULT_THRESHOLD, MAX_CLASSIFY_BYTES};

fn data(rows: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    rows.iter()
        .map(|(name, ex)| (name.to_string(), ex.iter().map(|e| e.to_string()).collect()))
        .collect()
}

fn small() -> Vec<(String, Vec<String>)> {
    data(&[
        (
            "order_status",
            &[
                "where is my order 1001",
                "has my order shipped",
                "status of order 2231",
                "when will my order arrive",
            ],
        ),
        (
            "weather",
            &[
                "weather in Dubai",
                "is it going to rain tomorrow",
                "how hot is it outside",
                "weather forecast",
            ],
        ),
        ("greet", &["hi", "hello", "good morning", "hey there"]),
    ])
}

const NOUNS: [&str; 30] = [
    "invoice",
    "parcel",
    "ticket",
    "coupon",
    "voucher",
    "receipt",
    "wallet",
    "basket",
    "locker",
    "badge",
    "licence",
    "permit",
    "pension",
    "salary",
    "mortgage",
    "warranty",
    "insurance",
    "subscription",
    "password",
    "address",
    "profile",
    "schedule",
    "meeting",
    "session",
    "course",
    "exam",
    "library",
    "garden",
    "kitchen",
    "garage",
];

/// 1,000 examples over 30 intents, generated from templates: the size the brief names.
fn large() -> Vec<(String, Vec<String>)> {
    let verbs = [
        "show", "check", "find", "get", "tell me", "look up", "what is", "i need",
    ];
    let extras = [
        "please", "now", "for me", "today", "asap", "quickly", "", "thanks",
    ];
    (0..30)
        .map(|i| {
            let count = if i < 10 { 34 } else { 33 };
            let examples = (0..count)
                .map(|j| {
                    format!(
                        "{} the {} {} {} {}",
                        verbs[j % verbs.len()],
                        NOUNS[i],
                        NOUNS[(i * 7 + j) % 30],
                        extras[(i + j) % extras.len()],
                        j
                    )
                })
                .collect();
            (format!("intent_{i}"), examples)
        })
        .collect()
}

#[test]
fn same_input_same_model() {
    for training in [small(), large()] {
        let a = Classifier::train(&training);
        let b = Classifier::train(&training);
        for text in [
            "where's my order?",
            "weather tomorrow",
            "hello",
            "show the parcel invoice",
            "what is the capital of France",
        ] {
            let (pa, pb) = (a.classify(text), b.classify(text));
            assert_eq!(pa, pb, "{text}");
            // Bit for bit, not just approximately.
            for (x, y) in pa.ranking.iter().zip(&pb.ranking) {
                assert_eq!(x.confidence.to_bits(), y.confidence.to_bits());
            }
        }
    }
}

#[test]
fn ranks_every_intent_best_first_in_range() {
    let c = Classifier::train(&small());
    assert_eq!(
        c.intents().collect::<Vec<_>>(),
        ["order_status", "weather", "greet"]
    );
    let p = c.classify("where is my order 1234?");
    assert_eq!(p.ranking.len(), 3);
    assert_eq!(p.best().map(|s| s.intent.as_str()), Some("order_status"));
    assert!(p.accept(DEFAULT_THRESHOLD).is_some());
    for pair in p.ranking.windows(2) {
        assert!(pair[0].confidence >= pair[1].confidence);
    }
    for s in &p.ranking {
        assert!((0.0..=1.0).contains(&s.confidence), "{s:?}");
    }
    assert_eq!(
        c.classify("good morning!")
            .best()
            .map(|s| s.intent.as_str()),
        Some("greet")
    );
}

#[test]
fn unrelated_messages_are_rejected() {
    let c = Classifier::train(&small());
    for text in [
        "what is the capital of France",
        "tell me a joke",
        "asdfgh",
        "",
    ] {
        let p = c.classify(text);
        assert!(
            p.accept(DEFAULT_THRESHOLD).is_none(),
            "{text}: {:?}",
            p.best()
        );
    }
}

#[test]
fn odd_input_never_panics() {
    let c = Classifier::train(&small());
    let huge = "where is my order ".repeat(10_000);
    let wide = "😀".repeat(50_000);
    let control: String = (0u8..32).map(char::from).collect();
    assert!(huge.len() > 100 * 1024 && huge.len() > MAX_CLASSIFY_BYTES);
    for text in [
        huge.as_str(),
        wide.as_str(),
        control.as_str(),
        "\u{feff}",
        "ß̶̢͕",
    ] {
        let p = c.classify(text);
        assert_eq!(p.ranking.len(), 3);
        for s in &p.ranking {
            assert!((0.0..=1.0).contains(&s.confidence), "{s:?}");
        }
    }
    assert_eq!(
        c.classify(&huge).best().map(|s| s.intent.as_str()),
        Some("order_status")
    );
}

#[test]
fn degenerate_training_sets() {
    // Nothing to learn from.
    let empty = Classifier::train(&[]);
    assert_eq!(empty.intents().count(), 0);
    assert!(empty.classify("hello").best().is_none());
    assert!(empty.classify("hello").accept(0.0).is_none());

    // One intent: the probability is always 1, so confidence rests on familiarity.
    let one = Classifier::train(&data(&[("greet", &["hi", "hello there"])]));
    assert!(one.classify("hello").accept(DEFAULT_THRESHOLD).is_some());
    assert!(
        one.classify("what is the capital of France")
            .accept(DEFAULT_THRESHOLD)
            .is_none()
    );

    // An intent without usable examples ranks last with confidence 0; repeated names merge.
    let c = Classifier::train(&data(&[
        ("greet", &["hi"]),
        ("silent", &["", "!!!", "🙂"]),
        ("weather", &["weather in Dubai"]),
        ("greet", &["hello"]),
    ]));
    assert_eq!(
        c.intents().collect::<Vec<_>>(),
        ["greet", "silent", "weather"]
    );
    let p = c.classify("hello");
    assert_eq!(p.best().map(|s| s.intent.as_str()), Some("greet"));
    let last = p.ranking.last().expect("three intents");
    assert_eq!((last.intent.as_str(), last.confidence), ("silent", 0.0));
}

#[test]
fn trains_on_a_thousand_examples() {
    // Not timed (CI machines vary); see the crate docs for measured figures.
    let training = large();
    assert_eq!(training.iter().map(|(_, e)| e.len()).sum::<usize>(), 1000);
    let c = Classifier::train(&training);
    assert_eq!(
        c.classify("could you check the mortgage please")
            .best()
            .map(|s| s.intent.as_str()),
        Some("intent_14")
    );
}

/// A project of 200 intents and 5,000 examples (the size where training takes fewer passes)
/// still tells its intents apart: each fifth example, held out, is classified right.
#[test]
fn a_large_project_trains_in_fewer_passes_and_tells_its_intents_apart() {
    let all = common::large_training(200, 25);
    let (mut train, mut held_out) = (Vec::new(), Vec::new());
    for (intent, examples) in &all {
        let mut kept = Vec::new();
        for (k, e) in examples.iter().enumerate() {
            if k % 5 == 0 {
                held_out.push((intent.clone(), e.clone()));
            } else {
                kept.push(e.clone());
            }
        }
        train.push((intent.clone(), kept));
    }
    let classifier = Classifier::train(&train);
    let right = held_out
        .iter()
        .filter(|(intent, text)| {
            classifier.classify(text).best().map(|s| &s.intent) == Some(intent)
        })
        .count();
    let accuracy = right as f32 / held_out.len() as f32;
    assert!(accuracy >= 0.9, "held-out accuracy {accuracy:.3}");
}
