//! Times of day as people write them, to 24-hour `HH:MM`: `16:30`, `4pm`, `10:30 am`,
//! `12 noon`, `4:30 in the evening`, Hinglish `5 baje` and `shaam 5 baje`, Arabic
//! `الساعة ٤ مساءً` (digits and letters already folded by the caller).
//!
//! An hour said without a part of the day and outside the 24-hour form ("at 4", "5 baje")
//! is read within business hours: 1 to 7 are afternoon and evening, 8 to 12 as they are.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::json;

use super::Candidate;
use crate::entities::Builtin;

/// An hour with optional minutes: `4`, `4:30`, `4.30`.
const CLOCK: &str = r"(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-5][0-9]))?";

/// Words for a part of the day, in English, Hinglish and Arabic (folded: `مساء`, `صباحا`).
const PERIOD: &str = r"morning|afternoon|evening|night|tonight|subah|subha|savere|dopahar|dopehar|dophar|shaam|sham|raat|مساء|مساءا|المساء|صباحا|صباح|الصبح|الصباح|العصر|الظهر|بالليل|الليل|الفجر";

/// `4pm`, `10:30 am`, `4 p.m.`.
static MERIDIEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b{CLOCK}\s*(?P<ap>a\.\s?m\.?|p\.\s?m\.?|am|pm|hrs|hours)"
    ))
    .expect("valid regex")
});

/// `4:30 in the evening`, `9 o'clock in the morning`, `5 baje shaam`, `٤ مساء`.
static CLOCK_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b{CLOCK}\s*(?:o'?clock\s*|baje\s*|bajey\s*|bje\s*)?(?:in\s+the\s+|at\s+|ki\s+|ke\s+)?(?P<p>{PERIOD})\b"
    ))
    .expect("valid regex")
});

/// `shaam 5 baje`, `subah 10`, `evening 6`, `مساء 5`.
static PERIOD_CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<p>{PERIOD})\s*(?:ko\s+|ke\s+|at\s+|الساعه\s*)?{CLOCK}\b(?:\s*(?:baje|bajey|bje|o'?clock)\b)?"
    ))
    .expect("valid regex")
});

/// `at 4`, `الساعه 4`, `5 baje`, `4 o'clock`: an hour without a part of the day.
static BARE: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    let after = r"(?:\s*(?:baje|bajey|bje|o'?clock)\b)?";
    [
        Regex::new(&format!(r"(?i)\b(?:at|الساعه)\s*{CLOCK}\b{after}")).expect("valid regex"),
        Regex::new(&format!(r"(?i)\b{CLOCK}\s*(?:baje|bajey|bje|o'?clock)\b"))
            .expect("valid regex"),
    ]
});

/// `16:30`, `09:00`: the 24-hour form, read as written.
static H24: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<h>[01]?[0-9]|2[0-3]):(?P<m>[0-5][0-9])\b").expect("valid regex")
});

/// `noon`, `12 noon`, `midday`, `midnight`, `dopahar 12`.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:12\s*)?(?P<w>noon|midday|midnight)\b").expect("valid regex")
});

/// How a part of the day moves an hour on a 12-hour clock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Morning,
    Afternoon,
    Night,
    /// No part of the day given: business hours.
    Unsaid,
}

fn half(word: &str) -> Half {
    match word.to_lowercase().as_str() {
        "am" | "morning" | "subah" | "subha" | "savere" | "صباحا" | "صباح" | "الصبح" | "الصباح"
        | "الفجر" => Half::Morning,
        "night" | "tonight" | "raat" | "بالليل" | "الليل" => Half::Night,
        w if w.starts_with('a') && w.contains('m') => Half::Morning,
        _ => Half::Afternoon,
    }
}

/// The 24-hour `HH:MM` of a 12-hour reading, or `None` when it is no time.
fn to_24(hour: u32, minute: u32, half: Half) -> Option<String> {
    if minute > 59 {
        return None;
    }
    let hour = match half {
        Half::Morning if (1..=12).contains(&hour) => hour % 12,
        Half::Afternoon if (1..=11).contains(&hour) => hour + 12,
        Half::Afternoon if hour == 12 => 12,
        Half::Night if (6..=11).contains(&hour) => hour + 12,
        Half::Night if hour == 12 => 0,
        Half::Night if hour < 6 => hour,
        Half::Unsaid if (1..=7).contains(&hour) => hour + 12,
        Half::Unsaid if (8..=12).contains(&hour) => hour,
        _ => return None,
    };
    Some(format!("{hour:02}:{minute:02}"))
}

fn clock(c: &Captures<'_>) -> (u32, u32) {
    let n = |name| {
        c.name(name)
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(0)
    };
    (n("h"), n("m"))
}

/// Finds every time of day in `text`.
pub(super) fn times(text: &str, out: &mut Vec<Candidate>) {
    let mut push = |c: &Captures<'_>, value: Option<String>| {
        if let (Some(v), Some(whole)) = (value, c.get(0)) {
            out.push(Candidate::new(
                Builtin::Time,
                json!(v),
                whole.start(),
                whole.end(),
            ));
        }
    };
    for c in MERIDIEM.captures_iter(text) {
        let (h, m) = clock(&c);
        let marker = c["ap"].to_lowercase();
        // "4pmx" is not a time; "4pm." and "4pm," are.
        let glued = text[c.get(0).map_or(0, |w| w.end())..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        if glued {
            continue;
        }
        let value = if marker == "hrs" || marker == "hours" {
            // "1600 hrs" is not caught (one number); "16:00 hrs" is the 24-hour form.
            (h < 24 && c.name("m").is_some()).then(|| format!("{h:02}:{m:02}"))
        } else if marker.starts_with('a') {
            to_24(h, m, Half::Morning)
        } else {
            to_24(h, m, Half::Afternoon)
        };
        push(&c, value);
    }
    for re in [&*CLOCK_PERIOD, &*PERIOD_CLOCK] {
        for c in re.captures_iter(text) {
            let (h, m) = clock(&c);
            let value = if h > 12 {
                (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
            } else {
                to_24(h, m, half(&c["p"]))
            };
            push(&c, value);
        }
    }
    for re in BARE.iter() {
        for c in re.captures_iter(text) {
            let (h, m) = clock(&c);
            let value = if h > 12 {
                (h < 24).then(|| format!("{h:02}:{m:02}"))
            } else {
                to_24(h, m, Half::Unsaid)
            };
            push(&c, value);
        }
    }
    for c in H24.captures_iter(text) {
        let (h, m) = clock(&c);
        push(&c, Some(format!("{h:02}:{m:02}")));
    }
    for c in NAMED.captures_iter(text) {
        let value = if c["w"].eq_ignore_ascii_case("midnight") {
            "00:00"
        } else {
            "12:00"
        };
        push(&c, Some(value.to_string()));
    }
}
