//! What the app and the tray-only process hand each other across `exec`: the
//! signed-in accounts with their tokens (so that an account signed in without
//! "Remember me" stays signed in, and no keyring is asked), the active account, the
//! chat to show, the language, the tray's mute switch and when the handing side
//! stopped listening (the taking side's catch-up notifies what was sent since:
//! tern-core's `live_since`).
//!
//! The state travels in an anonymous memory file (`memfd_create`) left open across
//! `exec`, named by `--handoff-fd=N` on the command line: never in the environment
//! or on disk, readable by no other user. The receiving side reads it once and
//! closes it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::texts::Lang;

/// The command-line flag naming the handoff's file descriptor (`--handoff-fd=N`).
pub const ARG: &str = "--handoff-fd";
/// The tray-only program, installed next to the app's (`/usr/bin/tern-tray`).
pub const TRAY_PROGRAM: &str = "tern-tray";
/// The app's program, next to the tray-only one (`/usr/bin/tern`).
pub const APP_PROGRAM: &str = "tern";
/// Largest handoff read (a few accounts take a few kB).
const MAX_BYTES: u64 = 1 << 20;

/// One signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The account id (`user@server`, as the app's accounts config names it).
    pub id: String,
    /// The user id.
    pub user: String,
    /// The server address(es) as typed (several: a cluster's, comma-separated).
    pub server_url: String,
    /// The session token (the server's current one).
    pub token: String,
}

/// Everything handed across.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// The signed-in accounts, in the accounts config's order.
    pub accounts: Vec<Account>,
    /// The account the window shows.
    pub active: Option<String>,
    /// The chat the window shows when it comes back (the open one, or the one a
    /// clicked notification named).
    pub open_chat: Option<String>,
    /// The app's language.
    pub lang: Lang,
    /// The tray's "Mute notifications".
    pub muted: bool,
    /// When the handing side stopped listening (ms since the epoch).
    pub since_ms: i64,
    /// Root of every account's cache.
    pub data_dir: PathBuf,
    /// The login screen's default server (the app's `--server`).
    pub default_server_url: String,
    /// The single-instance D-Bus id (a second launch finds the running Tern by it).
    pub instance: String,
}

/// Why a handoff could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--handoff-fd=` did not name a file descriptor.
    #[error("{ARG} takes a file descriptor number, not {0:?}")]
    BadArg(String),
    /// Reading it failed.
    #[error("reading the handoff: {0}")]
    Io(#[from] std::io::Error),
    /// It is not a handoff.
    #[error("the handoff is not valid: {0}")]
    Json(#[from] serde_json::Error),
}

impl Handoff {
    /// Writes the handoff to a new anonymous file that stays open across `exec`.
    pub fn to_fd(&self) -> std::io::Result<OwnedFd> {
        let name = c"tern-handoff";
        // SAFETY: a valid C string; no flags (MFD_CLOEXEC left out on purpose:
        // the file must survive `exec`).
        let fd = unsafe { libc::memfd_create(name.as_ptr(), 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let mut file = unsafe { File::from_raw_fd(fd) };
        file.write_all(&serde_json::to_vec(self)?)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file.into())
    }

    /// The handoff named on the command line `args` (`--handoff-fd=N`), read and
    /// closed; `None` when there is none.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Option<Result<Self, Error>> {
        let value = args.into_iter().find_map(|a| {
            a.strip_prefix(ARG)
                .and_then(|v| v.strip_prefix('='))
                .map(str::to_owned)
        })?;
        Some(Self::read_fd(&value))
    }

    fn read_fd(value: &str) -> Result<Self, Error> {
        let fd: i32 = value
            .parse()
            .ok()
            .filter(|fd| *fd > 2)
            .ok_or_else(|| Error::BadArg(value.to_owned()))?;
        // Only an open descriptor is taken over (a stale number would close another file).
        // SAFETY: F_GETFD on any number is harmless.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(Error::Io(std::io::Error::last_os_error()));
        }
        // SAFETY: the descriptor is open and was passed to this process to take over.
        let file = unsafe { File::from_raw_fd(fd) };
        let mut bytes = Vec::new();
        file.take(MAX_BYTES).read_to_end(&mut bytes)?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Becomes `program` (same process id) with `args` and this handoff. Returns
    /// only when `exec` failed.
    pub fn exec(&self, program: &Path, args: &[String]) -> std::io::Error {
        let fd = match self.to_fd() {
            Ok(fd) => fd,
            Err(e) => return e,
        };
        // The tray-only process ignores SIGCHLD (it reaps the app's old children);
        // `exec` keeps an ignored signal ignored, and the app needs it back.
        // SAFETY: restores the default disposition of one signal.
        unsafe { libc::signal(libc::SIGCHLD, libc::SIG_DFL) };
        let err = std::process::Command::new(program)
            .args(args)
            .arg(format!("{ARG}={}", fd.as_raw_fd()))
            .exec();
        drop(fd);
        err
    }
}

/// `name` in the directory of the running program (the app and the tray-only
/// program are installed side by side), if it is there.
pub fn sibling(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.with_file_name(name);
    path.is_file().then_some(path)
}

pub use crate::notice::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Handoff {
        Handoff {
            accounts: vec![Account {
                id: "alice@ws://127.0.0.1:7878".into(),
                user: "alice".into(),
                server_url: "ws://127.0.0.1:7878".into(),
                token: "t0k3n".into(),
            }],
            active: Some("alice@ws://127.0.0.1:7878".into()),
            open_chat: Some("d:alice:bob".into()),
            lang: Lang::ZhCn,
            muted: true,
            since_ms: 1_700_000_000_000,
            data_dir: "/tmp/tern".into(),
            default_server_url: "ws://127.0.0.1:7878".into(),
            instance: "org.tern.app".into(),
        }
    }

    /// The file's identity (device, inode), or None when `fd` is not open.
    fn identity(fd: i32) -> Option<(u64, u64)> {
        // SAFETY: fstat writes into a zeroed stat of the right size; a closed
        // descriptor only makes it fail.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        (unsafe { libc::fstat(fd, &mut st) } == 0).then_some((st.st_dev, st.st_ino))
    }

    #[test]
    fn a_handoff_survives_its_file_and_the_file_is_closed_after_reading() {
        let h = sample();
        let fd = h.to_fd().unwrap();
        let raw = fd.as_raw_fd();
        let file = identity(raw).expect("open");
        // The receiving side owns the descriptor from here on.
        std::mem::forget(fd);
        let args = vec!["tern-tray".to_owned(), format!("{ARG}={raw}")];
        assert_eq!(Handoff::from_args(args).unwrap().unwrap(), h);
        // Closed after reading: the number is free, or (tests run in parallel
        // threads of one process) another test's file took it since; never
        // still the handoff's file. Checking the number alone was racy.
        assert_ne!(identity(raw), Some(file), "closed after reading");
    }

    #[test]
    fn reading_a_descriptor_that_is_not_open_is_an_error() {
        // A number far above anything this process opens.
        let args = vec!["tern-tray".to_owned(), format!("{ARG}=100000")];
        assert!(identity(100_000).is_none());
        assert!(Handoff::from_args(args).unwrap().is_err());
    }

    #[test]
    fn no_flag_is_no_handoff_and_a_bad_one_is_an_error() {
        assert!(Handoff::from_args(vec!["tern".to_owned()]).is_none());
        for bad in ["x", "1", "-4", ""] {
            let r = Handoff::from_args(vec![format!("{ARG}={bad}")]).unwrap();
            assert!(matches!(r, Err(Error::BadArg(_))), "{bad}: {r:?}");
        }
    }

    #[test]
    fn the_file_stays_open_across_exec() {
        let fd = sample().to_fd().unwrap();
        // SAFETY: F_GETFD on an open descriptor.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, 0);
    }
}
