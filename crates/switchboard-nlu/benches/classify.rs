//! Micro-benchmarks of understanding one message with the demo store's models: intent
//! classification, entity extraction, and training (which start-up pays once).
//! `cargo bench -p switchboard-nlu --bench classify`; `cargo xtask bench micro` runs it pinned.

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;
use switchboard_nlu::{Builtin, Classifier, EntityDef, EntityExtractor, LookupValue};

/// The W2 message.
const MESSAGE: &str = "where is my order 1001?";
const OUT_OF_SCOPE: &str = "who won the football match last night";
const LONG: &str = "Hello, I ordered a ceramic mug and a cotton t-shirt a few days ago and paid by card, I got an email saying it was dispatched but the tracking page has not changed since, could you please check where my order 1001 is right now and when it will arrive?";

const PROJECT: &str = include_str!("../../../examples/store/switchboard.yaml");

/// The parts of the demo project the models are built from.
#[derive(Deserialize)]
struct Project {
    entities: BTreeMap<String, Entity>,
    intents: BTreeMap<String, Intent>,
}

#[derive(Deserialize)]
struct Intent {
    examples: Vec<String>,
}

#[derive(Deserialize)]
struct Entity {
    pattern: Option<String>,
    values: Option<BTreeMap<String, Vec<String>>>,
}

fn project() -> Project {
    marked_yaml::from_yaml(0, PROJECT).expect("the demo project parses")
}

/// The demo intents' examples.
fn training() -> Vec<(String, Vec<String>)> {
    project()
        .intents
        .into_iter()
        .map(|(name, i)| (name, i.examples))
        .collect()
}

/// The demo project's entities plus every built-in, as the engine compiles them.
fn extractor() -> EntityExtractor {
    let project = project();
    let mut defs = Vec::new();
    for (name, e) in project.entities {
        let def = match (e.pattern, e.values) {
            (Some(regex), _) => EntityDef::Pattern { regex },
            (None, Some(values)) => EntityDef::Lookup {
                values: values
                    .into_iter()
                    .map(|(value, synonyms)| LookupValue { value, synonyms })
                    .collect(),
            },
            (None, None) => continue,
        };
        defs.push((name, def));
    }
    for b in [
        Builtin::Number,
        Builtin::Amount,
        Builtin::Date,
        Builtin::Email,
        Builtin::Phone,
    ] {
        defs.push((b.name().to_string(), EntityDef::Builtin(b)));
    }
    EntityExtractor::new(defs).expect("the demo entities compile")
}

fn bench(c: &mut Criterion) {
    let train = training();
    let classifier = Classifier::train(&train);
    assert_eq!(
        classifier
            .classify(MESSAGE)
            .best()
            .map(|s| s.intent.as_str()),
        Some("order_status")
    );
    let extractor = extractor();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("a valid date");
    assert!(
        extractor
            .extract(MESSAGE, today)
            .iter()
            .any(|m| m.entity == "order_id")
    );

    let mut g = c.benchmark_group("classify");
    g.bench_function("order_status", |b| {
        b.iter(|| classifier.classify(black_box(MESSAGE)))
    });
    g.bench_function("out_of_scope", |b| {
        b.iter(|| classifier.classify(black_box(OUT_OF_SCOPE)))
    });
    g.bench_function("long_message", |b| {
        b.iter(|| classifier.classify(black_box(LONG)))
    });
    g.finish();

    let mut g = c.benchmark_group("entities");
    g.bench_function("order_status", |b| {
        b.iter(|| extractor.extract(black_box(MESSAGE), today))
    });
    g.bench_function("long_message", |b| {
        b.iter(|| extractor.extract(black_box(LONG), today))
    });
    g.finish();

    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("store_13_intents", |b| {
        b.iter(|| Classifier::train(black_box(&train)))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
