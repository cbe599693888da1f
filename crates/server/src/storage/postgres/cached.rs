//! The transaction type of the backend's store functions: every statement is
//! prepared once per pooled connection (deadpool-postgres's statement cache,
//! `prepare_cached`) and executed by name afterwards, instead of being parsed
//! and planned again on every call.
//!
//! The SQL texts are constants (or `format!`s of constants), so each
//! connection's cache holds a bounded set of statements. A cached statement
//! dies with its connection: a connection that broke is not recycled, and a
//! fresh one prepares again.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row, RowStream};

/// Parameters of a statement.
pub(crate) type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// A transaction whose queries go through the connection's statement cache.
/// Same method names and signatures as [`tokio_postgres::Transaction`]'s,
/// for SQL given as text.
pub(crate) struct Tx<'a>(deadpool_postgres::Transaction<'a>);

impl<'a> Tx<'a> {
    /// Wraps a transaction of a pooled connection.
    pub(crate) fn new(tx: deadpool_postgres::Transaction<'a>) -> Self {
        Self(tx)
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), Error> {
        self.0.commit().await
    }

    /// Runs `sql` and returns its rows.
    pub(crate) async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query(&statement, params).await
    }

    /// Runs `sql`, which must return exactly one row.
    pub(crate) async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query_one(&statement, params).await
    }

    /// Runs `sql`, which must return at most one row.
    pub(crate) async fn query_opt(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query_opt(&statement, params).await
    }

    /// Runs `sql` and streams its rows (a stream dropped early discards the
    /// rest as it arrives).
    pub(crate) async fn query_stream(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<RowStream, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query_raw(&statement, params.iter().copied()).await
    }

    /// Runs `sql` and returns the number of rows it changed.
    pub(crate) async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.execute(&statement, params).await
    }
}
