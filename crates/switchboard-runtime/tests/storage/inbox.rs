//! The webhook inbox suite: every case runs on SQLite and on PostgreSQL (same cases, same
//! results). PostgreSQL is expected at `common::postgres_url()` (the tests fail, never skip, without it);
//! each case gets its own schema or directory.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;
use switchboard_config::Secret;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::storage::inbox::{
    self, Audience, EventStatus, Holder, InboxStore, Inserted, NewEvent, NewMessage,
};

enum Backend {
    Sqlite { data_dir: tempfile::TempDir },
    Postgres(common::PgSchema),
}

impl Backend {
    async fn sqlite() -> Backend {
        Backend::Sqlite {
            data_dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn postgres() -> Backend {
        Backend::Postgres(common::PgSchema::create("inbox").await)
    }

    async fn open(&self) -> Arc<dyn InboxStore> {
        let (settings, dir) = match self {
            Backend::Sqlite { data_dir } => (
                StorageSettings::Sqlite {
                    path: "switchboard.db".into(),
                },
                data_dir.path().to_owned(),
            ),
            Backend::Postgres(pg) => (
                StorageSettings::Postgres {
                    url: Secret::from_reference(pg.url()),
                },
                PathBuf::from("/nonexistent"),
            ),
        };
        inbox::open(&settings, &dir).await.expect("open the inbox")
    }

    async fn finish(self) {
        if let Backend::Postgres(pg) = self {
            pg.drop().await;
        }
    }
}

/// The claimer of most cases: one run of one instance.
fn holder() -> Holder {
    Holder {
        instance: "instance-a".into(),
        run: "run-1".into(),
    }
}

fn event(id: &str, at: i64) -> NewEvent {
    NewEvent {
        source: "payments".into(),
        event_id: id.into(),
        event_type: "payment_intent.succeeded".into(),
        payload: format!(r#"{{"id":"{id}"}}"#),
        received_at: at,
        settled: None,
    }
}

fn message(id: &str, user: &str, at: i64) -> NewMessage {
    NewMessage {
        message_id: format!("payments:{id}"),
        source: "payments".into(),
        user_id: user.into(),
        conversation_id: format!("c-{user}"),
        text: format!("message {id}"),
        created_at: at,
    }
}

async fn an_event_is_stored_once_and_duplicates_are_recognised(b: &Backend) {
    let s = b.open().await;
    assert_eq!(
        s.insert(&event("evt_1", 1000)).await.unwrap(),
        Inserted::New
    );
    assert_eq!(
        s.insert(&event("evt_1", 2000)).await.unwrap(),
        Inserted::Duplicate
    );
    let mut other = event("evt_1", 1000);
    other.source = "github".into();
    assert_eq!(
        s.insert(&other).await.unwrap(),
        Inserted::New,
        "unique per source"
    );
    assert_eq!(
        s.status("payments", "evt_1").await.unwrap(),
        Some(EventStatus::Pending)
    );
    // Survives reopening (a restart).
    drop(s);
    let s = b.open().await;
    assert_eq!(
        s.insert(&event("evt_1", 3000)).await.unwrap(),
        Inserted::Duplicate
    );
}

async fn claims_are_leased_and_delivery_is_recorded_once(b: &Backend) {
    let s = b.open().await;
    for i in 0..3 {
        s.insert(&event(&format!("e{i}"), 1000 + i)).await.unwrap();
    }
    let first = s.claim(&holder(), 5000, 65_000, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        ["e0", "e1"],
        "oldest first"
    );
    let second = s.claim(&holder(), 5000, 65_000, 10).await.unwrap();
    assert_eq!(second.len(), 1, "leased events are not handed out again");
    assert!(
        s.claim(&holder(), 6000, 66_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The lease runs out: a worker that died leaves them to another.
    assert_eq!(
        s.claim(&holder(), 70_000, 130_000, 10).await.unwrap().len(),
        3
    );

    let m = message("e0", "ada", 7000);
    let seq = s.deliver("payments", "e0", &m).await.unwrap();
    assert!(seq.is_some());
    assert_eq!(
        s.deliver("payments", "e0", &m).await.unwrap(),
        None,
        "same message id"
    );
    assert_eq!(
        s.status("payments", "e0").await.unwrap(),
        Some(EventStatus::Delivered)
    );
    assert_eq!(s.latest_seq().await.unwrap(), seq.unwrap());
    let listed = s
        .messages_after(Audience::User("ada"), 0, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].text, "message e0");
    assert!(
        s.messages_after(Audience::User("ada"), seq.unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.messages_after(Audience::Conversation("c-ada"), 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.messages_after(Audience::User("bob"), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.sent_since("payments", "ada", 0).await.unwrap(), 1);
    assert_eq!(s.sent_since("payments", "ada", 8000).await.unwrap(), 0);
}

async fn failures_retry_then_dead_letter(b: &Backend) {
    let s = b.open().await;
    s.insert(&event("poison", 1000)).await.unwrap();
    s.claim(&holder(), 1000, 61_000, 10).await.unwrap();
    s.fail("payments", "poison", "template failed", Some(2000))
        .await
        .unwrap();
    let again = s.claim(&holder(), 2000, 62_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    s.fail("payments", "poison", "template failed again", None)
        .await
        .unwrap();
    assert_eq!(
        s.status("payments", "poison").await.unwrap(),
        Some(EventStatus::Dead)
    );
    assert!(
        s.claim(&holder(), 100_000, 160_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].attempts, dead[0].last_error.as_deref()),
        (2, Some("template failed again"))
    );
}

async fn stale_and_settled_events_are_kept_but_not_claimed(b: &Backend) {
    let s = b.open().await;
    let mut stale = event("old", 1000);
    stale.settled = Some(EventStatus::Stale);
    s.insert(&stale).await.unwrap();
    s.insert(&event("x", 1000)).await.unwrap();
    s.settle("payments", "x", EventStatus::Ignored)
        .await
        .unwrap();
    assert!(
        s.claim(&holder(), 5000, 65_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.status("payments", "old").await.unwrap(),
        Some(EventStatus::Stale)
    );
    assert_eq!(
        s.insert(&event("old", 9000)).await.unwrap(),
        Inserted::Duplicate
    );
}

async fn purge_keeps_recent_and_pending_events(b: &Backend) {
    let s = b.open().await;
    s.insert(&event("old-done", 1000)).await.unwrap();
    s.settle("payments", "old-done", EventStatus::Ignored)
        .await
        .unwrap();
    s.insert(&event("old-pending", 1000)).await.unwrap();
    s.insert(&event("recent", 50_000)).await.unwrap();
    s.settle("payments", "recent", EventStatus::Ignored)
        .await
        .unwrap();
    s.purge(10_000).await.unwrap();
    assert_eq!(s.status("payments", "old-done").await.unwrap(), None);
    assert_eq!(
        s.status("payments", "old-pending").await.unwrap(),
        Some(EventStatus::Pending)
    );
    assert_eq!(
        s.status("payments", "recent").await.unwrap(),
        Some(EventStatus::Ignored)
    );
    // A purged id is a new event again, which is why ids are kept at least 7 days.
    assert_eq!(
        s.insert(&event("old-done", 60_000)).await.unwrap(),
        Inserted::New
    );
}

async fn a_restarted_instance_releases_its_previous_runs_leases(b: &Backend) {
    let s = b.open().await;
    let shared = matches!(b, Backend::Postgres(_));
    let other = Holder {
        instance: "instance-b".into(),
        run: "run-1".into(),
    };
    s.insert(&event("mine", 1000)).await.unwrap();
    assert_eq!(s.claim(&holder(), 1000, 61_000, 10).await.unwrap().len(), 1);
    s.insert(&event("theirs", 1001)).await.unwrap();
    assert_eq!(s.claim(&other, 1001, 61_000, 10).await.unwrap().len(), 1);

    // This run's own leases are not released (it is alive).
    assert_eq!(s.release_leases(&holder(), 2000).await.unwrap(), 0);
    // Instance a starts again: what its previous run held is claimable at once; on PostgreSQL
    // instance b's lease is b's (alive or not, it runs out), on SQLite the file is one process's.
    let restarted = Holder::new_run("instance-a");
    let released = s.release_leases(&restarted, 2000).await.unwrap();
    let again = s.claim(&restarted, 2000, 7000, 10).await.unwrap();
    let ids: Vec<&str> = again.iter().map(|e| e.event_id.as_str()).collect();
    if shared {
        assert_eq!((released, ids), (1, vec!["mine"]));
    } else {
        assert_eq!((released, ids), (2, vec!["mine", "theirs"]));
    }
}

async fn a_job_is_held_by_one_run_until_its_lease_ends_or_its_instance_restarts(b: &Backend) {
    let s = b.open().await;
    let other = Holder {
        instance: "instance-b".into(),
        run: "run-1".into(),
    };
    let job = "poller:orders";
    assert!(s.hold_job(job, &holder(), 1000).await.unwrap());
    assert!(
        !s.hold_job(job, &other, 2000).await.unwrap(),
        "a live lease"
    );
    // Renewed by its holder; taken by another once it has run out (5 s after the renewal).
    assert!(s.hold_job(job, &holder(), 2000).await.unwrap());
    assert!(!s.hold_job(job, &other, 6999).await.unwrap());
    assert!(s.hold_job(job, &other, 7001).await.unwrap());
    // Instance b restarts: its new run cannot take the job from the old one's live lease
    // until the start-up release ends it.
    let restarted = Holder::new_run("instance-b");
    assert!(!s.hold_job(job, &restarted, 8000).await.unwrap());
    s.release_leases(&restarted, 8000).await.unwrap();
    assert!(s.hold_job(job, &restarted, 8000).await.unwrap());
    assert!(!s.hold_job(job, &holder(), 8001).await.unwrap());
}

async fn renewed_leases_hold_and_finished_events_are_not_renewed(b: &Backend) {
    let s = b.open().await;
    for id in ["slow", "done"] {
        s.insert(&event(id, 1000)).await.unwrap();
    }
    assert_eq!(s.claim(&holder(), 1000, 6000, 10).await.unwrap().len(), 2);
    s.settle("payments", "done", EventStatus::Ignored)
        .await
        .unwrap();
    // Renewed before it runs out: another claimer past the first lease finds nothing.
    assert_eq!(s.renew(&holder(), 11_000).await.unwrap(), 1);
    let other = Holder::new_run("instance-b");
    assert!(s.claim(&other, 7000, 12_000, 10).await.unwrap().is_empty());
    // Another run's renewal extends nothing of this run's.
    assert_eq!(s.renew(&other, 20_000).await.unwrap(), 0);
    // Not renewed any more (the holder died): it is taken once the lease runs out.
    assert_eq!(s.claim(&other, 11_000, 16_000, 10).await.unwrap().len(), 1);
}

async fn concurrent_inserts_of_one_id_store_it_once(b: &Backend) {
    let s = b.open().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.insert(&event("race", 1000)).await.unwrap() })
        })
        .collect();
    let mut new = 0;
    for t in tasks {
        if t.await.unwrap() == Inserted::New {
            new += 1;
        }
    }
    assert_eq!(new, 1);
}

async fn postponed_events_come_back_without_an_attempt(b: &Backend) {
    let s = b.open().await;
    s.insert(&event("e", 1000)).await.unwrap();
    assert_eq!(s.claim(&holder(), 1000, 61_000, 10).await.unwrap().len(), 1);
    s.postpone("payments", "e", 2000).await.unwrap();
    let again = s.claim(&holder(), 2000, 62_000, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 0));
}

async fn polls_record_state_and_events_together(b: &Backend) {
    let s = b.open().await;
    assert!(s.poll_state("orders").await.unwrap().is_empty());
    let mut e = event("1:1", 1000);
    e.source = "orders".into();
    let changed = [("1".to_string(), "h1".to_string(), 1)];
    s.record_poll("orders", &changed, std::slice::from_ref(&e), 1000)
        .await
        .unwrap();
    // A second instance that saw the same change records the same event id: queued once.
    s.record_poll("orders", &changed, std::slice::from_ref(&e), 1001)
        .await
        .unwrap();
    let state = s.poll_state("orders").await.unwrap();
    assert_eq!(state["1"], ("h1".to_string(), 1));
    assert_eq!(s.claim(&holder(), 5000, 65_000, 10).await.unwrap().len(), 1);
    s.record_poll("orders", &[("1".into(), "h2".into(), 2)], &[], 2000)
        .await
        .unwrap();
    assert_eq!(
        s.poll_state("orders").await.unwrap()["1"],
        ("h2".to_string(), 2)
    );
}

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

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        on_backend!(sqlite: $($case),*);
        on_backend!(postgres: $($case),*);
    };
}

on_both_backends!(
    an_event_is_stored_once_and_duplicates_are_recognised,
    claims_are_leased_and_delivery_is_recorded_once,
    failures_retry_then_dead_letter,
    stale_and_settled_events_are_kept_but_not_claimed,
    purge_keeps_recent_and_pending_events,
    concurrent_inserts_of_one_id_store_it_once,
    polls_record_state_and_events_together,
    postponed_events_come_back_without_an_attempt,
    a_restarted_instance_releases_its_previous_runs_leases,
    a_job_is_held_by_one_run_until_its_lease_ends_or_its_instance_restarts,
    renewed_leases_hold_and_finished_events_are_not_renewed,
);
