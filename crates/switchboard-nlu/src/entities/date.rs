//! Dates in the ways people type them, resolved against "today" to ISO `YYYY-MM-DD`.
//!
//! Relative expressions need a reference day, which the caller passes in (the engine uses the
//! user's local date), so extraction stays pure and testable. Expressions without a year mean
//! the next such day on or after today: "25 November" said in December is next year's.

use std::sync::LazyLock;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use regex::{Captures, Regex};
use serde_json::json;

use super::Candidate;
use crate::entities::Builtin;

const MONTHS: &str = r"january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
const ORDINAL: &str = r"(?:st|nd|rd|th)";

/// Weekday names; `sat` and `sun` are left out as they are ordinary English words.
const WEEKDAYS: &str = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|weds|wed|thurs|thur|thu|fri";

static ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\b").expect("valid regex"));

static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([0-9]{1,2})([/.])([0-9]{1,2})([/.])([0-9]{4}|[0-9]{2})\b").expect("valid regex")
});

/// Words for a day relative to today, in English as typed in chat, Hinglish and Arabic
/// (folded: `بكره`), with the number of days ahead. `kal` is tomorrow: a bot is asked about
/// what is to come, and Hindi uses one word for both.
const RELATIVE_WORDS: [(&str, i64); 28] = [
    ("the day after tomorrow", 2),
    ("day after tomorrow", 2),
    ("day after tmrw", 2),
    ("parso", 2),
    ("parson", 2),
    ("بعد بكره", 2),
    ("بعد باكر", 2),
    ("today", 0),
    ("tonight", 0),
    ("aaj", 0),
    ("aj", 0),
    ("اليوم", 0),
    ("الليله", 0),
    ("tomorrow", 1),
    ("tomorow", 1),
    ("tommorow", 1),
    ("tommorrow", 1),
    ("tmrw", 1),
    ("tmr", 1),
    ("tmrrw", 1),
    ("2moro", 1),
    ("2morrow", 1),
    ("2mrw", 1),
    ("kal", 1),
    ("bukra", 1),
    ("bokra", 1),
    ("بكره", 1),
    ("yesterday", -1),
];

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<String> = RELATIVE_WORDS
        .iter()
        .map(|(w, _)| {
            w.split(' ')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect();
    Regex::new(&format!(r"(?i)\b(?:{})\b", words.join("|"))).expect("valid regex")
});

/// "this week", "next week", "this weekend", Hinglish "is hafte", "agle hafte", Arabic
/// "هذا الاسبوع", "الاسبوع الجاي" (folded).
static WEEK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?P<this>this|is|iss|هذا)\s+(?P<w1>weekend|week|hafte|hafta|الاسبوع)|(?P<next>next|agle|agla|upcoming|coming)\s+(?P<w2>weekend|week|hafte|hafta)|(?P<w3>الاسبوع)\s+(?P<next_ar>الجاي|القادم|الياي))\b",
    )
    .expect("valid regex")
});

static IN_DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bin\s+([0-9]{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(days?|weeks?)\b")
        .expect("valid regex")
});

static WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:(next|this|coming|this\s+coming)\s+)?({WEEKDAYS})\b\.?"
    ))
    .expect("valid regex")
});

/// "the 25th", "25th", "the 3rd of November".
static ORDINAL_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:the\s+)?([0-9]{{1,2}}){ORDINAL}\b(?:\s+of\s+({MONTHS})\b\.?(?:,?\s+([0-9]{{4}})\b)?)?"
    ))
    .expect("valid regex")
});

/// "25 November", "25th of Nov 2026".
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b([0-9]{{1,2}}){ORDINAL}?\s+(?:of\s+)?({MONTHS})\b\.?(?:,?\s+([0-9]{{4}})\b)?"
    ))
    .expect("valid regex")
});

/// "Nov 25", "November 25th, 2026".
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+(?:the\s+)?([0-9]{{1,2}}){ORDINAL}?\b(?:,?\s+([0-9]{{4}})\b)?"
    ))
    .expect("valid regex")
});

/// Finds every date expression in `text`.
pub(super) fn dates(text: &str, today: NaiveDate, out: &mut Vec<Candidate>) {
    let mut push = |start: usize, end: usize, date: Option<NaiveDate>| {
        if let Some(d) = date {
            out.push(Candidate::new(
                Builtin::Date,
                json!(d.format("%Y-%m-%d").to_string()),
                start,
                end,
            ));
        }
    };
    for c in ISO.captures_iter(text) {
        let (y, m, d) = (num(&c, 1), num(&c, 2), num(&c, 3));
        push(span(&c).0, span(&c).1, ymd(y, m, d));
    }
    for c in NUMERIC.captures_iter(text) {
        if c[2] != c[4] {
            continue; // "12/11.2026" is not a date
        }
        let (a, b, mut y) = (num(&c, 1), num(&c, 3), num(&c, 5));
        if c[5].len() == 2 {
            y += 2000;
        }
        // Day first, unless only month-first makes sense ("11/25/2026").
        let date = ymd(y, b, a).or_else(|| if b > 12 { ymd(y, a, b) } else { None });
        push(span(&c).0, span(&c).1, date);
    }
    for m in RELATIVE.find_iter(text) {
        let said = m.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let said = said.to_lowercase();
        let offset = RELATIVE_WORDS
            .iter()
            .find(|(w, _)| *w == said)
            .map_or(0, |(_, n)| *n);
        push(m.start(), m.end(), add_days(today, offset));
    }
    for c in IN_DAYS.captures_iter(text) {
        let n = match c[1].to_lowercase().as_str() {
            "a" | "an" | "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            "ten" => 10,
            digits => digits.parse().unwrap_or(0),
        };
        let days = if c[2].to_lowercase().starts_with("week") {
            n * 7
        } else {
            n
        };
        push(span(&c).0, span(&c).1, add_days(today, days));
    }
    for c in WEEKDAY.captures_iter(text) {
        let Some(weekday) = weekday(&c[2]) else {
            continue;
        };
        let this = c
            .get(1)
            .is_some_and(|m| m.as_str().to_lowercase().starts_with("this"));
        // "this friday" may be today; "friday" and "next friday" are the next one after today.
        let mut ahead = (7 + weekday.num_days_from_monday() as i64
            - today.weekday().num_days_from_monday() as i64)
            % 7;
        if ahead == 0 && !this {
            ahead = 7;
        }
        let (start, mut end) = span(&c);
        if text[..end].ends_with('.') {
            end -= 1;
        }
        push(start, end, add_days(today, ahead));
    }
    for c in ORDINAL_DAY.captures_iter(text) {
        let day = num(&c, 1);
        let date = match c.get(2) {
            Some(month) => with_month(today, month.as_str(), day, c.get(3).map(|y| y.as_str())),
            None => next_day_of_month(today, day),
        };
        let (start, end) = trimmed_span(text, &c);
        push(start, end, date);
    }
    for c in DAY_MONTH.captures_iter(text) {
        let date = with_month(today, &c[2], num(&c, 1), c.get(3).map(|y| y.as_str()));
        let (start, end) = trimmed_span(text, &c);
        push(start, end, date);
    }
    for c in MONTH_DAY.captures_iter(text) {
        let date = with_month(today, &c[1], num(&c, 2), c.get(3).map(|y| y.as_str()));
        let (start, end) = trimmed_span(text, &c);
        push(start, end, date);
    }
}

fn span(c: &Captures<'_>) -> (usize, usize) {
    c.get(0).map_or((0, 0), |m| (m.start(), m.end()))
}

/// The span without a trailing abbreviation dot ("Nov." keeps "Nov").
fn trimmed_span(text: &str, c: &Captures<'_>) -> (usize, usize) {
    let (start, mut end) = span(c);
    if end > start && text[..end].ends_with('.') {
        end -= 1;
    }
    (start, end)
}

/// A small captured number; the regexes only capture up to four digits.
fn num(c: &Captures<'_>, i: usize) -> i64 {
    c.get(i).and_then(|m| m.as_str().parse().ok()).unwrap_or(0)
}

fn ymd(y: i64, m: i64, d: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    )
}

fn add_days(today: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        today.checked_add_days(Days::new(n as u64))
    } else {
        today.checked_sub_days(Days::new(n.unsigned_abs()))
    }
}

fn weekday(name: &str) -> Option<Weekday> {
    let lower = name.to_lowercase();
    Some(match lower.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    let i = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| lower.starts_with(m))?;
    Some(i as u32 + 1)
}

/// A day of a named month: in the given year, or the next occurrence on or after today.
fn with_month(today: NaiveDate, month: &str, day: i64, year: Option<&str>) -> Option<NaiveDate> {
    let month = i64::from(month_number(month)?);
    if let Some(y) = year {
        return ymd(y.parse().ok()?, month, day);
    }
    let y = i64::from(today.year());
    // Feb 29 may be up to four years away; anything else is this year or next.
    (0..=4)
        .filter_map(|k| ymd(y + k, month, day))
        .find(|d| *d >= today)
}

/// "the 25th": this month if it is still to come, otherwise the next month that has that day.
fn next_day_of_month(today: NaiveDate, day: i64) -> Option<NaiveDate> {
    let first = today.with_day(1)?;
    (0..=12)
        .filter_map(|k| {
            let month = first.checked_add_months(Months::new(k))?;
            ymd(i64::from(month.year()), i64::from(month.month()), day)
        })
        .find(|d| *d >= today)
}

/// Finds "this week", "next week" and their weekends, as `{from, to}` ranges. A week runs
/// Monday to Sunday; "this week" starts today, as what is past is of no use to a booking.
pub(super) fn ranges(text: &str, today: NaiveDate, out: &mut Vec<Candidate>) {
    for c in WEEK.captures_iter(text) {
        let next = c.name("next").is_some() || c.name("next_ar").is_some();
        let unit = c
            .name("w1")
            .or(c.name("w2"))
            .or(c.name("w3"))
            .map_or(String::new(), |m| m.as_str().to_lowercase());
        let monday = add_days(today, -i64::from(today.weekday().num_days_from_monday()));
        let Some(monday) = monday else { continue };
        let monday = if next {
            add_days(monday, 7)
        } else {
            Some(monday)
        };
        let Some(monday) = monday else { continue };
        let (from, to) = if unit == "weekend" {
            (add_days(monday, 5), add_days(monday, 6))
        } else {
            (Some(monday), add_days(monday, 6))
        };
        let (Some(from), Some(to)) = (from.map(|f| f.max(today)), to) else {
            continue;
        };
        if from > to {
            continue;
        }
        let (start, end) = span(&c);
        out.push(Candidate::new(
            Builtin::DateRange,
            json!({ "from": from.format("%Y-%m-%d").to_string(), "to": to.format("%Y-%m-%d").to_string() }),
            start,
            end,
        ));
    }
}
