//! Test helpers shared by the runtime's integration tests: a demo backend on 127.0.0.1:0,
//! projects loaded from the repository's examples or from inline YAML, and a pipeline or an
//! engine built on them.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::{LoadOptions, Project};
use switchboard_demo_backend::DemoBackend;
use switchboard_runtime::app::Services;
use switchboard_runtime::engine::{Engine, TurnRequest, TurnResponse};
use switchboard_runtime::pipeline::{self as pipeline_mod, Pipeline};
use switchboard_runtime::server;
use switchboard_runtime::template::Templates;
use switchboard_runtime::webhooks::Webhooks;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A demo backend on a free loopback port.
pub async fn backend() -> (SocketAddr, DemoBackend) {
    DemoBackend::spawn_local()
        .await
        .expect("demo backend starts")
}

/// Loads a project file, panicking with the diagnostics when it does not load. With
/// `SWITCHBOARD_TEST_STATE=redis` (set by `.ci/run` for a second pass of the suites), a
/// project without a `state` section gets one on the machine's Redis (or
/// `SWITCHBOARD_TEST_REDIS_URL`), under a key prefix of its own, so the suites run with
/// shared state as they do in process.
pub fn load(path: &Path) -> Project {
    let mut p = match switchboard_config::load(path, &LoadOptions::default()) {
        Ok((p, _)) => p,
        Err(d) => panic!("{} does not load:\n{d}", path.display()),
    };
    if p.state.is_none() && std::env::var("SWITCHBOARD_TEST_STATE").as_deref() == Ok("redis") {
        let url = std::env::var("SWITCHBOARD_TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "redis://127.0.0.1:6379/0".to_string());
        let mut state = switchboard_config::model::StateSettings::from_url(&url);
        state.prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        p.state = Some(state);
    }
    p
}

/// The demo project, pointed at a backend.
pub fn store_project(addr: SocketAddr) -> Project {
    let mut p = load(&repo_root().join("examples/store/switchboard.yaml"));
    point_at(&mut p, addr);
    p
}

/// Loads inline YAML written to a temporary directory (with `secrets/key` = `demo-key`).
pub fn inline_project(yaml: &str, addr: SocketAddr) -> (Project, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("secrets")).expect("mkdir");
    std::fs::write(dir.path().join("secrets/key"), "demo-key\n").expect("write key");
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        yaml.replace("BACKEND", &format!("http://{addr}/api/v2")),
    )
    .expect("write project");
    (load(&path), dir)
}

/// Points every connector at the backend: the store API, and each channel's built-in
/// connector at the backend's fake of its platform.
pub fn point_at(p: &mut Project, addr: SocketAddr) {
    for c in p.connectors.values_mut() {
        let channel = p.channels.values().find(|ch| ch.connector == c.name);
        c.base_url = match channel {
            Some(ch) => format!("http://{addr}/platforms/{}", ch.kind.as_str()),
            None => format!("http://{addr}/api/v2"),
        };
    }
}

/// The pipeline of a project, on a recorder of its own, without an audit trail.
pub fn pipeline(p: Project) -> Arc<Pipeline> {
    let p = Arc::new(p);
    let templates = Arc::new(Templates::compile(&p).expect("templates compile"));
    let telemetry = Arc::new(switchboard_runtime::telemetry::Telemetry::new());
    let shared = p.state.as_ref().map(|s| {
        switchboard_runtime::shared::Shared::start(s, telemetry.clone()).expect("a Redis URL")
    });
    Pipeline::new(
        p,
        templates,
        pipeline_mod::Parts {
            telemetry,
            shared,
            ..pipeline_mod::Parts::default()
        },
    )
    .expect("pipeline builds")
}

/// The services of a project on an SQLite store in a temporary directory.
pub async fn services(p: Project) -> (Services, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let services = switchboard_runtime::app::build(p, dir.path(), None)
        .await
        .expect("services build");
    (services, dir)
}

/// An engine on an SQLite store in a temporary directory (a project without webhooks: its
/// machinery would end with the services).
pub async fn engine(p: Project) -> (Arc<Engine>, tempfile::TempDir) {
    let (services, dir) = services(p).await;
    (services.engine, dir)
}

/// An engine served over HTTP on a free loopback port, with a client to call it.
pub struct Bot {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub engine: Arc<Engine>,
    /// Every service of the bot (the webhook machinery lives as long as they do).
    pub services: Services,
    pub http: reqwest::Client,
    /// The engine's data directory, kept as long as the bot.
    pub _dir: tempfile::TempDir,
}

/// Builds the engine of `project` with its data in `dir` (on `database_url` when given) and
/// serves it on 127.0.0.1:0 until the test ends.
pub async fn serve(project: Project, dir: tempfile::TempDir, database_url: Option<&str>) -> Bot {
    let services = switchboard_runtime::app::build(project, dir.path(), database_url)
        .await
        .expect("services build");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::serve(
        listener,
        services.state(),
        std::future::pending(),
    ));
    Bot {
        url,
        engine: services.engine.clone(),
        services,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Bot {
    /// The webhook machinery (the project must have webhook sources or pollers).
    pub fn webhooks(&self) -> &Arc<Webhooks> {
        self.services
            .webhooks
            .as_ref()
            .expect("the project has webhook sources or pollers")
    }
}

/// The PostgreSQL the tests use when `SWITCHBOARD_TEST_DATABASE_URL` does not name another:
/// the one every session and CI machine runs (trust auth, database `test`).
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The PostgreSQL the tests use: `SWITCHBOARD_TEST_DATABASE_URL`, else
/// [`DEFAULT_POSTGRES_URL`].
pub fn postgres_url() -> String {
    std::env::var("SWITCHBOARD_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string())
}

/// A schema of one test's own in the `test` database, so tests never share tables or
/// migration history with each other or with earlier runs. Call [`PgSchema::drop`] at the end.
pub struct PgSchema {
    admin: sqlx::PgPool,
    /// `switchboard_<prefix>_<uuid>`.
    pub name: String,
}

impl PgSchema {
    /// Creates the schema; panics with how to start PostgreSQL when it is not reachable.
    pub async fn create(prefix: &str) -> PgSchema {
        let url = postgres_url();
        let admin = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(&url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {url} (set SWITCHBOARD_TEST_DATABASE_URL for another): {e}\n\
                     Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
                )
            });
        let name = format!("switchboard_{prefix}_{}", uuid::Uuid::new_v4().simple());
        // Identifiers cannot be bound; this one is ours, letters, digits and `_` only.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&admin)
            .await
            .expect("create the test schema");
        PgSchema { admin, name }
    }

    /// A connection to the database outside the schema (for raw writes in tests).
    pub fn admin(&self) -> &sqlx::PgPool {
        &self.admin
    }

    /// A database URL whose connections work in this schema.
    pub fn url(&self) -> String {
        let url = postgres_url();
        let join = if url.contains('?') { '&' } else { '?' };
        format!("{url}{join}options[search_path]={}", self.name)
    }

    /// Drops the schema and everything in it.
    ///
    /// A served bot's background tasks (the webhook worker, the purge) may still be finishing
    /// a statement in the schema when its test ends; PostgreSQL then picks one side of the
    /// deadlock to abort, and a drop it aborted is tried again.
    pub async fn drop(self) {
        let statement = format!("DROP SCHEMA {} CASCADE", self.name);
        let mut tries = 0;
        loop {
            let result = sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&self.admin)
                .await;
            match result {
                Ok(_) => return,
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("40P01") && tries < 5 =>
                {
                    tries += 1;
                }
                Err(e) => panic!("drop the test schema: {e:?}"),
            }
        }
    }
}

/// A store's backend for the suites that run every case on both: a SQLite file in a temporary
/// directory, or a PostgreSQL schema of its own.
pub enum StoreBackend {
    /// SQLite under this directory.
    Sqlite(tempfile::TempDir),
    /// PostgreSQL in this schema.
    Postgres(PgSchema),
}

impl StoreBackend {
    /// A new SQLite directory.
    pub async fn sqlite() -> StoreBackend {
        StoreBackend::Sqlite(tempfile::tempdir().expect("tempdir"))
    }

    /// A new PostgreSQL schema named after `prefix`.
    pub async fn postgres(prefix: &str) -> StoreBackend {
        StoreBackend::Postgres(PgSchema::create(prefix).await)
    }

    /// The storage settings and data directory a store opens with.
    pub fn settings(&self) -> (switchboard_config::model::StorageSettings, PathBuf) {
        use switchboard_config::model::StorageSettings;
        match self {
            StoreBackend::Sqlite(dir) => (
                StorageSettings::Sqlite {
                    path: "switchboard.db".into(),
                },
                dir.path().to_owned(),
            ),
            StoreBackend::Postgres(pg) => (
                StorageSettings::Postgres {
                    url: switchboard_config::Secret::from_reference(pg.url()),
                },
                PathBuf::from("/nonexistent"),
            ),
        }
    }

    /// Drops the PostgreSQL schema.
    pub async fn finish(self) {
        if let StoreBackend::Postgres(pg) = self {
            pg.drop().await;
        }
    }
}

/// Serves `app` on a free loopback port.
pub async fn listen(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// One turn of `user` in their default conversation.
pub async fn turn(engine: &Engine, user: &str, text: &str) -> TurnResponse {
    engine
        .turn(TurnRequest {
            user_id: user.into(),
            text: text.into(),
            conversation_id: None,
            message_id: None,
            stream: false,
        })
        .await
        .unwrap()
}

/// A turn's replies, joined with spaces.
pub fn replies(res: &TurnResponse) -> String {
    res.replies
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
