//! The response contract of an operation: a JSON Schema (inline or from a file) checked
//! against its meta-schema, and JSONPath extractions.

use super::Ctx;
use super::includes::{io_message, normalize};
use crate::model::{Extract, ResponseSpec};
use crate::raw::de::from_node;
use crate::raw::{RawResponse, RawValue, Spanned};
use indexmap::IndexMap;
use serde_json::Value;

/// Compiles the response schema and extractions.
pub(crate) fn response(ctx: &mut Ctx, raw: &Spanned<RawResponse>) -> ResponseSpec {
    let r = &raw.value;
    let schema = match (&r.schema, &r.schema_file) {
        (Some(_), Some(f)) => {
            ctx.error(f.pos, "give schema or schema_file, not both");
            None
        }
        (Some(s), None) => check_schema(ctx, s),
        (None, Some(f)) => schema_file(ctx, f),
        (None, None) => None,
    };
    let mut extract = IndexMap::new();
    for (name, path) in &r.extract {
        match serde_json_path::JsonPath::parse(&path.value) {
            Ok(p) => {
                let span = ctx.span(path.pos);
                extract.insert(
                    name.value.clone(),
                    Extract {
                        source: path.value.clone(),
                        path: p,
                        span,
                    },
                );
            }
            Err(e) => ctx.error(path.pos, format!("invalid JSONPath {:?}: {e}", path.value)),
        }
    }
    ResponseSpec { schema, extract }
}

/// Reads a schema file (JSON or YAML) relative to the file that names it.
fn schema_file(ctx: &mut Ctx, f: &Spanned<String>) -> Option<Value> {
    let path = normalize(&ctx.dir_of(f.pos).join(&f.value));
    let text = match (ctx.options.read_file)(&path) {
        Ok(t) => t,
        Err(e) => {
            ctx.error(
                f.pos,
                format!(
                    "cannot read schema file {}: {}",
                    path.display(),
                    io_message(&e)
                ),
            );
            return None;
        }
    };
    let raw = match serde_json::from_str::<Value>(&text) {
        Ok(json) => return check_schema_value(ctx, json, f, &path),
        Err(_) => {
            let options = marked_yaml::LoaderOptions::default().prevent_coercion(true);
            marked_yaml::parse_yaml_with_options(usize::MAX, &text, options)
                .map_err(|e| e.to_string())
                .and_then(|node| {
                    from_node::<RawValue>(&node, None).map_err(|e| e.message("the schema file"))
                })
        }
    };
    match raw {
        Ok(v) => check_schema_value(ctx, v.to_json(), f, &path),
        Err(e) => {
            ctx.error(
                f.pos,
                format!(
                    "schema file {} is neither JSON nor YAML: {e}",
                    path.display()
                ),
            );
            None
        }
    }
}

fn check_schema_value(
    ctx: &mut Ctx,
    json: Value,
    f: &Spanned<String>,
    path: &std::path::Path,
) -> Option<Value> {
    match jsonschema::validator_for(&json) {
        Ok(_) => Some(json),
        Err(e) => {
            let at = e.instance_path().as_str().to_string();
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" (at {at})")
            };
            ctx.error(
                f.pos,
                format!("invalid JSON Schema in {}: {e}{at}", path.display()),
            );
            None
        }
    }
}

/// jsonschema's message, with unresolvable references explained in our terms.
fn schema_message(e: &jsonschema::ValidationError) -> String {
    let s = e.to_string();
    if s.contains("retrieving it failed")
        && let Some(uri) = s.split('\'').nth(1)
    {
        return format!(
            "$ref {uri:?} cannot be resolved: remote schemas are not fetched; put the schema inline or in schema_file"
        );
    }
    s
}

/// Checks an inline schema; an error points at the part of the schema that is wrong.
fn check_schema(ctx: &mut Ctx, raw: &RawValue) -> Option<Value> {
    let json = raw.to_json();
    match jsonschema::validator_for(&json) {
        Ok(_) => Some(json),
        Err(e) => {
            let at = e.instance_path().as_str().to_string();
            let node = raw.at_pointer(&at);
            ctx.error(
                node.pos,
                format!("invalid JSON Schema: {}", schema_message(&e)),
            );
            None
        }
    }
}
