//! Several real `switchboard serve` processes on one PostgreSQL (in a schema of the test's
//! own) behaving as one: shared state in Redis (`shared_state.rs`) and pollers run by one
//! instance at a time (`pollers.rs`).

mod pollers;
mod shared_state;

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A process ended by drop.
struct Proc(Child);

impl Proc {
    /// `kill -9`, and waits for the end.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL schema of the test's own, dropped with everything in it when the test ends.
struct Schema {
    base: String,
    name: String,
}

impl Schema {
    /// Creates `switchboard_{what}_{pid}` in the machine's database.
    fn create(what: &str) -> Schema {
        let base = std::env::var("SWITCHBOARD_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let name = format!("switchboard_{what}_{}", std::process::id());
        psql(&base, &format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
        psql(&base, &format!("CREATE SCHEMA {name}"));
        Schema { base, name }
    }

    /// The database URL that uses the schema.
    fn url(&self) -> String {
        let join = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{join}options[search_path]={}", self.base, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        psql(
            &self.base,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(url.split('?').next().unwrap_or(url))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs (PostgreSQL's client; the machine has it)");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `switchboard serve` of `config` on a free port, with its own data directory, on
/// `database`; `with` adds arguments and environment. Its URL once it answers.
fn serve(
    config: &Path,
    data_dir: &Path,
    database: &str,
    with: impl FnOnce(&mut Command),
) -> (Proc, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database])
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("SWITCHBOARD_REDIS_URL")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    with(&mut cmd);
    let mut child = cmd.spawn().expect("the binary starts");
    let url = crate::webhooks_crash::served_url(&mut child);
    (Proc(child), url)
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = http.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An instance's `/metrics` text.
async fn metrics(http: &reqwest::Client, url: &str) -> String {
    let r = http.get(format!("{url}/metrics")).send().await.unwrap();
    r.text().await.unwrap()
}

async fn get_json(http: &reqwest::Client, url: String) -> (u16, Value) {
    let r = http.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}
