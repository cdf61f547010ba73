//! One database handle for every store: a SQLite file or a PostgreSQL database, opened with
//! the project's settings and migrated, with errors that name the file or mask the password.
//!
//! Each store is written once over both backends. Where the SQL text is the same (sqlx binds
//! `$1` on SQLite too), a store writes it once; where the dialects differ (casts, locking,
//! `rowid`), the two texts sit side by side through [`Dialect::pick`]. [`on_pool!`] runs one
//! block of query code against whichever pool is open: sqlx's pools are typed per backend, so
//! the block is compiled once per backend but written once.

use super::StoreError;
use super::migrations;
use super::redact::Redactor;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use switchboard_config::model::StorageSettings;

/// How long a query waits for a connection (and, on SQLite, for another connection's write).
/// Writes take milliseconds; this only runs out when the disk or the server stalls, and then
/// failing (a 503, a retried event) is right.
const WAIT: Duration = Duration::from_secs(5);

/// How a store uses its pool.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Connections on SQLite: one writer at a time; a few let reads proceed beside it (WAL).
    pub sqlite_connections: u32,
    /// Connections per instance on PostgreSQL; several instances share the server's limit.
    pub postgres_connections: u32,
    /// SQLite's `synchronous`: `NORMAL` is durable across process crashes in WAL mode and
    /// only risks the last commits on power loss; `FULL` survives a power cut too.
    pub sqlite_synchronous: SqliteSynchronous,
}

impl Tuning {
    /// Conversations: on SQLite one connection for reads (most loads come from memory) beside
    /// the one the conversation writer takes for its own. Every turn writes and SQLite takes
    /// one writer at a time; a second writing connection would only wait for the write lock
    /// in SQLite's busy handler (which sleeps a millisecond and more, a latency spike under
    /// load), so saves queue for the one connection they write through.
    pub(crate) const CONVERSATIONS: Tuning = Tuning {
        sqlite_connections: 1,
        postgres_connections: 8,
        sqlite_synchronous: SqliteSynchronous::Normal,
    };

    /// The audit trail and accounts.
    pub(crate) const SHARED: Tuning = Tuning {
        sqlite_connections: 4,
        postgres_connections: 8,
        sqlite_synchronous: SqliteSynchronous::Normal,
    };

    /// The webhook inbox: an acknowledged event must survive a power cut, not only a crash.
    pub(crate) const INBOX: Tuning = Tuning {
        sqlite_connections: 2,
        postgres_connections: 4,
        sqlite_synchronous: SqliteSynchronous::Full,
    };
}

/// The SQL dialect of an open database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// The embedded file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Dialect {
    /// The statement written for this dialect, where the two differ.
    pub(crate) fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
        }
    }
}

/// An open pool of either backend.
#[derive(Clone)]
pub(crate) enum Pool {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// What error messages name: the SQLite file (paths are not secret) or PostgreSQL, with the
/// URL's password masked (invariant 2).
#[derive(Clone)]
enum Place {
    File(PathBuf),
    Server(Redactor),
}

/// An open, migrated database.
#[derive(Clone)]
pub(crate) struct Db {
    pub(crate) pool: Pool,
    place: Place,
}

/// Runs `$body` with `$pool` bound to the open pool, whichever backend it is.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::storage::db::Pool::Sqlite($pool) => $body,
            $crate::storage::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Db {
    /// Opens the project's database: a relative SQLite path is under `data_dir`.
    pub(crate) async fn open(
        settings: &StorageSettings,
        data_dir: &Path,
        tuning: Tuning,
    ) -> Result<Db, StoreError> {
        match settings {
            StorageSettings::Sqlite { path } => Db::open_sqlite(&data_dir.join(path), tuning).await,
            StorageSettings::Postgres { url } => Db::connect_postgres(url.expose(), tuning).await,
        }
    }

    /// Opens (creating it and its directory if needed, private to this user) the SQLite file at
    /// `path` in WAL mode and brings its schema up to date.
    pub(crate) async fn open_sqlite(path: &Path, tuning: Tuning) -> Result<Db, StoreError> {
        super::files::private_database(path)?;
        let place = Place::File(path.to_owned());
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(tuning.sqlite_synchronous)
            .busy_timeout(WAIT);
        let pool = SqlitePoolOptions::new()
            .max_connections(tuning.sqlite_connections)
            .acquire_timeout(WAIT)
            // A connection to a local file cannot go stale the way a socket can; sqlx's check
            // on every acquire would be a round trip to the connection's thread per query.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|error| place.unavailable("cannot open", &error))?;
        // Processes opening a new file at once would each apply a migration the other is
        // applying (SQLite has no migration lock): they take turns.
        let lock = migration_lock(path)
            .await
            .map_err(|error| place.unavailable("cannot lock for migrating", &error))?;
        migrations::migrator(migrations::SQLITE)
            .run(&pool)
            .await
            .map_err(|error| place.unavailable("cannot migrate", &error))?;
        drop(lock);
        // The WAL and SHM files exist now; ones left by an older version may be readable.
        super::files::tighten_database(path);
        Ok(Db {
            pool: Pool::Sqlite(pool),
            place,
        })
    }

    /// Connects to `url` (a `postgres://` URL; `options[search_path]=...` selects a schema) and
    /// brings the schema up to date. sqlx's migrator holds an advisory lock while migrating,
    /// so instances starting together do not race. Errors never contain the password.
    pub(crate) async fn connect_postgres(url: &str, tuning: Tuning) -> Result<Db, StoreError> {
        let place = Place::Server(Redactor::new(url));
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| place.failed("invalid PostgreSQL URL", &error))?;
        // sqlx retries a refused connection until the timeout and then only says it timed out;
        // the address tells the operator where to look.
        let action = format!(
            "cannot connect to PostgreSQL at {}:{}",
            options.get_host(),
            options.get_port()
        );
        let pool = PgPoolOptions::new()
            .max_connections(tuning.postgres_connections)
            .acquire_timeout(WAIT)
            .connect_with(options)
            .await
            .map_err(|error| place.failed(&action, &error))?;
        migrations::migrator(migrations::POSTGRES)
            .run(&pool)
            .await
            .map_err(|error| place.unavailable("cannot migrate", &error))?;
        Ok(Db {
            pool: Pool::Postgres(pool),
            place,
        })
    }

    /// The open database's dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A failed query: "`action` in `place`: `error`", the password masked.
    pub(crate) fn unavailable(&self, action: &str, error: &dyn fmt::Display) -> StoreError {
        self.place.unavailable(action, error)
    }

    /// A closure for `map_err` that does what [`Db::unavailable`] does.
    pub(crate) fn err<'a>(&'a self, action: &'a str) -> impl Fn(sqlx::Error) -> StoreError + 'a {
        move |error| self.unavailable(action, &error)
    }
}

impl Place {
    fn unavailable(&self, action: &str, error: &dyn fmt::Display) -> StoreError {
        match self {
            Place::File(path) => {
                StoreError::Unavailable(format!("{action} {}: {error}", path.display()))
            }
            Place::Server(redactor) => {
                StoreError::Unavailable(redactor.redact(&format!("{action} PostgreSQL: {error}")))
            }
        }
    }

    /// A failure whose message already says where.
    fn failed(&self, action: &str, error: &dyn fmt::Display) -> StoreError {
        let text = format!("{action}: {error}");
        StoreError::Unavailable(match self {
            Place::File(_) => text,
            Place::Server(redactor) => redactor.redact(&text),
        })
    }
}

/// The pool's options hold the password: never print them.
impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Db");
        if let Place::File(path) = &self.place {
            out.field("path", path);
        }
        out.field("dialect", &self.dialect())
            .finish_non_exhaustive()
    }
}

/// Whether a write failed on a unique index (another write got there first).
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}

/// An exclusive lock on `FILE.migrate-lock` beside a SQLite file, held while its schema is
/// brought up to date (released when the returned file is dropped).
async fn migration_lock(path: &Path) -> std::io::Result<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".migrate-lock");
    let lock_path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&lock_path)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(std::io::Error::other)?
}
