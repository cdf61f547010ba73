//! The hand-written server's `--layers` switch (`bench/profile/wakeups.sh`): with it, every
//! answer carries the request id Switchboard's common layers set; without it, none does, so
//! the benchmarks' baseline stays the bare hand-written server.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The baseline server on a free port of 127.0.0.1, killed when dropped.
struct Baseline {
    child: Child,
    port: u16,
}

impl Baseline {
    fn start(extra: &[&str]) -> Baseline {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_baseline"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            // Nothing listens there: the turns are not what this test looks at.
            .args(["--upstream", "http://127.0.0.1:9/api/v2"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the baseline binary starts");
        // It prints one line on stderr once it listens.
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("serving on"), "unexpected first line: {line}");
        Baseline { child, port }
    }

    /// The head of the answer to `GET /readyz`, lower-cased.
    fn readyz_head(&self) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
            .unwrap();
        let mut head = String::new();
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        assert!(head.starts_with("http/1.1 200"), "{head}");
        head
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_common_layers_are_added_only_when_asked_for() {
    let bare = Baseline::start(&[]);
    assert!(!bare.readyz_head().contains("x-request-id:"));
    let layered = Baseline::start(&["--layers"]);
    let head = layered.readyz_head();
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id:"))
        .expect("a request id on the answer");
    assert_eq!(id.trim().len(), 36, "a UUID: {id}");
}
