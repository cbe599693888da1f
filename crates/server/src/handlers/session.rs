//! `hello`, `register`, `login`, `resume`, `logout`, and leaving (disconnect).

use std::sync::Arc;
use std::time::Instant;

use tern_proto::{
    DeviceId, ErrorCode, KickReason, Platform, Push, Response, UserId, WireError, PROTOCOL_VERSION,
};

use super::HandlerResult;
use crate::auth::{random_id, Claims, HashError, TokenError};
use crate::context::{Auth, CloseAfter, Ctx, Phase};
use crate::security_config::Registration;
use crate::state::Shared;
use crate::store::{accounts, changelog, now_ms, relations, NewSession};

/// Longest password accepted, in characters (the shortest is
/// `security.min_password_chars`).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// How long a login or registration waits for a free password-hashing slot
/// before it is answered `RateLimited`.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

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

/// `register`: creates an account (argon2id hash computed off the runtime).
pub async fn register(ctx: &mut Ctx, user: UserId, password: String) -> HandlerResult {
    if ctx.shared.config.security.registration == Registration::Closed {
        return Err(WireError::new(
            ErrorCode::Forbidden,
            "registration is closed on this server; ask its administrator for an account",
        ));
    }
    check_password(&ctx.shared, &password)?;
    if reserved_id(&user) {
        return Err(reserved(&user));
    }
    let hash = ctx
        .shared
        .hasher
        .hash(password, ctx.shared.password, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?;
    let now = now_ms();
    ctx.shared
        .store
        .write(move |c| accounts::create_user(c, &user, &hash, now))
        .await?;
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
    let ip = ctx.peer.ip();
    let throttle = &ctx.shared.logins;
    if let Err(wait) = throttle.check(&user, ip, Instant::now()) {
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "login refused: locked after failed logins");
        return Err(locked(wait));
    }
    let u = user.clone();
    let hash = ctx
        .shared
        .store
        .read(move |c| accounts::password_hash(c, &u))
        .await?;
    // An unknown id is checked against a dummy hash: same cost, so timing
    // does not reveal which ids exist.
    let known = hash.is_some();
    let against = hash.unwrap_or_else(|| ctx.shared.dummy_hash.clone());
    let hasher = &ctx.shared.hasher;
    let ok = hasher
        .verify(password, against, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?
        && known;
    if !ok {
        let sec = &ctx.shared.config.security;
        let lock = ctx.shared.logins.failed(&user, ip, sec, Instant::now());
        // One line per failure with the peer address, for fail2ban and the like.
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "login failed: wrong user id or password");
        if let Some(wait) = lock {
            tracing::warn!(target: "tern_server::auth", peer = %ip, %user, secs = wait.as_secs(), "login locked after repeated failures");
        }
        return Err(WireError::new(
            ErrorCode::BadCredentials,
            "wrong user id or password",
        ));
    }
    ctx.shared.logins.succeeded(&user);
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
        .await?;
    match row {
        Some(r) if r.revoked || r.user != claims.user => return Err(revoked()),
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
        .await?;
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
        .await?;
    // Register first, then check the session again: a revocation (admin
    // force-offline, password reset, deletion, logout elsewhere) that committed
    // before this check is seen by it, and one that commits after it finds this
    // connection in the hub and kicks it. Either way no revoked session stays.
    let came_online = ctx.shared.hub.register(&auth.user, ctx.entry(&auth));
    let (sid, u) = (auth.session.clone(), auth.user.clone());
    let live = ctx
        .shared
        .store
        .read(move |c| accounts::session(c, &sid))
        .await
        .map(|row| row.is_some_and(|r| !r.revoked && r.user == u));
    if !matches!(live, Ok(true)) {
        ctx.shared.hub.unregister(&auth.user, ctx.conn);
        return Err(live.map_err(WireError::from).err().unwrap_or_else(revoked));
    }
    if came_online {
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
        .await?;
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

/// Checks a new password against the length rules.
pub fn check_password(shared: &Shared, password: &str) -> Result<(), WireError> {
    let min = shared.config.security.min_password_chars;
    let n = password.chars().count();
    if n < min || n > MAX_PASSWORD_CHARS {
        return Err(WireError::new(
            ErrorCode::InvalidArgument,
            format!("password must be {min} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Ids nobody may register: the `system` account in any case, and ids made
/// only of dots or starting with one (they look like paths, and `.`/`..` are
/// paths in every client cache).
pub fn reserved_id(user: &UserId) -> bool {
    let id = user.as_str();
    id.eq_ignore_ascii_case(crate::store::admin::SYSTEM_USER) || id.starts_with('.')
}

/// The refusal of a reserved id (as for a taken one: it is not available).
pub fn reserved(user: &UserId) -> WireError {
    WireError::new(
        ErrorCode::UserExists,
        format!("the user id `{user}` is reserved"),
    )
}

/// A hashing failure on the wire: busy → `RateLimited`, else `Internal`.
pub fn hash_error(e: HashError) -> WireError {
    match e {
        HashError::Busy => WireError::new(ErrorCode::RateLimited, e.to_string()),
        HashError::Failed(_) => {
            tracing::error!(error = %e, "password hashing failed");
            WireError::new(ErrorCode::Internal, "internal server error; retry later")
        }
    }
}

pub fn locked(wait: std::time::Duration) -> WireError {
    WireError::new(
        ErrorCode::RateLimited,
        format!(
            "too many failed logins for this account or address; try again in {} s",
            wait.as_secs().max(1)
        ),
    )
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
