//! A minimal server-sent events client for `loadgen webhooks`: one keep-alive HTTP/1.1
//! connection per stream, events split on blank lines, the `data:` lines handed on with the
//! instant they arrived (the end of the receipt-to-stream latency).

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, HOST};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpStream;

/// An open stream: the response headers have arrived, so the server has fixed where the
/// stream starts and every later message will come through it.
pub struct Stream {
    _sender: SendRequest<Empty<Bytes>>,
    body: Incoming,
    buf: Vec<u8>,
}

/// Opens `GET path` on `addr` and waits for the 200.
pub async fn open(addr: SocketAddr, host: &str, path: &str) -> anyhow::Result<Stream> {
    let tcp = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    tcp.set_nodelay(true)?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = hyper::Request::get(path)
        .header(HOST, host)
        .header(ACCEPT, "text/event-stream")
        .body(Empty::new())?;
    let resp = sender.send_request(req).await?;
    if resp.status() != 200 {
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        bail!(
            "GET {path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(Stream {
        _sender: sender,
        body: resp.into_body(),
        buf: Vec::new(),
    })
}

impl Stream {
    /// The `data` of the next event that has some (comments and keep-alives are skipped),
    /// with when its last byte arrived; `None` when the stream ends.
    pub async fn next_data(&mut self) -> anyhow::Result<Option<(String, Instant)>> {
        loop {
            if let Some(data) = take_event(&mut self.buf) {
                if let Some(d) = data {
                    return Ok(Some((d, Instant::now())));
                }
                continue;
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(chunk) = frame?.into_data() {
                        self.buf.extend_from_slice(&chunk);
                    }
                }
                None => return Ok(None),
            }
        }
    }
}

/// Takes one complete event (up to a blank line) off the front of `buf`: `Some(Some(data))`
/// for an event with `data:` lines (joined by newlines), `Some(None)` for one without (a
/// comment or keep-alive), `None` when no event is complete yet.
pub fn take_event(buf: &mut Vec<u8>) -> Option<Option<String>> {
    let end = buf.windows(2).position(|w| w == b"\n\n")?;
    let block: Vec<u8> = buf.drain(..end + 2).collect();
    let text = String::from_utf8_lossy(&block[..end]);
    let data: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    Some((!data.is_empty()).then(|| data.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_events() {
        let mut buf =
            b": keep-alive\n\nid: 3\nevent: message\ndata: {\"text\":\"hi\"}\n\nid: 4\nda".to_vec();
        assert_eq!(take_event(&mut buf), Some(None));
        assert_eq!(
            take_event(&mut buf),
            Some(Some("{\"text\":\"hi\"}".to_string()))
        );
        assert_eq!(take_event(&mut buf), None);
        assert_eq!(buf, b"id: 4\nda");
    }
}
