//! Entity extraction: typed values (ids, list values, numbers, money, dates, e-mails, phones)
//! found in a message, with their byte spans.
//!
//! Every entity gets its own non-overlapping matches, and different entities may overlap: an
//! `order_id` pattern and the built-in number can both see "1001", and the engine picks by the
//! entity a slot asks for. Built-ins are the exception, settled among themselves first: the
//! longer reading wins, so "$12.50" is an amount rather than a number, and "25/11/2026" a
//! date rather than a phone.

mod builtin;
mod date;
mod lookup;
mod time;

use std::fmt;

use chrono::NaiveDate;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::normalize::{Folded, truncate};

/// Only this many bytes of a message are scanned; spans stay valid offsets into the full text.
pub const MAX_EXTRACT_BYTES: usize = 8 * 1024;

/// Compiled size budget for a user-supplied pattern.
const PATTERN_SIZE_LIMIT: usize = 16 << 20;

/// How an entity is recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityDef {
    /// A regular expression (Rust `regex` syntax). The first capture group, when present and
    /// matched, is the value; otherwise the whole match is; then `shape` is applied to it.
    Pattern { regex: String, shape: ValueShape },
    /// One of a fixed list of values, by name or synonym; the value reported is canonical.
    Lookup { values: Vec<LookupValue> },
    /// A built-in type with its own parser.
    Builtin(Builtin),
}

impl EntityDef {
    /// A pattern whose value is taken as matched.
    pub fn pattern(regex: impl Into<String>) -> EntityDef {
        EntityDef::Pattern {
            regex: regex.into(),
            shape: ValueShape::default(),
        }
    }
}

/// How a pattern's value is written once found, so `trk 1014` and `TRK1014` are one id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueShape {
    /// Letters in upper (`Some(true)`) or lower (`Some(false)`) case; `None`: as typed.
    pub upper: Option<bool>,
    /// Characters removed from the value (`" -"`).
    pub strip: String,
}

impl ValueShape {
    fn apply(&self, value: &str) -> String {
        let kept = value.chars().filter(|c| !self.strip.contains(*c));
        match self.upper {
            Some(true) => kept.flat_map(char::to_uppercase).collect(),
            Some(false) => kept.flat_map(char::to_lowercase).collect(),
            None => kept.collect(),
        }
    }
}

/// A canonical value of a lookup list with the other ways users say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupValue {
    pub value: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
}

/// Built-in entity types. Values are JSON:
/// - `Number`: a number (`12`, `3.5`, `1,200`, words "zero" to "twenty");
/// - `Amount`: `{"amount": 12.5, "currency": "USD"}` (ISO 4217 code);
/// - `Date`: `"YYYY-MM-DD"`, relative words resolved against the `today` passed in;
/// - `DateRange`: `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}` ("this week", "next week");
/// - `Time`: `"HH:MM"`, 24-hour (`4pm`, `10:30 am`, `12 noon`, `shaam 5 baje`);
/// - `Email`: the address, lowercased;
/// - `Phone`: digits only, with a leading `+` kept when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    Number,
    Amount,
    Date,
    DateRange,
    Time,
    Email,
    Phone,
}

impl Builtin {
    /// Every built-in, in declaration order.
    pub const ALL: [Builtin; 7] = [
        Builtin::Number,
        Builtin::Amount,
        Builtin::Date,
        Builtin::DateRange,
        Builtin::Time,
        Builtin::Email,
        Builtin::Phone,
    ];

    /// The name used in project files: `number`, `amount`, `date`, `date_range`, `time`,
    /// `email`, `phone`.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Number => "number",
            Builtin::Amount => "amount",
            Builtin::Date => "date",
            Builtin::DateRange => "date_range",
            Builtin::Time => "time",
            Builtin::Email => "email",
            Builtin::Phone => "phone",
        }
    }

    /// Tie-break between built-in readings of the same span: the more specific type wins.
    fn priority(self) -> u8 {
        match self {
            Builtin::DateRange => 0,
            Builtin::Date => 1,
            Builtin::Time => 2,
            Builtin::Amount => 3,
            Builtin::Email => 4,
            Builtin::Phone => 5,
            Builtin::Number => 6,
        }
    }
}

impl std::str::FromStr for Builtin {
    type Err = String;

    /// Parses a project-file name (`"date"`); the error lists the valid names.
    fn from_str(name: &str) -> Result<Builtin, String> {
        Builtin::ALL
            .into_iter()
            .find(|b| b.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
                format!(
                    "unknown built-in entity `{name}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entity found in a message. `start..end` are byte offsets into the text given to
/// [`EntityExtractor::extract`] and `text` is that slice (for a pattern, the whole match).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityMatch {
    pub entity: String,
    pub value: Value,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// An entity definition that cannot be used, naming the entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityError {
    pub entity: String,
    pub message: String,
}

impl fmt::Display for EntityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entity `{}`: {}", self.entity, self.message)
    }
}

impl std::error::Error for EntityError {}

/// A built-in reading of part of the text, before overlaps are settled.
#[derive(Debug, Clone)]
struct Candidate {
    kind: Builtin,
    value: Value,
    start: usize,
    end: usize,
}

impl Candidate {
    fn new(kind: Builtin, value: Value, start: usize, end: usize) -> Candidate {
        Candidate {
            kind,
            value,
            start,
            end,
        }
    }
}

#[derive(Debug, Clone)]
enum Compiled {
    Pattern(Regex, ValueShape),
    Lookup(lookup::Lookup),
    Builtin(Builtin),
}

/// Finds a project's entities in messages. Build once; `extract` is cheap and never panics.
#[derive(Debug, Clone)]
pub struct EntityExtractor {
    entities: Vec<(String, Compiled)>,
}

impl EntityExtractor {
    /// Compiles the definitions. A pattern that does not compile (or is too large) is an
    /// error naming its entity, reported when the project loads rather than per message.
    pub fn new(defs: Vec<(String, EntityDef)>) -> Result<EntityExtractor, EntityError> {
        let mut entities = Vec::with_capacity(defs.len());
        for (name, def) in defs {
            let compiled = match def {
                EntityDef::Pattern { regex, shape } => {
                    let re = RegexBuilder::new(&regex)
                        .size_limit(PATTERN_SIZE_LIMIT)
                        .build()
                        .map_err(|e| EntityError {
                            entity: name.clone(),
                            message: format!("invalid pattern: {e}"),
                        })?;
                    Compiled::Pattern(re, shape)
                }
                EntityDef::Lookup { values } => {
                    let l = lookup::Lookup::new(&values).map_err(|message| EntityError {
                        entity: name.clone(),
                        message,
                    })?;
                    Compiled::Lookup(l)
                }
                EntityDef::Builtin(b) => Compiled::Builtin(b),
            };
            entities.push((name, compiled));
        }
        Ok(EntityExtractor { entities })
    }

    /// All entities found in `text`, ordered by position (longer first at the same start,
    /// then definition order). `today` anchors relative dates.
    ///
    /// The text is read folded ([`crate::normalize::fold`]: `TRK١٠١٧` reads `TRK1017`), so a
    /// pattern's value is the folded one, while `text`, `start` and `end` are the user's own.
    pub fn extract(&self, text: &str, today: NaiveDate) -> Vec<EntityMatch> {
        let original = truncate(text, MAX_EXTRACT_BYTES);
        let folded = Folded::new(original);
        let scanned = folded.text.as_str();
        let builtins = if self
            .entities
            .iter()
            .any(|(_, c)| matches!(c, Compiled::Builtin(_)))
        {
            builtin_matches(scanned, today)
        } else {
            Vec::new()
        };
        let mut out: Vec<(usize, EntityMatch)> = Vec::new();
        for (order, (name, compiled)) in self.entities.iter().enumerate() {
            let mut push = |start: usize, end: usize, value: Value| {
                let (start, end) = folded.original(start, end);
                out.push((
                    order,
                    EntityMatch {
                        entity: name.clone(),
                        value,
                        text: original[start..end].to_string(),
                        start,
                        end,
                    },
                ));
            };
            match compiled {
                Compiled::Pattern(re, shape) => {
                    for caps in re.captures_iter(scanned) {
                        let Some(whole) = caps.get(0) else { continue };
                        if whole.is_empty() {
                            continue;
                        }
                        let value = caps.get(1).unwrap_or(whole).as_str();
                        push(
                            whole.start(),
                            whole.end(),
                            Value::String(shape.apply(value)),
                        );
                    }
                }
                Compiled::Lookup(l) => {
                    for (start, end, value) in l.find(scanned) {
                        push(start, end, Value::String(value));
                    }
                }
                Compiled::Builtin(kind) => {
                    for c in builtins.iter().filter(|c| c.kind == *kind) {
                        push(c.start, c.end, c.value.clone());
                    }
                }
            }
        }
        out.sort_by(|(oa, a), (ob, b)| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(oa.cmp(ob))
        });
        out.into_iter().map(|(_, m)| m).collect()
    }
}

/// Every built-in reading of `text`, overlaps settled: longest span first, then the more
/// specific type, then the earlier position.
fn builtin_matches(text: &str, today: NaiveDate) -> Vec<Candidate> {
    let mut all = Vec::new();
    date::dates(text, today, &mut all);
    date::ranges(text, today, &mut all);
    time::times(text, &mut all);
    builtin::amounts(text, &mut all);
    builtin::emails(text, &mut all);
    builtin::phones(text, &mut all);
    builtin::numbers(text, &mut all);
    all.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(a.kind.priority().cmp(&b.kind.priority()))
            .then(a.start.cmp(&b.start))
    });
    // Bytes already taken by a kept reading; checking a candidate costs its own length.
    let mut taken = vec![false; text.len()];
    let mut kept: Vec<Candidate> = Vec::new();
    for c in all {
        if c.start < c.end && c.end <= taken.len() && !taken[c.start..c.end].contains(&true) {
            taken[c.start..c.end].fill(true);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

#[cfg(test)]
mod tests;
