//! The admin REST API under `/admin`, for operators and app backends.
//!
//! Every route but `GET /admin/openapi.json` needs `Authorization: Bearer
//! <admin secret>` (compared in constant time). Without a configured secret the
//! whole prefix answers 404 "admin API disabled". Bodies are JSON; errors are
//! tern-proto's `{code, message}` with a matching HTTP status. The routes are
//! documented in [`openapi_rooms::document`], committed as `docs/admin-openapi.json`.
//!
//! - [`users`]: create, get, update the profile, delete, reset password;
//!   [`import`]: bulk creation; [`export`]: everything about one user.
//! - [`bans`]: ban and unban with a reason; the paged, searchable user list.
//! - [`tokens`]: mint a login token for a user (what an app backend calls).
//! - [`messages`]: send as a user, or a system notice from `system`.
//! - [`sessions`]: list online sessions, force a user offline.
//! - [`groups`]: create, list, info, dismiss, system notices;
//!   [`group_members`]: members, add/remove, mute, transfer.
//! - [`rooms`]: chat rooms: create, list, get, delete, send as a member or a
//!   system notice; [`room_members`]: members, kick, mute, admins, bans.
//! - [`conversations`]: history by time range, recall any message.
//! - [`stats`]: totals and this node's counters.
//! - [`webhooks`]: webhook delivery status and replay.

pub mod bans;
pub mod body;
pub mod conversations;
pub mod error;
pub mod export;
pub mod group_members;
pub mod groups;
pub mod import;
pub mod messages;
pub mod openapi;
pub mod openapi_manage;
pub mod openapi_rooms;
pub mod query;
pub mod room_members;
pub mod rooms;
pub mod sessions;
pub mod stats;
pub mod tokens;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tern_proto::{ErrorCode, UserId};

use crate::state::Shared;
use error::ApiError;

/// What every `/admin` route answers when no admin secret is configured.
pub const DISABLED: &str = "admin API disabled: set TERN_ADMIN_SECRET";

/// The `/admin` routes, to merge into the server's router.
pub fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let authed = Router::new()
        .route("/users", post(users::create).get(bans::list))
        .route("/users/{user}/ban", post(bans::ban).delete(bans::unban))
        .route(
            "/users/{user}",
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route("/users/{user}/export", get(export::user))
        .route("/import/users", post(import::users))
        .route("/users/{user}/password", post(users::reset_password))
        .route("/users/{user}/tokens", post(tokens::mint))
        .route("/users/{user}/force-offline", post(sessions::force_offline))
        .route("/sessions", get(sessions::list))
        .route("/messages", post(messages::send_as_user))
        .route("/notices", post(messages::send_notice))
        .route("/groups", post(groups::create).get(groups::list))
        .route("/groups/{group}", get(groups::info).delete(groups::dismiss))
        .route("/groups/{group}/notices", post(groups::notice))
        .route("/groups/{group}/transfer", post(group_members::transfer))
        .route(
            "/groups/{group}/members",
            get(group_members::list).post(group_members::add),
        )
        .route(
            "/groups/{group}/members/{user}",
            delete(group_members::remove),
        )
        .route(
            "/groups/{group}/members/{user}/mute",
            post(group_members::mute).delete(group_members::unmute),
        )
        .route(
            "/conversations/{conv}/messages",
            get(conversations::history),
        )
        .route(
            "/conversations/{conv}/messages/{seq}",
            delete(conversations::recall),
        )
        .route("/rooms", post(rooms::create).get(rooms::list))
        .route("/rooms/{room}", get(rooms::get).delete(rooms::delete))
        .route("/rooms/{room}/messages", post(rooms::send))
        .route("/rooms/{room}/notices", post(rooms::notice))
        .route("/rooms/{room}/members", get(room_members::list))
        .route("/rooms/{room}/members/{user}", delete(room_members::kick))
        .route(
            "/rooms/{room}/members/{user}/mute",
            post(room_members::mute).delete(room_members::unmute),
        )
        .route(
            "/rooms/{room}/members/{user}/admin",
            post(room_members::appoint).delete(room_members::dismiss),
        )
        .route(
            "/rooms/{room}/bans/{user}",
            post(room_members::ban).delete(room_members::unban),
        )
        .route("/stats", get(stats::get))
        .route("/webhooks", get(webhooks::list))
        .route("/webhooks/{name}", get(webhooks::status))
        .route("/webhooks/{name}/replay", post(webhooks::replay))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            require_secret,
        ));
    let admin = Router::new()
        .route("/openapi.json", get(serve_openapi))
        .merge(authed)
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(shared, require_enabled));
    Router::new().nest("/admin", admin)
}

async fn require_enabled(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if s.config.admin_secret.is_none() {
        return ApiError::new(ErrorCode::NotFound, DISABLED).into_response();
    }
    next.run(req).await
}

async fn require_secret(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(secret) = s.config.admin_secret.as_deref() else {
        return ApiError::new(ErrorCode::NotFound, DISABLED).into_response();
    };
    // Wrong secrets are counted per client address (behind a trusted proxy,
    // the one it names) like failed logins, and logged for fail2ban.
    let ip = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        req.extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .map(|peer| {
                s.config
                    .security
                    .client_ip(peer, header("x-forwarded-for"), header("x-real-ip"))
            })
    };
    let now = std::time::Instant::now();
    if let Some(Err(wait)) = ip.map(|ip| s.logins.admin_check(ip, now)) {
        return ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "too many wrong admin secrets from this address; try again in {} s",
                crate::service::accounts::secs(wait)
            ),
        )
        .into_response();
    }
    let given = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(g) if secrets_match(g.trim(), secret.trim()) => next.run(req).await,
        Some(_) => {
            if let Some(ip) = ip {
                tracing::warn!(target: "tern_server::auth", peer = %ip, "admin API: wrong admin secret");
                s.logins.admin_failed(ip, &s.config.security, now);
            }
            ApiError::new(ErrorCode::Unauthenticated, "wrong admin secret").into_response()
        }
        None => ApiError::new(
            ErrorCode::Unauthenticated,
            "missing `Authorization: Bearer <admin secret>` header",
        )
        .into_response(),
    }
}

/// Compares in constant time; hashing first hides the secret's length too.
fn secrets_match(given: &str, secret: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(secret.as_bytes());
    a.ct_eq(&b).into()
}

async fn serve_openapi() -> Response {
    Json(openapi_rooms::document()).into_response()
}

async fn unknown_route() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such admin route; see GET /admin/openapi.json",
    )
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        ErrorCode::UnknownCommand,
        "method not allowed on this admin route",
    )
}

/// Parses the `{user}` path segment.
pub fn path_user(raw: &str) -> Result<UserId, ApiError> {
    UserId::new(raw).map_err(|e| ApiError::bad(format!("path segment `user`: {e}")))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::{Args, Config};

    #[test]
    fn secrets_match_only_exactly() {
        assert!(secrets_match("s3cret", "s3cret"));
        assert!(!secrets_match("s3cre", "s3cret"));
        assert!(!secrets_match("s3cret!", "s3cret"));
        assert!(!secrets_match("", "s3cret"));
    }

    #[test]
    fn the_secret_comes_from_flag_or_file_and_empty_counts_as_unset() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tern.toml");
        std::fs::write(&file, "admin_secret = \"from-file\"\n").unwrap();
        let path = file.to_str().unwrap();
        let parse = |extra: &[&str]| {
            let mut argv = vec!["tern-server", "--config", path];
            argv.extend_from_slice(extra);
            Config::from_args(Args::try_parse_from(argv).unwrap()).unwrap()
        };
        assert_eq!(parse(&[]).admin_secret.as_deref(), Some("from-file"));
        let flag = parse(&["--admin-secret", "from-flag"]);
        assert_eq!(flag.admin_secret.as_deref(), Some("from-flag"));
        // An empty flag (or variable) is unset: the file's secret stands.
        assert_eq!(
            parse(&["--admin-secret", " "]).admin_secret.as_deref(),
            Some("from-file")
        );
        std::fs::write(&file, "admin_secret = \"\"\n").unwrap();
        assert_eq!(parse(&["--admin-secret", " "]).admin_secret, None, "off");
        assert_eq!(Config::default().admin_secret, None, "off by default");
    }
}
