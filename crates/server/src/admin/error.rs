//! The admin API's error: an HTTP status plus tern-proto's `{code, message}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tern_proto::{ErrorCode, WireError};

use crate::storage::StoreError;

/// An error answer: `status` with the JSON body `{"code": …, "message": …}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The same error shape as on the WebSocket.
    pub error: WireError,
}

impl ApiError {
    /// An error whose status follows from its code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError::new(code, message).into()
    }

    /// 400 `InvalidArgument`.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }
}

/// The HTTP status of a wire error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::Unauthenticated | C::BadCredentials | C::TokenExpired | C::TokenInvalid => {
            StatusCode::UNAUTHORIZED
        }
        C::NotFound | C::NotInRoom => StatusCode::NOT_FOUND,
        C::UserExists
        | C::AlreadyFriends
        | C::AlreadyMember
        | C::GroupFull
        | C::RoomFull
        | C::TooManyRooms => StatusCode::CONFLICT,
        C::Blocked
        | C::NotFriends
        | C::Forbidden
        | C::Muted
        | C::SelfTarget
        | C::SystemAccount
        | C::NotManager => StatusCode::FORBIDDEN,
        C::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::UnknownCommand => StatusCode::METHOD_NOT_ALLOWED,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        C::ShuttingDown | C::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<WireError> for ApiError {
    fn from(error: WireError) -> Self {
        Self {
            status: status_of(error.code),
            error,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tern_proto::WireError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.error)).into_response()
    }
}
