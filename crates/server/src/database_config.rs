//! The database setting (`--database`, `TERN_DATABASE`, `database`): SQLite
//! or PostgreSQL, parsed and named in errors with its password hidden; the
//! cluster settings it allows (a bus only over PostgreSQL); and the
//! PostgreSQL test database of `Config::for_tests`.

use std::path::{Path, PathBuf};

use crate::Error;

/// Where the server keeps its data: `sqlite:PATH` or
/// `postgres://user@host:port/db` (`--database`, `TERN_DATABASE`, `database`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Database {
    /// SQLite at `<data-dir>/tern.db` (nothing configured).
    #[default]
    DefaultSqlite,
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (several servers may share it).
    Postgres(String),
}

impl Database {
    /// Parses `sqlite:PATH` or `postgres://…` (`postgresql://…` too); anything
    /// else is a config error naming the value.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let bad = |why: String| Error::Config(format!("database `{}`: {why}", redact(value)));
        if let Some(path) = value.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(bad("expected sqlite:PATH with a file path".into()));
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            value
                .parse::<tokio_postgres::Config>()
                .map_err(|e| bad(format!("not a valid PostgreSQL URL: {e}")))?;
            return Ok(Database::Postgres(value.to_string()));
        }
        Err(bad(
            "expected sqlite:PATH or postgres://user@host:port/db".into()
        ))
    }
}

/// See [`Config::for_tests`]: SQLite, or the PostgreSQL test database of `dir`.
pub(crate) fn test_database(dir: &Path) -> Database {
    use std::hash::{Hash, Hasher};
    let base = match std::env::var("TERN_TEST_DATABASE") {
        Ok(b) if !b.is_empty() => b,
        _ => return Database::DefaultSqlite,
    };
    // DefaultHasher::new() has fixed keys: the same directory names the same
    // database for the life of the process.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (std::process::id(), dir).hash(&mut h);
    let name = format!("tern_test_{:016x}", h.finish());
    let url = with_database(&base, &name);
    let create = move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime to create the test database");
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("TERN_TEST_DATABASE `{}`: {e}", redact(&base)));
            tokio::spawn(conn);
            let exists = client
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                .await
                .expect("listing databases")
                .is_some();
            if !exists {
                if let Err(e) = client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                {
                    // Created meanwhile by a concurrent start on the same directory.
                    let dup =
                        e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE);
                    assert!(dup, "CREATE DATABASE {name}: {e}");
                }
            }
        });
    };
    // Its own thread and runtime: this is called from inside async tests.
    std::thread::spawn(create)
        .join()
        .expect("creating the test database");
    Database::Postgres(url)
}

/// `url` (`postgres://…/db?opts`) with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let root = match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    };
    format!("{root}/{name}{query}")
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

const BUS_NEEDS_POSTGRES: &str = "a cluster (bus, --bus, TERN_BUS) needs a PostgreSQL database shared by its nodes (database = postgres://…); SQLite is one machine's file";

/// Checks the cluster settings: a valid node id, a `nats://` bus URL, and a
/// bus only over PostgreSQL. Also called by `spawn` for configs built in code.
pub fn check_cluster(node_id: Option<&str>, bus: Option<&str>, db: &Database) -> Result<(), Error> {
    if let Some(id) = node_id {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !ok {
            return Err(Error::Config(format!(
                "node_id `{id}`: 1 to 64 ASCII letters, digits, '_', '-' or '.'"
            )));
        }
    }
    let Some(bus) = bus else { return Ok(()) };
    let rest = bus.strip_prefix("nats://").ok_or_else(|| {
        Error::Config(format!("bus `{}`: expected nats://host:port", redact(bus)))
    })?;
    if rest.is_empty() {
        return Err(Error::Config(format!(
            "bus `{bus}`: expected nats://host:port"
        )));
    }
    if !matches!(db, Database::Postgres(_)) {
        return Err(Error::Config(BUS_NEEDS_POSTGRES.into()));
    }
    Ok(())
}
