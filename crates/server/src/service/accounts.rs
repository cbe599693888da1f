//! Accounts and sessions: registration, password checks (throttled),
//! sessions under the multi-device policy, tokens, password changes and the
//! operator's account actions. Registering a connection in the hub is the
//! WebSocket handler's part (it owns the connection).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use tern_proto::{ErrorCode, KickReason, Profile, UserId, WireError};

use super::ServiceResult;
use crate::auth::{random_id, Claims, HashError, TokenError};
use crate::security_config::Registration;
use crate::state::Shared;
use crate::storage::now_ms;
use crate::storage::NewSession;
use tern_proto::SYSTEM_USER;

/// Longest password accepted, in characters (the shortest is
/// `security.min_password_chars`).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// How long a login or registration waits for a free password-hashing slot
/// before it is answered `RateLimited`.
pub const HASH_WAIT: Duration = Duration::from_secs(3);

/// `register`: creates an account (argon2id hash computed off the runtime).
/// Registrations are counted per address like failed logins (each costs a
/// hash): past `login_max_failures_per_ip` in the window, `RateLimited`.
pub async fn register(
    s: &Shared,
    user: &UserId,
    password: String,
    ip: IpAddr,
) -> ServiceResult<()> {
    if s.config.security.registration == Registration::Closed {
        return Err(WireError::new(
            ErrorCode::Forbidden,
            "registration is closed on this server; ask its administrator for an account",
        ));
    }
    check_password(s, &password)?;
    refuse_reserved(user)?;
    if let Err(wait) = s.logins.register(ip, &s.config.security, Instant::now()) {
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "registration refused: too many from this address");
        return Err(WireError::new(
            ErrorCode::RateLimited,
            format!(
                "too many registrations from this address; try again in {} s",
                secs(wait)
            ),
        ));
    }
    let hash = s
        .hasher
        .hash(password, s.password, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?;
    let data = serde_json::json!({ "user": user, "by": "register" });
    let write = s.store.create_user(user, &hash, None, now_ms());
    s.webhooks.in_tx("user.created", data, write).await?;
    Ok(())
}

/// The operator creates an account (registration may be closed); returns
/// its creation time.
pub async fn create_user(
    s: &Shared,
    user: &UserId,
    password: String,
    nickname: Option<&str>,
) -> ServiceResult<i64> {
    if let Some(n) = nickname {
        super::check_len("nickname", n, 64)?;
    }
    refuse_reserved(user)?;
    let hash = operator_hash(s, password).await?;
    let now = now_ms();
    let data = serde_json::json!({ "user": user, "by": "admin" });
    let write = s.store.create_user(user, &hash, nickname, now);
    s.webhooks.in_tx("user.created", data, write).await?;
    Ok(now)
}

/// Checks `user`'s password, throttled per account and per address; every
/// failure is logged (target `tern_server::auth`, for fail2ban and the like).
pub async fn check_credentials(
    s: &Shared,
    user: &UserId,
    password: String,
    ip: IpAddr,
) -> ServiceResult<()> {
    if let Err(wait) = s.logins.check(user, ip, Instant::now()) {
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "login refused: locked after failed logins");
        return Err(locked(wait));
    }
    let hash = s.store.password_hash(user).await?;
    // An unknown id is checked against a dummy hash: same cost, so timing
    // does not reveal which ids exist.
    let known = hash.is_some();
    let against = hash.unwrap_or_else(|| s.dummy_hash.clone());
    let ok = s
        .hasher
        .verify(password, against, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?
        && known;
    if !ok {
        let lock = s
            .logins
            .failed(user, ip, &s.config.security, Instant::now());
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "login failed: wrong user id or password");
        if let Some(wait) = lock {
            tracing::warn!(target: "tern_server::auth", peer = %ip, %user, secs = wait.as_secs(), "login locked after repeated failures");
        }
        return Err(WireError::new(
            ErrorCode::BadCredentials,
            "wrong user id or password",
        ));
    }
    s.logins.succeeded(user);
    Ok(())
}

/// Opens a session under the multi-device policy (the sessions it displaces
/// are kicked) and returns the token: `minted` (a backend's token naming a
/// session not seen before), or a freshly signed one.
pub async fn open_session(
    s: &Shared,
    session: &NewSession,
    minted: Option<String>,
) -> ServiceResult<String> {
    let policy = s.config.multi_device;
    s.store
        .open_session(session, policy)
        .await
        .map_err(|e| match WireError::from(e) {
            // Only reachable with a minted token: a login checked the password.
            w if w.code == ErrorCode::NotFound => {
                WireError::new(ErrorCode::TokenInvalid, "the token names no existing user")
            }
            w => w,
        })?;
    Ok(minted.unwrap_or_else(|| {
        s.key.sign(&Claims {
            user: session.user.clone(),
            session: session.id.clone(),
            expires_at: session.expires_at,
        })
    }))
}

/// A new session for `user` after a password check, expiring after the token TTL.
pub fn new_session(
    s: &Shared,
    user: &UserId,
    platform: tern_proto::Platform,
    device: String,
) -> NewSession {
    let now = now_ms();
    NewSession {
        id: random_id(),
        user: user.clone(),
        platform,
        device,
        created_at: now,
        expires_at: now.saturating_add(s.config.token_ttl.as_millis() as i64),
    }
}

/// Checks a token's signature and expiry.
pub fn verify_token(s: &Shared, token: &str) -> ServiceResult<Claims> {
    s.key.verify(token, now_ms()).map_err(|e| match e {
        TokenError::Expired => WireError::new(
            ErrorCode::TokenExpired,
            "the token has expired; log in again",
        ),
        TokenError::Invalid => {
            WireError::new(ErrorCode::TokenInvalid, "the token is malformed or forged")
        }
    })
}

/// Whether the session exists: `Some(true)` live for `user`, `Some(false)`
/// revoked or someone else's, `None` never seen (a minted token's first use).
pub async fn session_state(
    s: &Shared,
    session: &str,
    user: &UserId,
) -> ServiceResult<Option<bool>> {
    let row = s.store.session(session).await?;
    Ok(row.map(|r| !r.revoked && &r.user == user))
}

/// What a fresh session starts with: my profile and change-log version.
pub async fn session_start(s: &Shared, user: &UserId) -> ServiceResult<(Profile, u64)> {
    Ok(s.store.session_start(user).await?)
}

/// Revokes one session (logout).
pub async fn logout(s: &Shared, session: &str) -> ServiceResult<()> {
    Ok(s.store.revoke_session(session).await?)
}

/// Checks the old password (throttled like a login), stores the new hash and
/// signs out every other session (`password_changed`); `session` stays.
pub async fn change_password(
    s: &Shared,
    (user, session): (&UserId, &str),
    old: String,
    new: String,
    ip: IpAddr,
) -> ServiceResult<()> {
    check_password(s, &new)?;
    if let Err(wait) = s.logins.check(user, ip, Instant::now()) {
        return Err(locked(wait));
    }
    let stored = s
        .store
        .password_hash(user)
        .await?
        .ok_or_else(|| WireError::new(ErrorCode::NotFound, "this account no longer exists"))?;
    if !s
        .hasher
        .verify(old, stored, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?
    {
        s.logins
            .failed(user, ip, &s.config.security, Instant::now());
        tracing::warn!(target: "tern_server::auth", peer = %ip, %user, "password change failed: wrong current password");
        return Err(WireError::new(
            ErrorCode::BadCredentials,
            "the current password is wrong",
        ));
    }
    let hash = s
        .hasher
        .hash(new, s.password, Some(HASH_WAIT))
        .await
        .map_err(hash_error)?;
    let reason = KickReason::PasswordChanged;
    s.store
        .set_password(user, &hash, Some(session), reason)
        .await?;
    Ok(())
}

/// Revokes every other session of `user` and kicks them (`logged_out`).
pub async fn sign_out_others(s: &Shared, user: &UserId, session: &str) -> ServiceResult<()> {
    s.store
        .revoke_sessions(user, Some(session), KickReason::LoggedOut)
        .await?;
    Ok(())
}

/// Checks a new password against the length rules.
pub fn check_password(s: &Shared, password: &str) -> ServiceResult<()> {
    let min = s.config.security.min_password_chars;
    let n = password.chars().count();
    if n < min || n > MAX_PASSWORD_CHARS {
        return Err(WireError::new(
            ErrorCode::InvalidArgument,
            format!("password must be {min} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password for the operator: the length rule of `register`, and no
/// wait limit for a hashing slot (the admin API is trusted).
pub async fn operator_hash(s: &Shared, password: String) -> ServiceResult<String> {
    check_password(s, &password)
        .map_err(|e| super::invalid(format!("`{}", e.message.replacen(' ', "` ", 1))))?;
    s.hasher
        .hash(password, s.password, None)
        .await
        .map_err(hash_error)
}

/// Ids nobody may register: the `system` account in any case, and ids made
/// only of dots or starting with one (they look like paths, and `.`/`..` are
/// paths in every client cache).
pub fn reserved_id(user: &UserId) -> bool {
    let id = user.as_str();
    id.eq_ignore_ascii_case(SYSTEM_USER) || id.starts_with('.')
}

/// Refuses a reserved id as for a taken one: it is not available.
fn refuse_reserved(user: &UserId) -> ServiceResult<()> {
    if reserved_id(user) {
        return Err(WireError::new(
            ErrorCode::UserExists,
            format!("the user id `{user}` is reserved"),
        ));
    }
    Ok(())
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

/// The refusal while an account or address is locked out.
pub fn locked(wait: Duration) -> WireError {
    WireError::new(
        ErrorCode::RateLimited,
        format!(
            "too many failed logins for this account or address; try again in {} s",
            secs(wait)
        ),
    )
}

/// Whole seconds to wait, rounded up: a retry after the number given is never
/// refused again.
pub fn secs(wait: Duration) -> u128 {
    wait.as_millis().div_ceil(1000).max(1)
}
