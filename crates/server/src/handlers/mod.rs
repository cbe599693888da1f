//! Request handlers, one module per command family. [`dispatch`] enforces the
//! handshake order (hello → register/login/resume → everything else).

pub mod account;
pub mod blacklist;
pub mod changes;
pub mod friends;
pub mod groups;
pub mod profile;
pub mod read;
pub mod send;
pub mod session;
pub mod state;

use tern_proto::{ErrorCode, Request, Response, WireError};

use crate::context::{handshake_required, Ctx, Phase};
use crate::store::{Delivery, StoreResult};

/// Result of one handler.
pub type HandlerResult = Result<Response, WireError>;

/// Routes `req` to its handler, after checking the connection's phase.
pub async fn dispatch(ctx: &mut Ctx, req: Request) -> HandlerResult {
    use Request as R;
    match (&ctx.phase, &req) {
        (Phase::New, R::Hello { .. }) => {}
        (Phase::New, _) => return Err(handshake_required()),
        (
            Phase::Greeted,
            R::Hello { .. } | R::Ping | R::Register { .. } | R::Login { .. } | R::Resume { .. },
        ) => {}
        (Phase::Greeted, _) => {
            return Err(WireError::new(
                ErrorCode::Unauthenticated,
                "log in (login or resume) first",
            ));
        }
        (Phase::Authed(_), _) => {}
    }
    match req {
        R::Hello { version } => session::hello(ctx, version),
        R::Ping => Ok(Response::Pong {
            now: crate::store::now_ms(),
        }),
        R::Register { user, password } => session::register(ctx, user, password).await,
        R::Login {
            user,
            password,
            platform,
            device,
        } => session::login(ctx, user, password, platform, device).await,
        R::Resume {
            token,
            platform,
            device,
        } => session::resume(ctx, token, platform, device).await,
        R::Logout => session::logout(ctx).await,
        R::ChangePassword {
            old_password,
            new_password,
        } => account::change_password(ctx, old_password, new_password).await,
        R::SignOutOthers => account::sign_out_others(ctx).await,
        R::GetProfiles { users } => profile::get_profiles(ctx, users).await,
        R::SetProfile {
            nickname,
            avatar,
            signature,
        } => profile::set_profile(ctx, nickname, avatar, signature).await,
        R::SearchUsers { query } => profile::search_users(ctx, query).await,
        R::ApplyFriend { to, greeting } => friends::apply(ctx, to, greeting).await,
        R::ListReceivedApplications => friends::list_applications(ctx, true).await,
        R::ListSentApplications => friends::list_applications(ctx, false).await,
        R::AcceptFriend { from } => friends::answer(ctx, from, true).await,
        R::RefuseFriend { from } => friends::answer(ctx, from, false).await,
        R::DeleteFriend { user } => friends::delete(ctx, user).await,
        R::SetRemark { user, remark } => friends::set_remark(ctx, user, remark).await,
        R::GetFriends { users } => friends::get(ctx, users).await,
        R::CheckFriends { users } => friends::check(ctx, users).await,
        R::SearchFriends { query } => friends::search(ctx, query).await,
        R::Block { user } => blacklist::block(ctx, user).await,
        R::Unblock { user } => blacklist::unblock(ctx, user).await,
        R::ListBlocked => blacklist::list(ctx).await,
        R::GetPresence { users } => friends::presence(ctx, users).await,
        R::SyncChanges { since, limit } => changes::sync(ctx, since, limit).await,
        R::Send {
            conv,
            client_id,
            content,
            ext,
            after,
        } => send::send(ctx, conv, client_id, content, ext, after).await,
        R::Conversations => read::conversations(ctx).await,
        R::Pull {
            conv,
            from,
            to,
            limit,
        } => read::pull(ctx, conv, from, to, limit).await,
        R::History {
            conv,
            before,
            limit,
        } => read::history(ctx, conv, before, limit).await,
        R::MarkRead { conv, seq } => state::mark_read(ctx, conv, seq).await,
        R::Recall { conv, seq } => state::recall(ctx, conv, seq).await,
        R::Recalls { conv, since, limit } => read::recalls(ctx, conv, since, limit).await,
        R::Typing { conv } => state::typing(ctx, conv).await,
        R::CreateGroup {
            name,
            members,
            join_policy,
        } => groups::create(ctx, name, members, join_policy).await,
        R::GetGroups => groups::list(ctx).await,
        R::GetGroupInfo { group } => groups::info(ctx, group).await,
        R::UpdateGroup {
            group,
            name,
            avatar,
            notice,
            join_policy,
            history_visible,
        } => {
            let u = crate::store::groups::GroupUpdate {
                name,
                avatar,
                notice,
                join_policy,
                history_visible,
            };
            groups::update(ctx, group, u).await
        }
        R::GetGroupMembers { group } => groups::members(ctx, group).await,
        R::InviteMembers { group, users } => groups::invite(ctx, group, users).await,
        R::JoinGroup { group, message } => groups::join(ctx, group, message).await,
        R::ListGroupApplications { group } => groups::applications(ctx, group).await,
        R::AcceptGroupApplication { group, user } => groups::answer(ctx, group, user, true).await,
        R::RefuseGroupApplication { group, user } => groups::answer(ctx, group, user, false).await,
        R::LeaveGroup { group } => groups::leave(ctx, group).await,
        R::KickMember { group, user } => groups::kick(ctx, group, user).await,
        R::DismissGroup { group } => groups::dismiss(ctx, group).await,
        R::SetMemberRole { group, user, role } => groups::set_role(ctx, group, user, role).await,
        R::TransferGroup { group, to } => groups::transfer(ctx, group, to).await,
        R::MuteMember {
            group,
            user,
            minutes,
        } => groups::mute(ctx, group, user, minutes).await,
        R::MuteAll { group, muted } => groups::mute_all(ctx, group, muted).await,
        other => Err(WireError::new(
            ErrorCode::UnknownCommand,
            format!("`{}` is not supported by this server", other.name()),
        )),
    }
}

/// An `InvalidArgument` error.
pub fn invalid(msg: impl Into<String>) -> WireError {
    WireError::new(ErrorCode::InvalidArgument, msg)
}

/// Checks that `text` has at most `max` characters (`TooLarge` otherwise).
pub fn check_len(field: &str, text: &str, max: usize) -> Result<(), WireError> {
    let n = text.chars().count();
    if n > max {
        return Err(WireError::new(
            ErrorCode::TooLarge,
            format!("`{field}` has {n} characters; at most {max} allowed"),
        ));
    }
    Ok(())
}

/// Clamps a requested page size to `1..=max_page` (default `default`).
pub fn page(ctx: &Ctx, limit: Option<u32>, default: u32) -> u32 {
    let max = ctx.shared.config.max_page.max(1);
    limit.unwrap_or(default).clamp(1, max)
}

/// Runs a change in the writer and pushes the deliveries it queued right after
/// the commit (on the writer thread, so pushes keep commit order).
pub async fn change<F>(ctx: &Ctx, f: F) -> HandlerResult
where
    F: FnOnce(&rusqlite::Connection, &mut Vec<Delivery>) -> StoreResult<()> + Send + 'static,
{
    let hub = ctx.shared.hub.clone();
    ctx.shared
        .store
        .write_then(
            move |c| {
                let mut out = Vec::new();
                f(c, &mut out)?;
                Ok(out)
            },
            move |out| deliver(&hub, out),
        )
        .await?;
    Ok(Response::Done)
}

/// Sends every queued delivery (runs on the writer thread right after commit).
pub fn deliver(hub: &crate::hub::Hub, deliveries: &[Delivery]) {
    for d in deliveries {
        hub.push(&d.user, &d.push, None);
    }
}
