//! The WebSocket adapters: one module per command family, each turning a
//! request's fields into a call of [`crate::service`] and its result into a
//! response. [`dispatch`] enforces the handshake order (hello →
//! register/login/resume → everything else).

pub mod account;
pub mod groups;
pub mod messages;
pub mod preferences;
pub mod rooms;
pub mod session;
pub mod social;

use tern_proto::{ErrorCode, Request, Response, WireError};

use crate::context::{handshake_required, Ctx, Phase};

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
            now: crate::storage::now_ms(),
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
        R::GetProfiles { users } => social::get_profiles(ctx, users).await,
        R::SetProfile {
            nickname,
            avatar,
            signature,
        } => social::set_profile(ctx, nickname, avatar, signature).await,
        R::SearchUsers { query } => social::search_users(ctx, query).await,
        R::ApplyFriend { to, greeting } => social::apply(ctx, to, greeting).await,
        R::ListReceivedApplications => social::list_applications(ctx, true).await,
        R::ListSentApplications => social::list_applications(ctx, false).await,
        R::AcceptFriend { from } => social::answer(ctx, from, true).await,
        R::RefuseFriend { from } => social::answer(ctx, from, false).await,
        R::DeleteFriend { user } => social::delete(ctx, user).await,
        R::SetRemark { user, remark } => social::set_remark(ctx, user, remark).await,
        R::GetFriends { users } => social::get(ctx, users).await,
        R::CheckFriends { users } => social::check(ctx, users).await,
        R::SearchFriends { query } => social::search(ctx, query).await,
        R::Block { user } => social::block(ctx, user).await,
        R::Unblock { user } => social::unblock(ctx, user).await,
        R::ListBlocked => social::list_blocked(ctx).await,
        R::GetPresence { users } => social::presence(ctx, users).await,
        R::SyncChanges { since, limit } => social::sync(ctx, since, limit).await,
        R::Send {
            conv,
            client_id,
            content,
            ext,
            after,
            reply_to,
            mentions,
        } => {
            let msg = messages::NewSend {
                conv,
                client_id,
                content,
                ext,
                reply_to,
                mentions,
            };
            messages::send(ctx, msg, after).await
        }
        R::Forward {
            client_id,
            from,
            seqs,
            to,
            merged,
            title,
        } => {
            let f = crate::service::forward::Forward {
                client_id,
                from,
                seqs,
                to,
                merged,
                title,
            };
            messages::forward(ctx, f).await
        }
        R::Conversations => messages::conversations(ctx).await,
        R::Pull {
            conv,
            from,
            to,
            limit,
        } => messages::pull(ctx, conv, (from, to), limit).await,
        R::History {
            conv,
            before,
            limit,
        } => messages::history(ctx, conv, before, limit).await,
        R::MarkRead { conv, seq } => messages::mark_read(ctx, conv, seq).await,
        R::Recall { conv, seq } => messages::recall(ctx, conv, seq).await,
        R::Recalls { conv, since, limit } => messages::recalls(ctx, conv, since, limit).await,
        R::Edit { conv, seq, text } => messages::edit(ctx, conv, seq, text).await,
        R::Edits { conv, since, limit } => messages::edits(ctx, conv, since, limit).await,
        R::React {
            conv,
            seq,
            emoji,
            on,
        } => messages::react(ctx, conv, seq, emoji, on).await,
        R::Reactions { conv, since, limit } => {
            messages::reaction_log(ctx, conv, since, limit).await
        }
        R::ReadBy {
            conv,
            seq,
            after,
            limit,
        } => messages::read_by(ctx, conv, seq, after, limit).await,
        R::Pin { conv, seq, on } => messages::pin(ctx, conv, seq, on).await,
        R::GetPins { conv } => messages::get_pins(ctx, conv).await,
        R::Typing { conv } => messages::typing(ctx, conv).await,
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
            read_by,
        } => {
            let u = crate::storage::GroupUpdate {
                name,
                avatar,
                notice,
                join_policy,
                history_visible,
                read_by,
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
        R::EditConv { conv, edit } => preferences::edit_conv(ctx, conv, edit).await,
        R::GetConvSettings => preferences::conv_settings(ctx).await,
        R::GetSettings => preferences::settings(ctx).await,
        R::SetSettings { settings } => preferences::set_settings(ctx, settings).await,
        R::ListRooms { after, limit } => rooms::list(ctx, after, limit).await,
        R::CreateRoom { name } => rooms::create(ctx, name).await,
        R::JoinRoom { room } => rooms::join(ctx, room).await,
        R::LeaveRoom { room } => rooms::leave(ctx, room).await,
        R::RoomSend { room, content } => rooms::send(ctx, room, content).await,
        R::RoomMembers { room, after, limit } => rooms::members(ctx, room, after, limit).await,
        R::RoomKick {
            room,
            user,
            ban_secs,
        } => rooms::kick(ctx, room, user, ban_secs).await,
        R::RoomMute {
            room,
            user,
            minutes,
        } => rooms::mute(ctx, room, user, minutes).await,
        R::SetRoomAdmin { room, user, admin } => rooms::set_admin(ctx, room, user, admin).await,
        R::DeleteRoom { room } => rooms::delete(ctx, room).await,
        other => Err(WireError::new(
            ErrorCode::UnknownCommand,
            format!("`{}` is not supported by this server", other.name()),
        )),
    }
}
