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
    EntityExtractor::new(vec![("order_id".into(), EntityDef::pattern(regex))]).expect("compiles")
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
            EntityDef::pattern(r"#?([A-Z]?-?\d{3,10})"),
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
    let err = EntityExtractor::new(vec![("ticket".into(), EntityDef::pattern("(unclosed"))])
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
    let mut defs: Vec<(String, EntityDef)> = Builtin::ALL
        .iter()
        .map(|b| (b.name().to_string(), EntityDef::Builtin(*b)))
        .collect();
    defs.push(("id".into(), EntityDef::pattern(r"(?i)\b(trk\s?\d+)\b|\d+")));
    defs.push((
        "city".into(),
        EntityDef::Lookup {
            values: vec![LookupValue {
                value: "Dubai".into(),
                synonyms: vec!["دبي".into(), "ﷺ".into()],
            }],
        },
    ));
    let x = EntityExtractor::new(defs).expect("compiles");
    let long_numbers = "1 ".repeat(60_000);
    let long_mixed = "€5 tomorrow ✨ +971 50 123 4567 ".repeat(4_000);
    // Characters that fold to several (a ligature of eighteen letters) or to none.
    let long_folding = "ﷺ ٥ baje ـــ TRK١٠ بكرة ".repeat(2_000);
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
        long_folding.as_str(),
        "ﷺ دبي ﷺ TRK١٠١٧ الساعة ٤ مساءً ₹١,٠٠,٠٠٠",
        "مَرْحَبًا ـ ١٢٫٥ درهم ۱۲ १२ baje",
        "e\u{301}\u{301}\u{301} 4pm ＴＲＫ１２ ﬁ ß",
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
    assert!(
        err.contains("number, amount, date, date_range, time, email, phone"),
        "{err}"
    );
}

#[test]
fn amounts_as_people_write_them() {
    let check = checker(Builtin::Amount);
    let inr = |a: Value| json!({ "amount": a, "currency": "INR" });
    let aed = |a: Value| json!({ "amount": a, "currency": "AED" });
    check("Rs. 2,499", &[inr(json!(2499))]);
    check("₹1,00,000 to usd", &[inr(json!(100000))]);
    check("12,34,567 rupees", &[inr(json!(1234567))]);
    check("convert 5k rupees", &[inr(json!(5000))]);
    check("1.5 lakh rupees in dirhams?", &[inr(json!(150000))]);
    check("2 crore rs", &[inr(json!(20000000))]);
    check("$3m", &[json!({ "amount": 3000000, "currency": "USD" })]);
    check("100 dirham kitne rupees", &[aed(json!(100))]);
    check("how many rupees is 100 dirhams", &[aed(json!(100))]);
    check("كم يساوي ٥٠ درهم", &[aed(json!(50))]);
    check("د.إ 75", &[aed(json!(75))]);
    check("20 bucks", &[json!({ "amount": 20, "currency": "USD" })]);
    check("500 rupaye", &[inr(json!(500))]);
    check("5 more dollars", &[]);
    check("$12abc", &[]);
}

#[test]
fn times() {
    let check = checker(Builtin::Time);
    let t = |s: &str| json!(s);
    check("at 16:30", &[t("16:30")]);
    check("4pm", &[t("16:00")]);
    check("4 pm", &[t("16:00")]);
    check("10:30 am", &[t("10:30")]);
    check("10.30am tomorrow", &[t("10:30")]);
    check("4 p.m. please", &[t("16:00")]);
    check("12 noon", &[t("12:00")]);
    check("at midnight", &[t("00:00")]);
    check("12am", &[t("00:00")]);
    check("12pm", &[t("12:00")]);
    check("4:30 in the evening", &[t("16:30")]);
    check("9 o'clock in the morning", &[t("09:00")]);
    check("5 baje", &[t("17:00")]);
    check("shaam 5 baje", &[t("17:00")]);
    check("subah 10 baje", &[t("10:00")]);
    check("raat 9 baje", &[t("21:00")]);
    check("book me at 10", &[t("10:00")]);
    check("الساعة ٤ مساءً", &[t("16:00")]);
    check("الساعة 9 صباحا", &[t("09:00")]);
    check("13pm", &[]);
    check("order 1001", &[]);
    check("4pmx", &[]);
    check("2 hours", &[]);
}

#[test]
fn relative_days_in_three_languages() {
    let check = checker(Builtin::Date);
    // today() is Wednesday 2026-11-18.
    let d = |s: &str| json!(s);
    for (said, day) in [
        ("kal", "2026-11-19"),
        ("aaj", "2026-11-18"),
        ("parso", "2026-11-20"),
        ("2moro", "2026-11-19"),
        ("tmrw", "2026-11-19"),
        ("bukra", "2026-11-19"),
        ("بكرة", "2026-11-19"),
        ("بعد بكرة", "2026-11-20"),
        ("اليوم", "2026-11-18"),
        ("day after  tomorrow", "2026-11-20"),
    ] {
        check(&format!("slots {said}?"), &[d(day)]);
    }
    check("kalpana", &[]);
}

#[test]
fn week_ranges() {
    let check = checker(Builtin::DateRange);
    let r = |from: &str, to: &str| json!({ "from": from, "to": to });
    check("this week", &[r("2026-11-18", "2026-11-22")]);
    check("any slots next week", &[r("2026-11-23", "2026-11-29")]);
    check("this weekend", &[r("2026-11-21", "2026-11-22")]);
    check("agle hafte", &[r("2026-11-23", "2026-11-29")]);
    check("الأسبوع الجاي", &[r("2026-11-23", "2026-11-29")]);
    check("weekly report", &[]);
}

#[test]
fn ids_in_other_digits_read_as_ascii_with_the_users_span() {
    let e = EntityExtractor::new(vec![(
        "tracking".to_string(),
        EntityDef::Pattern {
            regex: r"(?i)\b(TRK\s?\d{3,10})\b".to_string(),
            shape: ValueShape {
                upper: Some(true),
                strip: " ".into(),
            },
        },
    )])
    .expect("compiles");
    for (input, value) in [
        ("تتبع الشحنة TRK١٠١٧", "TRK1017"),
        ("track TRK۱۰۲۲ please", "TRK1022"),
        ("TRK१००६ kahan hai", "TRK1006"),
        ("trk1005 kahan", "TRK1005"),
        ("shipment TRK 1014 ki location", "TRK1014"),
        ("ＴＲＫ１０１７", "TRK1017"),
    ] {
        let found = e.extract(input, today());
        assert_eq!(found.len(), 1, "{input}");
        let m = &found[0];
        assert_eq!(m.value, json!(value), "{input}");
        assert_eq!(&input[m.start..m.end], m.text, "{input}");
        assert!(
            m.text.to_uppercase().starts_with("TRK") || m.text.starts_with('Ｔ'),
            "{m:?}"
        );
    }
}

#[test]
fn lookups_find_arabic_spelling_variants() {
    let e = EntityExtractor::new(vec![(
        "city".to_string(),
        EntityDef::Lookup {
            values: vec![LookupValue {
                value: "Abu Dhabi".into(),
                synonyms: vec!["أبوظبي".into(), "ابو ظبي".into()],
            }],
        },
    )])
    .expect("compiles");
    for input in [
        "الطقس في ابوظبي",
        "الطقس في أبوظبي",
        "في أبو ظبي",
        "الجو بأبوظبي؟",
        "وابوظبي",
    ] {
        let found = e.extract(input, today());
        assert_eq!(found.len(), 1, "{input}");
        assert_eq!(found[0].value, json!("Abu Dhabi"));
        assert_eq!(&input[found[0].start..found[0].end], found[0].text);
    }
}
