//! The operator's reads and repairs (admin API): one user's record and
//! profile, bulk import, recalling any message, exports and server stats.

use serde::Serialize;
use tern_proto::{
    ConversationId, ErrorCode, FileId, Friend, GroupInfo, Message, Profile, Seq, UserId, WireError,
    SYSTEM_USER,
};

use super::{accounts, invalid, messages, page, social, ServiceResult};
use crate::state::Shared;
use crate::storage::api::{Ban, FileMeta, TimeRange, Totals};

/// Most rows one bulk import may carry (each costs a password hash).
pub const MAX_IMPORT: usize = 100;

/// One user's record: profile, creation time and ban.
#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    /// The id.
    pub user: UserId,
    /// The display name ("" when unset).
    pub nickname: String,
    /// The avatar's file id.
    pub avatar: Option<FileId>,
    /// The status line.
    pub signature: String,
    /// When the account was created (ms).
    pub created_at: i64,
    /// The ban, when banned.
    pub ban: Option<Ban>,
}

fn no_user(user: &UserId) -> WireError {
    WireError::new(ErrorCode::NotFound, format!("no user `{user}`"))
}

/// `user`'s record (`NotFound` for an unknown or deleted user, and `system`).
pub async fn user(s: &Shared, user: &UserId) -> ServiceResult<UserRecord> {
    if user.as_str() == SYSTEM_USER {
        return Err(no_user(user));
    }
    let Some(created_at) = s.store.user_created_at(user).await? else {
        return Err(no_user(user));
    };
    let profile = s
        .store
        .profiles(std::slice::from_ref(user))
        .await?
        .pop()
        .ok_or_else(|| no_user(user))?;
    Ok(UserRecord {
        user: profile.user,
        nickname: profile.nickname,
        avatar: profile.avatar,
        signature: profile.signature,
        created_at,
        ban: s.store.ban_of(user).await?,
    })
}

/// Changes the given profile fields of `user` (nickname ≤ 64, signature ≤ 256
/// characters; an avatar must be the user's own image upload); their devices
/// and friends get the change as for `set_profile`. No field: the profile as is. Not moderated by the
/// `profile.update` before-hook: the operator is the moderator.
pub async fn update_profile(
    s: &Shared,
    user: &UserId,
    nickname: Option<String>,
    avatar: Option<FileId>,
    signature: Option<String>,
) -> ServiceResult<Profile> {
    if user.as_str() == SYSTEM_USER {
        return Err(WireError::new(
            ErrorCode::Forbidden,
            "the `system` account is reserved and its profile cannot be changed",
        ));
    }
    if let Some(n) = &nickname {
        super::check_len("nickname", n, 64)?;
    }
    if let Some(sig) = &signature {
        super::check_len("signature", sig, 256)?;
    }
    s.store.require_user(user).await?;
    if nickname.is_none() && avatar.is_none() && signature.is_none() {
        // Nothing to change: the profile as it is.
        let p = s.store.profiles(std::slice::from_ref(user)).await?.pop();
        return p.ok_or_else(|| no_user(user));
    }
    let (n, a, sig) = (nickname.as_deref(), avatar.as_ref(), signature.as_deref());
    Ok(s.store.set_profile(user, n, a, sig).await?)
}

/// What became of one row of a bulk import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportResult {
    /// The row's `user`, when it had a valid one.
    pub user: Option<String>,
    /// `created`, `exists` or `invalid`.
    pub result: &'static str,
    /// Why, for `exists` and `invalid`.
    pub message: Option<String>,
}

/// One row as given: its id (if readable), or why the row is invalid.
pub type ImportRow = Result<(UserId, String, Option<String>), (Option<String>, String)>;

/// Creates each row's account as `POST /admin/users` does, in order; a row
/// that fails does not stop the others.
pub async fn import(s: &Shared, rows: Vec<ImportRow>) -> ServiceResult<Vec<ImportResult>> {
    if rows.is_empty() {
        return Err(invalid("`users` must hold at least one row"));
    }
    if rows.len() > MAX_IMPORT {
        return Err(invalid(format!(
            "`users` has {} rows; at most {MAX_IMPORT} per request",
            rows.len()
        )));
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (user, password, nickname) = match row {
            Ok(r) => r,
            Err((user, why)) => {
                out.push(ImportResult {
                    user,
                    result: "invalid",
                    message: Some(why),
                });
                continue;
            }
        };
        let name = Some(user.to_string());
        let r = accounts::create_user(s, &user, password, nickname.as_deref()).await;
        out.push(match r {
            Ok(_) => ImportResult {
                user: name,
                result: "created",
                message: None,
            },
            Err(e) if e.code == ErrorCode::UserExists => ImportResult {
                user: name,
                result: "exists",
                message: Some(e.message),
            },
            Err(e) if matches!(e.code, ErrorCode::InvalidArgument | ErrorCode::TooLarge) => {
                ImportResult {
                    user: name,
                    result: "invalid",
                    message: Some(e.message),
                }
            }
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}

/// Recalls message `seq` of `conv` whoever sent it and however long ago:
/// in a group as its owner (who may recall anyone's), in a one-to-one chat
/// as its sender; members get `recalled` and webhooks `message.recalled`.
/// Returns who the tombstone names as having recalled it.
pub async fn recall(s: &Shared, conv: &ConversationId, seq: Seq) -> ServiceResult<UserId> {
    let Some(sender) = s.store.message_sender(conv, seq).await? else {
        return Err(WireError::new(
            ErrorCode::NotFound,
            format!("no message {} in {conv}", seq.0),
        ));
    };
    let by = match conv {
        ConversationId::Group(g) => s.store.group_info(g).await?.owner,
        ConversationId::Direct(..) => sender,
    };
    messages::recall_as(s, &by, conv, seq, i64::MAX).await?;
    Ok(by)
}

/// A page of `conv`'s messages sent within `from..=to` (ms), by seq, after
/// seq `after`; the second value is the next page's `after`.
pub async fn conversation_page(
    s: &Shared,
    conv: &ConversationId,
    (from, to): (i64, i64),
    after: Seq,
    limit: Option<u32>,
) -> ServiceResult<(Vec<Message>, Option<Seq>)> {
    if from > to {
        return Err(invalid("`from` must not be later than `to`"));
    }
    let limit = page(s, limit, 100);
    let range = TimeRange {
        from,
        to,
        after,
        limit: limit.saturating_add(1),
    };
    let msgs = s.store.messages_between(conv, range).await?;
    Ok(super::paged(msgs, limit, |m| m.seq))
}

/// The parts of a user export that are small (bounded by the server's limits).
#[derive(Debug, Clone, Serialize)]
pub struct UserHead {
    /// Profile, creation time, ban.
    pub profile: UserRecord,
    /// Their friends with remarks.
    pub friends: Vec<Friend>,
    /// Whom they blocked.
    pub blacklist: Vec<UserId>,
    /// The live groups they are in.
    pub groups: Vec<GroupInfo>,
}

/// The bounded head of `user`'s export.
pub async fn export_head(s: &Shared, user: &UserId) -> ServiceResult<UserHead> {
    let profile = self::user(s, user).await?;
    Ok(UserHead {
        profile,
        friends: s.store.friends(user, None).await?,
        blacklist: social::blocked(s, user).await?,
        groups: s.store.groups_of(user).await?,
    })
}

/// Page size of the streamed parts of a user export.
pub const EXPORT_PAGE: u32 = 500;

/// A page of the messages `user` sent, by id, after id `after`.
pub async fn messages_of(s: &Shared, user: &UserId, after: u64) -> ServiceResult<Vec<Message>> {
    Ok(s.store.messages_of(user, after, EXPORT_PAGE).await?)
}

/// A page of the files `user` uploaded, by id, after id `after`.
pub async fn files_of(s: &Shared, user: &UserId, after: &str) -> ServiceResult<Vec<FileMeta>> {
    Ok(s.store.files_of(user, after, EXPORT_PAGE).await?)
}

/// Server stats.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Database totals.
    #[serde(flatten)]
    pub totals: Totals,
    /// WebSocket connections open on this node.
    pub connections: u64,
    /// This node's id.
    pub node: String,
    /// Seconds since this process started.
    pub uptime_secs: u64,
    /// Undelivered webhook events, all endpoints together.
    pub webhook_pending: u64,
}

/// The server's totals and this node's counters.
pub async fn stats(s: &Shared) -> ServiceResult<Stats> {
    let totals = s.store.totals().await?;
    let mut pending = 0;
    for h in super::webhooks::statuses(s).await? {
        pending += h.pending;
    }
    Ok(Stats {
        totals,
        connections: s.hub.online_connections() as u64,
        node: s.node_id.clone(),
        uptime_secs: s.started.elapsed().as_secs(),
        webhook_pending: pending,
    })
}
