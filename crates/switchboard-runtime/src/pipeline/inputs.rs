//! Input checking: arguments against an operation's declared inputs, before anything is
//! built, with "did you mean" hints for misspelt names.

use super::{CallError, Pipeline};
use serde_json::{Map, Value};
use switchboard_config::model::Operation;

impl Pipeline {
    /// Checks arguments against an operation's inputs: unknown names are refused, values are
    /// validated and converted, defaults filled in. Every declared input is present in the
    /// result (null when optional and not given).
    pub fn validate_inputs(
        op: &Operation,
        args: &Map<String, Value>,
    ) -> Result<Map<String, Value>, CallError> {
        for name in args.keys() {
            if !op.inputs.contains_key(name) {
                let hint = closest(name, op.inputs.keys())
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                return Err(CallError::UnknownInput {
                    operation: format!("{}.{}", op.connector, op.name),
                    input: name.clone(),
                    hint,
                });
            }
        }
        let mut out = Map::with_capacity(op.inputs.len());
        for (name, input) in &op.inputs {
            let given = args.get(name).filter(|v| !v.is_null());
            let value = match (given, &input.default) {
                (Some(v), _) => input
                    .validate(v)
                    .map_err(|e| CallError::invalid(name, e.to_string()))?,
                (None, Some(d)) => d.clone(),
                (None, None) if input.required => {
                    return Err(CallError::MissingInput(name.clone()));
                }
                (None, None) => Value::Null,
            };
            out.insert(name.clone(), value);
        }
        Ok(out)
    }
}

/// The closest name within a small edit distance, for "did you mean" hints.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a String>,
) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}
