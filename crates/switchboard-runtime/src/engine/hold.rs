//! Holding a conversation for one turn (or one proactive message): with shared state the
//! fleet's lock in Redis, so messages of one conversation arriving at different instances
//! are taken one at a time in arrival order, instead of the second one's save failing the
//! version check; otherwise (or while Redis is down) this instance's lock.

use super::{Engine, TurnError};
use crate::shared::{Feature, TurnLease};
use std::sync::Arc;
use switchboard_config::model::DownMode;
use tokio::time::Instant;

/// A conversation held by the caller until [`Engine::let_go`]: by the fleet's lock, or by
/// this instance's when there is no shared state or Redis is down.
pub(super) struct Held {
    id: String,
    local: Option<(
        Arc<tokio::sync::Mutex<()>>,
        tokio::sync::OwnedMutexGuard<()>,
    )>,
    fleet: Option<TurnLease>,
}

impl Engine {
    /// Waits for conversation `id`. With shared state every message joins the fleet's queue
    /// at once (queueing behind this instance's lock first would let a later message on
    /// another instance overtake it), until `give_up`; a turn still waiting then is refused
    /// as a conflict (the message can be sent again). Without Redis, `when_down.turn_lock`
    /// says whether this instance's lock is enough (`local`) or the turn is refused
    /// (`fail_closed`); a proactive message (`turn: false`) always goes on, its save
    /// retrying on a conflict.
    pub(super) async fn hold(
        &self,
        id: &str,
        give_up: Instant,
        turn: bool,
    ) -> Result<Held, TurnError> {
        if let Some(shared) = self.pipeline.shared() {
            match shared.turn_lock(id, give_up).await {
                Ok(Some(lease)) => {
                    return Ok(Held {
                        id: id.to_string(),
                        local: None,
                        fleet: Some(lease),
                    });
                }
                Ok(None) if turn => {
                    return Err(TurnError::Conflict(
                        "another turn of this conversation is still running; send the message again"
                            .into(),
                    ));
                }
                Ok(None) => {}
                Err(_) => {
                    if shared.fall_back(Feature::TurnLock) == DownMode::FailClosed && turn {
                        return Err(TurnError::Unavailable(
                            "the shared state (Redis) cannot be reached, and turns wait for it (state.when_down.turn_lock: fail_closed); try again shortly".into(),
                        ));
                    }
                }
            }
        }
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.entry(id.to_string()).or_default().clone()
        };
        let guard = lock.clone().lock_owned().await;
        Ok(Held {
            id: id.to_string(),
            local: Some((lock, guard)),
            fleet: None,
        })
    }

    /// Gives the conversation to the next message, here or on another instance.
    pub(super) async fn let_go(&self, held: Held) {
        let Held { id, local, fleet } = held;
        if let Some(lease) = fleet {
            lease.release().await;
        }
        let Some((lock, guard)) = local else { return };
        drop(guard);
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Two references: the map's and ours. Nobody else waits, so the entry can go.
        if Arc::strong_count(&lock) == 2 {
            locks.remove(&id);
        }
    }
}
