//! `loadgen chat`: POST a JSON body to a chat API over one keep-alive HTTP/1.1 connection per
//! worker, each worker speaking as its own user, and check every answer.

use crate::Common;
use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_bench::drive::{WorkerOut, drive};
use switchboard_bench::result::RunResult;
use switchboard_bench::stop::Stop;
use tokio::net::TcpStream;

/// Arguments of `loadgen chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The chat endpoint, `http://127.0.0.1:PORT/v1/chat`; repeated for several instances,
    /// worker `i` speaks to the `i mod n`-th (as a load balancer spreading connections).
    #[arg(long, required = true)]
    url: Vec<String>,
    /// The JSON body; `{user}` becomes the worker's user id.
    #[arg(long)]
    body: String,
    /// User ids are this prefix followed by the worker's number.
    #[arg(long, default_value = "bench-user-")]
    user_prefix: String,
    /// Text every answer must contain (checked on the raw JSON).
    #[arg(long)]
    expect: String,
    /// A request header, `Name: value` (repeatable), such as MCP's `Mcp-Method`.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Also read `calls[].latency_ms` from each answer: turn latency over the slowest step
    /// and over the sum of the steps.
    #[arg(long)]
    step_stats: bool,
    #[command(flatten)]
    common: Common,
}

pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    pub(crate) host: String,
    path: String,
}

pub(crate) fn target(url: &str) -> anyhow::Result<Target> {
    let u = reqwest::Url::parse(url).with_context(|| format!("bad --url {url}"))?;
    anyhow::ensure!(u.scheme() == "http", "--url must be http://");
    let host = u.host_str().context("--url has no host")?;
    let port = u.port_or_known_default().context("--url has no port")?;
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .with_context(|| format!("--url host must be an IP address, not {host}"))?;
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the load generator only talks to loopback addresses"
    );
    Ok(Target {
        addr,
        host: format!("{host}:{port}"),
        path: u.path().to_string(),
    })
}

/// Runs the chat load.
pub async fn run(args: ChatArgs) -> anyhow::Result<RunResult> {
    let load = args.common.load()?;
    let targets: Vec<Arc<Target>> = args
        .url
        .iter()
        .map(|u| target(u).map(Arc::new))
        .collect::<anyhow::Result<_>>()?;
    let expect = Arc::new(args.expect.into_bytes());
    let timeout = args.common.timeout;
    let step_stats = args.step_stats;
    let headers: Arc<Vec<(String, String)>> = Arc::new(
        args.headers
            .iter()
            .map(|h| {
                h.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .with_context(|| format!("--header {h:?} is not `Name: value`"))
            })
            .collect::<anyhow::Result<_>>()?,
    );
    let bodies: Vec<Bytes> = (0..args.common.concurrency)
        .map(|i| {
            Bytes::from(
                args.body
                    .replace("{user}", &format!("{}{i}", args.user_prefix)),
            )
        })
        .collect();
    drive("chat", load, |i, stop| {
        let worker = Worker {
            target: targets[i % targets.len()].clone(),
            body: bodies[i].clone(),
            expect: expect.clone(),
            headers: headers.clone(),
            timeout,
            step_stats,
        };
        worker.run(stop)
    })
    .await
}

struct Worker {
    target: Arc<Target>,
    body: Bytes,
    expect: Arc<Vec<u8>>,
    headers: Arc<Vec<(String, String)>>,
    timeout: Duration,
    step_stats: bool,
}

impl Worker {
    async fn run(self, stop: Arc<Stop>) -> WorkerOut {
        let mut out = WorkerOut::default();
        let mut conn: Option<SendRequest<Full<Bytes>>> = None;
        while stop.next() {
            let sender = match conn.as_mut() {
                Some(s) => s,
                None => match connect(self.target.addr).await {
                    Ok(s) => conn.insert(s),
                    Err(e) => {
                        out.fail(format!("connect: {e:#}"));
                        break;
                    }
                },
            };
            let started = Instant::now();
            match tokio::time::timeout(self.timeout, self.send(sender)).await {
                Ok(Ok((status, body))) => {
                    let elapsed = started.elapsed();
                    if status != 200 {
                        out.fail(format!(
                            "status {status}: {}",
                            String::from_utf8_lossy(&body)
                        ));
                    } else if !contains(&body, &self.expect) {
                        out.fail(format!(
                            "unexpected answer: {}",
                            String::from_utf8_lossy(&body)
                        ));
                    } else {
                        out.ok(elapsed);
                        if self.step_stats {
                            match step_latencies(&body) {
                                Some((max, sum)) => {
                                    out.steps.push((elapsed.as_secs_f64() * 1000.0, max, sum))
                                }
                                None => out.fail("answer has no calls[].latency_ms"),
                            }
                        }
                    }
                }
                Ok(Err(e)) => {
                    out.fail(format!("request: {e:#}"));
                    conn = None;
                }
                Err(_) => {
                    out.fail(format!("no answer within {:?}", self.timeout));
                    conn = None;
                }
            }
        }
        out
    }

    async fn send(&self, sender: &mut SendRequest<Full<Bytes>>) -> anyhow::Result<(u16, Bytes)> {
        sender.ready().await?;
        let mut req = hyper::Request::post(self.target.path.as_str())
            .header(HOST, self.target.host.as_str())
            .header(CONTENT_TYPE, "application/json");
        for (k, v) in self.headers.iter() {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req.body(Full::new(self.body.clone()))?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The slowest step and the sum of all steps, in milliseconds, from a chat answer.
fn step_latencies(body: &[u8]) -> Option<(f64, f64)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let calls = v.get("calls")?.as_array()?;
    let lat: Vec<f64> = calls
        .iter()
        .filter_map(|c| c.get("latency_ms")?.as_f64())
        .collect();
    if lat.is_empty() || lat.len() != calls.len() {
        return None;
    }
    Some((lat.iter().copied().fold(0.0, f64::max), lat.iter().sum()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_and_steps() {
        assert!(contains(b"abc Hi Aisha, x", b"Hi Aisha"));
        assert!(!contains(b"abc", b"abcd"));
        let body = br#"{"calls":[{"latency_ms":50.5},{"latency_ms":51.0},{"latency_ms":49.0}]}"#;
        assert_eq!(step_latencies(body), Some((51.0, 150.5)));
        assert_eq!(step_latencies(br#"{"calls":[]}"#), None);
    }

    #[test]
    fn only_loopback() {
        assert!(target("http://127.0.0.1:8080/v1/chat").is_ok());
        assert!(target("http://10.0.0.1:8080/v1/chat").is_err());
        assert!(target("https://127.0.0.1:8080/v1/chat").is_err());
    }
}
