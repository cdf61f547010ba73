//! Reading a response: JSON parsing, the operation's schema, and extraction by JSONPath.

use serde_json::{Map, Value};
use switchboard_config::model::{Extract, ResponseSpec};

/// A response contract compiled for fast checking.
pub struct CompiledResponse {
    validator: Option<jsonschema::Validator>,
    extract: Vec<(String, Extract, bool)>,
}

impl std::fmt::Debug for CompiledResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledResponse")
            .field("schema", &self.validator.is_some())
            .field("extract", &self.extract.len())
            .finish()
    }
}

impl CompiledResponse {
    /// Compiles the schema (already checked by the loader) and notes which paths can select
    /// several nodes.
    pub fn new(spec: &ResponseSpec) -> Result<CompiledResponse, String> {
        let validator = match &spec.schema {
            Some(schema) => Some(jsonschema::validator_for(schema).map_err(|e| e.to_string())?),
            None => None,
        };
        let extract = spec
            .extract
            .iter()
            .map(|(name, e)| (name.clone(), e.clone(), is_singular(&e.source)))
            .collect();
        Ok(CompiledResponse { validator, extract })
    }

    /// The first way the body breaks the schema, as `at /path: message`.
    pub fn check(&self, body: &Value) -> Result<(), String> {
        let Some(v) = &self.validator else {
            return Ok(());
        };
        match v.iter_errors(body).next() {
            None => Ok(()),
            Some(err) => {
                let path = err.instance_path().to_string();
                let path = if path.is_empty() {
                    "/".to_string()
                } else {
                    path
                };
                Err(format!("response breaks its schema at {path}: {err}"))
            }
        }
    }

    /// The extracted values. A path that matches nothing gives null; a singular path gives
    /// its one value; a path with wildcards, filters, slices or descendants gives an array.
    /// With no `extract` map, the whole body is the result.
    pub fn extract(&self, body: &Value) -> Value {
        if self.extract.is_empty() {
            return body.clone();
        }
        let mut out = Map::with_capacity(self.extract.len());
        for (name, e, singular) in &self.extract {
            let nodes = e.path.query(body).all();
            let value = if *singular {
                nodes.first().map(|v| (*v).clone()).unwrap_or(Value::Null)
            } else {
                Value::Array(nodes.into_iter().cloned().collect())
            };
            out.insert(name.clone(), value);
        }
        Value::Object(out)
    }
}

/// Whether a JSONPath selects at most one node (RFC 9535 section 2.3.5.1: only name and
/// index selectors, no descendant segments). Decided from the text, outside string literals.
fn is_singular(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut depth = 0u32;
    let mut prev = '\0';
    for c in path.chars() {
        if let Some(q) = quote {
            if c == q && prev != '\\' {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '*' | '?' => return false,
                ':' | ',' if depth > 0 => return false,
                '.' if prev == '.' => return false,
                _ => {}
            }
        }
        prev = c;
    }
    true
}

/// Parses a body as JSON. An empty body is null (a 204, or a 201 without content).
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let text =
        std::str::from_utf8(body).map_err(|_| "response body is not valid UTF-8".to_string())?;
    serde_json::from_str(text).map_err(|e| format!("response body is not JSON ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use serde_json::json;
    use switchboard_config::Span;

    fn spec(schema: Option<Value>, paths: &[(&str, &str)]) -> CompiledResponse {
        let extract: IndexMap<String, Extract> = paths
            .iter()
            .map(|(n, p)| {
                let e = Extract {
                    source: p.to_string(),
                    path: serde_json_path::JsonPath::parse(p).unwrap(),
                    span: Span::file_start("t"),
                };
                (n.to_string(), e)
            })
            .collect();
        CompiledResponse::new(&ResponseSpec { schema, extract }).unwrap()
    }

    #[test]
    fn extraction_table() {
        let body = json!({"status": "shipped", "shipment": {"tracking_number": "TRK1"}, "items": [{"sku": "a"}, {"sku": "b"}], "odd key": 1});
        let r = spec(
            None,
            &[
                ("status", "$.status"),
                ("tracking", "$.shipment.tracking_number"),
                ("missing", "$.nope.deeper"),
                ("first", "$.items[0].sku"),
                ("skus", "$.items[*].sku"),
                ("filtered", "$.items[?@.sku == 'b'].sku"),
                ("deep", "$..sku"),
                ("quoted", "$['odd key']"),
            ],
        );
        assert_eq!(
            r.extract(&body),
            json!({"status": "shipped", "tracking": "TRK1", "missing": null, "first": "a", "skus": ["a", "b"], "filtered": ["b"], "deep": ["a", "b"], "quoted": 1})
        );
        // A body of another shape never panics: everything is null or empty.
        assert_eq!(r.extract(&json!([1, 2]))["status"], Value::Null);
        assert_eq!(r.extract(&json!("text"))["skus"], json!([]));
    }

    #[test]
    fn schema_violations_name_the_place() {
        let r = spec(
            Some(
                json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}),
            ),
            &[],
        );
        assert!(r.check(&json!({"status": "ok"})).is_ok());
        let err = r.check(&json!({"status": 5})).unwrap_err();
        assert!(
            err.starts_with("response breaks its schema at /status:"),
            "{err}"
        );
        assert!(
            r.check(&json!({"unexpected": true}))
                .unwrap_err()
                .contains("\"status\" is a required property")
        );
    }

    #[test]
    fn json_parsing() {
        assert_eq!(parse_json(b""), Ok(Value::Null));
        assert_eq!(parse_json(b"{\"a\":1}"), Ok(json!({"a": 1})));
        assert!(
            parse_json(b"<html>")
                .unwrap_err()
                .starts_with("response body is not JSON")
        );
        assert_eq!(
            parse_json(&[0xff, 0xfe]),
            Err("response body is not valid UTF-8".to_string())
        );
    }
}
