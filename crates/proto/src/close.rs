//! WebSocket close codes the server uses, next to the error codes of
//! [`crate::ErrorCode`]: a client reads them from the close frame to tell a
//! kick from an idle timeout from a shutdown (docs/protocol.md §3).

/// The server is going away (shutdown or restart); reconnect later.
pub const SHUTDOWN: u16 = 1001;
/// A frame exceeded the size limit (`max_frame_bytes`).
pub const TOO_LARGE: u16 = 1009;
/// Nothing was received within the idle timeout; ping more often.
pub const IDLE: u16 = 4000;
/// The session was kicked (another device, force-offline, revocation).
pub const KICKED: u16 = 4001;
/// The client did not read its pushes fast enough.
pub const TOO_SLOW: u16 = 4002;
/// Unsupported protocol version in `hello`.
pub const VERSION: u16 = 4003;
/// Not logged in within `security.auth_timeout` of connecting (or of logging out).
pub const AUTH_TIMEOUT: u16 = 4004;
