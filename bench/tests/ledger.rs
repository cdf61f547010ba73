//! `bench/profile/costs.py`'s ledger on a fixture of folded stacks: each sample charged to the
//! feature whose code a frame is (not to a type parameter it names), the gate's middleware
//! not claiming the machinery it wraps, and the rest charged by thread and by machinery.

use std::path::Path;
use std::process::Command;

#[test]
fn the_ledger_charges_each_sample_to_the_feature_that_caused_it() {
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("profile");
    let out = Command::new("python3")
        .arg(profile.join("costs.py"))
        .arg(profile.join("testdata/ledger.folded"))
        .args(["60", "fixture"])
        .output()
        .expect("python3 runs (the bench tools need it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let ledger = &table[table.find("| feature").expect("the ledger table")..];
    // One sample per µs: the fixture has 60 samples and the turn is given 60 µs.
    for row in [
        // `<Retry<HttpTransport> as Service>::call` is the retry layer's, not the transport's.
        "| policies: retry, Retry-After hold, breaker, rate limit | 10 (0) |",
        // The gate wraps routing: a `writev` under axum and hyper is inbound HTTP's.
        "| inbound HTTP (hyper server, axum, tower-http, accept loop) | 20 (20) |",
        "| the audit trail (rows, pseudonyms, redaction, its writer) | 5 (0) |",
        "| SQLite on sqlx's worker thread | 7 (7) |",
        // reqwest's frames by name, hyper's client connection task by its machinery.
        "| upstream HTTP client (reqwest, hyper client, pool, transport) | 14 (0) |",
        "| async runtime (tokio scheduler, I/O driver, timers) | 3 (0) |",
        "| other (thread start, libc, unresolved) | 1 (0) |",
    ] {
        assert!(ledger.contains(row), "{row} not in\n{ledger}");
    }
    assert!(
        !ledger.contains("the server's own layer"),
        "the gate claimed samples of the machinery it wraps:\n{ledger}"
    );
}
