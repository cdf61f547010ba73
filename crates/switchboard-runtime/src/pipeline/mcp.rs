//! Operations of a `type: mcp` connector: a remote MCP server's tool called with `tools/call`
//! over Streamable HTTP at revision 2026-07-28, which needs no session, so each call is one
//! POST through the same stack as any request (auth, SSRF guard, retries, breaker, limits).
//! The JSON-RPC answer, plain JSON or an event stream, is unwrapped here into the value the
//! response contract checks and extracts from.

use super::CallError;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};
use switchboard_config::model::OutcomeKind;

/// The protocol revision spoken: the stateless one.
pub const PROTOCOL_VERSION: &str = "2026-07-28";
/// The JSON-RPC id of the one request a call sends.
const ID: u64 = 1;

/// The `tools/call` request for `tool` with the given inputs (inputs not given, null, are
/// left out: a tool's schema rarely accepts null for an optional argument), and its headers.
pub fn request(
    tool: &str,
    inputs: &Map<String, Value>,
    headers: &mut HeaderMap,
) -> Result<Bytes, CallError> {
    let arguments: Map<String, Value> = inputs
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let body = json!({
        "jsonrpc": "2.0",
        "id": ID,
        "method": "tools/call",
        "params": {
            "name": tool,
            "arguments": arguments,
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
                "io.modelcontextprotocol/clientInfo": {
                    "name": "switchboard",
                    "version": env!("CARGO_PKG_VERSION"),
                },
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    });
    let name = HeaderValue::from_str(tool)
        .map_err(|_| CallError::Build(format!("MCP tool name {tool:?} is not a header value")))?;
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json, text/event-stream"),
    );
    headers.insert(
        HeaderName::from_static("mcp-protocol-version"),
        HeaderValue::from_static(PROTOCOL_VERSION),
    );
    headers.insert(
        HeaderName::from_static("mcp-method"),
        HeaderValue::from_static("tools/call"),
    );
    headers.insert(HeaderName::from_static("mcp-name"), name);
    serde_json::to_vec(&body)
        .map(Bytes::from)
        .map_err(|e| CallError::Build(e.to_string()))
}

/// Why a call that got an HTTP success is not a success.
#[derive(Debug, PartialEq)]
pub struct Failure {
    /// Its outcome.
    pub outcome: OutcomeKind,
    /// What went wrong, in words safe to log (no text of the remote's).
    pub error: String,
    /// The JSON-RPC answer, when there was one, for `--raw` and the audit's detail.
    pub body: Option<Value>,
}

fn fail(outcome: OutcomeKind, error: impl Into<String>, body: Option<Value>) -> Failure {
    Failure {
        outcome,
        error: error.into(),
        body,
    }
}

/// The tool's result from the answer: its `structuredContent`, else its text content (as
/// JSON when the text parses, else `{"text": ...}`).
///
/// A JSON-RPC error is `bad_request` for invalid parameters (-32602, also an unknown tool),
/// `not_found` for an unknown method, else `unavailable`; a result with `isError` is
/// `bad_request` (the tool refused or failed on what it was given); an `input_required`
/// result (the remote asks its user something) is `forbidden`, since Switchboard does not
/// relay such questions.
pub fn result(body: &[u8], content_type: Option<&str>) -> Result<Value, Failure> {
    let message = if content_type.is_some_and(|c| c.starts_with("text/event-stream")) {
        from_event_stream(body)?
    } else {
        super::response::parse_json(body)
            .map_err(|e| fail(OutcomeKind::InvalidResponse, e, None))?
    };
    if let Some(err) = message.get("error") {
        let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
        let outcome = match code {
            -32602 => OutcomeKind::BadRequest,
            -32601 => OutcomeKind::NotFound,
            _ => OutcomeKind::Unavailable,
        };
        return Err(fail(
            outcome,
            format!("the MCP server answered JSON-RPC error {code}"),
            Some(message),
        ));
    }
    let Some(result) = message.get("result").filter(|r| r.is_object()) else {
        return Err(fail(
            OutcomeKind::InvalidResponse,
            "the MCP server's answer has neither result nor error",
            Some(message),
        ));
    };
    if result.get("resultType").and_then(Value::as_str) == Some("input_required") {
        return Err(fail(
            OutcomeKind::Forbidden,
            "the remote MCP tool asks its user for input (input_required), which Switchboard does not relay",
            Some(message),
        ));
    }
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(fail(
            OutcomeKind::BadRequest,
            "the remote MCP tool answered isError",
            Some(message),
        ));
    }
    if let Some(structured) = result.get("structuredContent").filter(|v| !v.is_null()) {
        return Ok(structured.clone());
    }
    let text: Vec<&str> = result
        .get("content")
        .and_then(Value::as_array)
        .map(|blocks| {
            blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let text = text.join("\n");
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text })))
}

/// The answer to our request among the events of a stream (other events, such as progress
/// notifications, are skipped).
fn from_event_stream(body: &[u8]) -> Result<Value, Failure> {
    let text = std::str::from_utf8(body).map_err(|_| {
        fail(
            OutcomeKind::InvalidResponse,
            "event stream is not UTF-8",
            None,
        )
    })?;
    let text = text.replace("\r\n", "\n");
    for event in text.split("\n\n") {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if data.is_empty() {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&data.join("\n"))
            && v.get("id").and_then(Value::as_u64) == Some(ID)
            && (v.get("result").is_some() || v.get("error").is_some())
        {
            return Ok(v);
        }
    }
    Err(fail(
        OutcomeKind::InvalidResponse,
        "the MCP server's event stream carried no answer to the call",
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_unwrapped_from_json_and_event_streams() {
        let json_answer = br#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\"a\":1}"}],"structuredContent":{"a":1}}}"#;
        assert_eq!(
            result(json_answer, Some("application/json")).unwrap(),
            json!({"a": 1})
        );
        let stream = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\r\n\r\nid: 2\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"plain words\"}]}}\n\n";
        assert_eq!(
            result(stream.as_bytes(), Some("text/event-stream")).unwrap(),
            json!({"text": "plain words"})
        );
        let e = result(
            br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"no tool x for alice@example.com"}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(e.outcome, OutcomeKind::BadRequest);
        assert!(
            !e.error.contains("alice"),
            "the remote's words stay out of logs"
        );
        let e = result(
            br#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(e.outcome, OutcomeKind::BadRequest);
        let e = result(
            br#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","inputRequests":{}}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(e.outcome, OutcomeKind::Forbidden);
        assert_eq!(
            result(b"data: nothing\n\n", Some("text/event-stream"))
                .unwrap_err()
                .outcome,
            OutcomeKind::InvalidResponse
        );
    }

    #[test]
    fn the_request_leaves_out_inputs_not_given() {
        let mut headers = HeaderMap::new();
        let inputs: Map<String, Value> =
            serde_json::from_str(r#"{"q": "x", "limit": null}"#).unwrap();
        let body = request("search_docs", &inputs, &mut headers).unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["params"]["arguments"], json!({"q": "x"}));
        assert_eq!(body["params"]["name"], "search_docs");
        assert_eq!(headers["mcp-name"], "search_docs");
        assert_eq!(headers["mcp-protocol-version"], PROTOCOL_VERSION);
    }
}
