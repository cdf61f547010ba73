//! Test data shared by the NLU's integration tests and benchmarks; each uses a part.

#![allow(dead_code)]

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum Examples {
    List(Vec<String>),
    ByLanguage(IndexMap<String, Vec<String>>),
}

#[derive(Deserialize)]
struct Intent {
    examples: Examples,
}

#[derive(Deserialize, Default)]
struct Bot {
    #[serde(default)]
    out_of_scope: Vec<String>,
}

#[derive(Deserialize)]
struct Entity {
    pattern: Option<String>,
    case: Option<String>,
    strip: Option<String>,
    values: Option<IndexMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    bot: Bot,
    #[serde(default)]
    entities: IndexMap<String, Entity>,
    intents: IndexMap<String, Intent>,
}

fn demo() -> Project {
    let text = include_str!("../../../../examples/store/switchboard.yaml");
    marked_yaml::from_yaml(0, text).expect("the demo project parses")
}

/// The demo project's training examples (every language's), in file order, with the
/// built-in small talk, as the product trains on them.
pub fn demo_training() -> Vec<(String, Vec<String>)> {
    let mut training: Vec<(String, Vec<String>)> = demo()
        .intents
        .into_iter()
        .map(|(name, i)| {
            let examples = match i.examples {
                Examples::List(l) => l,
                Examples::ByLanguage(by) => by.into_values().flatten().collect(),
            };
            (name, examples)
        })
        .collect();
    switchboard_nlu::teach_small_talk(&mut training);
    training
}

/// The demo project's out-of-scope examples (`bot.out_of_scope`).
pub fn demo_negatives() -> Vec<String> {
    demo().bot.out_of_scope
}

/// The demo project's entities and every built-in it does not replace, as the engine
/// compiles them.
pub fn demo_extractor() -> switchboard_nlu::EntityExtractor {
    use switchboard_nlu::{Builtin, EntityDef, LookupValue, ValueShape};
    let entities = demo().entities;
    let mut defs = Vec::new();
    for (name, e) in &entities {
        let def = match (&e.pattern, &e.values) {
            (Some(regex), _) => EntityDef::Pattern {
                regex: regex.clone(),
                shape: ValueShape {
                    upper: e.case.as_deref().map(|c| c == "upper"),
                    strip: e.strip.clone().unwrap_or_default(),
                },
            },
            (None, Some(values)) => EntityDef::Lookup {
                values: values
                    .iter()
                    .map(|(value, synonyms)| LookupValue {
                        value: value.clone(),
                        synonyms: synonyms.clone(),
                    })
                    .collect(),
            },
            (None, None) => continue,
        };
        defs.push((name.clone(), def));
    }
    for b in Builtin::ALL {
        if !entities.contains_key(b.name()) {
            defs.push((b.name().to_string(), EntityDef::Builtin(b)));
        }
    }
    switchboard_nlu::EntityExtractor::new(defs).expect("the demo entities compile")
}

/// A large project made up for timing: `intents` intents of `per_intent` examples each,
/// every intent about its own pair of things, asked in the ways the demo's users ask.
pub fn large_training(intents: usize, per_intent: usize) -> Vec<(String, Vec<String>)> {
    const THINGS: [&str; 40] = [
        "order",
        "parcel",
        "invoice",
        "refund",
        "ticket",
        "booking",
        "account",
        "card",
        "loan",
        "policy",
        "claim",
        "subscription",
        "plan",
        "device",
        "router",
        "meter",
        "bill",
        "payment",
        "voucher",
        "coupon",
        "delivery",
        "return",
        "exchange",
        "warranty",
        "repair",
        "appointment",
        "visit",
        "course",
        "exam",
        "certificate",
        "permit",
        "license",
        "room",
        "table",
        "flight",
        "seat",
        "bag",
        "pass",
        "statement",
        "transfer",
    ];
    const ASKS: [&str; 25] = [
        "where is my {a} {b}",
        "check the {a} {b}",
        "status of {a} {b} please",
        "what happened to my {a} {b}",
        "{a} {b} update",
        "can you look up the {a} {b}",
        "any news on the {a} {b}",
        "i need help with my {a} {b}",
        "show me the {a} {b}",
        "is the {a} {b} ready",
        "when will the {a} {b} be done",
        "track {a} {b} 1001",
        "has the {a} {b} gone through",
        "my {a} {b} is late",
        "tell me about {a} {b}",
        "mera {a} {b} kahan hai",
        "{a} {b} ka status batao",
        "{a} {b} check karo",
        "{a} {b} kab milega",
        "wheres my {a} {b}",
        "{a} {b} not working",
        "problem with {a} {b}",
        "open my {a} {b}",
        "details of {a} {b} C42",
        "i want to know about the {a} {b}",
    ];
    (0..intents)
        .map(|i| {
            let (a, b) = (
                THINGS[i % THINGS.len()],
                THINGS[(i / THINGS.len() + 1 + i) % THINGS.len()],
            );
            let examples = (0..per_intent)
                .map(|k| {
                    let ask = ASKS[k % ASKS.len()];
                    let text = ask.replace("{a}", a).replace("{b}", b);
                    if k >= ASKS.len() {
                        format!("{text} {k}")
                    } else {
                        text
                    }
                })
                .collect();
            (format!("intent_{i}"), examples)
        })
        .collect()
}
