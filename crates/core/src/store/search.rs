//! The full-text index (FTS5, trigram tokenizer) and search over it.

use rusqlite::{params, Connection};
use tern_proto::{Content, UserId};

use super::messages::{read_row, to_local, MSG_SELECT};
use super::relations::like_escape;
use crate::error::Result;
use crate::types::LocalMessage;

/// The searchable text of a message, if it has any.
fn body(content: &Content) -> Option<&str> {
    match content {
        Content::Text { text } | Content::System { text } => Some(text),
        Content::File { file } => Some(&file.name),
        Content::Location { label, .. } => Some(label),
        _ => None,
    }
}

pub(super) fn index(c: &Connection, rowid: i64, content: &Content) -> Result<()> {
    if let Some(text) = body(content) {
        c.execute(
            "INSERT OR REPLACE INTO message_fts (rowid, body) VALUES (?1, ?2)",
            params![rowid, text],
        )?;
    }
    Ok(())
}

/// Full-text search, newest first: every whitespace-separated term must occur as a
/// substring. Terms of 3+ characters use the trigram FTS5 index; shorter ones (common
/// in Chinese, e.g. `你好`) fall back to LIKE over the indexed text.
pub fn search(
    c: &Connection,
    me: &UserId,
    query: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<LocalMessage>> {
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut conds = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let long: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().count() >= 3)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if !long.is_empty() {
        args.push(long.join(" AND "));
        conds.push(format!("f.body MATCH ?{}", args.len()));
    }
    for t in terms.iter().filter(|t| t.chars().count() < 3) {
        args.push(format!("%{}%", like_escape(t)));
        conds.push(format!("f.body LIKE ?{} ESCAPE '\\'", args.len()));
    }
    let sql = format!(
        "{MSG_SELECT} JOIN message_fts f ON f.rowid = m.rowid WHERE {}
         ORDER BY m.sent_at DESC, m.rowid DESC LIMIT {limit} OFFSET {offset}",
        conds.join(" AND ")
    );
    let sql = sql.replace("f.body MATCH", "message_fts MATCH");
    let mut stmt = c.prepare(&sql)?;
    let params: Vec<&dyn rusqlite::ToSql> =
        args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
    let rows = stmt.query_map(params.as_slice(), read_row)?;
    rows.map(|r| to_local(me, r?)).collect()
}
