//! Micro-benchmarks of the runtime's hot pieces, on the demo store project: understanding the
//! W2 message, building a template context, rendering the order-status reply and step
//! arguments, JSON parsing, schema checking and JSONPath extraction of an order, and
//! validating inputs and building requests. `cargo bench -p switchboard-runtime --bench
//! hot_paths`; `cargo xtask bench micro` runs it pinned.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::{LoadOptions, Project};
use switchboard_runtime::engine::understand::Understanding;
use switchboard_runtime::pipeline::response::{CompiledResponse, parse_json};
use switchboard_runtime::pipeline::{Pipeline, request};
use switchboard_runtime::template::{Templates, context};

fn project() -> Project {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/store/switchboard.yaml");
    match switchboard_config::load(&path, &LoadOptions::default()) {
        Ok((project, _warnings)) => project,
        Err(errors) => panic!("the demo project does not load:\n{errors}"),
    }
}

/// The body `GET /orders/1001` answers on the demo backend.
fn order_body() -> Value {
    json!({
        "id": "1001",
        "status": "shipped",
        "customer_id": "C42",
        "placed_at": "2026-11-20T10:15:00Z",
        "items": [
            { "sku": "MUG-01", "name": "Ceramic mug", "qty": 2, "price": 12.50 },
            { "sku": "TEE-M", "name": "Cotton T-shirt (M)", "qty": 1, "price": 24.99 }
        ],
        "total": { "amount": 49.99, "currency": "USD" },
        "tracking_number": "TRK1001",
        "shipment": { "carrier": "DHL", "tracking_number": "TRK1001" }
    })
}

/// The template context of the W2 turn once its steps have run, as the engine builds it.
fn turn_context() -> Value {
    json!({
        "slots": { "order_id": "1001" },
        "user": { "id": "bench-user-1" },
        "conversation": { "id": "021f48fc-b115-53f6-b2e9-9ee12a4157b5" },
        "turn": { "id": "5f0c7a52-6d0e-4f3e-9c3a-1c2b3d4e5f60" },
        "steps": {
            "order": { "id": "1001", "status": "shipped", "tracking": "TRK1001", "customer": "C42", "total": 49.99, "currency": "USD" },
            "shipment": { "status": "in_transit", "carrier": "DHL", "city": "Dubai", "country": "AE", "eta": "2026-11-30" },
            "customer": { "first_name": "Aisha", "last_name": "Khan", "tier": "gold", "member_since": "2021-03-14" }
        }
    })
}

fn bench(c: &mut Criterion) {
    let project = Arc::new(project());
    let templates = Templates::compile(&project).expect("templates compile");
    let intent = &project.intents["order_status"];
    let store = &project.connectors["store"];

    let understanding = Understanding::train(&project).expect("models train");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("a valid date");
    let mut g = c.benchmark_group("turn");
    g.bench_function("understand", |b| {
        b.iter(|| understanding.understand(black_box("where is my order 1001?"), today))
    });
    g.finish();

    let data = turn_context();
    let ctx = context(&data);
    let reply = templates
        .reply(&intent.reply, &ctx)
        .expect("renders")
        .expect("a variant applies");
    assert_eq!(
        reply,
        "Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30."
    );
    let log_step = &intent.steps["log"];
    let mut g = c.benchmark_group("template");
    g.bench_function("context_from_json", |b| {
        b.iter(|| context(black_box(&data)))
    });
    g.bench_function("render_order_status_reply", |b| {
        b.iter(|| templates.reply(&intent.reply, black_box(&ctx)))
    });
    g.bench_function("step_arguments_log", |b| {
        b.iter(|| templates.values(&log_step.with, black_box(&ctx)))
    });
    g.finish();

    let get_order = &store.operations["get_order"];
    let compiled = CompiledResponse::new(&get_order.response).expect("the schema compiles");
    let body = order_body();
    let bytes = serde_json::to_vec(&body).expect("serialises");
    assert_eq!(compiled.extract(&body)["tracking"], json!("TRK1001"));
    let mut g = c.benchmark_group("response");
    g.bench_function("parse_json_order", |b| {
        b.iter(|| parse_json(black_box(&bytes)))
    });
    g.bench_function("schema_check_order", |b| {
        b.iter(|| compiled.check(black_box(&body)))
    });
    g.bench_function("jsonpath_extract_order", |b| {
        b.iter(|| compiled.extract(black_box(&body)))
    });
    g.finish();

    let mut args = Map::new();
    args.insert("order_id".into(), json!("1001"));
    let inputs = Pipeline::validate_inputs(get_order, &args).expect("valid inputs");
    let log = &store.operations["log_interaction"];
    let mut log_args = Map::new();
    log_args.insert("customer_id".into(), json!("C42"));
    log_args.insert("summary".into(), json!("order status 1001: shipped"));
    let log_inputs = Pipeline::validate_inputs(log, &log_args).expect("valid inputs");
    let base = request::Base::new(
        reqwest::Url::parse(&store.base_url).expect("the store's base URL"),
        store,
    )
    .expect("the store's headers");
    let mut g = c.benchmark_group("request");
    g.bench_function("validate_inputs_get_order", |b| {
        b.iter(|| Pipeline::validate_inputs(get_order, black_box(&args)))
    });
    g.bench_function("build_get_order", |b| {
        b.iter(|| request::build(&base, get_order, black_box(&inputs), &templates))
    });
    g.bench_function("build_log_interaction", |b| {
        b.iter(|| request::build(&base, log, black_box(&log_inputs), &templates))
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
