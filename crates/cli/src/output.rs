//! What the user sees: each result as one JSON line on stdout ([`out`]), and a
//! failure as JSON on stderr with its exit code ([`report`]).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::json;
use tern_core::Error;

/// Prints one JSON value as a line and flushes.
pub(crate) fn out(v: &impl Serialize) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, v)?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    Ok(())
}

/// A CLI failure: a client error or a plain message.
#[derive(Debug)]
pub(crate) enum Failure {
    Client(Error),
    Other(String),
    /// Bad input the CLI found before asking anyone (an id, a value): exit 2,
    /// like clap's own usage errors.
    Usage(String),
    /// `listen` saw the session end (the event, as printed).
    SessionEnded(serde_json::Value),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Client(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Other(e.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Self::Other(e.to_string())
    }
}

impl From<tern_core::proto::IdError> for Failure {
    fn from(e: tern_core::proto::IdError) -> Self {
        Self::Usage(e.to_string())
    }
}

/// Prints the failure as JSON on stderr; its exit code (see the crate docs).
pub(crate) fn report(f: Failure) -> ExitCode {
    let (code, body) = match &f {
        Failure::Client(Error::Server(we)) => (
            3,
            json!({"error": {"kind": "server", "code": we.code.as_u16(), "message": we.message}}),
        ),
        Failure::Client(e @ Error::Certificate { problem, .. }) => (
            6,
            json!({"error": {"kind": "certificate", "problem": problem, "message": e.to_string()}}),
        ),
        Failure::Client(e @ (Error::Offline(_) | Error::Timeout)) => (
            4,
            json!({"error": {"kind": "offline", "message": e.to_string()}}),
        ),
        Failure::Client(e) => (
            1,
            json!({"error": {"kind": "client", "message": e.to_string()}}),
        ),
        Failure::Other(m) => (1, json!({"error": {"kind": "cli", "message": m}})),
        Failure::Usage(m) => (2, json!({"error": {"kind": "usage", "message": m}})),
        Failure::SessionEnded(event) => (
            5,
            json!({"error": {"kind": "session_ended", "message": "the session ended; log in again", "event": event}}),
        ),
    };
    eprintln!("{body}");
    ExitCode::from(code)
}
