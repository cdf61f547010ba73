//! The `entities` section: typed values found in messages.

use super::common::Spanned;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A typed value found in a message. Give exactly one of `pattern`, `values` or `builtin`.
/// The built-ins `number`, `amount`, `date`, `date_range`, `time`, `email` and `phone` can be
/// used in slots without being declared.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Entity")]
pub struct RawEntity {
    /// A regular expression; the first capture group that matched (or the whole match) is
    /// the value.
    pub pattern: Option<Spanned<String>>,
    /// A lookup list: canonical values with their synonyms (`{ USD: [dollar, bucks] }`), or
    /// canonical values alone (`[USD, EUR]`).
    pub values: Option<Spanned<RawLookup>>,
    /// A built-in extractor under another name: `number`, `amount`, `date`, `date_range`,
    /// `time`, `email` or `phone`.
    pub builtin: Option<Spanned<String>>,
    /// With `pattern`: the value's letters in `upper` or `lower` case, so an id typed
    /// `trk1005` reads `TRK1005` (default: as typed). Pair it with `(?i)` in the pattern.
    pub case: Option<Spanned<String>>,
    /// With `pattern`: characters removed from the value, such as `" -"` so `TRK 1014` reads
    /// `TRK1014` (default: none).
    pub strip: Option<Spanned<String>>,
}

/// Lookup values: a map from canonical value to synonyms, or a list of canonical values.
#[derive(Debug, JsonSchema)]
#[schemars(untagged, rename = "LookupValues")]
pub enum RawLookup {
    /// Canonical value → synonyms.
    Synonyms(
        #[schemars(with = "IndexMap<String, Vec<String>>")]
        IndexMap<Spanned<String>, Vec<Spanned<String>>>,
    ),
    /// Canonical values alone.
    Plain(#[schemars(with = "Vec<String>")] Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawLookup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawLookup;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of values to synonyms, or a list of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawLookup, A::Error> {
                IndexMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawLookup::Synonyms)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawLookup, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawLookup::Plain)
            }
        }
        d.deserialize_any(V)
    }
}
