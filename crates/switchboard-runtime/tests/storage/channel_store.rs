//! The channels' store suite, every case on SQLite and on PostgreSQL: a message stored once,
//! only the oldest pending message of each chat claimed (order within a conversation), leases
//! that hide and expire, a restarted instance releasing its previous run's leases, and one
//! user id per channel user however many instances meet them at once.

use crate::common::StoreBackend;

use std::sync::Arc;
use switchboard_runtime::storage::channels::{
    self, ChannelStore, Direction, NewQueued, QueueStatus,
};
use switchboard_runtime::storage::inbox::{Holder, Inserted};

async fn open(b: &StoreBackend) -> Arc<dyn ChannelStore> {
    let (settings, dir) = b.settings();
    channels::open(&settings, &dir)
        .await
        .expect("open the channel store")
}

fn holder(run: &str) -> Holder {
    Holder {
        instance: "instance-a".into(),
        run: run.into(),
    }
}

fn message(id: &str, chat: &str, at: i64) -> NewQueued {
    NewQueued {
        channel: "whatsapp".into(),
        message_id: id.into(),
        chat: chat.into(),
        direction: Direction::Inbound,
        payload: format!("{{\"id\":\"{id}\"}}"),
        received_at: at,
    }
}

async fn claim_ids(s: &dyn ChannelStore, h: &Holder, now: i64) -> Vec<String> {
    let mut ids: Vec<String> = s
        .claim(h, now, now + 5_000, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    ids.sort();
    ids
}

async fn a_message_is_stored_once(b: &StoreBackend) {
    let s = open(b).await;
    assert_eq!(
        s.insert(&message("m1", "a", 1)).await.unwrap(),
        Inserted::New
    );
    assert_eq!(
        s.insert(&message("m1", "a", 2)).await.unwrap(),
        Inserted::Duplicate
    );
    assert_eq!(
        s.status("whatsapp", "m1").await.unwrap(),
        Some(QueueStatus::Pending)
    );
    assert_eq!(s.status("telegram", "m1").await.unwrap(), None);
}

async fn only_the_oldest_pending_message_of_a_chat_is_claimed(b: &StoreBackend) {
    let s = open(b).await;
    for (id, chat) in [
        ("a1", "a"),
        ("b1", "b"),
        ("a2", "a"),
        ("a3", "a"),
        ("b2", "b"),
    ] {
        s.insert(&message(id, chat, 1)).await.unwrap();
    }
    let h = holder("run-1");
    assert_eq!(claim_ids(&*s, &h, 10).await, ["a1", "b1"]);
    // Leased: nothing more of those chats until they are settled.
    assert!(claim_ids(&*s, &h, 11).await.is_empty());
    s.settle("whatsapp", "a1", QueueStatus::Done, None)
        .await
        .unwrap();
    assert_eq!(claim_ids(&*s, &h, 12).await, ["a2"]);
    // A failed message does not block its chat.
    s.settle("whatsapp", "a2", QueueStatus::Failed, Some("refused"))
        .await
        .unwrap();
    s.settle("whatsapp", "b1", QueueStatus::Done, None)
        .await
        .unwrap();
    assert_eq!(claim_ids(&*s, &h, 13).await, ["a3", "b2"]);
    // A retried message keeps its place: its chat waits for it.
    s.retry("whatsapp", "a3", "store busy", 1_000)
        .await
        .unwrap();
    s.insert(&message("a4", "a", 14)).await.unwrap();
    assert!(claim_ids(&*s, &h, 20).await.is_empty());
    assert_eq!(claim_ids(&*s, &h, 1_000).await, ["a3"]);
}

async fn a_lease_expires_and_a_restart_releases_the_previous_runs(b: &StoreBackend) {
    let s = open(b).await;
    s.insert(&message("m1", "a", 1)).await.unwrap();
    let (old, new) = (holder("run-1"), holder("run-2"));
    assert_eq!(claim_ids(&*s, &old, 10).await, ["m1"]);
    // Renewed while worked on.
    assert_eq!(s.renew(&old, 20_000).await.unwrap(), 1);
    assert!(claim_ids(&*s, &new, 10_000).await.is_empty());
    // The instance restarts: its earlier run's lease is released at once.
    assert_eq!(s.release_leases(&new, 10_001).await.unwrap(), 1);
    assert_eq!(claim_ids(&*s, &new, 10_001).await, ["m1"]);
    // Without renewal the lease runs out and another claimer takes it.
    assert_eq!(claim_ids(&*s, &holder("run-3"), 15_002).await, ["m1"]);
}

async fn every_instance_agrees_on_a_new_users_id(b: &StoreBackend) {
    let s = open(b).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.user_for("whatsapp", "+971500000042", &format!("candidate-{i}"), 1)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(
        s.known_user("whatsapp", "+971500000042").await.unwrap(),
        Some(ids[0].clone())
    );
    assert_eq!(
        s.known_user("telegram", "+971500000042").await.unwrap(),
        None
    );
}

async fn the_contact_is_where_the_user_last_wrote(b: &StoreBackend) {
    let s = open(b).await;
    s.user_for("whatsapp", "+1", "u1", 1).await.unwrap();
    s.user_for("sms", "+1", "u1", 1).await.unwrap();
    s.touch("whatsapp", "+1", 100, "{}").await.unwrap();
    s.touch("sms", "+1", 200, "{\"x\":1}").await.unwrap();
    let last = s.contact("u1", None).await.unwrap().unwrap();
    assert_eq!((last.channel.as_str(), last.last_inbound_at), ("sms", 200));
    assert_eq!(last.context, "{\"x\":1}");
    let wa = s.contact("u1", Some("whatsapp")).await.unwrap().unwrap();
    assert_eq!(wa.last_inbound_at, 100);
    // An older delivery arriving late does not move the window back.
    s.touch("whatsapp", "+1", 50, "{}").await.unwrap();
    assert_eq!(
        s.contact("u1", Some("whatsapp"))
            .await
            .unwrap()
            .unwrap()
            .last_inbound_at,
        100
    );
    assert_eq!(s.contact("nobody", None).await.unwrap(), None);
}

async fn purge_keeps_pending_messages(b: &StoreBackend) {
    let s = open(b).await;
    s.insert(&message("old-done", "a", 1)).await.unwrap();
    s.insert(&message("old-pending", "b", 1)).await.unwrap();
    s.insert(&message("new-done", "c", 1_000)).await.unwrap();
    s.settle("whatsapp", "old-done", QueueStatus::Done, None)
        .await
        .unwrap();
    s.settle("whatsapp", "new-done", QueueStatus::Done, None)
        .await
        .unwrap();
    assert_eq!(s.purge(500).await.unwrap(), 1);
    assert_eq!(s.status("whatsapp", "old-done").await.unwrap(), None);
    assert_eq!(
        s.status("whatsapp", "old-pending").await.unwrap(),
        Some(QueueStatus::Pending)
    );
}

macro_rules! on_backend {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let backend = on_backend!(@open $backend);
                    super::$case(&backend).await;
                    backend.finish().await;
                }
            )*
        }
    };
    (@open sqlite) => { crate::common::StoreBackend::sqlite().await };
    (@open postgres) => { crate::common::StoreBackend::postgres("channels").await };
}

on_backend!(sqlite:
    a_message_is_stored_once,
    only_the_oldest_pending_message_of_a_chat_is_claimed,
    a_lease_expires_and_a_restart_releases_the_previous_runs,
    every_instance_agrees_on_a_new_users_id,
    the_contact_is_where_the_user_last_wrote,
    purge_keeps_pending_messages,
);
on_backend!(postgres:
    a_message_is_stored_once,
    only_the_oldest_pending_message_of_a_chat_is_claimed,
    a_lease_expires_and_a_restart_releases_the_previous_runs,
    every_instance_agrees_on_a_new_users_id,
    the_contact_is_where_the_user_last_wrote,
    purge_keeps_pending_messages,
);
