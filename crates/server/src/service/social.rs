//! Profiles, friends and applications, the blacklist, presence and the change log.

use tern_proto::{FileId, Friend, FriendApplication, Profile, UserId, VersionedChange, WireError};

use super::{check_len, check_query, invalid, ServiceResult, MAX_IDS};
use crate::state::Shared;
use crate::storage::now_ms;

fn at_most_ids(users: &[UserId]) -> ServiceResult<()> {
    if users.len() > MAX_IDS {
        return Err(invalid(format!("at most {MAX_IDS} ids per request")));
    }
    Ok(())
}

/// Takes one `apply_friend` or `set_profile` from `me`'s budget
/// (`social_actions_per_minute`, all devices together; refused requests count
/// too); `RateLimited` past it. Both reach other users: an application pushes
/// to its target (a re-ask of a pending one too) and queues a
/// `friend.applied` event, a profile change writes a change-log entry for
/// each friend; the connection's rate limit alone let one account flood a
/// stranger or keep the writer busy. Asked before the before-hooks.
fn take_social(s: &Shared, me: &UserId) -> ServiceResult<()> {
    let per_minute = s.config.social_actions_per_minute;
    let what = "friend applications and profile changes";
    s.social_rate.spend(me, per_minute, what)
}

/// Profiles of the known ones of `users` (at most [`MAX_IDS`]).
pub async fn profiles(s: &Shared, users: &[UserId]) -> ServiceResult<Vec<Profile>> {
    at_most_ids(users)?;
    Ok(s.store.profiles(users).await?)
}

/// Changes the given fields of `me`'s profile; my devices and friends hear of it.
pub async fn set_profile(
    s: &Shared,
    me: &UserId,
    nickname: Option<String>,
    avatar: Option<FileId>,
    signature: Option<String>,
) -> ServiceResult<Profile> {
    take_social(s, me)?;
    if let Some(n) = &nickname {
        check_len("nickname", n, 64)?;
    }
    if let Some(sig) = &signature {
        check_len("signature", sig, 256)?;
    }
    let data = serde_json::json!({
        "user": me, "nickname": nickname, "avatar": avatar, "signature": signature,
    });
    let nickname = match s
        .webhooks
        .before("profile.update", data, nickname.as_deref())
        .await?
    {
        Some(new) => {
            check_len("nickname", &new, 64)?;
            Some(new)
        }
        None => nickname,
    };
    let (n, a, sig) = (nickname.as_deref(), avatar.as_ref(), signature.as_deref());
    Ok(s.store.set_profile(me, n, a, sig).await?)
}

/// Users whose id or nickname contains `query`.
pub async fn search_users(s: &Shared, query: &str) -> ServiceResult<Vec<Profile>> {
    check_query(query)?;
    let limit = s.config.max_page.min(100);
    Ok(s.store.search_users(query, limit).await?)
}

/// `me` asks `to` to be friends.
pub async fn apply_friend(
    s: &Shared,
    me: &UserId,
    to: &UserId,
    greeting: &str,
) -> ServiceResult<()> {
    take_social(s, me)?;
    check_len("greeting", greeting, 256)?;
    // The hook is asked only about an application that may be made.
    if s.webhooks.wants("friend.apply") {
        s.store.precheck_apply(me, to).await?;
    }
    let data = serde_json::json!({ "from": me, "to": to });
    let hooks = &s.webhooks;
    let rewritten = hooks.before("friend.apply", data, Some(greeting)).await?;
    let greeting = rewritten.as_deref().unwrap_or(greeting);
    check_len("greeting", greeting, 256)?;
    let data = serde_json::json!({ "from": me, "to": to, "greeting": greeting });
    let write = s.store.apply_friend(me, to, greeting, now_ms());
    s.webhooks.in_tx("friend.applied", data, write).await?;
    Ok(())
}

/// Applications I received (`received`) or sent.
pub async fn applications(
    s: &Shared,
    me: &UserId,
    received: bool,
) -> ServiceResult<Vec<FriendApplication>> {
    Ok(s.store.applications(me, received).await?)
}

/// Accepts or refuses `from`'s application.
pub async fn answer(s: &Shared, me: &UserId, from: &UserId, accept: bool) -> ServiceResult<()> {
    let data = serde_json::json!({ "user": me, "from": from, "accepted": accept });
    let write = s.store.answer_application(me, from, accept, now_ms());
    s.webhooks.in_tx("friend.answered", data, write).await?;
    Ok(())
}

/// Removes a friend (one-way).
pub async fn delete_friend(s: &Shared, me: &UserId, user: &UserId) -> ServiceResult<()> {
    let data = serde_json::json!({ "user": me, "friend": user });
    let write = s.store.delete_friend(me, user);
    s.webhooks.in_tx("friend.deleted", data, write).await?;
    Ok(())
}

/// Sets my remark for a friend.
pub async fn set_remark(s: &Shared, me: &UserId, user: &UserId, remark: &str) -> ServiceResult<()> {
    check_len("remark", remark, 64)?;
    Ok(s.store.set_remark(me, user, remark).await?)
}

/// My friends, or only those of `users`.
pub async fn friends(
    s: &Shared,
    me: &UserId,
    users: Option<&[UserId]>,
) -> ServiceResult<Vec<Friend>> {
    if let Some(u) = users {
        at_most_ids(u)?;
    }
    Ok(s.store.friends(me, users).await?)
}

/// Those of `users` that are my friends.
pub async fn check_friends(
    s: &Shared,
    me: &UserId,
    users: &[UserId],
) -> ServiceResult<Vec<UserId>> {
    at_most_ids(users)?;
    Ok(s.store.friends_among(me, users).await?)
}

/// My friends whose id, nickname or remark contains `query`.
pub async fn search_friends(s: &Shared, me: &UserId, query: &str) -> ServiceResult<Vec<Friend>> {
    check_query(query)?;
    Ok(s.store.search_friends(me, query).await?)
}

/// Which of `users` are online and visible to me (mutual, unblocked friends,
/// as the presence pushes).
pub async fn presence(s: &Shared, me: &UserId, users: &[UserId]) -> ServiceResult<Vec<UserId>> {
    at_most_ids(users)?;
    let visible = s.store.presence_visible(me, users).await?;
    Ok(super::presence::online_among(s, visible).await)
}

/// Blocks `user` (idempotent).
pub async fn block(s: &Shared, me: &UserId, user: &UserId) -> ServiceResult<()> {
    Ok(s.store.block(me, user, now_ms()).await?)
}

/// Unblocks `user`.
pub async fn unblock(s: &Shared, me: &UserId, user: &UserId) -> ServiceResult<()> {
    Ok(s.store.unblock(me, user).await?)
}

/// The users I blocked.
pub async fn blocked(s: &Shared, me: &UserId) -> ServiceResult<Vec<UserId>> {
    Ok(s.store.blocked(me).await?)
}

/// One page of my change log after `since`, and the latest version.
pub async fn changes(
    s: &Shared,
    me: &UserId,
    since: u64,
    limit: Option<u32>,
) -> Result<(Vec<VersionedChange>, u64), WireError> {
    let limit = super::page(s, limit, 200);
    Ok(s.store.changes_since(me, since, limit).await?)
}
