//! The SSRF matrix below the pipeline: names that resolve to internal addresses, and
//! IP-literal spellings, against a canary listener that must see zero connections.

use super::*;
use crate::pipeline::transport::HttpTransport;
use crate::pipeline::{AttemptPolicy, request::PreparedRequest};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;
use tower::ServiceExt;

/// A listener standing in for an internal service; counts connections.
async fn canary() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((_conn, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, hits)
}

#[test]
fn internal_and_special_addresses_are_forbidden() {
    let bad = [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "::",
        "::1",
        "fd00:ec2::254",
        "fc00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",
        "::127.0.0.1",
    ];
    for a in bad {
        assert!(forbidden(a.parse().unwrap()), "{a}");
    }
    for a in [
        "8.8.8.8",
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
    ] {
        assert!(!forbidden(a.parse().unwrap()), "{a}");
    }
}

#[test]
fn configuration_decides_what_is_trusted() {
    let url = |s: &str| reqwest::Url::parse(s).unwrap();
    let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let p = NetworkPolicy::for_url(&url("http://127.0.0.1:8081/api"), false);
    assert!(p.allows(local));
    assert!(!p.allows("10.0.0.1".parse().unwrap()));
    let p = NetworkPolicy::for_url(&url("http://localhost:8081"), false);
    assert!(p.allows(local) && p.allows(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert!(!p.allows("169.254.169.254".parse().unwrap()));
    let p = NetworkPolicy::for_url(&url("https://api.example.com"), false);
    assert!(!p.allows(local));
    assert!(p.allows("8.8.8.8".parse().unwrap()));
    let p = NetworkPolicy::for_url(&url("https://api.example.com"), true);
    assert!(p.allows(local));
}

/// Names that resolve to the canary's address through every spelling, for a connector
/// configured with a public name: no connection. The same with `allow_private_network`
/// connects, which shows the canary would have noticed.
#[tokio::test]
async fn names_resolving_to_internal_addresses_never_connect() {
    let (port, hits) = canary().await;
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let table: HashMap<String, Vec<IpAddr>> = [
        ("api.example.com", vec![v4]),
        ("localhost", vec![v4, IpAddr::V6(Ipv6Addr::LOCALHOST)]),
        (
            "mapped.example.com",
            vec!["::ffff:127.0.0.1".parse().unwrap()],
        ),
        ("zero.example.com", vec!["0.0.0.0".parse().unwrap()]),
        ("meta.example.com", vec!["169.254.169.254".parse().unwrap()]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let base = reqwest::Url::parse(&format!("https://api.example.com:{port}")).unwrap();
    for allow in [false, true] {
        let policy = NetworkPolicy::for_url(&base, allow);
        let client = builder_with(
            GuardedResolver::with_table(policy, table.clone()),
            &base,
            false,
        )
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
        for host in [
            "api.example.com",
            "localhost",
            "mapped.example.com",
            "zero.example.com",
        ] {
            let r = client
                .get(format!("http://{host}:{port}/"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            assert!(r.is_err(), "the canary sends no HTTP answer");
        }
        let reached = hits.load(Ordering::SeqCst);
        if allow {
            assert!(
                reached >= 4,
                "with allow_private_network the canary is reached"
            );
        } else {
            assert_eq!(reached, 0, "no connection may reach the canary");
        }
    }
}

fn attempt(url: &str) -> Attempt {
    Attempt {
        request: PreparedRequest {
            method: http::Method::GET,
            url: reqwest::Url::parse(url).unwrap(),
            headers: http::HeaderMap::new(),
            body: None,
        },
        deadline: tokio::time::Instant::now() + Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        max_response_bytes: 1024,
        number: 1,
        repeatable: true,
        sent: Arc::new(AtomicU32::new(0)),
        log: None,
        tap: None,
        policy: Arc::new(AttemptPolicy {
            retry: Default::default(),
            breaker: None,
            limiter: None,
            hold: crate::pipeline::hold::Hold::new("test".into()),
        }),
        user_id: None,
        untrusted_user: false,
    }
}

/// IP literals never reach a resolver; the guard layer refuses every spelling of an internal
/// address for a connector configured with a public name.
#[tokio::test]
async fn ip_literal_spellings_never_connect() {
    let (port, hits) = canary().await;
    let base = reqwest::Url::parse("https://api.example.com").unwrap();
    let client = client_builder(&base, false, false).build().unwrap();
    let service =
        GuardLayer::new(NetworkPolicy::for_url(&base, false)).layer(HttpTransport::new(client));
    let spellings = [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f000001:{port}/"),
        format!("http://0x7f.0.0.1:{port}/"),
        format!("http://0177.0.0.1:{port}/"),
        format!("http://017700000001:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::ffff:7f00:1]:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://0:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[fd00:ec2::254]/".to_string(),
    ];
    for url in &spellings {
        let r = service.clone().oneshot(attempt(url)).await;
        let Err(TransportError::Connection(reason)) = r else {
            panic!("{url} was not refused: {r:?}");
        };
        assert!(
            reason.contains("private or special address"),
            "{url}: {reason}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
