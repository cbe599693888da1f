//! `hello`, `register`, `login`, `resume`, `logout`, and leaving (disconnect).

use tern_proto::{
    DeviceId, ErrorCode, KickReason, Platform, Response, UserId, WireError, PROTOCOL_VERSION,
};

use super::HandlerResult;
use crate::context::{Auth, CloseAfter, Ctx, Phase};
use crate::service::accounts as svc;
use crate::service::{moderation, presence};
use crate::storage::now_ms;
use crate::storage::NewSession;

/// `hello`: checks the protocol version; a mismatch closes the connection.
pub fn hello(ctx: &mut Ctx, version: u32) -> HandlerResult {
    if version != PROTOCOL_VERSION {
        ctx.close_after = Some(CloseAfter {
            code: tern_proto::close::VERSION,
            reason: "unsupported protocol version",
        });
        return Err(WireError::new(
            ErrorCode::VersionMismatch,
            format!("this server speaks protocol version {PROTOCOL_VERSION}, not {version}"),
        ));
    }
    if matches!(ctx.phase, Phase::New) {
        ctx.phase = Phase::Greeted;
    }
    Ok(Response::Hello {
        version: PROTOCOL_VERSION,
        server: format!("tern-server/{}", env!("CARGO_PKG_VERSION")),
        limits: ctx.shared.config.limits(),
    })
}

/// `register`.
pub async fn register(ctx: &mut Ctx, user: UserId, password: String) -> HandlerResult {
    svc::register(&ctx.shared, &user, password, ctx.peer.ip()).await?;
    Ok(Response::Done)
}

/// `login`: checks the password, opens a session under the multi-device
/// policy (kicking the sessions it displaces) and returns a token.
pub async fn login(
    ctx: &mut Ctx,
    user: UserId,
    password: String,
    platform: Platform,
    device: DeviceId,
) -> HandlerResult {
    if matches!(ctx.phase, Phase::Authed(_)) {
        return Err(already());
    }
    svc::check_credentials(&ctx.shared, &user, password, ctx.peer.ip()).await?;
    moderation::refuse_banned(&ctx.shared, &user).await?;
    let session = svc::new_session(&ctx.shared, &user, platform, device.to_string());
    let token = svc::open_session(&ctx.shared, &session, None).await?;
    authed_response(ctx, auth_of(&session), token).await
}

/// `resume`: logs in with a token (from `login`, or minted by a trusted backend).
pub async fn resume(
    ctx: &mut Ctx,
    token: String,
    platform: Platform,
    device: DeviceId,
) -> HandlerResult {
    if matches!(ctx.phase, Phase::Authed(_)) {
        return Err(already());
    }
    let claims = svc::verify_token(&ctx.shared, &token)?;
    moderation::refuse_banned(&ctx.shared, &claims.user).await?;
    let auth = Auth {
        user: claims.user.clone(),
        session: claims.session.as_str().into(),
        platform,
        expires_at: claims.expires_at,
    };
    match svc::session_state(&ctx.shared, &claims.session, &claims.user).await? {
        Some(false) => return Err(revoked()),
        Some(true) => return authed_response(ctx, auth, token).await,
        None => {}
    }
    // A token minted by an app backend: its session starts now, under the policy.
    let session = NewSession {
        id: claims.session,
        user: claims.user,
        platform,
        device: device.to_string(),
        created_at: now_ms(),
        expires_at: claims.expires_at,
    };
    let token = svc::open_session(&ctx.shared, &session, Some(token)).await?;
    authed_response(ctx, auth, token).await
}

fn auth_of(s: &NewSession) -> Auth {
    Auth {
        user: s.user.clone(),
        session: s.id.as_str().into(),
        platform: s.platform,
        expires_at: s.expires_at,
    }
}

async fn authed_response(ctx: &mut Ctx, auth: Auth, token: String) -> HandlerResult {
    let (profile, version) = svc::session_start(&ctx.shared, &auth.user).await?;
    // Register first, then check the session again: a revocation (admin
    // force-offline, password reset, deletion, logout elsewhere) that committed
    // before this check is seen by it, and one that commits after it finds this
    // connection in the hub and kicks it. Either way no revoked session stays.
    // In a cluster, `join` also subscribes to the user's bus subject first,
    // so a revocation committed on another node reaches this connection.
    let came_online = presence::join(&ctx.shared, &auth.user, ctx.entry(&auth)).await;
    let live = svc::session_state(&ctx.shared, &auth.session, &auth.user).await;
    if !matches!(live, Ok(Some(true))) {
        presence::leave(&ctx.shared, &auth.user, ctx.conn, false).await;
        return Err(live.err().unwrap_or_else(revoked));
    }
    if came_online {
        presence::came_online(&ctx.shared, &auth.user);
    } else {
        ctx.shared.metrics.logins.inc();
    }
    let expires_at = auth.expires_at;
    ctx.phase = Phase::Authed(auth);
    Ok(Response::Session {
        token,
        expires_at,
        profile,
        version,
    })
}

/// `logout`: revokes this session's token; the connection stays open, logged
/// out. Every other connection that resumed the same session is kicked
/// (`kicked` push with reason `logged_out`, close 4001).
pub async fn logout(ctx: &mut Ctx) -> HandlerResult {
    let auth = ctx.auth()?.clone();
    svc::logout(&ctx.shared, &auth.session).await?;
    leave(ctx).await;
    ctx.phase = Phase::Greeted;
    // This connection has left the hub, so only the others sharing the
    // session remain (on any node: the sink reaches them through the bus).
    ctx.shared.sink.kick_sessions(
        &auth.user,
        &[auth.session.to_string()],
        KickReason::LoggedOut,
    );
    Ok(Response::Done)
}

/// Takes an authenticated connection out of the hub (on logout or disconnect)
/// and tells followers when the user went offline.
pub async fn leave(ctx: &mut Ctx) {
    if let Phase::Authed(auth) = &ctx.phase {
        presence::leave(&ctx.shared, &auth.user, ctx.conn, true).await;
    }
}

fn revoked() -> WireError {
    WireError::new(
        ErrorCode::TokenInvalid,
        "the token was revoked (logout, kick, password change or new login)",
    )
}

fn already() -> WireError {
    WireError::new(
        ErrorCode::AlreadyAuthenticated,
        "this connection is already logged in; log out first",
    )
}
