//! A tiny blocking HTTP/1.1 client for the orchestrator's own requests to 127.0.0.1
//! (readiness polls, the backend's admin API, correctness checks). One request per
//! connection (`Connection: close`); chunked bodies are decoded.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: status and body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, decoded from chunks when it came chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request with a JSON body (or none) and reads the whole answer.
pub fn request(
    method: &str,
    addr: SocketAddr,
    path: &str,
    body: Option<&serde_json::Value>,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> anyhow::Result<Response> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the orchestrator only talks to loopback addresses"
    );
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let payload = match body {
        Some(v) => serde_json::to_vec(v)?,
        None => Vec::new(),
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
    {
        head.push_str("Accept: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&payload)?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("reading the answer to {method} {path}"))?;
    parse(&raw).with_context(|| format!("{method} {path}"))
}

/// `GET`.
pub fn get(addr: SocketAddr, path: &str) -> anyhow::Result<Response> {
    request("GET", addr, path, None, &[], Duration::from_secs(10))
}

/// `POST` with a JSON body.
pub fn post(addr: SocketAddr, path: &str, body: &serde_json::Value) -> anyhow::Result<Response> {
    request("POST", addr, path, Some(body), &[], Duration::from_secs(10))
}

/// `POST` with a JSON body and more headers.
pub fn post_with(
    addr: SocketAddr,
    path: &str,
    body: &serde_json::Value,
    headers: &[(&str, &str)],
) -> anyhow::Result<Response> {
    request(
        "POST",
        addr,
        path,
        Some(body),
        headers,
        Duration::from_secs(10),
    )
}

/// `DELETE`.
pub fn delete(addr: SocketAddr, path: &str) -> anyhow::Result<Response> {
    request("DELETE", addr, path, None, &[], Duration::from_secs(10))
}

fn parse(raw: &[u8]) -> anyhow::Result<Response> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = std::str::from_utf8(&raw[..end]).context("headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().context("no status line")?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .context("no status code")?
        .parse()
        .context("bad status code")?;
    let chunked = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Response { status, body })
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk header")?;
        let size_text = std::str::from_utf8(&rest[..eol])?
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let size = usize::from_str_radix(size_text, 16).context("bad chunk size")?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if rest.len() < size + 2 {
            bail!("truncated chunk");
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked() {
        let r = parse(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").expect("plain");
        assert_eq!((r.status, r.body.as_slice()), (200, b"hi".as_slice()));
        let r = parse(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").expect("chunked");
        assert_eq!((r.status, r.body.as_slice()), (201, b"abcde".as_slice()));
        assert!(parse(b"garbage").is_err());
    }
}
