//! `hello`, `register`, `login`, `resume`, `logout`, and leaving (disconnect).

use std::sync::Arc;

use tern_proto::{
    DeviceId, ErrorCode, KickReason, Platform, Push, Response, UserId, WireError, PROTOCOL_VERSION,
};

use super::{wire, HandlerResult};
use crate::auth::{hash_password, random_id, verify_password, Claims, TokenError};
use crate::connection::CLOSE_VERSION;
use crate::context::{Auth, CloseAfter, Ctx, Phase};
use crate::server::Shared;
use crate::store::{accounts, changelog, now_ms, relations, NewSession};

/// Shortest and longest password accepted at registration, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;

/// `hello`: checks the protocol version; a mismatch closes the connection.
pub fn hello(ctx: &mut Ctx, version: u32) -> HandlerResult {
    if version != PROTOCOL_VERSION {
        ctx.close_after = Some(CloseAfter {
            code: CLOSE_VERSION,
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

/// `register`: creates an account (argon2id hash computed off the runtime).
pub async fn register(ctx: &mut Ctx, user: UserId, password: String) -> HandlerResult {
    let n = password.chars().count();
    if !PASSWORD_CHARS.contains(&n) {
        return Err(WireError::new(
            ErrorCode::InvalidArgument,
            "password must be 8 to 256 characters",
        ));
    }
    let hash = hash_password(password, ctx.shared.password)
        .await
        .map_err(|e| WireError::new(ErrorCode::Internal, format!("hashing failed: {e}")))?;
    let now = now_ms();
    ctx.shared
        .store
        .write(move |c| accounts::create_user(c, &user, &hash, now))
        .await
        .map_err(wire)?;
    Ok(Response::Done)
}

/// `login`: checks the password, creates a session under the multi-device
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
    let u = user.clone();
    let hash = ctx
        .shared
        .store
        .read(move |c| accounts::password_hash(c, &u))
        .await
        .map_err(wire)?;
    let ok = match hash {
        Some(h) => verify_password(password, h).await,
        None => {
            // Same cost as a real check, so timing does not reveal which ids exist.
            let _ = verify_password(password, ctx.shared.dummy_hash.clone()).await;
            false
        }
    };
    if !ok {
        return Err(WireError::new(
            ErrorCode::BadCredentials,
            "wrong user id or password",
        ));
    }
    let now = now_ms();
    let ttl = ctx.shared.config.token_ttl.as_millis() as i64;
    let session = NewSession {
        id: random_id(),
        user: user.clone(),
        platform,
        device: device.to_string(),
        created_at: now,
        expires_at: now.saturating_add(ttl),
    };
    open_session(ctx, session, None).await
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
    let claims: Claims = ctx
        .shared
        .key
        .verify(&token, now_ms())
        .map_err(|e| match e {
            TokenError::Expired => WireError::new(
                ErrorCode::TokenExpired,
                "the token has expired; log in again",
            ),
            TokenError::Invalid => {
                WireError::new(ErrorCode::TokenInvalid, "the token is malformed or forged")
            }
        })?;
    let sid = claims.session.clone();
    let row = ctx
        .shared
        .store
        .read(move |c| accounts::session(c, &sid))
        .await
        .map_err(wire)?;
    match row {
        Some(r) if r.revoked || r.user != claims.user => {
            return Err(WireError::new(
                ErrorCode::TokenInvalid,
                "the token was revoked (logout, kick or new login)",
            ));
        }
        Some(_) => {
            let auth = Auth {
                user: claims.user.clone(),
                session: claims.session.clone(),
                platform,
                expires_at: claims.expires_at,
            };
            return authed_response(ctx, auth, token, claims.expires_at).await;
        }
        None => {}
    }
    // A token minted by an app backend: its session starts now, under the policy.
    let session = NewSession {
        id: claims.session.clone(),
        user: claims.user.clone(),
        platform,
        device: device.to_string(),
        created_at: now_ms(),
        expires_at: claims.expires_at,
    };
    open_session(ctx, session, Some(token)).await
}

async fn open_session(ctx: &mut Ctx, s: NewSession, token: Option<String>) -> HandlerResult {
    let policy = ctx.shared.config.multi_device;
    let hub = ctx.shared.hub.clone();
    let (user, platform, expires_at) = (s.user.clone(), s.platform, s.expires_at);
    let session_id = s.id.clone();
    let kicked_user = user.clone();
    ctx.shared
        .store
        .write_then(
            move |c| {
                accounts::require_user(c, &s.user).map_err(|_| {
                    // Only reachable with a minted token: a login checked the password.
                    crate::store::StoreError::rejected(
                        ErrorCode::TokenInvalid,
                        "the token names no existing user",
                    )
                })?;
                accounts::create_session(c, &s, policy)
            },
            move |displaced: &Vec<String>| {
                hub.kick_sessions(&kicked_user, displaced, KickReason::OtherDevice)
            },
        )
        .await
        .map_err(wire)?;
    let claims = Claims {
        user: user.clone(),
        session: session_id.clone(),
        expires_at,
    };
    let token = token.unwrap_or_else(|| ctx.shared.key.sign(&claims));
    let auth = Auth {
        user,
        session: session_id,
        platform,
        expires_at,
    };
    authed_response(ctx, auth, token, expires_at).await
}

async fn authed_response(
    ctx: &mut Ctx,
    auth: Auth,
    token: String,
    expires_at: i64,
) -> HandlerResult {
    let u = auth.user.clone();
    let (profile, version) = ctx
        .shared
        .store
        .read(move |c| {
            Ok((
                relations::my_profile(c, &u)?,
                changelog::current_version(c, &u)?,
            ))
        })
        .await
        .map_err(wire)?;
    if ctx.shared.hub.register(&auth.user, ctx.entry(&auth)) {
        announce(&ctx.shared, auth.user.clone(), true);
    }
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
    let sid = auth.session.clone();
    ctx.shared
        .store
        .write(move |c| accounts::revoke_session(c, &sid))
        .await
        .map_err(wire)?;
    leave(ctx).await;
    ctx.phase = Phase::Greeted;
    // This connection has left the hub, so only the others sharing the session remain.
    ctx.shared
        .hub
        .kick_sessions(&auth.user, &[auth.session], KickReason::LoggedOut);
    Ok(Response::Done)
}

/// Takes an authenticated connection out of the hub (on logout or disconnect)
/// and tells followers when the user went offline.
pub async fn leave(ctx: &mut Ctx) {
    if let Phase::Authed(auth) = &ctx.phase {
        if ctx.shared.hub.unregister(&auth.user, ctx.conn) {
            announce(&ctx.shared, auth.user.clone(), false);
        }
    }
}

/// Pushes `user`'s presence to everyone who has them as a friend. Runs through
/// the writer queue so online/offline announcements keep their order.
fn announce(shared: &Arc<Shared>, user: UserId, online: bool) {
    let hub = shared.hub.clone();
    let store = shared.store.clone();
    tokio::spawn(async move {
        let u = user.clone();
        let push = Push::Presence {
            user: user.clone(),
            online,
        };
        let _ = store
            .write_then(
                move |c| relations::followers(c, &u),
                move |followers: &Vec<UserId>| {
                    for f in followers {
                        hub.push(f, &push, None);
                    }
                },
            )
            .await;
    });
}

fn already() -> WireError {
    WireError::new(
        ErrorCode::AlreadyAuthenticated,
        "this connection is already logged in; log out first",
    )
}
