//! Typed commands: which [`Response`] answers which [`Request`], said once.
//!
//! The wire enums carry every request and every response, but not their
//! pairing. Here each command is a struct of its request's fields (in
//! [`cmd`]) whose [`Command::Output`] is the struct of the one response
//! kind that answers it (in [`reply`]). A client sends
//! [`Command::into_request`] and turns the answer back with
//! [`Command::from_response`], so nothing downstream matches on `Response` by
//! hand. [`TABLE`] lists the pairs by wire name; the protocol doc test checks
//! docs/protocol.md against it.
//!
//! Both tables are exhaustive matches on the wire enums, so a command or a
//! response kind added to `Request` or `Response` does not compile until it
//! has its row here.

use crate::{Request, Response};

/// One request kind and the response kind that answers it.
pub trait Command: Sized + Send + 'static {
    /// The `cmd` name on the wire.
    const NAME: &'static str;
    /// The successful answer: the fields of one [`Response`] variant.
    type Output: Reply;
    /// The request to send.
    fn into_request(self) -> Request;
    /// The answer, or [`Unexpected`] when the server sent another kind
    /// (refusals are `err` frames, which never reach this).
    fn from_response(res: Response) -> Result<Self::Output, Unexpected> {
        Self::Output::from_response(res).map_err(|got| Unexpected {
            command: Self::NAME,
            expected: Self::Output::KIND,
            got,
        })
    }
}

/// The fields of one [`Response`] variant, as a struct.
pub trait Reply: Sized + Send + 'static {
    /// The response's `kind` on the wire.
    const KIND: &'static str;
    /// `res` as this kind, or `res` back (boxed: it may be large) when it is another.
    fn from_response(res: Response) -> Result<Self, Box<Response>>;
}

/// The server answered a command with a response of another kind: a protocol
/// bug on one side, never a refusal (those are [`crate::WireError`]s).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unexpected answer to {command}: expected {expected}, got {}", got.kind())]
pub struct Unexpected {
    /// The command's `cmd` name.
    pub command: &'static str,
    /// The response kind it expects.
    pub expected: &'static str,
    /// What came instead.
    pub got: Box<Response>,
}

/// A command's wire name with the response kind that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// The `cmd` name.
    pub cmd: &'static str,
    /// The `kind` of its success response.
    pub answer: &'static str,
}

/// Every command with its response kind, in [`Request::NAMES`] order.
pub const TABLE: &[CommandInfo] = cmd::TABLE;

/// Declares the reply structs: `"kind" Variant { field: Type, ... }` per
/// [`Response`] variant. Each gets a struct of the same name and fields in
/// [`reply`], a [`Reply`] impl, and a row in [`Response::kind`].
macro_rules! replies {
    ($( $kind:literal $V:ident { $($f:ident : $t:ty),* $(,)? } )*) => {
        $(
            #[doc = concat!("The `", $kind, "` response: the fields of [`Response::", stringify!($V), "`](crate::Response::", stringify!($V), ").")]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(missing_docs)]
            pub struct $V { $(pub $f: $t),* }

            impl $crate::command::Reply for $V {
                const KIND: &'static str = $kind;
                fn from_response(res: Response) -> Result<Self, Box<Response>> {
                    match res {
                        Response::$V { $($f),* } => Ok(Self { $($f),* }),
                        other => Err(Box::new(other)),
                    }
                }
            }
        )*

        /// Every response kind in declaration order.
        pub const KINDS: &[&str] = &[$($kind),*];

        impl Response {
            /// The `kind` tag, for logs and errors.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Response::$V { .. } => $kind,)*
                }
            }
        }
    };
}

/// Declares the commands: `"cmd" Variant { field: Type, ... } => ReplyKind`
/// per [`Request`] variant. Each gets a struct of the same name and fields in
/// [`cmd`], a [`Command`] impl answered by `reply::ReplyKind`, a row
/// in [`TABLE`] and one in [`Request::info`].
macro_rules! commands {
    ($( $name:literal $V:ident { $($f:ident : $t:ty),* $(,)? } => $R:ident; )*) => {
        $(
            #[doc = concat!("`", $name, "`: the fields of [`Request::", stringify!($V), "`](crate::Request::", stringify!($V), "), answered by [`reply::", stringify!($R), "`](crate::command::reply::", stringify!($R), ").")]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(missing_docs)]
            pub struct $V { $(pub $f: $t),* }

            impl $crate::command::Command for $V {
                const NAME: &'static str = $name;
                type Output = $crate::command::reply::$R;
                fn into_request(self) -> Request {
                    let Self { $($f),* } = self;
                    Request::$V { $($f),* }
                }
            }
        )*

        /// Every command with its response kind, in declaration order.
        pub(crate) const TABLE: &[$crate::command::CommandInfo] = &[$(
            $crate::command::CommandInfo {
                cmd: $name,
                answer: <$crate::command::reply::$R as $crate::command::Reply>::KIND,
            },
        )*];

        impl Request {
            /// This request's row of [`crate::command::TABLE`].
            pub fn info(&self) -> $crate::command::CommandInfo {
                match self {
                    $(Request::$V { .. } => $crate::command::CommandInfo {
                        cmd: $name,
                        answer: <$crate::command::reply::$R as $crate::command::Reply>::KIND,
                    },)*
                }
            }
        }
    };
}

// After the macros, so that the tables see them (textual macro scope).
pub mod cmd;
pub mod reply;
