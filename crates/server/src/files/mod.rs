//! Files over HTTP: `POST /files` (streamed upload) and `GET /files/{id}`
//! (authorised download), both authenticated by a session token
//! (`Authorization: Bearer <token>`).
//!
//! An upload streams to `<data_dir>/files/tmp/` while it is hashed, then is
//! renamed to its content address `<data_dir>/files/ab/cd/<sha256>`; identical
//! bytes are stored once. Each upload gets a random server id (never the hash,
//! so an id says nothing about the content) and a row in `files`. A client's
//! file name is display data only ([`tern_proto::sanitize_file_name`]); it is
//! never part of a path.
//!
//! A download is allowed to the uploader, to members of a conversation holding
//! a message that references the file (recorded when the message is stored, see
//! [`crate::storage::sqlite::files::record_reference`]), and to any authenticated user for
//! an avatar. Anyone else gets 404, the same as for an id that does not exist.

pub mod blobs;
mod quota;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tern_proto::files::{FILES_PATH, FILE_NAME_HEADER};
use tern_proto::{sanitize_file_name, ErrorCode, FileId, FileRef, Uploaded, UserId};

use crate::admin::error::ApiError;
use crate::auth::TokenError;
use crate::service::{accounts, files};
use crate::state::Shared;
use crate::storage::now_ms;
use crate::storage::FileRow;
use crate::upload_ledger::InFlight;
use quota::Quota;

pub use blobs::{blob_path, clean_tmp, tmp_dir};

/// Images served inline; every other type is an attachment.
pub const INLINE_MIMES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The `/files` routes, to merge into the server's router.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(FILES_PATH, post(upload))
        .route(&format!("{FILES_PATH}/{{id}}"), get(download))
}

/// Checks the bearer token like `resume` does: signature, expiry, and a
/// session row that exists, is not revoked and belongs to the token's user.
async fn authenticate(s: &Shared, headers: &HeaderMap) -> Result<UserId, ApiError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "missing `Authorization: Bearer <session token>` header",
            )
        })?;
    let claims = s.key.verify(token, now_ms()).map_err(|e| match e {
        TokenError::Expired => ApiError::new(
            ErrorCode::TokenExpired,
            "the token has expired; log in again",
        ),
        TokenError::Invalid => {
            ApiError::new(ErrorCode::TokenInvalid, "the token is malformed or forged")
        }
    })?;
    match accounts::session_state(s, &claims.session, &claims.user).await? {
        Some(true) => Ok(claims.user),
        Some(false) => Err(ApiError::new(
            ErrorCode::TokenInvalid,
            "the token was revoked (logout, kick or new login)",
        )),
        None => Err(ApiError::new(
            ErrorCode::TokenInvalid,
            "no session for this token; log in (or resume it over the WebSocket) first",
        )),
    }
}

/// The display name from `X-File-Name` (percent-encoded UTF-8), sanitised.
fn file_name(headers: &HeaderMap) -> String {
    let raw = headers
        .get(FILE_NAME_HEADER)
        .map(|v| {
            percent_decode(v.as_bytes())
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    sanitize_file_name(&raw)
}

/// `type/subtype` from `Content-Type` (parameters dropped, lower-cased), or
/// `application/octet-stream` when absent or malformed.
fn mime_of(headers: &HeaderMap) -> String {
    const FALLBACK: &str = "application/octet-stream";
    let Some(v) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return FALLBACK.into();
    };
    let essence = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if essence.len() <= 100 && token(t) && token(s) => essence,
        _ => FALLBACK.into(),
    }
}

/// Grace before the minimum upload rate applies.
const UPLOAD_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// How long after its start an upload that has `len` bytes may wait for more.
fn min_rate_deadline(len: u64, min_per_sec: u64) -> std::time::Duration {
    if min_per_sec == 0 {
        return std::time::Duration::from_secs(3600 * 24);
    }
    UPLOAD_GRACE.max(std::time::Duration::from_secs_f64(
        len as f64 / min_per_sec as f64,
    ))
}

fn too_slow(min: u64) -> ApiError {
    ApiError {
        status: StatusCode::REQUEST_TIMEOUT,
        error: tern_proto::WireError::new(
            ErrorCode::InvalidArgument,
            format!("the upload is slower than this server's minimum of {min} bytes/s (min_upload_bytes_per_sec)"),
        ),
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        ErrorCode::TooLarge,
        format!("the file is larger than this server's limit of {max} bytes (max_file_bytes)"),
    )
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "files: {what}");
    ApiError::new(ErrorCode::Internal, format!("{what} failed; try again"))
}

/// `POST /files`: streams the body to a temp file while hashing it, refuses
/// it (413) once it passes `max_file_bytes`, then moves it to its content
/// address and records the upload. Answers 201 with [`Uploaded`].
async fn upload(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let user = authenticate(&s, &headers).await?;
    let max = s.config.max_file_bytes;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let name = file_name(&headers);
    let mime = mime_of(&headers);
    let sec = &s.config.security;
    let quota = Quota::of(&s, &user).await?;
    quota.check(declared.unwrap_or(0))?;
    // This user's other uploads in progress count too.
    let mut inflight = InFlight::start(&s.uploads, &user);
    let files = s.config.files_root();
    let mut tmp = blobs::TempBlob::create(&files, &s.config.upload_prefix())
        .await
        .map_err(|e| internal("creating the temp file", e))?;
    let mut stream = body.into_data_stream();
    let started = tokio::time::Instant::now();
    loop {
        // Each chunk must come in time to keep the average rate at the minimum
        // (after a grace period): a trickling or silent upload is cut off.
        let deadline = started + min_rate_deadline(tmp.written(), sec.min_upload_bytes_per_sec);
        let Ok(next) = tokio::time::timeout_at(deadline, stream.next()).await else {
            return Err(too_slow(sec.min_upload_bytes_per_sec));
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                format!("reading the upload failed: {e}"),
            )
        })?;
        if tmp.written() + chunk.len() as u64 > max {
            return Err(too_large(max)); // `tmp` is removed when dropped
        }
        quota.check(inflight.add(chunk.len() as u64))?;
        tmp.write(&chunk)
            .await
            .map_err(|e| internal("writing the upload", e))?;
    }
    let size = tmp.written();
    // The last word: what the user has stored now (uploads that ended meanwhile
    // included), checked and recorded one upload at a time.
    let _recording = s.uploads.recording(&user).await;
    Quota::of(&s, &user).await?.check(size)?;
    // Until the row is recorded, housekeeping must not remove this blob.
    let _blobs = s.blob_gc.read().await;
    let sha256 = tmp
        .commit(&files)
        .await
        .map_err(|e| internal("storing the upload", e))?;
    let file = FileRef {
        id: FileId::new(format!("f{}", crate::auth::random_id())).expect("hex is a valid id"),
        name,
        size,
        mime,
    };
    let row = FileRow {
        file: file.clone(),
        sha256: sha256.clone(),
        uploader: user.clone(),
        created_at: now_ms(),
    };
    files::record_upload(&s, &row).await?;
    tracing::debug!(user = %user, id = %file.id, size, "file uploaded");
    Ok((StatusCode::CREATED, Json(Uploaded { file, sha256 })).into_response())
}

/// Characters left as is in `filename*` (RFC 5987 attr-char).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `inline` or `attachment`, with an ASCII fallback name and the UTF-8 one.
fn disposition(inline: bool, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    let value = format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `GET /files/{id}`: the bytes, if the caller may read them (else 404).
/// Supports `Range` (206) and `If-None-Match` (304; the ETag is the sha256).
async fn download(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let user = authenticate(&s, req.headers()).await?;
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("no file {id} for you"));
    let Ok(fid) = FileId::new(id.as_str()) else {
        return Err(not_found());
    };
    let row = files::readable(&s, &fid, &user)
        .await?
        .ok_or_else(not_found)?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", row.sha256)).expect("hex is ascii");
    let matches = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || t.trim() == etag));
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let path = blob_path(&s.config.files_root(), &row.sha256);
        let served = tower_http::services::ServeFile::new(&path)
            .try_call(req)
            .await
            .map_err(|e| internal("reading the file", e))?;
        if served.status() == StatusCode::NOT_FOUND {
            return Err(internal(
                "reading the file",
                format!("blob {} is missing", path.display()),
            ));
        }
        served.map(Body::new)
    };
    let inline = INLINE_MIMES.contains(&row.file.mime.as_str());
    let ok = res.status().is_success();
    let h = res.headers_mut();
    let mime = HeaderValue::from_str(&row.file.mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    if ok {
        // 200, or 206 for one range (tower-http refuses multipart ranges with 416).
        h.insert(CONTENT_TYPE, mime);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
    h.insert(ETAG, etag);
    h.insert(CONTENT_DISPOSITION, disposition(inline, &row.file.name));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_is_normalised_or_dropped() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            mime_of(&m)
        };
        assert_eq!(h("Image/PNG"), "image/png");
        assert_eq!(h("text/plain; charset=utf-8"), "text/plain");
        assert_eq!(h("nonsense"), "application/octet-stream");
        assert_eq!(h("a/b/c"), "application/octet-stream");
        assert_eq!(mime_of(&HeaderMap::new()), "application/octet-stream");
    }

    #[test]
    fn disposition_encodes_any_name() {
        let v = disposition(false, "naïve \"q\".txt");
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"na_ve _q_.txt\"; filename*=UTF-8''na%C3%AFve%20%22q%22.txt"
        );
        assert!(disposition(true, "a.png")
            .to_str()
            .unwrap()
            .starts_with("inline;"));
    }
}
