//! A conversation survives a restart, on SQLite and on PostgreSQL.

use crate::common;

use switchboard_runtime::engine::TurnRequest;

async fn survives_restart(database_url: Option<&str>) {
    let (addr, _backend) = common::backend().await;
    let data = tempfile::tempdir().unwrap();
    // The user's default conversation: found by its owner after the restart too.
    let turn = |text: &str| TurnRequest {
        user_id: "restart-user".into(),
        text: text.into(),
        conversation_id: None,
        message_id: None,
        stream: false,
    };
    let first = {
        let engine =
            switchboard_runtime::app::build(common::store_project(addr), data.path(), database_url)
                .await
                .unwrap()
                .engine;
        let res = engine.turn(turn("where is my order?")).await.unwrap();
        assert_eq!(res.replies[0].text, "What's your order number?");
        res.conversation_id
    };
    let engine =
        switchboard_runtime::app::build(common::store_project(addr), data.path(), database_url)
            .await
            .unwrap()
            .engine;
    let res = engine.turn(turn("1001")).await.unwrap();
    assert_eq!(res.conversation_id, first);
    assert!(
        res.replies[0].text.contains("order 1001 is shipped"),
        "{:?}",
        res.replies
    );
}

#[tokio::test]
async fn a_conversation_survives_a_restart_on_sqlite() {
    survives_restart(None).await;
}

#[tokio::test]
async fn a_conversation_survives_a_restart_on_postgres() {
    let schema = common::PgSchema::create("restart").await;
    survives_restart(Some(&schema.url())).await;
    schema.drop().await;
}
