//! Forwarding and @mentions: the wire types beside [`crate::Content`] and
//! [`crate::Message`] (issue 17).

use serde::{Deserialize, Serialize};

use super::{Content, Millis};
use crate::{ConversationId, Seq, UserId, WireError};

/// Default of the server setting `max_forward_messages`: most messages one
/// `forward` may name (`seqs`). Servers announce theirs in `hello`'s limits.
pub const MAX_FORWARD_MESSAGES: usize = 100;
/// Default of `max_forward_targets`: most conversations one `forward` may
/// send to (`to`).
pub const MAX_FORWARD_TARGETS: usize = 10;
/// Default of `max_forward_copies`: most messages a one-by-one `forward` may
/// create (`seqs` × `to`).
pub const MAX_FORWARD_COPIES: usize = 50;
/// Default of `max_history_depth`: how deep chat histories may nest (a
/// history forwarded into a history, …).
pub const MAX_HISTORY_DEPTH: usize = 3;
/// Default of `max_history_bytes`: the largest chat history (a merged forward)
/// as stored and sent, its content's JSON in bytes — 256 KiB: a hundred messages
/// of 2,600 bytes each, and no growth by nesting histories in histories.
pub const MAX_HISTORY_BYTES: usize = 256 * 1024;
/// Longest title of a merged forward, in characters.
pub const MAX_HISTORY_TITLE: usize = 100;
/// Most users one message may mention.
pub const MAX_MENTIONS: usize = 50;
/// Longest `client_id` of a `forward` (each message it creates gets
/// `<client_id>.<target index>.<item index>`, within the 64-character limit).
pub const MAX_FORWARD_CLIENT_ID: usize = 48;

/// Whom a group message mentions (`@bob`, `@all`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Mentions {
    /// Mentioned members, each a member of the group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserId>,
    /// `@all`: every member (owner and admins only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
}

impl Mentions {
    /// Whether this mentions `user` (by id or through `@all`).
    pub fn includes(&self, user: &UserId) -> bool {
        self.all || self.users.contains(user)
    }

    /// Whether it mentions nobody.
    pub fn is_empty(&self) -> bool {
        !self.all && self.users.is_empty()
    }
}

/// One message inside a merged forward ([`Content::ChatHistory`]): who sent
/// it, when, and what it said (files by reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HistoryItem {
    /// Its original sender.
    pub sender: UserId,
    /// Its original server time.
    pub sent_at: Millis,
    /// What it said.
    pub content: Content,
}

/// What a `forward` did in one target conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct ForwardResult {
    pub conv: ConversationId,
    /// The seqs of the messages stored there, in order (empty when refused).
    #[serde(default)]
    pub seqs: Vec<Seq>,
    /// True when these had been stored before (a retry of the same forward).
    #[serde(default)]
    pub duplicate: bool,
    /// Why this target refused (the same codes as `send`); absent when stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// How deeply `content` nests chat histories (0 for any other content).
pub fn history_depth(content: &Content) -> usize {
    match content {
        Content::ChatHistory { items, .. } => {
            1 + items
                .iter()
                .map(|i| history_depth(&i.content))
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_omit_empty_parts_and_say_whom_they_include() {
        let bob = UserId::new("bob").unwrap();
        let m = Mentions {
            users: vec![bob.clone()],
            all: false,
        };
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"users":["bob"]}"#);
        assert!(m.includes(&bob) && !m.includes(&UserId::new("carol").unwrap()));
        let all: Mentions = serde_json::from_str(r#"{"all":true}"#).unwrap();
        assert!(all.includes(&bob) && !all.is_empty());
        assert!(Mentions::default().is_empty());
    }

    #[test]
    fn history_depth_counts_nested_chat_histories() {
        let text = Content::Text { text: "x".into() };
        let wrap = |c: Content| Content::ChatHistory {
            title: "t".into(),
            items: vec![HistoryItem {
                sender: UserId::new("bob").unwrap(),
                sent_at: 1,
                content: c,
            }],
        };
        assert_eq!(history_depth(&text), 0);
        assert_eq!(history_depth(&wrap(text.clone())), 1);
        assert_eq!(history_depth(&wrap(wrap(text))), 2);
    }
}
