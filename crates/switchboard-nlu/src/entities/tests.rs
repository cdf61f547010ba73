//! Table-driven tests for entity extraction.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::*;

/// A Wednesday.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).expect("valid date")
}

fn builtin(kind: Builtin) -> EntityExtractor {
    EntityExtractor::new(vec![("x".to_string(), EntityDef::Builtin(kind))]).expect("compiles")
}

/// Values of every match in `input`, checking each span against the text it reports.
fn values(extractor: &EntityExtractor, input: &str) -> Vec<Value> {
    extractor
        .extract(input, today())
        .into_iter()
        .map(|m| {
            assert_eq!(&input[m.start..m.end], m.text, "span of {m:?}");
            m.value
        })
        .collect()
}

/// `check(input, expected)`: the values found, in order, are exactly `expected`.
fn checker(kind: Builtin) -> impl Fn(&str, &[Value]) {
    let extractor = builtin(kind);
    move |input, expected| {
        assert_eq!(values(&extractor, input), expected, "{kind:?} in {input:?}");
    }
}

#[test]
fn numbers() {
    let check = checker(Builtin::Number);
    check("12", &[json!(12)]);
    check("about 3.5 kg", &[json!(3.5)]);
    check("1,200 people", &[json!(1200)]);
    check("1,200.50", &[json!(1200.5)]);
    check("one", &[json!(1)]);
    check("Twenty", &[json!(20)]);
    check("2 adults and three kids", &[json!(2), json!(3)]);
    check("where is my order 1001", &[json!(1001)]);
    check("did PAY-1001 go through", &[]);
    check("track TRK1001", &[]);
    check("at 10:00", &[]);
    check("someone", &[]);
    check("", &[]);
}

#[test]
fn amounts() {
    let check = checker(Builtin::Amount);
    let usd = |a: Value| json!({ "amount": a, "currency": "USD" });
    check("$12.50", &[usd(json!(12.5))]);
    check("it was 12.50 USD", &[usd(json!(12.5))]);
    check("20 usd", &[usd(json!(20))]);
    check("five dollars", &[usd(json!(5))]);
    check("€5", &[json!({ "amount": 5, "currency": "EUR" })]);
    check("100 rupees", &[json!({ "amount": 100, "currency": "INR" })]);
    check("Rs. 500", &[json!({ "amount": 500, "currency": "INR" })]);
    check("50 dirhams", &[json!({ "amount": 50, "currency": "AED" })]);
    check("AED 250", &[json!({ "amount": 250, "currency": "AED" })]);
    check(
        "£1,200.99",
        &[json!({ "amount": 1200.99, "currency": "GBP" })],
    );
    check("convert 50 USD to EUR", &[usd(json!(50))]);
    check("100 apples", &[]);
    check("USD to AED rate", &[]);
}

#[test]
fn dates() {
    let check = checker(Builtin::Date);
    let d = |s: &str| json!(s);
    check("today", &[d("2026-11-18")]);
    check("Tomorrow please", &[d("2026-11-19")]);
    check("tmrw", &[d("2026-11-19")]);
    check("the day after tomorrow", &[d("2026-11-20")]);
    check("day after tomorrow", &[d("2026-11-20")]);
    check("yesterday", &[d("2026-11-17")]);
    // Weekdays: the next one strictly after today, unless "this" (which may be today).
    check("friday", &[d("2026-11-20")]);
    check("next monday", &[d("2026-11-23")]);
    check("this friday", &[d("2026-11-20")]);
    check("wednesday", &[d("2026-11-25")]);
    check("next wednesday", &[d("2026-11-25")]);
    check("this Wednesday", &[d("2026-11-18")]);
    check("on tues", &[d("2026-11-24")]);
    // Days of the month: the next one on or after today.
    check("on the 25th", &[d("2026-11-25")]);
    check("the 18th", &[d("2026-11-18")]);
    check("the 10th", &[d("2026-12-10")]);
    check("the 31st", &[d("2026-12-31")]);
    check("the 3rd of December", &[d("2026-12-03")]);
    // Day and month, without a year: the next occurrence.
    check("25 November", &[d("2026-11-25")]);
    check("25th of Nov", &[d("2026-11-25")]);
    check("Nov 25", &[d("2026-11-25")]);
    check("Nov. 25", &[d("2026-11-25")]);
    check("November 25th, 2027", &[d("2027-11-25")]);
    check("1 Jan", &[d("2027-01-01")]);
    check("feb 29", &[d("2028-02-29")]);
    // Numeric.
    check("2026-11-25", &[d("2026-11-25")]);
    check("25/11/2026", &[d("2026-11-25")]);
    check("11/25/2026", &[d("2026-11-25")]);
    check("25.11.26", &[d("2026-11-25")]);
    check("31/02/2026", &[]);
    check("2026-13-01", &[]);
    // Relative spans.
    check("in 3 days", &[d("2026-11-21")]);
    check("in a week", &[d("2026-11-25")]);
    // Not dates.
    check("order 1001", &[]);
    check("I sat in the sun", &[]);
    check("may I ask", &[]);
}

#[test]
fn emails() {
    let check = checker(Builtin::Email);
    check(
        "Mail John.Doe@Example.COM.",
        &[json!("john.doe@example.com")],
    );
    check(
        "a+tag@mail.example.org, b@c.io",
        &[json!("a+tag@mail.example.org"), json!("b@c.io")],
    );
    check("user@localhost", &[]);
    check("@ example . com", &[]);
}

#[test]
fn phones() {
    let check = checker(Builtin::Phone);
    check("+971 50 123 4567", &[json!("+971501234567")]);
    check("call +1 (555) 123-4567 now", &[json!("+15551234567")]);
    check("050 123 4567", &[json!("0501234567")]);
    check("5551234567", &[json!("5551234567")]);
    check("+44 20 7946 0958.", &[json!("+442079460958")]);
    check("order 1001", &[]);
    check("123456", &[]);
    check("TRK12345678901", &[]);
}

#[test]
fn built_ins_settle_overlaps_by_length() {
    let all = EntityExtractor::new(vec![
        ("number".into(), EntityDef::Builtin(Builtin::Number)),
        ("amount".into(), EntityDef::Builtin(Builtin::Amount)),
        ("date".into(), EntityDef::Builtin(Builtin::Date)),
        ("phone".into(), EntityDef::Builtin(Builtin::Phone)),
        ("email".into(), EntityDef::Builtin(Builtin::Email)),
    ])
    .expect("compiles");
    let found = |text: &str| -> Vec<(String, Value)> {
        all.extract(text, today())
            .into_iter()
            .map(|m| (m.entity, m.value))
            .collect()
    };
    assert_eq!(
        found("$12.50"),
        [("amount".into(), json!({"amount": 12.5, "currency": "USD"}))]
    );
    assert_eq!(
        found("+971 50 123 4567"),
        [("phone".into(), json!("+971501234567"))]
    );
    assert_eq!(found("25/11/2026"), [("date".into(), json!("2026-11-25"))]);
    assert_eq!(found("2026-11-25"), [("date".into(), json!("2026-11-25"))]);
    assert_eq!(
        found("book 2 seats on 25 November"),
        [
            ("number".into(), json!(2)),
            ("date".into(), json!("2026-11-25")),
        ]
    );
}

#[test]
fn two_entities_of_one_built_in_both_match() {
    let x = EntityExtractor::new(vec![
        ("adults".into(), EntityDef::Builtin(Builtin::Number)),
        ("children".into(), EntityDef::Builtin(Builtin::Number)),
    ])
    .expect("compiles");
    let names: Vec<String> = x
        .extract("3", today())
        .into_iter()
        .map(|m| m.entity)
        .collect();
    assert_eq!(names, ["adults", "children"]);
}

fn pattern(regex: &str) -> EntityExtractor {
    EntityExtractor::new(vec![(
        "order_id".into(),
        EntityDef::Pattern {
            regex: regex.into(),
        },
    )])
    .expect("compiles")
}

#[test]
fn patterns_use_the_first_group() {
    let x = pattern(r"#?([A-Z]?-?\d{3,10})");
    let m = x.extract("track order #A-2231 now", today());
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].value, json!("A-2231"));
    assert_eq!(m[0].text, "#A-2231");
    assert_eq!((m[0].start, m[0].end), (12, 19));

    // Without a group the whole match is the value.
    let x = pattern(r"TRK\d+");
    assert_eq!(
        values(&x, "track TRK1001 and TRK2"),
        [json!("TRK1001"), json!("TRK2")]
    );
    // An optional group that did not take part falls back to the whole match.
    let x = pattern(r"PAY-(\d+)|REF-\d+");
    assert_eq!(
        values(&x, "PAY-1001 REF-7"),
        [json!("1001"), json!("REF-7")]
    );
    // Patterns that can match nothing do not produce empty matches.
    assert!(values(&pattern(r"\d*"), "abc").is_empty());
}

#[test]
fn patterns_coexist_with_built_ins() {
    let x = EntityExtractor::new(vec![
        (
            "order_id".into(),
            EntityDef::Pattern {
                regex: r"#?([A-Z]?-?\d{3,10})".into(),
            },
        ),
        ("count".into(), EntityDef::Builtin(Builtin::Number)),
    ])
    .expect("compiles");
    let m = x.extract("where is my order 1001", today());
    let got: Vec<(&str, &Value)> = m.iter().map(|m| (m.entity.as_str(), &m.value)).collect();
    assert_eq!(got, [("order_id", &json!("1001")), ("count", &json!(1001))]);
}

#[test]
fn bad_pattern_names_the_entity() {
    let err = EntityExtractor::new(vec![(
        "ticket".into(),
        EntityDef::Pattern {
            regex: "(unclosed".into(),
        },
    )])
    .expect_err("must not compile");
    assert_eq!(err.entity, "ticket");
    assert!(
        err.to_string()
            .starts_with("entity `ticket`: invalid pattern"),
        "{err}"
    );
}

fn cities() -> EntityExtractor {
    let v = |value: &str, synonyms: &[&str]| LookupValue {
        value: value.into(),
        synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
    };
    EntityExtractor::new(vec![(
        "city".into(),
        EntityDef::Lookup {
            values: vec![
                v("Dubai", &["dxb"]),
                v("New York", &["NYC", "new york city", "the big apple"]),
                v("York", &[]),
                v("C++ Town", &[]),
                v("", &[""]),
            ],
        },
    )])
    .expect("compiles")
}

#[test]
fn lookups_return_canonical_values() {
    let x = cities();
    let check = |input: &str, expected: &[&str]| {
        let got: Vec<Value> = values(&x, input);
        let expected: Vec<Value> = expected.iter().map(|e| json!(e)).collect();
        assert_eq!(got, expected, "in {input:?}");
    };
    check("weather in Dubai", &["Dubai"]);
    check("flying from DXB", &["Dubai"]);
    check("I'm in new york city today", &["New York"]);
    check("NEW-YORK or york", &["New York", "York"]);
    check("visiting the  big apple", &["New York"]);
    check("nyc and dubai", &["New York", "Dubai"]);
    check("dubaian yorkshire", &[]);
    check("welcome to c++ town!", &["C++ Town"]);
    check("", &[]);

    let m = x.extract("I'm in New York City", today());
    assert_eq!(m[0].text, "New York City");
}

#[test]
fn an_empty_lookup_matches_nothing() {
    let x = EntityExtractor::new(vec![("none".into(), EntityDef::Lookup { values: vec![] })])
        .expect("compiles");
    assert!(x.extract("anything", today()).is_empty());
}

#[test]
fn odd_input_never_panics_and_spans_stay_valid() {
    let x = EntityExtractor::new(vec![
        ("number".into(), EntityDef::Builtin(Builtin::Number)),
        ("amount".into(), EntityDef::Builtin(Builtin::Amount)),
        ("date".into(), EntityDef::Builtin(Builtin::Date)),
        ("phone".into(), EntityDef::Builtin(Builtin::Phone)),
        ("email".into(), EntityDef::Builtin(Builtin::Email)),
        (
            "id".into(),
            EntityDef::Pattern {
                regex: r"\d+".into(),
            },
        ),
    ])
    .expect("compiles");
    let long_numbers = "1 ".repeat(60_000);
    let long_mixed = "€5 tomorrow ✨ +971 50 123 4567 ".repeat(4_000);
    let inputs = [
        "",
        "🙂🙂🙂",
        "\u{0}\u{1}\u{7f}\r\n\t",
        "ü€5 über 25/11/2026 ✨",
        "99999999999999999999999999999 dollars",
        "the 99th",
        "in 999 weeks",
        long_numbers.as_str(),
        long_mixed.as_str(),
    ];
    for input in inputs {
        for m in x.extract(input, today()) {
            assert!(m.end <= MAX_EXTRACT_BYTES.min(input.len()));
            assert_eq!(&input[m.start..m.end], m.text);
        }
    }
    // Far-away reference dates do not overflow.
    for day in [NaiveDate::MIN, NaiveDate::MAX] {
        let _ = x.extract(
            "tomorrow, yesterday, friday, the 31st, in 999 weeks, feb 29",
            day,
        );
    }
}

#[test]
fn built_in_names_round_trip() {
    for b in Builtin::ALL {
        assert_eq!(b.name().parse::<Builtin>(), Ok(b));
        assert_eq!(
            serde_json::to_value(b).expect("serialises"),
            json!(b.name())
        );
    }
    let err = "money".parse::<Builtin>().expect_err("unknown");
    assert!(err.contains("number, amount, date, email, phone"), "{err}");
}
