//! Operations: method, path template, typed inputs, request templates and the response
//! contract (JSON Schema and JSONPath extractions).

use super::connector::{check_header_name, duration, is_credential_name};
use super::secrets::LITERAL_CREDENTIAL;
use super::templates::{self, Scope};
use super::{Ctx, input, response};
use crate::model::{Method, Operation, PathPart, PathTemplate, ResponseSpec, ValueTemplate};
use crate::raw::{RawOperation, Spanned};
use crate::suggest;
use indexmap::IndexMap;
use serde_json::Value;

/// Compiles one operation of a connector; `mcp` when the connector is a remote MCP server.
pub(crate) fn operation(
    ctx: &mut Ctx,
    connector: &str,
    name: &Spanned<String>,
    raw: &RawOperation,
    mcp: bool,
) -> Operation {
    let what = format!("operation \"{connector}.{}\"", name.value);
    let prefix = format!("connectors.{connector}.operations.{}", name.value);
    let mcp_tool = kind_keys(ctx, &what, name, raw, mcp);
    let method = match &raw.method {
        _ if mcp && raw.read_only.as_ref().is_some_and(|r| r.value) => Method::Get,
        _ if mcp => Method::Post,
        None => Method::Get,
        Some(m) => Method::parse(m.value.trim()).unwrap_or_else(|| {
            let upper = m.value.to_ascii_uppercase();
            let hint =
                suggest::did_you_mean(&upper, ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
            ctx.error(
                m.pos,
                format!(
                    "unknown method {:?}{hint}; use GET, POST, PUT, PATCH, DELETE or HEAD",
                    m.value
                ),
            );
            Method::Get
        }),
    };
    let mut inputs = IndexMap::new();
    for (iname, spec) in &raw.inputs {
        inputs.insert(iname.value.clone(), input::input(ctx, &iname.value, spec));
    }
    let input_names: Vec<String> = inputs.keys().cloned().collect();
    let path = match &raw.path {
        None => PathTemplate {
            source: String::new(),
            parts: Vec::new(),
        },
        Some(path) => compile_path(ctx, &what, path, &inputs),
    };
    let scope = Scope::Operation {
        what: &what,
        inputs: &input_names,
    };
    let mut unused = Vec::new();
    let mut query = IndexMap::new();
    for (k, v) in &raw.query {
        query.insert(
            k.value.clone(),
            templates::value(
                ctx,
                &format!("{prefix}.query.{}", k.value),
                v,
                &scope,
                &mut unused,
            ),
        );
    }
    let mut headers = IndexMap::new();
    for (k, v) in &raw.headers {
        check_header_name(ctx, k);
        let t = templates::value(
            ctx,
            &format!("{prefix}.headers.{}", k.value),
            v,
            &scope,
            &mut unused,
        );
        if is_credential_name(&k.value) && matches!(t, ValueTemplate::Literal(Value::String(_))) {
            ctx.error(
                v.pos,
                format!("{LITERAL_CREDENTIAL} in the connector's headers or auth"),
            );
        }
        headers.insert(k.value.clone(), t);
    }
    let body = raw
        .body
        .as_ref()
        .map(|b| templates::value(ctx, &format!("{prefix}.body"), b, &scope, &mut unused));
    let body_format = match raw.body_format.as_ref().map(|f| f.value) {
        Some(crate::raw::RawBodyFormat::Form) => {
            if let Some(b) = &raw.body
                && !matches!(body, Some(ValueTemplate::Object(_)))
            {
                ctx.error(
                    b.pos,
                    "body_format: form needs the body to be a map of field names to values",
                );
            }
            crate::model::BodyFormat::Form
        }
        _ => crate::model::BodyFormat::Json,
    };
    let response = match &raw.response {
        Some(r) => response::response(ctx, r),
        None => ResponseSpec::default(),
    };
    Operation {
        connector: connector.to_string(),
        name: name.value.clone(),
        description: raw.description.clone(),
        method,
        path,
        inputs,
        query,
        headers,
        body,
        body_format,
        response,
        timeout: duration(ctx, raw.timeout.as_ref(), "timeout"),
        policy: Default::default(),
        tool: super::tools::setting(ctx, raw.tool.as_ref()),
        mcp_tool,
        chat_completions: false,
        span: ctx.span(name.pos),
    }
}

/// The keys that belong to one kind of connector, checked against this one's: on an MCP
/// connector no REST request parts, and the remote tool's name (returned); on a REST one a
/// path, and no MCP keys.
fn kind_keys(
    ctx: &mut Ctx,
    what: &str,
    name: &Spanned<String>,
    raw: &RawOperation,
    mcp: bool,
) -> Option<String> {
    if !mcp {
        if let Some(t) = &raw.mcp_tool {
            ctx.error(
                t.pos,
                "mcp_tool is for operations of a connector with type: mcp; this connector speaks REST",
            );
        }
        if let Some(r) = &raw.read_only {
            ctx.error(
                r.pos,
                "read_only is for operations of a connector with type: mcp; a REST operation's method says whether it reads",
            );
        }
        if raw.path.is_none() {
            ctx.error(
                name.pos,
                format!("{what} has no path: add path: /... (the path below the base URL)"),
            );
        }
        return None;
    }
    let rest_only = [
        ("method", raw.method.as_ref().map(|m| m.pos)),
        ("path", raw.path.as_ref().map(|p| p.pos)),
        ("body", raw.body.as_ref().map(|b| b.pos)),
        ("body_format", raw.body_format.as_ref().map(|b| b.pos)),
        ("query", raw.query.keys().next().map(|k| k.pos)),
    ];
    for (key, pos) in rest_only {
        if let Some(pos) = pos {
            ctx.error(
                pos,
                format!(
                    "{what} calls a remote MCP tool, which takes no {key}: its inputs are the tool's arguments (remove {key}, or give the connector type: rest)"
                ),
            );
        }
    }
    let tool = raw
        .mcp_tool
        .as_ref()
        .map_or(&name.value, |t| &t.value)
        .clone();
    // It travels in the Mcp-Name header, so it must be a header value.
    if tool.is_empty() || !tool.bytes().all(|b| b.is_ascii_graphic()) {
        ctx.error(
            raw.mcp_tool.as_ref().map_or(name.pos, |t| t.pos),
            format!(
                "MCP tool name {tool:?} must be printable ASCII without spaces (it is sent in the Mcp-Name header); set mcp_tool to the remote tool's name"
            ),
        );
    }
    Some(tool)
}

/// A REST operation's path template, with every parameter a required input.
fn compile_path(
    ctx: &mut Ctx,
    what: &str,
    path: &Spanned<String>,
    inputs: &IndexMap<String, crate::model::Input>,
) -> PathTemplate {
    match parse_path(&path.value) {
        Ok(p) => {
            for param in p.params() {
                match inputs.get(param) {
                    None => {
                        let hint = suggest::did_you_mean(param, inputs.keys().map(String::as_str));
                        ctx.error(
                            path.pos,
                            format!("path parameter {param:?} is not an input of {what}{hint}"),
                        );
                    }
                    Some(i) if !i.required && i.default.is_none() => {
                        ctx.error(path.pos, format!("path parameter {param:?} must be a required input or have a default"));
                    }
                    Some(_) => {}
                }
            }
            p
        }
        Err(e) => {
            ctx.error(path.pos, e);
            PathTemplate {
                source: path.value.clone(),
                parts: Vec::new(),
            }
        }
    }
}

/// Splits `/orders/{id}.json` into literal text and parameters.
pub(crate) fn parse_path(s: &str) -> Result<PathTemplate, String> {
    if !s.starts_with('/') {
        return Err(format!("path {s:?} must start with \"/\""));
    }
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                let rest = &s[i + 1..];
                let Some(end) = rest
                    .find(['}', '{', '/'])
                    .filter(|&e| rest[e..].starts_with('}'))
                else {
                    return Err(format!("unbalanced braces in path {s:?}"));
                };
                let name = &rest[..end];
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(format!("invalid parameter name {name:?} in path {s:?}"));
                }
                if !literal.is_empty() {
                    parts.push(PathPart::Literal(std::mem::take(&mut literal)));
                }
                parts.push(PathPart::Param(name.to_string()));
                for _ in 0..=end {
                    chars.next();
                }
            }
            '}' => return Err(format!("unbalanced braces in path {s:?}")),
            '?' => return Err(format!("path {s:?} must not hold a query; use query:")),
            '#' => return Err(format!("path {s:?} must not hold a fragment")),
            '%' => {
                let hex: String = s[i + 1..].chars().take(2).collect();
                if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(format!("invalid percent-encoding in path {s:?}"));
                }
                literal.push(c);
            }
            c if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) => literal.push(c),
            c => {
                return Err(format!(
                    "invalid character {c:?} in path {s:?}; percent-encode it"
                ));
            }
        }
    }
    if !literal.is_empty() {
        parts.push(PathPart::Literal(literal));
    }
    Ok(PathTemplate {
        source: s.to_string(),
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Vec<PathPart> {
        parse_path(s).unwrap().parts
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parts("/orders/{id}.json"),
            vec![
                PathPart::Literal("/orders/".into()),
                PathPart::Param("id".into()),
                PathPart::Literal(".json".into())
            ]
        );
        assert_eq!(
            parts("/a/{x}{y}"),
            vec![
                PathPart::Literal("/a/".into()),
                PathPart::Param("x".into()),
                PathPart::Param("y".into())
            ]
        );
        assert_eq!(
            parse_path("orders").unwrap_err(),
            "path \"orders\" must start with \"/\""
        );
        assert_eq!(
            parse_path("/a/{id").unwrap_err(),
            "unbalanced braces in path \"/a/{id\""
        );
        assert_eq!(
            parse_path("/a/id}").unwrap_err(),
            "unbalanced braces in path \"/a/id}\""
        );
        assert_eq!(
            parse_path("/a/{i d}").unwrap_err(),
            "invalid parameter name \"i d\" in path \"/a/{i d}\""
        );
        assert_eq!(
            parse_path("/a b").unwrap_err(),
            "invalid character ' ' in path \"/a b\"; percent-encode it"
        );
        assert!(parse_path("/a%2Fb").is_ok());
        assert!(parse_path("/a%zz").is_err());
    }
}
