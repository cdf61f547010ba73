//! The conversation store suite: every case runs on SQLite and on PostgreSQL, so both backends
//! behave the same (DESIGN.md invariant 7).
//!
//! Cases are written once against `&dyn ConversationStore`; `on_both_backends!` runs each in
//! `sqlite::` and `postgres::`. PostgreSQL is expected at `common::postgres_url()`: when it is not there the
//! `postgres::` tests fail, they never skip. Each case gets its own schema (PostgreSQL) or
//! directory (SQLite), so parallel runs do not see each other.

use crate::common;

use chrono::Utc;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use std::path::PathBuf;
use std::sync::Arc;
use switchboard_config::Secret;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::conversation::{Conversation, HistoryEntry, Pending, Role};
use switchboard_runtime::storage::{self, ConversationStore, SqlConversations, StoreError};

/// The SQLite file, relative to the data directory (so `storage::open` must join and create it).
const SQLITE_PATH: &str = "state/conversations.sqlite3";

/// Where one case's stores live. Opening it again reaches the same data, as after a restart.
enum Backend {
    Sqlite { data_dir: tempfile::TempDir },
    Postgres(common::PgSchema),
}

impl Backend {
    async fn sqlite() -> Backend {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        Backend::Sqlite { data_dir }
    }

    async fn postgres() -> Backend {
        Backend::Postgres(common::PgSchema::create("test").await)
    }

    fn settings(&self) -> StorageSettings {
        match self {
            Backend::Sqlite { .. } => StorageSettings::Sqlite {
                path: SQLITE_PATH.to_owned(),
            },
            Backend::Postgres(pg) => StorageSettings::Postgres {
                url: Secret::from_reference(pg.url()),
            },
        }
    }

    fn data_dir(&self) -> PathBuf {
        match self {
            Backend::Sqlite { data_dir } => data_dir.path().to_owned(),
            Backend::Postgres(_) => PathBuf::from("/nonexistent"),
        }
    }

    /// A store on this backend, opened the way the server opens it.
    async fn open(&self) -> Arc<dyn ConversationStore> {
        storage::open(&self.settings(), &self.data_dir())
            .await
            .expect("open the store")
    }

    /// Writes a row whose state is not a conversation, as a bug or a hand edit might.
    async fn write_raw(&self, id: &str, state: &str) {
        match self {
            Backend::Sqlite { data_dir } => {
                let mut connection = sqlite_file(data_dir).await;
                sqlx::query(
                    "INSERT INTO conversations (id, user_id, state, version, updated_at) \
                     VALUES (?1, 'u', ?2, 1, '2024-01-01T00:00:00.000000Z')",
                )
                .bind(id)
                .bind(state)
                .execute(&mut connection)
                .await
                .expect("write the row");
            }
            Backend::Postgres(pg) => {
                let insert = format!(
                    "INSERT INTO {}.conversations (id, user_id, state, version, updated_at) \
                     VALUES ($1, 'u', $2::json, 1, now())",
                    pg.name
                );
                sqlx::query(AssertSqlSafe(insert))
                    .bind(id)
                    .bind(state)
                    .execute(pg.admin())
                    .await
                    .expect("write the row");
            }
        }
    }

    /// Runs statements on the database behind the stores' backs; `{s}` stands for the
    /// PostgreSQL schema's prefix (`name.`), nothing on SQLite.
    async fn execute_raw(&self, statements: &[&str]) {
        match self {
            Backend::Sqlite { data_dir } => {
                let mut connection = sqlite_file(data_dir).await;
                for statement in statements {
                    sqlx::query(AssertSqlSafe(statement.replace("{s}", "")))
                        .execute(&mut connection)
                        .await
                        .unwrap_or_else(|e| panic!("{statement}: {e}"));
                }
            }
            Backend::Postgres(pg) => {
                for statement in statements {
                    sqlx::query(AssertSqlSafe(
                        statement.replace("{s}", &format!("{}.", pg.name)),
                    ))
                    .execute(pg.admin())
                    .await
                    .unwrap_or_else(|e| panic!("{statement}: {e}"));
                }
            }
        }
    }

    /// How many message rows the database holds for a conversation.
    async fn stored_messages(&self, id: &str) -> i64 {
        match self {
            Backend::Sqlite { data_dir } => {
                let mut connection = sqlite_file(data_dir).await;
                sqlx::query_scalar(
                    "SELECT count(*) FROM conversation_messages WHERE conversation_id = ?1",
                )
                .bind(id)
                .fetch_one(&mut connection)
                .await
                .expect("count the messages")
            }
            Backend::Postgres(pg) => {
                let count = format!(
                    "SELECT count(*) FROM {}.conversation_messages WHERE conversation_id = $1",
                    pg.name
                );
                sqlx::query_scalar(AssertSqlSafe(count))
                    .bind(id)
                    .fetch_one(pg.admin())
                    .await
                    .expect("count the messages")
            }
        }
    }

    /// Removes what the case left behind (a failed case leaves its schema for inspection).
    async fn finish(self) {
        if let Backend::Postgres(pg) = self {
            pg.drop().await;
        }
    }
}

/// A connection to a case's SQLite file, beside its stores.
async fn sqlite_file(data_dir: &tempfile::TempDir) -> SqliteConnection {
    let options = SqliteConnectOptions::new().filename(data_dir.path().join(SQLITE_PATH));
    SqliteConnection::connect_with(&options)
        .await
        .expect("open the file")
}

/// Runs each case on a fresh backend of one kind, as `$backend::$case`.
macro_rules! on_backend {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let backend = super::Backend::$backend().await;
                    super::$case(&backend).await;
                    backend.finish().await;
                }
            )*
        }
    };
}

/// Runs each case on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        on_backend!(sqlite: $($case),*);
        on_backend!(postgres: $($case),*);
    };
}

on_both_backends!(
    loading_a_missing_conversation_gives_none,
    a_new_conversation_loads_back_equal,
    every_save_bumps_the_version,
    a_stale_save_conflicts_and_writes_nothing,
    a_second_new_conversation_with_a_taken_id_conflicts,
    concurrent_first_saves_of_one_id_let_exactly_one_win,
    conversations_survive_reopening,
    emoji_and_control_characters_round_trip,
    a_hundred_kilobytes_of_slots_round_trip,
    ping_answers,
    a_corrupt_row_is_corrupt_and_its_text_stays_out_of_the_error,
    a_copy_changed_by_another_instance_conflicts_then_reloads,
    a_users_default_conversation_is_found_by_its_owner_and_unique,
    concurrent_first_defaults_of_one_user_let_exactly_one_win,
    a_save_never_changes_the_owner,
    conversations_idle_past_the_retention_are_purged,
    messages_are_appended_and_the_oldest_deleted,
    a_corrupt_message_is_corrupt_and_its_text_stays_out_of_the_error,
    many_conversations_saving_at_once_all_land,
    a_save_the_database_refuses_fails_alone_among_many_at_once,
    a_save_dropped_midway_is_stored_whole_or_not_at_all_and_saves_go_on,
    a_history_saved_whole_by_an_earlier_version_moves_into_messages_on_the_next_save,
);

/// A conversation with every field in use.
fn sample(id: &str) -> Conversation {
    let mut conversation = Conversation::new(id.to_owned(), "user-1".to_owned());
    conversation
        .slots
        .insert("order_id".to_owned(), json!("A-1001"));
    conversation.slots.insert("quantity".to_owned(), json!(2));
    conversation.pending = Some(Pending::Slot {
        intent: "order_status".to_owned(),
        slot: "email".to_owned(),
        attempts: 1,
    });
    conversation.last_intent = Some("order_status".to_owned());
    conversation.push_history(
        HistoryEntry {
            role: Role::User,
            text: "where is my order A-1001".to_owned(),
            at: Utc::now(),
            intent: Some("order_status".to_owned()),
            id: None,
        },
        20,
    );
    conversation.push_history(
        HistoryEntry {
            role: Role::Bot,
            text: "What's your email?".to_owned(),
            at: Utc::now(),
            intent: None,
            id: None,
        },
        20,
    );
    conversation
}

/// A message said now.
fn said(role: Role, text: &str) -> HistoryEntry {
    HistoryEntry {
        role,
        text: text.to_owned(),
        at: Utc::now(),
        intent: None,
        id: None,
    }
}

fn assert_conflict(result: Result<(), StoreError>, id: &str) {
    match result {
        Err(StoreError::Conflict(conflicting)) => assert_eq!(conflicting, id),
        other => panic!("expected a conflict on {id}, got {other:?}"),
    }
}

async fn loaded(store: &dyn ConversationStore, id: &str) -> Conversation {
    store
        .load(id)
        .await
        .expect("load")
        .unwrap_or_else(|| panic!("conversation {id} is missing"))
}

async fn loading_a_missing_conversation_gives_none(backend: &Backend) {
    let store = backend.open().await;
    assert_eq!(store.load("nobody").await.expect("load"), None);
}

async fn a_new_conversation_loads_back_equal(backend: &Backend) {
    let store = backend.open().await;
    let mut conversation = sample("c1");
    store.save(&mut conversation).await.expect("save");
    assert_eq!(conversation.version, 1);
    assert_eq!(loaded(&*store, "c1").await, conversation);
}

async fn every_save_bumps_the_version(backend: &Backend) {
    let store = backend.open().await;
    let mut conversation = sample("c1");
    store.save(&mut conversation).await.expect("first save");

    let mut copy = loaded(&*store, "c1").await;
    copy.slots
        .insert("email".to_owned(), json!("ada@example.com"));
    copy.pending = None;
    store.save(&mut copy).await.expect("second save");
    assert_eq!(copy.version, 2);
    store.save(&mut copy).await.expect("third save");
    assert_eq!(copy.version, 3);

    let stored = loaded(&*store, "c1").await;
    assert_eq!(stored, copy);
    assert_eq!(stored.slots["email"], json!("ada@example.com"));
}

async fn a_stale_save_conflicts_and_writes_nothing(backend: &Backend) {
    let store = backend.open().await;
    store.save(&mut sample("c1")).await.expect("create");

    // Two turns load the same version; the first to save wins.
    let mut first = loaded(&*store, "c1").await;
    let mut second = loaded(&*store, "c1").await;
    first.last_intent = Some("refund".to_owned());
    store.save(&mut first).await.expect("first turn saves");
    second.last_intent = Some("cancel".to_owned());
    second.push_history(said(Role::User, "cancel it"), 20);
    assert_conflict(store.save(&mut second).await, "c1");

    assert_eq!(
        second.version, 1,
        "a refused save leaves the caller's version alone"
    );
    assert_eq!(loaded(&*store, "c1").await, first);
    assert_eq!(loaded(&*backend.open().await, "c1").await, first);
    assert_eq!(
        backend.stored_messages("c1").await,
        2,
        "the refused save's message was not stored"
    );
}

async fn a_second_new_conversation_with_a_taken_id_conflicts(backend: &Backend) {
    let store = backend.open().await;
    let mut original = sample("c1");
    store.save(&mut original).await.expect("create");

    let mut impostor = Conversation::new("c1".to_owned(), "user-2".to_owned());
    assert_conflict(store.save(&mut impostor).await, "c1");
    assert_eq!(impostor.version, 0);
    assert_eq!(loaded(&*store, "c1").await, original);
}

async fn concurrent_first_saves_of_one_id_let_exactly_one_win(backend: &Backend) {
    // Two instances of the server, each with its own pool, as behind a load balancer.
    let (one, two) = (backend.open().await, backend.open().await);
    for round in 0..20 {
        let id = format!("race-{round}");
        let mut left = Conversation::new(id.clone(), "left".to_owned());
        let mut right = Conversation::new(id.clone(), "right".to_owned());
        left.push_history(said(Role::User, "left's"), 20);
        right.push_history(said(Role::User, "right's"), 20);
        let (left_result, right_result) = tokio::join!(one.save(&mut left), two.save(&mut right));

        let winner = match (left_result, right_result) {
            (Ok(()), loser) => {
                assert_conflict(loser, &id);
                left
            }
            (loser, Ok(())) => {
                assert_conflict(loser, &id);
                right
            }
            (left_result, right_result) => {
                panic!("neither save won round {round}: {left_result:?}, {right_result:?}")
            }
        };
        assert_eq!(winner.version, 1);
        assert_eq!(loaded(&*one, &id).await, winner);
        assert_eq!(loaded(&*backend.open().await, &id).await, winner);
        assert_eq!(backend.stored_messages(&id).await, 1, "only the winner's");
    }
}

async fn conversations_survive_reopening(backend: &Backend) {
    let mut conversation = sample("c1");
    let store = backend.open().await;
    store.save(&mut conversation).await.expect("save");
    drop(store);

    let store = backend.open().await;
    assert_eq!(loaded(&*store, "c1").await, conversation);
    store
        .save(&mut conversation)
        .await
        .expect("save after reopening");
    assert_eq!(loaded(&*store, "c1").await.version, 2);
}

async fn emoji_and_control_characters_round_trip(backend: &Backend) {
    let store = backend.open().await;
    let awkward = "héllo 👋🏽 家 \u{0} \u{1} \u{1b}[31m \t\r\n \u{7f} \u{200b}\u{feff}\u{202e} \
                   'single' \"double\" \\ \\u0000 %s {{ slots.x }} ; DROP TABLE conversations; --";
    let mut conversation = Conversation::new("c-✓".to_owned(), "user 👤".to_owned());
    conversation
        .slots
        .insert(format!("key {awkward}"), json!(awkward));
    for role in [Role::User, Role::Bot, Role::Proactive] {
        conversation.push_history(
            HistoryEntry {
                role,
                text: awkward.to_owned(),
                at: Utc::now(),
                intent: Some(awkward.to_owned()),
                id: None,
            },
            10,
        );
    }
    store.save(&mut conversation).await.expect("save");
    assert_eq!(loaded(&*store, "c-✓").await, conversation);
}

async fn a_hundred_kilobytes_of_slots_round_trip(backend: &Backend) {
    let store = backend.open().await;
    let mut conversation = sample("c1");
    let items: Vec<Value> = (0..1_000)
        .map(|i| json!({ "sku": format!("SKU-{i:05}"), "note": "x".repeat(40) }))
        .collect();
    conversation
        .slots
        .insert("blob".to_owned(), json!("ü".repeat(25_000)));
    conversation.slots.insert("items".to_owned(), json!(items));
    let size = serde_json::to_string(&conversation.slots)
        .expect("json")
        .len();
    assert!(size > 100_000, "only {size} bytes");

    store.save(&mut conversation).await.expect("save");
    assert_eq!(loaded(&*store, "c1").await, conversation);
}

async fn conversations_idle_past_the_retention_are_purged(backend: &Backend) {
    let store = backend.open().await;
    let now = Utc::now();
    let mut idle = sample("idle-since-spring");
    idle.updated_at = now - chrono::Duration::days(100);
    store.save(&mut idle).await.expect("save");
    let mut recent = sample("talked-yesterday");
    recent.updated_at = now - chrono::Duration::days(1);
    store.save(&mut recent).await.expect("save");

    let purged = store
        .purge_idle(now - chrono::Duration::days(90))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    assert!(
        store
            .load("idle-since-spring")
            .await
            .expect("load")
            .is_none(),
        "gone, also from any cache"
    );
    assert_eq!(
        backend.stored_messages("idle-since-spring").await,
        0,
        "its messages went with it"
    );
    assert_eq!(
        loaded(&*store, "talked-yesterday").await,
        recent_saved(recent)
    );
    // The user comes back: a new conversation under the same id starts afresh.
    let mut again = Conversation::new("idle-since-spring".into(), "user-1".into());
    store.save(&mut again).await.expect("a fresh start saves");
    assert_eq!(
        store
            .purge_idle(now - chrono::Duration::days(90))
            .await
            .expect("purge"),
        0
    );
}

/// A conversation as it loads after one save.
fn recent_saved(mut c: Conversation) -> Conversation {
    c.version = 1;
    c
}

async fn ping_answers(backend: &Backend) {
    backend.open().await.ping().await.expect("ping");
}

async fn a_corrupt_row_is_corrupt_and_its_text_stays_out_of_the_error(backend: &Backend) {
    let store = backend.open().await;
    backend
        .write_raw("c1", r#"{"id": "c1", "user_id": "private words"}"#)
        .await;
    match store.load("c1").await {
        Err(StoreError::Corrupt { id, reason }) => {
            assert_eq!(id, "c1");
            assert!(!reason.contains("private"), "{reason}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Two stores on one database, as two processes would have: whatever either keeps in memory,
/// a save from a stale copy is refused and the next load sees the other's write.
async fn a_copy_changed_by_another_instance_conflicts_then_reloads(backend: &Backend) {
    let (a, b) = (backend.open().await, backend.open().await);
    let mut mine = sample("shared");
    a.save(&mut mine).await.expect("first save");
    let _ = loaded(a.as_ref(), "shared").await;
    let mut theirs = loaded(b.as_ref(), "shared").await;
    theirs.last_intent = Some("theirs".into());
    b.save(&mut theirs).await.expect("their save");
    mine.last_intent = Some("mine".into());
    assert_conflict(a.save(&mut mine).await, "shared");
    let fresh = loaded(a.as_ref(), "shared").await;
    assert_eq!(
        (fresh.version, fresh.last_intent.as_deref()),
        (2, Some("theirs"))
    );
}

#[tokio::test]
async fn sqlite_creates_its_file_under_the_data_dir_in_wal_mode() {
    let backend = Backend::sqlite().await;
    backend.open().await;
    let file = backend.data_dir().join(SQLITE_PATH);
    assert!(file.is_file(), "{} is missing", file.display());

    let options = SqliteConnectOptions::new().filename(&file);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .expect("open the file");
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut connection)
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn postgres_errors_never_contain_the_password() {
    let urls = [
        // Nothing listens on port 1.
        "postgres://bot:hunter2-pw@127.0.0.1:1/test",
        "postgres://bot@127.0.0.1:1/test?password=hunter2-pw",
        // Not a URL sqlx accepts.
        "postgres://bot:hunter2-pw@127.0.0.1:port/test",
    ];
    // Refused connections are retried until the pool's timeout: try them all at once.
    let errors = futures::future::join_all(urls.map(SqlConversations::connect_postgres)).await;
    for (url, result) in urls.iter().zip(errors) {
        let error = result.expect_err("connecting must fail");
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, StoreError::Unavailable(_)), "{shown}");
        assert!(!shown.contains("hunter2"), "{url}: {shown}");
    }
}

async fn a_users_default_conversation_is_found_by_its_owner_and_unique(backend: &Backend) {
    let store = backend.open().await;
    assert_eq!(store.load_default("alice").await.expect("load"), None);
    let mut other = Conversation::start("alice".to_owned());
    store
        .save(&mut other)
        .await
        .expect("a conversation that is not the default");
    assert_eq!(store.load_default("alice").await.expect("load"), None);

    let mut default = Conversation::start("alice".to_owned());
    default.default = true;
    store.save(&mut default).await.expect("the default");
    let found = store.load_default("alice").await.expect("load");
    assert_eq!(found.as_ref(), Some(&default));
    assert_eq!(loaded(&*store, &default.id).await, default);
    assert_eq!(store.load_default("bob").await.expect("load"), None);

    // A second default for the same user is refused, as a new one or by promotion.
    let mut second = Conversation::start("alice".to_owned());
    second.default = true;
    let id = second.id.clone();
    assert_conflict(store.save(&mut second).await, &id);
    assert_eq!(store.load(&id).await.expect("load"), None);
    let mut promoted = loaded(&*store, &other.id).await;
    promoted.default = true;
    assert_conflict(store.save(&mut promoted).await, &other.id);
    assert!(!loaded(&*store, &other.id).await.default);

    // Another user's default is theirs alone.
    let mut bobs = Conversation::start("bob".to_owned());
    bobs.default = true;
    store.save(&mut bobs).await.expect("bob's default");
    assert_eq!(store.load_default("bob").await.expect("load"), Some(bobs));
    assert_eq!(
        store.load_default("alice").await.expect("load"),
        Some(default)
    );
}

async fn concurrent_first_defaults_of_one_user_let_exactly_one_win(backend: &Backend) {
    let (one, two) = (backend.open().await, backend.open().await);
    for round in 0..20 {
        let user = format!("user-{round}");
        let mut left = Conversation::start(user.clone());
        let mut right = Conversation::start(user.clone());
        left.default = true;
        right.default = true;
        let (l, r) = tokio::join!(one.save(&mut left), two.save(&mut right));
        let winner = match (l, r) {
            (Ok(()), loser) => {
                assert_conflict(loser, &right.id);
                left
            }
            (loser, Ok(())) => {
                assert_conflict(loser, &left.id);
                right
            }
            (l, r) => panic!("neither default won round {round}: {l:?}, {r:?}"),
        };
        assert_eq!(
            one.load_default(&user).await.expect("load"),
            Some(winner.clone())
        );
        assert_eq!(two.load_default(&user).await.expect("load"), Some(winner));
    }
}

async fn a_save_never_changes_the_owner(backend: &Backend) {
    let store = backend.open().await;
    let mut original = sample("c1");
    store.save(&mut original).await.expect("create");
    let mut taken = loaded(&*store, "c1").await;
    taken.user_id = "user-2".to_owned();
    assert_conflict(store.save(&mut taken).await, "c1");
    assert_eq!(loaded(&*store, "c1").await, original);
    // Reopened (no cache), the owner is still the first.
    let store = backend.open().await;
    assert_eq!(loaded(&*store, "c1").await.user_id, "user-1");
}

/// Each save writes the messages said since the load; those beyond the history limit are
/// deleted in the database too, and what loads past any memory is the history in order.
async fn messages_are_appended_and_the_oldest_deleted(backend: &Backend) {
    let store = backend.open().await;
    let mut conversation = Conversation::new("c1".into(), "user-1".into());
    for turn in 0..6 {
        conversation.push_history(said(Role::User, &format!("question {turn}")), 4);
        conversation.push_history(said(Role::Bot, &format!("answer {turn}")), 4);
        store.save(&mut conversation).await.expect("save");
        assert_eq!(loaded(&*backend.open().await, "c1").await, conversation);
    }
    // A save that adds nothing leaves the messages alone.
    conversation.last_intent = Some("thanks".into());
    store.save(&mut conversation).await.expect("save");

    let stored = loaded(&*backend.open().await, "c1").await;
    assert_eq!(stored, conversation);
    let texts: Vec<&str> = stored.history.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(texts, ["question 4", "answer 4", "question 5", "answer 5"]);
    assert_eq!(stored.messages, 12);
    assert_eq!(backend.stored_messages("c1").await, 4);

    // The next message continues the numbering from a fresh load.
    let mut again = stored;
    again.push_history(said(Role::User, "question 6"), 4);
    store.save(&mut again).await.expect("save");
    let texts: Vec<String> = loaded(&*backend.open().await, "c1")
        .await
        .history
        .iter()
        .map(|h| h.text.clone())
        .collect();
    assert_eq!(texts, ["answer 4", "question 5", "answer 5", "question 6"]);
}

/// Conversations saved before messages had rows of their own (migration 0003) kept the history
/// inside the state: it loads from there, and the next save appends it as rows. (The database
/// is taken back to before 0003, a conversation written the old way, the store opened again.)
async fn a_history_saved_whole_by_an_earlier_version_moves_into_messages_on_the_next_save(
    backend: &Backend,
) {
    drop(backend.open().await);
    match backend {
        Backend::Sqlite { .. } => {
            backend
                .execute_raw(&[
                    "DROP TRIGGER conversations_append_on_insert",
                    "DROP TRIGGER conversations_append_on_update",
                    "DROP TABLE conversation_messages",
                    "ALTER TABLE conversations DROP COLUMN appending",
                    "CREATE INDEX conversations_user_id ON conversations (user_id, updated_at)",
                    "DELETE FROM switchboard_migrations WHERE version = 3",
                ])
                .await;
        }
        Backend::Postgres(_) => {
            backend
                .execute_raw(&[
                    "DROP TABLE {s}conversation_messages",
                    "CREATE INDEX conversations_user_id ON {s}conversations (user_id, updated_at)",
                    "DELETE FROM {s}switchboard_migrations WHERE version = 3",
                ])
                .await;
        }
    }
    let old = json!({
        "id": "old", "user_id": "u", "slots": {"city": "Lyon"}, "pending": null,
        "last_intent": "weather",
        "history": [
            {"role": "user", "text": "weather in Lyon?", "at": "2026-01-01T10:00:00Z",
             "intent": "weather"},
            {"role": "bot", "text": "Sunny, 21 °C.\u{0}", "at": "2026-01-01T10:00:01Z",
             "intent": "weather"},
            {"role": "proactive", "text": "Rain from 4 pm.", "at": "2026-01-01T12:00:00Z",
             "id": "forecast:1"}
        ],
        "created_at": "2026-01-01T10:00:00Z", "updated_at": "2026-01-01T12:00:00Z", "version": 1
    });
    backend.write_raw("old", &old.to_string()).await;

    let store = backend.open().await;
    let mut conversation = loaded(&*store, "old").await;
    let texts: Vec<&str> = conversation
        .history
        .iter()
        .map(|h| h.text.as_str())
        .collect();
    assert_eq!(
        texts,
        ["weather in Lyon?", "Sunny, 21 °C.\u{0}", "Rain from 4 pm."]
    );
    assert_eq!(conversation.history[2].id.as_deref(), Some("forecast:1"));
    assert_eq!(conversation.messages, 3);
    assert_eq!(conversation.slots["city"], json!("Lyon"));
    assert_eq!(
        backend.stored_messages("old").await,
        0,
        "not moved before a save"
    );

    conversation.push_history(said(Role::User, "and tomorrow?"), 3);
    store.save(&mut conversation).await.expect("save");
    let stored = loaded(&*backend.open().await, "old").await;
    assert_eq!(stored, conversation);
    let texts: Vec<&str> = stored.history.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Sunny, 21 °C.\u{0}", "Rain from 4 pm.", "and tomorrow?"]
    );
    assert_eq!(backend.stored_messages("old").await, 3);
}

async fn a_corrupt_message_is_corrupt_and_its_text_stays_out_of_the_error(backend: &Backend) {
    let store = backend.open().await;
    store.save(&mut sample("c1")).await.expect("save");
    backend
        .execute_raw(&[
            r#"INSERT INTO {s}conversation_messages (conversation_id, seq, message)
               VALUES ('c1', 7, '{"role": "private words"}')"#,
        ])
        .await;
    match backend.open().await.load("c1").await {
        Err(StoreError::Corrupt { id, reason }) => {
            assert_eq!(id, "c1");
            assert!(reason.contains("messages"), "{reason}");
            assert!(!reason.contains("private"), "{reason}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Turns of many users at once, each saving several times, on one store (on SQLite its one
/// connection): every save lands, none waits out the pool or meets a busy database.
async fn many_conversations_saving_at_once_all_land(backend: &Backend) {
    let store = backend.open().await;
    let turns = (0..48).map(|user| {
        let store = store.clone();
        tokio::spawn(async move {
            let id = format!("busy-{user}");
            let mut conversation = Conversation::new(id.clone(), format!("user-{user}"));
            for turn in 0..3 {
                conversation.push_history(said(Role::User, &format!("message {turn}")), 50);
                store
                    .save(&mut conversation)
                    .await
                    .expect("every save lands");
            }
            conversation
        })
    });
    let saved = futures::future::join_all(turns).await;
    let fresh = backend.open().await;
    for conversation in saved {
        let conversation = conversation.expect("the turn's task");
        assert_eq!(conversation.version, 3);
        assert_eq!(loaded(&*fresh, &conversation.id).await, conversation);
    }
}

/// A save the database refuses (here a trigger; in life a full disk or a constraint) among
/// many at once: it fails with the database's reason, the others land, and the connection
/// the saves share (on SQLite) goes on working.
async fn a_save_the_database_refuses_fails_alone_among_many_at_once(backend: &Backend) {
    // Opened first: it makes the tables the trigger is on.
    let store = backend.open().await;
    match backend {
        Backend::Sqlite { .. } => {
            backend
                .execute_raw(&["CREATE TRIGGER refuse BEFORE UPDATE ON conversations \
                     WHEN NEW.user_id = 'refused' AND NEW.version > 1 \
                     BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"])
                .await
        }
        Backend::Postgres(_) => {
            backend
                .execute_raw(&[
                    "CREATE FUNCTION {s}refuse() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN IF NEW.user_id = 'refused' AND NEW.version > 1 THEN \
                     RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
                    "CREATE TRIGGER refuse BEFORE UPDATE ON {s}conversations \
                     FOR EACH ROW EXECUTE FUNCTION {s}refuse()",
                ])
                .await
        }
    }
    let turns = (0..24).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            let user = if n % 6 == 0 {
                "refused".to_owned()
            } else {
                format!("user-{n}")
            };
            let mut conversation = Conversation::new(format!("many-{n}"), user);
            // The first save is let through (the trigger refuses versions past 1), so the
            // refused saves are updates among the others' updates.
            store.save(&mut conversation).await.expect("the first save");
            conversation.push_history(said(Role::User, "hello"), 50);
            let outcome = store.save(&mut conversation).await;
            (conversation, outcome)
        })
    });
    let turns = futures::future::join_all(turns).await;
    let fresh = backend.open().await;
    for turn in turns {
        let (conversation, outcome) = turn.expect("the turn's task");
        if conversation.user_id == "refused" {
            match outcome {
                Err(StoreError::Unavailable(reason)) => {
                    assert!(reason.contains("refused by the test"), "{reason}")
                }
                other => panic!("expected Unavailable, got {other:?}"),
            }
            let stored = loaded(&*fresh, &conversation.id).await;
            assert_eq!(stored.version, 1, "the refused save stored nothing");
            assert!(stored.history.is_empty());
        } else {
            outcome.expect("the others land");
            assert_eq!(loaded(&*fresh, &conversation.id).await, conversation);
        }
    }
}

/// A turn dropped while its save runs (a client that hangs up): the save is stored whole, with
/// its messages, or not at all, and the saves after it land (on SQLite they share the dropped
/// one's connection).
async fn a_save_dropped_midway_is_stored_whole_or_not_at_all_and_saves_go_on(backend: &Backend) {
    let store = backend.open().await;
    // A save polled once is usually still under way; one that already finished is saved
    // normally and another is tried.
    let mut dropped = Vec::new();
    for n in 0..50 {
        let mut conversation = Conversation::new(format!("dropped-{n}"), "user-1".to_owned());
        conversation.push_history(said(Role::User, "hello"), 50);
        let pending = {
            let mut save = store.save(&mut conversation);
            futures::poll!(&mut save).is_pending()
        };
        if pending {
            assert_eq!(conversation.version, 0, "a dropped save reports nothing");
            dropped.push(conversation);
        }
        if dropped.len() == 3 {
            break;
        }
    }
    assert!(
        !dropped.is_empty(),
        "no save was still under way when polled once"
    );
    let mut after = Conversation::new("after".to_owned(), "user-2".to_owned());
    after.push_history(said(Role::User, "still there?"), 50);
    store
        .save(&mut after)
        .await
        .expect("a save after the dropped ones");
    let fresh = backend.open().await;
    assert_eq!(loaded(&*fresh, "after").await, after);
    for conversation in dropped {
        if let Some(stored) = fresh.load(&conversation.id).await.expect("load") {
            assert_eq!(stored.version, 1);
            assert_eq!(
                stored.history, conversation.history,
                "stored with its messages"
            );
        }
    }
}
