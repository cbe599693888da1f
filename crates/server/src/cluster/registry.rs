//! The cluster registry in PostgreSQL (tables `cluster_nodes` and
//! `cluster_conns`, migration 0002): node heartbeats on the database's clock,
//! and one row per logged-in connection of every node. Plain autocommit
//! statements on the backend's pool; presence is derived from live rows.

use std::collections::BTreeSet;

use tern_proto::{GroupId, Platform, UserId};

use crate::storage::postgres::PgStorage;
use crate::storage::{StoreError, StoreResult};

/// The database's clock in ms since the epoch, in SQL.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// One logged-in connection of some node (the admin session list).
#[derive(Debug, Clone)]
pub struct LiveConn {
    /// The node holding it.
    pub node: String,
    /// Its id on that node.
    pub conn: i64,
    /// Who.
    pub user: UserId,
    /// The session it authenticated as.
    pub session: String,
    /// Device class.
    pub platform: Platform,
    /// When it logged in, ms since the epoch.
    pub since: i64,
}

fn platform_text(p: Platform) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("cluster_conns.{what} `{v}`"))
}

/// Records a heartbeat of `node`; true when its row was missing (first beat,
/// or the others had declared it dead meanwhile).
pub async fn beat(pg: &PgStorage, node: &str) -> StoreResult<bool> {
    let c = pg.client().await?;
    let sql = format!(
        "INSERT INTO cluster_nodes (node_id, started_at, last_seen) VALUES ($1, {NOW_MS}, {NOW_MS})
         ON CONFLICT (node_id) DO UPDATE SET last_seen = EXCLUDED.last_seen
         RETURNING (xmax = 0)"
    );
    Ok(c.query_one(&sql, &[&node]).await?.try_get(0)?)
}

/// Forgets `node`'s connections (at its start: rows left by its previous
/// life); returns the users that are now offline everywhere.
pub async fn reset(pg: &PgStorage, node: &str, dead_after_ms: i64) -> StoreResult<Vec<UserId>> {
    let c = pg.client().await?;
    let rows = c
        .query(
            "DELETE FROM cluster_conns WHERE node_id = $1 RETURNING user_id",
            &[&node],
        )
        .await?;
    let users: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    offline_among(pg, users, dead_after_ms).await
}

/// Declares dead every node silent for more than `dead_after_ms` (on the
/// database's clock) and removes the connections of nodes that are gone;
/// returns the dead nodes and the users now offline everywhere. Whichever
/// node runs this first does the work; the others find nothing.
pub async fn reap(pg: &PgStorage, dead_after_ms: i64) -> StoreResult<(Vec<String>, Vec<UserId>)> {
    let c = pg.client().await?;
    let sql =
        format!("DELETE FROM cluster_nodes WHERE last_seen < {NOW_MS} - $1 RETURNING node_id");
    let dead: Vec<String> = c
        .query(&sql, &[&dead_after_ms])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let rows = c
        .query(
            "DELETE FROM cluster_conns c WHERE NOT EXISTS
                (SELECT 1 FROM cluster_nodes n WHERE n.node_id = c.node_id)
             RETURNING user_id",
            &[],
        )
        .await?;
    let users: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    Ok((dead, offline_among(pg, users, dead_after_ms).await?))
}

/// Those of `users` (deduplicated) with no connection left on a live node.
async fn offline_among(
    pg: &PgStorage,
    users: Vec<String>,
    dead_after_ms: i64,
) -> StoreResult<Vec<UserId>> {
    let users: Vec<String> = users
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<UserId> = users
        .iter()
        .map(|u| UserId::new(u.clone()).map_err(|_| corrupt("user_id", u)))
        .collect::<StoreResult<_>>()?;
    let online = online_among(pg, &ids, dead_after_ms).await?;
    Ok(ids.into_iter().filter(|u| !online.contains(u)).collect())
}

/// Records a logged-in connection of `node`.
pub async fn conn_up(pg: &PgStorage, node: &str, c: &LiveConn) -> StoreResult<()> {
    let client = pg.client().await?;
    client
        .execute(
            "INSERT INTO cluster_conns (node_id, conn_id, user_id, session, platform, since)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (node_id, conn_id) DO NOTHING",
            &[
                &node,
                &c.conn,
                &c.user.as_str(),
                &c.session,
                &platform_text(c.platform),
                &c.since,
            ],
        )
        .await?;
    Ok(())
}

/// Removes a connection of `node`; true when `user` has no connection left
/// on any live node.
pub async fn conn_down(
    pg: &PgStorage,
    node: &str,
    conn: i64,
    user: &UserId,
    dead_after_ms: i64,
) -> StoreResult<bool> {
    let client = pg.client().await?;
    client
        .execute(
            "DELETE FROM cluster_conns WHERE node_id = $1 AND conn_id = $2",
            &[&node, &conn],
        )
        .await?;
    drop(client);
    let online = online_among(pg, std::slice::from_ref(user), dead_after_ms).await?;
    Ok(online.is_empty())
}

/// Those of `users` with a connection on a node seen within `dead_after_ms`.
pub async fn online_among(
    pg: &PgStorage,
    users: &[UserId],
    dead_after_ms: i64,
) -> StoreResult<Vec<UserId>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
    let client = pg.client().await?;
    let sql = format!(
        "SELECT DISTINCT c.user_id FROM cluster_conns c
           JOIN cluster_nodes n ON n.node_id = c.node_id
          WHERE c.user_id = ANY($1) AND n.last_seen >= {NOW_MS} - $2"
    );
    let rows = client.query(&sql, &[&ids, &dead_after_ms]).await?;
    rows.iter()
        .map(|r| {
            let u: String = r.get(0);
            UserId::new(u.clone()).map_err(|_| corrupt("user_id", &u))
        })
        .collect()
}

/// Every connection on a node seen within `dead_after_ms`, by user then node.
pub async fn live_conns(pg: &PgStorage, dead_after_ms: i64) -> StoreResult<Vec<LiveConn>> {
    let client = pg.client().await?;
    let sql = format!(
        "SELECT c.node_id, c.conn_id, c.user_id, c.session, c.platform, c.since
           FROM cluster_conns c JOIN cluster_nodes n ON n.node_id = c.node_id
          WHERE n.last_seen >= {NOW_MS} - $1
          ORDER BY c.user_id COLLATE \"C\", c.node_id COLLATE \"C\", c.conn_id"
    );
    let rows = client.query(&sql, &[&dead_after_ms]).await?;
    rows.iter()
        .map(|r| {
            let user: String = r.get(2);
            let platform: String = r.get(4);
            Ok(LiveConn {
                node: r.get(0),
                conn: r.get(1),
                user: UserId::new(user.clone()).map_err(|_| corrupt("user_id", &user))?,
                session: r.get(3),
                platform: serde_json::from_value(serde_json::Value::String(platform.clone()))
                    .map_err(|_| corrupt("platform", &platform))?,
                since: r.get(5),
            })
        })
        .collect()
}

/// `user`'s live groups and their change-log version, read in one statement
/// (one snapshot): the groups as of that version.
pub async fn groups_of(pg: &PgStorage, user: &UserId) -> StoreResult<(Vec<GroupId>, u64)> {
    let c = pg.client().await?;
    let row = c
        .query_opt(
            "SELECT version, ARRAY(SELECT g.id FROM groups g JOIN members m ON m.conv = 'g:' || g.id
                WHERE m.user_id = $1 AND g.dismissed_at IS NULL)
             FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await?;
    let Some(row) = row else {
        return Ok((Vec::new(), 0));
    };
    let version: i64 = row.try_get(0)?;
    let ids: Vec<String> = row.try_get(1)?;
    let groups = ids
        .into_iter()
        .map(|g| {
            GroupId::new(g.clone()).map_err(|_| StoreError::Corrupt(format!("groups.id `{g}`")))
        })
        .collect::<StoreResult<_>>()?;
    Ok((groups, version as u64))
}
