//! The operator's group use cases (admin API). Each acts as the group's
//! owner through the same service functions (and so the same storage
//! transactions, change-log entries, pushes and webhooks) as the owner's own
//! WebSocket commands; a system notice is a message from the reserved
//! `system` account, stored and pushed like any group message.

use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, GroupId, GroupInfo, GroupMember, UserId,
    WireError, SYSTEM_USER,
};

use super::messages::{self, Outgoing};
use super::{check_len, groups, invalid, page, ServiceResult};
use crate::state::Shared;
use crate::storage::{SendOutcome, StoreError};

/// A page of live groups by id, after `after`, whose id or name contains
/// `query` (1 to 64 characters); the second value is the next page's `after`.
pub async fn list(
    s: &Shared,
    query: Option<&str>,
    after: Option<&GroupId>,
    limit: Option<u32>,
) -> ServiceResult<(Vec<GroupInfo>, Option<GroupId>)> {
    if let Some(q) = query {
        super::check_query(q)?;
    }
    let limit = page(s, limit, 50);
    let ids = s
        .store
        .list_groups(query, after, limit.saturating_add(1))
        .await?;
    let (ids, next) = super::paged(ids, limit, GroupId::clone);
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        match s.store.group_info(id).await {
            Ok(info) => out.push(info),
            // Dismissed since the id was listed: leave it out.
            Err(StoreError::Rejected(w)) if w.code == ErrorCode::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((out, next))
}

fn forbidden(msg: &str) -> WireError {
    WireError::new(ErrorCode::Forbidden, msg)
}

/// The owner of a live group (`NotFound` otherwise).
async fn owner(s: &Shared, group: &GroupId) -> ServiceResult<UserId> {
    Ok(groups::info(s, group).await?.owner)
}

/// A page of members by id, after `after`; the second value is the next
/// page's `after`. (A group has at most `max_group_members`.)
pub async fn members(
    s: &Shared,
    group: &GroupId,
    after: Option<&UserId>,
    limit: Option<u32>,
) -> ServiceResult<(Vec<GroupMember>, Option<UserId>)> {
    let limit = page(s, limit, 100) as usize;
    let owner = owner(s, group).await?;
    let mut all = groups::members(s, &owner, group).await?;
    all.sort_by(|a, b| a.user.as_str().cmp(b.user.as_str()));
    let rest: Vec<GroupMember> = all
        .into_iter()
        .filter(|m| match after {
            Some(a) => m.user.as_str() > a.as_str(),
            None => true,
        })
        .collect();
    let more = rest.len() > limit;
    let page: Vec<GroupMember> = rest.into_iter().take(limit).collect();
    let next = more.then(|| page.last().map(|m| m.user.clone())).flatten();
    Ok((page, next))
}

/// Adds `users` (at most 100) as the owner would with `invite_members`; returns
/// those who were not members before.
pub async fn add_members(
    s: &Shared,
    group: &GroupId,
    users: &[UserId],
) -> ServiceResult<Vec<UserId>> {
    if users.is_empty() {
        return Err(invalid("`users` must name at least one user"));
    }
    for u in users {
        s.store.require_user(u).await?;
    }
    let owner = owner(s, group).await?;
    groups::invite(s, &owner, group, users).await
}

/// Removes `user` as the owner would with `kick_member`.
pub async fn remove_member(s: &Shared, group: &GroupId, user: &UserId) -> ServiceResult<()> {
    let owner = owner(s, group).await?;
    if &owner == user {
        return Err(forbidden(
            "the owner cannot be removed; transfer the group first",
        ));
    }
    groups::kick(s, &owner, group, user).await
}

/// Mutes `user` for `minutes` (1 to 43,200), or unmutes with 0.
pub async fn mute(s: &Shared, group: &GroupId, user: &UserId, minutes: u32) -> ServiceResult<()> {
    let owner = owner(s, group).await?;
    if &owner == user {
        return Err(forbidden("the owner cannot be muted"));
    }
    groups::mute(s, &owner, group, user, minutes).await
}

/// Hands the group to the member `to` (to its owner: `SelfTarget`, 403).
pub async fn transfer(s: &Shared, group: &GroupId, to: &UserId) -> ServiceResult<UserId> {
    let owner = owner(s, group).await?;
    groups::transfer(s, &owner, group, to).await?;
    Ok(owner)
}

/// Ends the group as its owner would with `dismiss_group`.
pub async fn dismiss(s: &Shared, group: &GroupId) -> ServiceResult<()> {
    let owner = owner(s, group).await?;
    groups::dismiss(s, &owner, group).await
}

/// Posts `Content::System` from `system` into the group: every member's
/// devices get it live, and it is in the history for catch-up.
pub async fn notice(
    s: &Shared,
    group: &GroupId,
    text: String,
    client_id: ClientMsgId,
    ext: Option<serde_json::Value>,
) -> ServiceResult<SendOutcome> {
    if text.trim().is_empty() {
        return Err(invalid("`text` must not be empty"));
    }
    check_len("text", &text, s.config.max_text_chars)?;
    if ext.as_ref().is_some_and(|e| !e.is_object()) {
        return Err(invalid("`ext` must be a JSON object"));
    }
    if !s.store.system_user_is_reserved().await? {
        return Err(WireError::new(
            ErrorCode::Internal,
            "user id `system` belongs to a registered account; notices are off",
        ));
    }
    groups::info(s, group).await?;
    let msg = Outgoing {
        conv: ConversationId::Group(group.clone()),
        sender: UserId::new(SYSTEM_USER).expect("valid id"),
        client_id,
        content: Content::System { text },
        ext,
        reply_to: None,
        mentions: None,
    };
    messages::store(s, msg, None, false, None).await?.await
}
