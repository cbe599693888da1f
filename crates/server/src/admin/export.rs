//! `GET /admin/users/{user}/export`: everything about one user as one JSON
//! object, streamed: the bounded parts (profile, friends, blacklist, groups)
//! first, then their messages and their files' metadata a page at a time, so
//! a user with millions of messages never sits in memory.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt};
use tern_proto::UserId;

use super::error::ApiError;
use super::path_user;
use crate::service::admin_data as svc;
use crate::state::Shared;

/// Where the stream is.
enum Part {
    Messages { after: u64, first: bool },
    Files { after: String, first: bool },
    Done,
}

/// Opens with `{"profile":…,"friends":…,"blacklist":…,"groups":…,"messages":[`,
/// then pages of messages, `],"files":[`, pages of files, `]}`. A database
/// error after the first byte aborts the body (the JSON stays unfinished).
pub async fn user(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let user = path_user(&raw)?;
    let head = svc::export_head(&s, &user).await?;
    let mut open = serde_json::to_string(&head).map_err(internal)?;
    open.pop(); // the closing brace: the streamed parts follow
    open.push_str(",\"messages\":[");
    let start = Part::Messages {
        after: 0,
        first: true,
    };
    let body = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(open)) }).chain(
        stream::unfold((s, user, start), |(s, user, part)| async move {
            let (chunk, next) = match step(&s, &user, part).await {
                Ok(Some(x)) => x,
                Ok(None) => return None,
                Err(e) => return Some((Err(e), (s, user, Part::Done))),
            };
            Some((Ok(Bytes::from(chunk)), (s, user, next)))
        }),
    );
    Ok((
        [(CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response())
}

fn internal(e: serde_json::Error) -> ApiError {
    ApiError::new(tern_proto::ErrorCode::Internal, e.to_string())
}

/// The next chunk and the part after it; `None` when the body is complete.
async fn step(s: &Shared, user: &UserId, part: Part) -> std::io::Result<Option<(String, Part)>> {
    let io = |e: tern_proto::WireError| std::io::Error::other(e.message);
    Ok(Some(match part {
        Part::Messages { after, first } => {
            let page = svc::messages_of(s, user, after).await.map_err(io)?;
            if page.is_empty() {
                (
                    "],\"files\":[".into(),
                    Part::Files {
                        after: String::new(),
                        first: true,
                    },
                )
            } else {
                let next = page.last().map_or(after, |m| m.id.0);
                (
                    items(&page, first)?,
                    Part::Messages {
                        after: next,
                        first: false,
                    },
                )
            }
        }
        Part::Files { after, first } => {
            let page = svc::files_of(s, user, &after).await.map_err(io)?;
            match page.last() {
                None => ("]}".into(), Part::Done),
                Some(last) => {
                    let next = last.id.clone();
                    (
                        items(&page, first)?,
                        Part::Files {
                            after: next,
                            first: false,
                        },
                    )
                }
            }
        }
        Part::Done => return Ok(None),
    }))
}

/// A page's items as JSON array elements, after a comma unless `first`.
fn items<T: serde::Serialize>(page: &[T], first: bool) -> std::io::Result<String> {
    let mut out = String::new();
    for (i, item) in page.iter().enumerate() {
        if i > 0 || !first {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(item).map_err(std::io::Error::other)?);
    }
    Ok(out)
}
