//! Tern wire protocol.
//!
//! Every WebSocket text message is one JSON frame:
//! - [`ClientFrame`]: `{"id": 7, "req": {"cmd": "...", ...}}` — a [`Request`];
//! - [`ServerFrame`]: `{"t": "ok", "id": 7, "res": {...}}` ([`Response`]),
//!   `{"t": "err", "id": 7, "err": {"code": 3001, "message": "..."}}` ([`WireError`]),
//!   or `{"t": "push", "push": {"kind": "...", ...}}` ([`Push`]).
//!
//! `ids` holds the validated newtype ids, `model` the data inside frames,
//! `error` the stable error codes; `command` pairs each request (`cmd`) with
//! the response kind that answers it (`reply`). `docs/protocol.md` documents every frame.

#![warn(missing_docs)]

pub mod close;
pub mod command;
pub mod error;
pub mod files;
pub use model::forward;
pub mod frame;
pub mod ids;
pub mod model;
pub mod request;
pub mod response;
pub mod rooms;
pub mod settings;

pub use command::{cmd, reply, Command, CommandInfo, Reply, Unexpected};
pub use error::{ErrorCode, IdError, WireError};
pub use files::{sanitize_file_name, Uploaded};
pub use forward::{ForwardResult, HistoryItem, Mentions};
pub use frame::{ClientFrame, DecodeError, ServerFrame};
pub use ids::{
    ClientMsgId, ConversationId, DeviceId, FileId, GroupId, MsgId, ReqId, RoomId, Seq, UserId,
};
pub use model::*;
pub use request::Request;
pub use response::{KickReason, Push, Response, RoomLeftReason};
pub use rooms::{RoomInfo, RoomMember, RoomMessage, RoomRole};
pub use settings::{AccountSettings, ConvEdit, ConvSettings, DndSchedule, Weekday};

/// The protocol version this crate speaks; sent in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The reserved account that server notices come from (docs/protocol.md);
/// nobody can register or log in as it.
pub const SYSTEM_USER: &str = "system";

/// Path of the WebSocket endpoint on the server.
pub const WS_PATH: &str = "/ws";
