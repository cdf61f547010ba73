//! Building the HTTP request of an operation call from validated inputs.
//!
//! Scheme, host and port come from the connector's base URL and nothing else: user values go
//! through [`encode`](super::encode) into one path segment each, into query values, into
//! checked header values, or into JSON as values.

use super::CallError;
use super::encode;
use crate::template::Templates;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use switchboard_config::model::{BodyFormat, Connector, Operation, PathPart};

/// A request ready to send; auth is attached later by its layer.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: http::Method,
    /// The full URL, including query.
    pub url: reqwest::Url,
    /// Headers (connector defaults, then the operation's).
    pub headers: HeaderMap,
    /// A JSON body, already serialised.
    pub body: Option<Bytes>,
}

/// What every request of a connector starts from, prepared once when the pipeline is built:
/// the base URL parsed (so a call parses no host and runs no IDNA), its path, and the
/// connector's own headers already checked.
#[derive(Debug, Clone)]
pub struct Base {
    origin: reqwest::Url,
    path: String,
    headers: HeaderMap,
}

impl Base {
    /// Prepares a connector's base from its parsed `base_url`. A header the connector cannot
    /// send is reported by each call, as before: a project built in code may hold one the
    /// loader would have refused.
    pub fn new(origin: reqwest::Url, connector: &Connector) -> Result<Base, CallError> {
        // The base's path as the URL parser normalised it; `/` alone is no path, since an
        // operation's path starts with its own slash (the loader trims a trailing one).
        let path = match origin.path() {
            "/" => String::new(),
            p => p.to_string(),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &connector.headers {
            insert_header(&mut headers, name, value.expose())?;
        }
        for value in headers.values_mut() {
            value.set_sensitive(true);
        }
        Ok(Base {
            origin,
            path,
            headers,
        })
    }
}

/// The values an operation's query, header and body templates see.
#[derive(serde::Serialize)]
struct InputsContext<'a> {
    inputs: &'a Map<String, Value>,
}

/// Builds the request. `inputs` must already be validated: every declared input is present
/// (null when an optional input was not given).
pub fn build(
    base: &Base,
    op: &Operation,
    inputs: &Map<String, Value>,
    templates: &Templates,
) -> Result<PreparedRequest, CallError> {
    let mut path = String::with_capacity(base.path.len() + op.path.source.len() + 16);
    path.push_str(&base.path);
    for part in &op.path.parts {
        match part {
            PathPart::Literal(s) => path.push_str(s),
            PathPart::Param(name) => {
                let value = inputs.get(name).map(scalar_text).unwrap_or_default();
                let segment = encode::path_segment(&value)
                    .map_err(|e| CallError::invalid(name, e.to_string()))?;
                path.push_str(&segment);
            }
        }
    }
    // Only the path is parsed per call: `set_path` cannot change the scheme, host or port, so
    // no input, however encoded, moves the request off the connector's origin.
    let mut url = base.origin.clone();
    url.set_path(&path);

    let templated = !op.query.is_empty() || !op.headers.is_empty() || op.body.is_some();
    let ctx = if templated {
        crate::template::context(&InputsContext { inputs })
    } else {
        minijinja::Value::UNDEFINED
    };
    if !op.query.is_empty() {
        let query = templates
            .values(&op.query, &ctx)
            .map_err(|e| CallError::Build(e.to_string()))?;
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &query {
            match value {
                Value::Null => {}
                Value::Array(items) => {
                    for item in items.iter().filter(|v| !v.is_null()) {
                        pairs.append_pair(name, &scalar_text(item));
                    }
                }
                other => {
                    pairs.append_pair(name, &scalar_text(other));
                }
            }
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }

    let mut headers = base.headers.clone();
    if !op.headers.is_empty() {
        let values = templates
            .values(&op.headers, &ctx)
            .map_err(|e| CallError::Build(e.to_string()))?;
        for (name, value) in &values {
            if value.is_null() {
                continue;
            }
            let text = scalar_text(value);
            encode::header_value(&text)
                .map_err(|e| CallError::invalid(&format!("header {name}"), e.to_string()))?;
            insert_header(&mut headers, name, &text)?;
        }
    }

    if let Some(tool) = &op.mcp_tool {
        let body = super::mcp::request(tool, inputs, &mut headers)?;
        return Ok(PreparedRequest {
            method: http::Method::POST,
            url,
            headers,
            body: Some(body),
        });
    }
    let body = match &op.body {
        Some(template) => {
            let value = templates
                .value(template, &ctx)
                .map_err(|e| CallError::Build(e.to_string()))?;
            Some(match op.body_format {
                BodyFormat::Json => {
                    headers.insert(
                        http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    Bytes::from(
                        serde_json::to_vec(&value).map_err(|e| CallError::Build(e.to_string()))?,
                    )
                }
                BodyFormat::Form => {
                    headers.insert(
                        http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    );
                    Bytes::from(form_body(&value)?)
                }
            })
        }
        None => None,
    };
    let method = http::Method::from_bytes(op.method.as_str().as_bytes())
        .map_err(|e| CallError::Build(e.to_string()))?;
    Ok(PreparedRequest {
        method,
        url,
        headers,
        body,
    })
}

/// A form body from a map: scalars as text, a list repeating its name, nulls left out.
fn form_body(value: &Value) -> Result<String, CallError> {
    let Value::Object(map) = value else {
        return Err(CallError::Build("a form body must be a map".into()));
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, v) in map {
        match v {
            Value::Null => {}
            Value::Array(items) => {
                for item in items.iter().filter(|v| !v.is_null()) {
                    form.append_pair(name, &scalar_text(item));
                }
            }
            other => {
                form.append_pair(name, &scalar_text(other));
            }
        }
    }
    Ok(form.finish())
}

fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), CallError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| CallError::Build(format!("bad header name {name}")))?;
    let value = HeaderValue::from_str(value).map_err(|_| {
        CallError::invalid(
            &format!("header {name}"),
            "contains characters not allowed in a header".into(),
        )
    })?;
    headers.insert(name, value);
    Ok(())
}

/// A JSON value as it appears in a URL or header: strings as they are, other scalars as JSON.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
