//! Micro-benchmarks of understanding one message with the demo store's models: intent
//! classification, entity extraction, and training (which start-up pays once).
//! `cargo bench -p switchboard-nlu --bench classify`; `cargo xtask bench micro` runs it pinned.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use switchboard_nlu::Classifier;

/// The W2 message.
const MESSAGE: &str = "where is my order 1001?";
const OUT_OF_SCOPE: &str = "who won the football match last night";
const LONG: &str = "Hello, I ordered a ceramic mug and a cotton t-shirt a few days ago and paid by card, I got an email saying it was dispatched but the tracking page has not changed since, could you please check where my order 1001 is right now and when it will arrive?";

#[path = "../tests/common/mod.rs"]
mod common;

/// A Hinglish and an Arabic message of the demo's users.
const HINGLISH: &str = "bhai mera order 1004 abhi tak nahi aaya";
const ARABIC: &str = "ابي اعرف حالة الطلب ١٠٠٣";

fn bench(c: &mut Criterion) {
    let train = common::demo_training();
    let negatives = common::demo_negatives();
    let classifier = Classifier::train_with_negatives(&train, &negatives);
    assert_eq!(
        classifier
            .classify(MESSAGE)
            .best()
            .map(|s| s.intent.as_str()),
        Some("order_status")
    );
    let extractor = common::demo_extractor();
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
    g.bench_function("hinglish", |b| {
        b.iter(|| classifier.classify(black_box(HINGLISH)))
    });
    g.bench_function("arabic", |b| {
        b.iter(|| classifier.classify(black_box(ARABIC)))
    });
    g.finish();

    let mut g = c.benchmark_group("entities");
    g.bench_function("order_status", |b| {
        b.iter(|| extractor.extract(black_box(MESSAGE), today))
    });
    g.bench_function("long_message", |b| {
        b.iter(|| extractor.extract(black_box(LONG), today))
    });
    g.bench_function("arabic", |b| {
        b.iter(|| extractor.extract(black_box(ARABIC), today))
    });
    g.finish();

    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("store_13_intents", |b| {
        b.iter(|| Classifier::train_with_negatives(black_box(&train), &negatives))
    });
    let large = common::large_training(200, 25);
    assert_eq!(large.iter().map(|(_, e)| e.len()).sum::<usize>(), 5000);
    g.bench_function("large_200_intents_5000_examples", |b| {
        b.iter(|| Classifier::train(black_box(&large)))
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
