//! `--database postgres://…`: each tern-server the tool starts for S1, S2 or C2
//! gets a database of its own, created in the given cluster before the start
//! and dropped after the server stopped, so runs never see each other's data.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};
use tern_server::config::{redact, with_database};

/// Which database the server under test runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// SQLite in the server's temporary data directory (the default).
    Sqlite,
    /// A fresh database in this PostgreSQL cluster, reached with this URL (any
    /// existing database of the cluster, e.g. `postgres`, for the connection
    /// that creates and drops the bench's own).
    Postgres(String),
}

impl Db {
    /// `sqlite` or a `postgres://` / `postgresql://` URL.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value == "sqlite" {
            return Ok(Db::Sqlite);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            value
                .parse::<tokio_postgres::Config>()
                .map_err(|e| format!("`{}`: {e}", redact(value)))?;
            return Ok(Db::Postgres(value.to_string()));
        }
        Err(format!(
            "`{}`: expected sqlite or postgres://user@host:port/db",
            redact(value)
        ))
    }

    /// "SQLite" or "PostgreSQL", for row labels.
    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A database created for one server start; dropped (with `FORCE`, which
/// ends any connection left over) when this value drops.
pub(crate) struct Scratch {
    admin: String,
    name: String,
    /// The URL the server is given.
    pub url: String,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Runs `f` on its own thread with a current-thread runtime: the tool calls
/// this from inside its async scenarios and from `Drop`.
fn on_own_runtime<T: Send + 'static>(
    f: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send>>
        + Send
        + 'static,
) -> Result<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(f())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("database helper thread panicked"))?
}

async fn admin_client(admin: &str) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to {}", redact(admin)))?;
    tokio::spawn(conn);
    Ok(client)
}

impl Scratch {
    /// Creates `tern_bench_<pid>_<n>` in the cluster of `admin`.
    pub(crate) fn create(admin: &str) -> Result<Self> {
        let name = format!(
            "tern_bench_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let (a, n) = (admin.to_string(), name.clone());
        on_own_runtime(move || {
            Box::pin(async move {
                let client = admin_client(&a).await?;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .await?;
                client
                    .batch_execute(&format!("CREATE DATABASE {n}"))
                    .await
                    .with_context(|| format!("CREATE DATABASE {n}"))?;
                Ok(())
            })
        })?;
        Ok(Self {
            url: with_database(admin, &name),
            admin: admin.to_string(),
            name,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (a, n) = (self.admin.clone(), self.name.clone());
        let r = on_own_runtime(move || {
            Box::pin(async move {
                let client = admin_client(&a).await?;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .await?;
                Ok(())
            })
        });
        if let Err(e) = r {
            eprintln!(
                "[tern-bench] warning: dropping database {}: {e:#}",
                self.name
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[test]
    fn parses_sqlite_and_postgres_and_refuses_the_rest() {
        assert_eq!(Db::parse("sqlite"), Ok(Db::Sqlite));
        let url = "postgres://bench:secret@127.0.0.1:5433/postgres";
        assert_eq!(Db::parse(url), Ok(Db::Postgres(url.into())));
        let err = Db::parse("mysql://bench:secret@127.0.0.1/x").unwrap_err();
        assert!(err.contains("expected sqlite or postgres"), "{err}");
        assert!(!err.contains("secret"), "the password is redacted: {err}");
    }
}
