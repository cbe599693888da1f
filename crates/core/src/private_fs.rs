//! Files and directories readable by their owner only, and where an account's
//! cache lives.
//!
//! The local cache holds a user's messages, contacts and downloaded files, so its
//! directories are created `0700` and its files `0600` (on Unix; elsewhere the
//! platform's defaults apply). Front ends use [`create_private_dir_all`] for their
//! own data directories too (tern-cli's `--data-dir`, the desktop app's data dir).
//!
//! # Account directories
//! Each account gets `<data_dir>/<name>/` with `name` from [`account_dir_name`]: a
//! readable prefix (the user id and the server's host, reduced to `[A-Za-z0-9_.-]`,
//! never starting with a dot) and 16 hex digits of a SHA-256 over the normalised
//! server URL and the user id. So a user id such as `.` or `..` cannot name a
//! directory outside `data_dir`, and the same user id on two servers gets two caches.
//! A cache of an earlier version (`<data_dir>/<user>/`, one per user id whatever the
//! server) is moved to the new name by the first login of that user id; such a cache
//! cannot tell which server it was for, so whichever server logs in first claims it.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tern_proto::UserId;

/// Mode of private directories.
pub const DIR_MODE: u32 = 0o700;
/// Mode of private files.
pub const FILE_MODE: u32 = 0o600;

/// Creates `path` and any missing parents with mode `0700` (directories that already
/// exist keep their mode).
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(path)
}

/// Sets `path`'s mode (Unix; a no-op elsewhere). A missing file is not an error.
pub fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Options that create a file with mode `0600` (truncating an existing one).
pub fn private_file_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o
}

/// Writes `bytes` to `path`, created `0600` (and made `0600` if it existed).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = private_file_options().open(path)?;
    restrict(path, FILE_MODE)?;
    f.write_all(bytes)
}

/// Makes sure the SQLite database at `path` is private before SQLite opens it:
/// creates it empty with mode `0600` when missing (SQLite gives its `-wal` and
/// `-shm` files the database file's mode), else tightens it and its companions.
pub fn prepare_db_file(path: &Path) -> io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    drop(o.open(path)?);
    restrict(path, FILE_MODE)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        restrict(Path::new(&p), FILE_MODE)?;
    }
    Ok(())
}

/// The server URL in the form the cache name is derived from: the WebSocket URL
/// the client connects to (`http://h:1` and `ws://h:1/ws` are one server), with the
/// scheme and host lower-cased.
fn normalized_server(server_url: &str) -> String {
    let url = server_url.trim();
    let url = match url.split_once("://") {
        Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
        None => url.to_owned(),
    };
    let ws = crate::transport::ws_url(&url);
    match ws.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase(),
                path
            )
        }
        None => ws,
    }
}

/// `s` reduced to `[A-Za-z0-9_.-]` (others become `_`), at most `max` characters,
/// without leading dots.
fn readable(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(max)
        .collect();
    cleaned.trim_start_matches('.').to_owned()
}

/// The directory name of `user`'s cache for `server_url` (see the module docs),
/// e.g. `alice@chat.example.org-1f0c…` — never `.`, `..`, hidden or containing a
/// path separator.
pub fn account_dir_name(server_url: &str, user: &UserId) -> String {
    let server = normalized_server(server_url);
    let mut h = Sha256::new();
    h.update(b"tern account cache v1\n");
    h.update(server.as_bytes());
    h.update(b"\n");
    h.update(user.as_str().as_bytes());
    let digest = hex::encode(&h.finalize()[..8]);
    let host = server
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
        .unwrap_or("");
    let user_part = match readable(user.as_str(), 64) {
        s if s.is_empty() => "_".to_owned(),
        s => s,
    };
    format!("{user_part}@{}-{digest}", readable(host, 64))
}

/// `<data_dir>/<account_dir_name>`.
pub fn account_dir(data_dir: &Path, server_url: &str, user: &UserId) -> PathBuf {
    data_dir.join(account_dir_name(server_url, user))
}

/// Gets the account directory ready: moves an earlier version's cache
/// (`<data_dir>/<user>/`, only for user ids that name a plain directory there)
/// to it when it does not exist yet, creates it `0700`, and makes it `0700` (it
/// may be an old cache).
pub fn prepare_account_dir(
    data_dir: &Path,
    server_url: &str,
    user: &UserId,
) -> io::Result<PathBuf> {
    let dir = account_dir(data_dir, server_url, user);
    if !dir.exists() && !user.as_str().starts_with('.') {
        let legacy = data_dir.join(user.as_str());
        let is_cache = std::fs::symlink_metadata(&legacy).is_ok_and(|m| m.is_dir())
            && std::fs::symlink_metadata(legacy.join("tern.db")).is_ok_and(|m| m.is_file());
        if is_cache {
            match std::fs::rename(&legacy, &dir) {
                Ok(()) => {
                    tracing::info!(from = %legacy.display(), to = %dir.display(), "moved the account cache")
                }
                Err(e) => tracing::warn!(error = %e, "could not move the old account cache"),
            }
        }
    }
    create_private_dir_all(&dir)?;
    restrict(&dir, DIR_MODE)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }

    #[test]
    fn names_stay_inside_and_differ_per_server_and_user() {
        let ws = "ws://127.0.0.1:7878";
        for id in [".", "..", "...", ".hidden", "a..b", "-", "_"] {
            let name = account_dir_name(ws, &u(id));
            assert!(!name.starts_with('.'), "{id} -> {name}");
            assert!(
                !name.contains('/') && !name.contains('\\'),
                "{id} -> {name}"
            );
            let p = Path::new("/data").join(&name);
            assert_eq!(p.parent(), Some(Path::new("/data")), "{id} -> {name}");
            assert_eq!(
                p.components().count(),
                3,
                "one normal component: {id} -> {name}"
            );
        }
        assert!(account_dir_name(ws, &u("alice")).starts_with("alice@127.0.0.1_7878-"));
        // One server however its URL is written; another server, another name.
        assert_eq!(
            account_dir_name("ws://127.0.0.1:7878", &u("alice")),
            account_dir_name("http://127.0.0.1:7878/", &u("alice"))
        );
        assert_eq!(
            account_dir_name("WSS://Chat.Example.org", &u("alice")),
            account_dir_name("https://chat.example.org/ws", &u("alice"))
        );
        assert_ne!(
            account_dir_name("ws://127.0.0.1:7878", &u("alice")),
            account_dir_name("ws://127.0.0.1:7879", &u("alice"))
        );
        assert_ne!(
            account_dir_name(ws, &u("a.b")),
            account_dir_name(ws, &u("a_b"))
        );
        assert!(account_dir_name(ws, &u(&"x".repeat(64))).len() < 200);
    }

    #[cfg(unix)]
    #[test]
    fn private_dirs_and_files_have_owner_only_modes() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a").join("b");
        create_private_dir_all(&deep).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&deep), 0o700);
        let f = deep.join("f");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&f, b"y").unwrap();
        assert_eq!(mode(&f), 0o600);
        let db = deep.join("t.db");
        prepare_db_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }

    #[test]
    fn an_old_cache_is_moved_once_and_dot_ids_never_touch_the_parent() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("alice")).unwrap();
        std::fs::write(data.join("alice").join("tern.db"), b"old").unwrap();
        let a = prepare_account_dir(&data, "ws://h:1", &u("alice")).unwrap();
        assert_eq!(std::fs::read(a.join("tern.db")).unwrap(), b"old");
        assert!(!data.join("alice").exists());
        // The same user id on another server starts empty.
        let b = prepare_account_dir(&data, "ws://h:2", &u("alice")).unwrap();
        assert!(!b.join("tern.db").exists());
        // `..` is never taken for an old cache (it is data's parent).
        std::fs::write(dir.path().join("tern.db"), b"parent").unwrap();
        let d = prepare_account_dir(&data, "ws://h:1", &u("..")).unwrap();
        assert!(d.starts_with(&data) && d != data);
        assert!(!d.join("tern.db").exists());
        assert_eq!(
            std::fs::read(dir.path().join("tern.db")).unwrap(),
            b"parent"
        );
    }
}
