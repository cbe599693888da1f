//! Group commands: each one parses ids, forwards to tern-core's group API and
//! maps errors; the rules (who may kick, mute, ...) live in the server.

use serde::Serialize;
use specta::Type;
use tauri::State;
use tern_core::proto::{
    ConversationId, GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, JoinPolicy,
    UserId,
};
use tern_core::{GroupUpdate, MemberNotice};

use crate::commands::{conv_id, user_id};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Longest mute the UI may ask for (30 days).
const MAX_MUTE_MINUTES: u32 = 30 * 24 * 60;

/// One member as the member panel shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct GroupMemberView {
    /// Membership: user, role, mute.
    pub member: GroupMember,
    /// Their nickname ("" when unknown or unset).
    pub nickname: String,
}

pub(crate) fn group_id(s: &str) -> AppResult<GroupId> {
    Ok(GroupId::new(s.trim())?)
}

fn user_ids(list: &[String]) -> AppResult<Vec<UserId>> {
    list.iter().map(|u| user_id(u)).collect()
}

/// The groups I am in (from the local cache).
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_groups(state: State<'_, AppState>) -> AppResult<Vec<GroupInfo>> {
    Ok(state.client().await?.groups().await?)
}

/// A group's current info from the server (the cached one when offline).
#[tauri::command]
#[specta::specta]
pub(crate) async fn group_info(state: State<'_, AppState>, group: String) -> AppResult<GroupInfo> {
    let g = group_id(&group)?;
    let c = state.client().await?;
    match c.fetch_group_info(&g).await {
        Ok(info) => Ok(info),
        Err(e @ (tern_core::Error::Offline(_) | tern_core::Error::Timeout)) => {
            c.group(&g).await?.ok_or_else(|| AppError::from(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates a group with me as owner and `members` (friends' ids) in it.
#[tauri::command]
#[specta::specta]
pub(crate) async fn create_group(
    state: State<'_, AppState>,
    name: String,
    members: Vec<String>,
    join_policy: JoinPolicy,
) -> AppResult<GroupInfo> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::new("invalid_argument", "Give the group a name."));
    }
    let members = user_ids(&members)?;
    Ok(state
        .client()
        .await?
        .create_group(name, &members, Some(join_policy))
        .await?)
}

/// Changes a group's name, notice, join policy and/or whether new members see
/// earlier messages (`null` keeps a field).
#[tauri::command]
#[specta::specta]
pub(crate) async fn update_group(
    state: State<'_, AppState>,
    group: String,
    name: Option<String>,
    notice: Option<String>,
    join_policy: Option<JoinPolicy>,
    history_visible: Option<bool>,
) -> AppResult<GroupInfo> {
    let g = group_id(&group)?;
    let name = name.map(|n| n.trim().to_owned());
    if name.as_deref() == Some("") {
        return Err(AppError::new("invalid_argument", "The group needs a name."));
    }
    let update = GroupUpdate {
        name,
        avatar: None,
        notice: notice.map(|n| n.trim().to_owned()),
        join_policy,
        history_visible,
    };
    Ok(state.client().await?.update_group(&g, update).await?)
}

/// A group's members with their nicknames.
#[tauri::command]
#[specta::specta]
pub(crate) async fn group_members(
    state: State<'_, AppState>,
    group: String,
) -> AppResult<Vec<GroupMemberView>> {
    let g = group_id(&group)?;
    let c = state.client().await?;
    let members = c.group_members(&g).await?;
    let ids: Vec<UserId> = members.iter().map(|m| m.user.clone()).collect();
    // Nicknames come from the server; offline, show bare ids rather than nothing.
    let profiles = if ids.is_empty() {
        Vec::new()
    } else {
        c.get_profiles(&ids).await.unwrap_or_default()
    };
    Ok(members
        .into_iter()
        .map(|member| {
            let nickname = profiles
                .iter()
                .find(|p| p.user == member.user)
                .map(|p| p.nickname.clone())
                .unwrap_or_default();
            GroupMemberView { member, nickname }
        })
        .collect())
}

/// Adds `users` to a group.
#[tauri::command]
#[specta::specta]
pub(crate) async fn invite_members(
    state: State<'_, AppState>,
    group: String,
    users: Vec<String>,
) -> AppResult<()> {
    let g = group_id(&group)?;
    let users = user_ids(&users)?;
    if users.is_empty() {
        return Err(AppError::new("invalid_argument", "Pick someone to invite."));
    }
    Ok(state.client().await?.invite_members(&g, &users).await?)
}

/// Joins a group: true when I am in at once (open group), false when an application was filed.
#[tauri::command]
#[specta::specta]
pub(crate) async fn join_group(
    state: State<'_, AppState>,
    group: String,
    message: String,
) -> AppResult<bool> {
    let g = group_id(&group)?;
    Ok(state.client().await?.join_group(&g, message.trim()).await?)
}

/// Applications to join a group (owner and admins).
#[tauri::command]
#[specta::specta]
pub(crate) async fn group_applications(
    state: State<'_, AppState>,
    group: String,
) -> AppResult<Vec<GroupApplication>> {
    let g = group_id(&group)?;
    Ok(state.client().await?.group_applications(&g).await?)
}

/// Accepts `user`'s application to join.
#[tauri::command]
#[specta::specta]
pub(crate) async fn accept_group_application(
    state: State<'_, AppState>,
    group: String,
    user: String,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&user)?);
    Ok(state
        .client()
        .await?
        .accept_group_application(&g, &u)
        .await?)
}

/// Refuses `user`'s application to join.
#[tauri::command]
#[specta::specta]
pub(crate) async fn refuse_group_application(
    state: State<'_, AppState>,
    group: String,
    user: String,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&user)?);
    Ok(state
        .client()
        .await?
        .refuse_group_application(&g, &u)
        .await?)
}

/// Leaves a group (the owner must transfer or dismiss instead).
#[tauri::command]
#[specta::specta]
pub(crate) async fn leave_group(state: State<'_, AppState>, group: String) -> AppResult<()> {
    let g = group_id(&group)?;
    Ok(state.client().await?.leave_group(&g).await?)
}

/// Removes `user` from a group.
#[tauri::command]
#[specta::specta]
pub(crate) async fn kick_member(
    state: State<'_, AppState>,
    group: String,
    user: String,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&user)?);
    Ok(state.client().await?.kick_member(&g, &u).await?)
}

/// Dismisses a group for everyone (owner only).
#[tauri::command]
#[specta::specta]
pub(crate) async fn dismiss_group(state: State<'_, AppState>, group: String) -> AppResult<()> {
    let g = group_id(&group)?;
    Ok(state.client().await?.dismiss_group(&g).await?)
}

/// Makes `user` an admin or a plain member again (owner only).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_member_role(
    state: State<'_, AppState>,
    group: String,
    user: String,
    role: GroupRole,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&user)?);
    if role == GroupRole::Owner {
        return Err(AppError::new(
            "invalid_argument",
            "Use transfer to hand over ownership.",
        ));
    }
    Ok(state.client().await?.set_member_role(&g, &u, role).await?)
}

/// Hands ownership to `to` (I become an admin).
#[tauri::command]
#[specta::specta]
pub(crate) async fn transfer_group(
    state: State<'_, AppState>,
    group: String,
    to: String,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&to)?);
    Ok(state.client().await?.transfer_group(&g, &u).await?)
}

/// Mutes `user` for `minutes` (0 unmutes).
#[tauri::command]
#[specta::specta]
pub(crate) async fn mute_member(
    state: State<'_, AppState>,
    group: String,
    user: String,
    minutes: u32,
) -> AppResult<()> {
    let (g, u) = (group_id(&group)?, user_id(&user)?);
    if minutes > MAX_MUTE_MINUTES {
        return Err(AppError::new(
            "invalid_argument",
            "A mute lasts at most 30 days.",
        ));
    }
    Ok(state.client().await?.mute_member(&g, &u, minutes).await?)
}

/// Mutes or unmutes everyone but the owner and admins.
#[tauri::command]
#[specta::specta]
pub(crate) async fn mute_all(
    state: State<'_, AppState>,
    group: String,
    muted: bool,
) -> AppResult<()> {
    let g = group_id(&group)?;
    Ok(state.client().await?.mute_all(&g, muted).await?)
}

/// The conversation id of a group's chat.
#[tauri::command]
#[specta::specta]
pub(crate) async fn open_group(
    state: State<'_, AppState>,
    group: String,
) -> AppResult<ConversationId> {
    let g = group_id(&group)?;
    Ok(state.client().await?.group_conversation(&g))
}

/// The membership lines ("Bob left") of a group chat this device recorded, oldest
/// first: the newest `limit` (at most 1,000), from the local cache.
#[tauri::command]
#[specta::specta]
pub(crate) async fn member_notices(
    state: State<'_, AppState>,
    conv: String,
    limit: u32,
) -> AppResult<Vec<MemberNotice>> {
    let conv = conv_id(&conv)?;
    Ok(state
        .client()
        .await?
        .member_notices(&conv, None, limit)
        .await?)
}

/// Every group role, in rank order (the `match` fails to compile when a role
/// is added, so the table below cannot miss one).
fn all_roles() -> [GroupRole; 3] {
    match GroupRole::Member {
        GroupRole::Owner | GroupRole::Admin | GroupRole::Member => {}
    }
    [GroupRole::Owner, GroupRole::Admin, GroupRole::Member]
}

/// A role's wire name (`owner`, `admin`, `member`).
fn role_name(role: GroupRole) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("a GroupRole serialises to a string, not {other:?}"),
    }
}

/// The group role rule for the UI, exported into the bindings as
/// `GROUP_ROLE_RULES` and computed here from tern-proto's single definition:
/// `may_moderate[actor][target]` = [`GroupRole::may_moderate`] (kick, mute,
/// recall their messages) and `manages[role]` = [`GroupRole::manages`], for
/// every role pair. The UI reads the table instead of restating the rule.
pub(crate) fn role_rules() -> serde_json::Value {
    let mut may = serde_json::Map::new();
    let mut manages = serde_json::Map::new();
    for actor in all_roles() {
        let row: serde_json::Map<String, serde_json::Value> = all_roles()
            .into_iter()
            .map(|target| (role_name(target), actor.may_moderate(Some(target)).into()))
            .collect();
        may.insert(role_name(actor), row.into());
        manages.insert(role_name(actor), actor.manages().into());
    }
    serde_json::json!({ "may_moderate": may, "manages": manages })
}

#[cfg(test)]
mod tests {
    /// The exported table is tern-proto's rule: the owner may moderate admins
    /// and members, an admin only members, nobody an owner.
    #[test]
    fn role_rules_follow_group_role_may_moderate() {
        let t = super::role_rules();
        let may = |a: &str, b: &str| t["may_moderate"][a][b].as_bool().expect("a bool");
        assert!(may("owner", "admin") && may("owner", "member"));
        assert!(may("admin", "member") && !may("admin", "admin"));
        assert!(!may("owner", "owner") && !may("admin", "owner") && !may("member", "member"));
        assert_eq!(t["manages"]["owner"], true);
        assert_eq!(t["manages"]["admin"], true);
        assert_eq!(t["manages"]["member"], false);
    }
}
