//! Who may reach which conversation. The server turns the caller's credential into a
//! [`Reach`]; the engine applies it to turns and reads, and a conversation out of reach is
//! reported as missing (404), never as forbidden, so its id is not confirmed.

use crate::conversation::Conversation;

/// How far a caller reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every user's conversations and streams: the open loopback API (no `inbound:`), an API
    /// key marked `trusted_backend`, the CLI and the engine's own work.
    Any,
    /// One user's conversations and stream: a JWT caller, held to its subject.
    User(String),
    /// Only conversations started for a caller that speaks for no user: an API key that is not
    /// a trusted backend. A turn naming no conversation starts a new one; a user's default
    /// conversation (with the user's proactive messages) is never reached, nor a user's stream.
    Started,
}

impl Reach {
    /// Whether the caller may read or continue `conversation`.
    pub fn reaches(&self, conversation: &Conversation) -> bool {
        match self {
            Reach::Any => true,
            Reach::User(user) => conversation.user_id == *user,
            Reach::Started => !conversation.default,
        }
    }

    /// Whether the caller may follow every message sent to `user_id`.
    pub fn follows(&self, user_id: &str) -> bool {
        match self {
            Reach::Any => true,
            Reach::User(user) => user == user_id,
            Reach::Started => false,
        }
    }

    /// Whether a turn naming no conversation continues the user's default conversation (or
    /// starts a new one of its own).
    pub fn uses_default(&self) -> bool {
        !matches!(self, Reach::Started)
    }
}
