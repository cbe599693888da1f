//! JSON request bodies whose errors name the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use tern_proto::ErrorCode;

use super::error::ApiError;

/// A JSON body parsed into `T`. Any failure is a 400 `InvalidArgument` whose
/// message says which field is wrong and why (the `Content-Type` is not checked).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ErrorCode::TooLarge
            } else {
                ErrorCode::InvalidArgument
            };
            ApiError::new(code, format!("could not read the request body: {e}"))
        })?;
        parse(&bytes).map(Body)
    }
}

/// Parses `bytes` as `T` with an error message that names the field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad("the request body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::bad(format!("the body is not valid JSON: {inner}"));
        }
        let inner = strip_position(&inner.to_string());
        if path == "." {
            ApiError::bad(format!("invalid body: {inner}"))
        } else {
            ApiError::bad(format!("invalid body: field `{path}`: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::bad(format!("invalid body: {}", strip_position(&e.to_string()))))?;
    Ok(value)
}

/// serde_json's messages end in " at line L column C", which says nothing
/// useful about a one-line body once the field is named.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        user: tern_proto::UserId,
        ttl_secs: u64,
    }

    fn msg(body: &str) -> String {
        parse::<Sample>(body.as_bytes()).unwrap_err().error.message
    }

    #[test]
    fn messages_name_the_field() {
        assert_eq!(
            msg(r#"{"user":"alice"}"#),
            "invalid body: missing field `ttl_secs`"
        );
        assert_eq!(
            msg(r#"{"user":"a b","ttl_secs":1}"#),
            "invalid body: field `user`: invalid user id: may only contain ASCII letters, digits, '_', '-' and '.'"
        );
        assert!(msg(r#"{"user":"a","ttl_secs":"x"}"#)
            .starts_with("invalid body: field `ttl_secs`: invalid type"));
        assert!(msg(r#"{"user":"a","ttl_secs":1,"x":1}"#).contains("unknown field `x`"));
        assert_eq!(msg("  "), "the request body must be a JSON object");
        assert_eq!(msg("[1]"), "the request body must be a JSON object");
        assert!(
            msg(r#"{"user":"a","ttl_secs":1} x"#).starts_with("invalid body: trailing characters")
        );
    }
}
