//! Reactions: any emoji, toggled per member, capped per message
//! (`max_reactions_per_message` distinct emoji) and rate-limited per user
//! (`reactions_per_minute`, all of the user's devices together).

use tern_proto::{ConversationId, MessageReactions, Reaction, Seq, UserId};

use super::{invalid, page, ServiceResult};
use crate::state::Shared;
use crate::storage::api::ReactionChange;
use crate::storage::now_ms;

/// Longest emoji accepted, in bytes (a family or flag sequence fits).
const MAX_EMOJI_BYTES: usize = 32;

/// An emoji: 1 to 32 bytes, no ASCII letter, digit, space or control (so no
/// words smuggled in as "reactions"), at least one non-ASCII character.
pub fn check_emoji(emoji: &str) -> ServiceResult<()> {
    let ok = !emoji.is_empty()
        && emoji.len() <= MAX_EMOJI_BYTES
        && !emoji.is_ascii()
        && !emoji
            .chars()
            .any(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid(format!(
            "`emoji` must be one emoji (1 to {MAX_EMOJI_BYTES} bytes, no letters, digits or spaces)"
        )));
    }
    Ok(())
}

/// Adds or removes my reaction; returns the message's reactions now.
pub async fn react(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
    emoji: String,
    on: bool,
) -> ServiceResult<Vec<Reaction>> {
    check_emoji(&emoji)?;
    s.reaction_rate
        .spend(me, s.config.reactions_per_minute, "reactions")?;
    let change = ReactionChange {
        seq,
        emoji,
        on,
        now: now_ms(),
        max_distinct: s.config.max_reactions_per_message,
    };
    Ok(s.store.react(me, conv, change).await?)
}

/// One page of a conversation's reaction log after `since`.
pub async fn log(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    since: u64,
    limit: Option<u32>,
) -> ServiceResult<(u64, Vec<MessageReactions>)> {
    let limit = page(s, limit, 100);
    Ok(s.store.reaction_log(me, conv, since, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::check_emoji;

    #[test]
    fn emoji_are_accepted_and_words_refused() {
        for ok in ["👍", "❤️", "👨‍👩‍👧", "🇫🇷", "🎉"] {
            assert!(check_emoji(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "lol", "👍 spam", "1", "\n", &"👍".repeat(9)] {
            assert!(check_emoji(bad).is_err(), "{bad:?}");
        }
    }
}
