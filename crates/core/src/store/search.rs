//! The full-text index and search over it.
//!
//! Two FTS5 tables share one key space (see `schema.rs`, migration "search keys"):
//!
//! - `search_tri` (trigram tokenizer): the searchable text of each message and the
//!   message's rowid; answers terms of 3+ characters, and holds the text that
//!   shorter terms are checked against.
//! - `search_grams` (contentless, `ascii` tokenizer): every single non-ASCII
//!   alphanumeric character (CJK etc.) and every adjacent alphanumeric pair with a
//!   non-ASCII character, lower-cased, as tokens. A 1–2 character term such as
//!   `我们` or `虾` is one token lookup there instead of a LIKE scan. 1–2 character
//!   ASCII terms (`ok`) are LIKE-checked while walking the trigram table newest
//!   first, which stops at the page (fast for common terms, a full scan for rare
//!   ones).
//!
//! The key (FTS rowid) of a message is `sent_at << 16 | n` (`n` the next free slot
//! in that millisecond), so key order is time order and a page is
//! `… MATCH … ORDER BY rowid DESC LIMIT …`: FTS5 walks its doclists backwards and
//! stops after the page instead of sorting every match.
//!
//! Indexing is deferred: a message row starts with `search_key IS NULL` (pending);
//! [`catch_up`] indexes pending rows, in rowid order, on the database thread when it
//! is idle (a bulk history sync does not pay for the index) and before every search
//! (results are always complete). A row whose text or time changes is un-indexed
//! ([`unindex`]) and so becomes pending again.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, UserId};

use super::relations::like_escape;
use super::rows::{MessageRow, HIDDEN};
use crate::error::Result;
use crate::types::LocalMessage;

/// `search_key` of a row that was indexed but has no searchable text.
const NO_TEXT: i64 = i64::MIN;
/// Keys per millisecond.
const SLOT_BITS: u32 = 16;

/// The searchable text of a message, if it has any.
fn body(content: &Content) -> Option<&str> {
    match content {
        Content::Text { text } | Content::System { text } => Some(text),
        Content::File { file } => Some(&file.name),
        Content::Location { label, .. } => Some(label),
        _ => None,
    }
}

fn fold(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// The `search_grams` document of `text`: non-ASCII alphanumeric unigrams and the
/// alphanumeric bigrams with a non-ASCII character, lower-cased, space-separated.
/// (ASCII-only bigrams are left out: they were most of the tokens of English text,
/// and a 2-letter English term is usually common, so the ordered scan of
/// [`search`] finds a page of it quickly.)
pub(crate) fn grams(text: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            prev = None;
            continue;
        }
        let c = fold(c);
        if !c.is_ascii() {
            out.push(c);
            out.push(' ');
        }
        if let Some(p) = prev.filter(|p| !(p.is_ascii() && c.is_ascii())) {
            out.push(p);
            out.push(c);
            out.push(' ');
        }
        prev = Some(c);
    }
    out
}

/// The `search_grams` token answering `term` (1–2 characters), if the index has one.
fn gram_token(term: &str) -> Option<String> {
    let chars: Vec<char> = term.chars().map(fold).collect();
    if !chars.iter().all(|c| c.is_alphanumeric()) {
        return None;
    }
    match chars.as_slice() {
        [c] if !c.is_ascii() => Some(c.to_string()),
        [a, b] if !(a.is_ascii() && b.is_ascii()) => Some([*a, *b].iter().collect()),
        _ => None,
    }
}

fn quote(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A free key in the millisecond `sent_at`, after the ones taken.
fn next_key(c: &Connection, sent_at: i64) -> Result<i64> {
    let base = sent_at.saturating_mul(1 << SLOT_BITS);
    let top: Option<i64> = c
        .prepare_cached("SELECT max(rowid) FROM search_tri WHERE rowid >= ?1 AND rowid < ?2")?
        .query_row(params![base, base.saturating_add(1 << SLOT_BITS)], |r| {
            r.get(0)
        })?;
    let mut key = top.map_or(base, |t| t.saturating_add(1));
    // More than 65,536 messages in one millisecond: spill over, still unique.
    while c
        .prepare_cached("SELECT 1 FROM search_tri WHERE rowid = ?1")?
        .query_row([key], |_| Ok(()))
        .optional()?
        .is_some()
    {
        key = key.saturating_add(1);
    }
    Ok(key)
}

/// Indexes up to `max` pending rows (oldest rowid first); returns how many it took.
pub(crate) fn catch_up(c: &Connection, max: usize) -> Result<usize> {
    let pending: Vec<(i64, i64, String)> = {
        let mut stmt = c.prepare_cached(
            "SELECT rowid, sent_at, content FROM messages WHERE search_key IS NULL
             ORDER BY rowid LIMIT ?1",
        )?;
        let rows = stmt.query_map([max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if pending.is_empty() {
        return Ok(0);
    }
    let tx = c.unchecked_transaction()?;
    for (rowid, sent_at, content) in &pending {
        let content: Option<Content> = serde_json::from_str(content).ok();
        let key = match content.as_ref().and_then(body) {
            Some(text) => {
                let key = next_key(&tx, *sent_at)?;
                tx.prepare_cached("INSERT INTO search_tri (rowid, body, msg) VALUES (?1, ?2, ?3)")?
                    .execute(params![key, text, rowid])?;
                let g = grams(text);
                if !g.is_empty() {
                    tx.prepare_cached("INSERT INTO search_grams (rowid, grams) VALUES (?1, ?2)")?
                        .execute(params![key, g])?;
                }
                key
            }
            None => NO_TEXT,
        };
        tx.prepare_cached("UPDATE messages SET search_key = ?2 WHERE rowid = ?1")?
            .execute(params![rowid, key])?;
    }
    tx.commit()?;
    Ok(pending.len())
}

/// Takes message `rowid` out of the index and marks it pending again (its text or
/// time changed, or it is about to be deleted).
pub(crate) fn unindex(c: &Connection, rowid: i64) -> Result<()> {
    let key: Option<Option<i64>> = c
        .prepare_cached("SELECT search_key FROM messages WHERE rowid = ?1")?
        .query_row([rowid], |r| r.get(0))
        .optional()?;
    if let Some(Some(key)) = key {
        if key != NO_TEXT {
            c.prepare_cached("DELETE FROM search_tri WHERE rowid = ?1")?
                .execute([key])?;
            c.prepare_cached("DELETE FROM search_grams WHERE rowid = ?1")?
                .execute([key])?;
        }
        c.prepare_cached("UPDATE messages SET search_key = NULL WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

/// Columns as in `rows::MSG_SELECT`, for a search joined from the index.
const HIT_SELECT: &str = "SELECT m.conv, m.seq, m.msg_id, m.client_id, m.sender, m.sent_at,
    m.content, m.ext, m.state, m.error, COALESCE(c.peer_read_seq, 0), m.edited_at, m.reply_to,
    m.mentions";

/// Full-text search, newest first: every whitespace-separated term must occur as a
/// substring (case-insensitive). Terms of 3+ characters use the trigram index,
/// alphanumeric terms of 1–2 characters with a non-ASCII character the gram index,
/// anything else is checked with LIKE on the indexed text of the candidates. The index is brought up to date first.
/// Only in conversation `conv`, or in all (`None`).
pub(crate) fn search_in(
    c: &Connection,
    me: &UserId,
    query: &str,
    conv: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<Vec<LocalMessage>> {
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    while catch_up(c, 5_000)? > 0 {}
    let mut tri = Vec::new();
    let mut gram = Vec::new();
    let mut like = Vec::new();
    for t in &terms {
        if t.chars().count() >= 3 {
            tri.push(quote(t));
        } else if let Some(g) = gram_token(t) {
            gram.push(quote(&g));
        } else {
            like.push(format!("%{}%", like_escape(t)));
        }
    }
    let mut args: Vec<String> = Vec::new();
    let mut conds = Vec::new();
    // The driving index: its MATCH walks keys newest first and stops at the page.
    let (from, order) = if !tri.is_empty() {
        args.push(tri.join(" AND "));
        conds.push("search_tri MATCH ?1".to_string());
        // Short terms are checked on the (few) candidates instead.
        like.extend(
            terms
                .iter()
                .filter(|t| t.chars().count() < 3 && gram_token(t).is_some())
                .map(|t| format!("%{}%", like_escape(t))),
        );
        ("search_tri f", "f.rowid")
    } else if !gram.is_empty() {
        args.push(gram.join(" AND "));
        conds.push("search_grams MATCH ?1".to_string());
        (
            "search_grams g JOIN search_tri f ON f.rowid = g.rowid",
            "g.rowid",
        )
    } else {
        ("search_tri f", "f.rowid")
    };
    for l in like {
        args.push(l);
        conds.push(format!("f.body LIKE ?{} ESCAPE '\\'", args.len()));
    }
    if let Some(conv) = conv {
        args.push(conv.to_string());
        conds.push(format!("m.conv = ?{}", args.len()));
    }
    // Group messages from users I blocked are not found (see `rows::HIDDEN`).
    conds.push(format!("NOT {HIDDEN}"));
    let filter = format!("WHERE {}", conds.join(" AND "));
    let sql = format!(
        "{HIT_SELECT} FROM {from} CROSS JOIN messages m ON m.rowid = f.msg
         LEFT JOIN conversations c ON c.conv = m.conv
         {filter} ORDER BY {order} DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let params: Vec<&dyn rusqlite::ToSql> =
        args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
    let rows = stmt.query_map(params.as_slice(), MessageRow::read)?;
    rows.map(|r| r?.into_local(me)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::messages::{recall, store_server_message};
    use crate::store::outgoing::{ack, queue_message};
    use tern_proto::{ClientMsgId, ConversationId, Message, MsgId, Seq};

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }

    fn msg(conv: &ConversationId, seq: u64, sender: &str, sent_at: i64, text: &str) -> Message {
        Message {
            conv: conv.clone(),
            seq: Seq(seq),
            id: MsgId(seq),
            client_id: ClientMsgId::new(format!("{sender}{seq}")).unwrap(),
            sender: u(sender),
            sent_at,
            content: Content::Text { text: text.into() },
            ext: None,
            edited_at: None,
            reply_to: None,
            mentions: None,
        }
    }

    fn texts(c: &Connection, me: &UserId, q: &str, offset: u32, limit: u32) -> Vec<String> {
        search_in(c, me, q, None, offset, limit)
            .unwrap()
            .into_iter()
            .map(|m| match m.content {
                Content::Text { text } => text,
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn grams_are_unigrams_of_non_ascii_and_bigrams_of_alphanumerics() {
        assert_eq!(grams("龙虾很好"), "龙 虾 龙虾 很 虾很 好 很好 ");
        assert_eq!(grams("Hi, OK!"), "");
        assert_eq!(grams("a好"), "好 a好 ");
        assert_eq!(gram_token("OK"), None, "ASCII bigrams are not indexed");
        assert_eq!(gram_token("A好").as_deref(), Some("a好"));
        assert_eq!(gram_token("虾").as_deref(), Some("虾"));
        assert_eq!(
            gram_token("a"),
            None,
            "single ASCII characters are not indexed"
        );
        assert_eq!(gram_token("%"), None);
        assert_eq!(gram_token("a."), None);
    }

    /// History arrives out of time order (conversation by conversation, newest page
    /// first); results are still newest first, and pages neither skip nor repeat.
    #[test]
    fn short_terms_and_pages_are_in_time_order_whatever_the_arrival_order() {
        let dir = tempfile::tempdir().unwrap();
        let c = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        let me = u("alice");
        let a = ConversationId::direct(&me, &u("bob"));
        let b = ConversationId::direct(&me, &u("carol"));
        // (conv, seq, sender, sent_at, text), stored in this order.
        let rows: &[(&ConversationId, u64, &str, i64, &str)] = &[
            (&b, 2, "carol", 60, "我们明天吃龙虾"),
            (&b, 1, "carol", 20, "ok 我们走"),
            (&a, 3, "bob", 50, "龙虾太贵了 OK"),
            (&a, 2, "bob", 40, "no thanks"),
            (&a, 1, "bob", 10, "我们好"),
            (&b, 3, "carol", 60, "虾"),
            (&a, 4, "bob", 30, "token 我们"),
        ];
        for (conv, seq, sender, at, text) in rows {
            store_server_message(&c, &me, &msg(conv, *seq, sender, *at, text)).unwrap();
        }
        // 2-character CJK term: the gram index, newest first (equal times: later first).
        assert_eq!(
            texts(&c, &me, "我们", 0, 10),
            ["我们明天吃龙虾", "token 我们", "ok 我们走", "我们好"]
        );
        // 1-character CJK term.
        assert_eq!(
            texts(&c, &me, "虾", 0, 10),
            ["虾", "我们明天吃龙虾", "龙虾太贵了 OK"]
        );
        // English 2-letter term: a substring, case-insensitive ("token" has "ok").
        assert_eq!(
            texts(&c, &me, "ok", 0, 10),
            ["龙虾太贵了 OK", "token 我们", "ok 我们走"]
        );
        // Single ASCII letter: LIKE over the indexed text, still newest first.
        assert_eq!(texts(&c, &me, "x", 0, 10), Vec::<String>::new());
        assert_eq!(texts(&c, &me, "k", 0, 2), ["龙虾太贵了 OK", "no thanks"]);
        // Mixed: a 3+ term drives, short terms are checked on its candidates.
        assert_eq!(texts(&c, &me, "ok 我们 tok", 0, 10), ["token 我们"]);
        assert_eq!(texts(&c, &me, "我们 龙虾", 0, 10), ["我们明天吃龙虾"]);
        // Paging: pages of 1 walk the same order without gaps or repeats.
        let paged: Vec<String> = (0..5).flat_map(|p| texts(&c, &me, "我们", p, 1)).collect();
        assert_eq!(paged, texts(&c, &me, "我们", 0, 10));
        // A recalled message leaves the index; a message stored later is found.
        recall(&c, &me, &b, Seq(3), &u("carol"), 70).unwrap();
        assert_eq!(texts(&c, &me, "虾", 0, 10).len(), 2);
        store_server_message(&c, &me, &msg(&a, 5, "bob", 5, "虾仁")).unwrap();
        assert_eq!(texts(&c, &me, "虾", 0, 10).last().unwrap(), "虾仁");
    }

    /// My own message is indexed with its local time, then moves to the server's.
    #[test]
    fn an_acked_message_moves_to_the_server_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        let me = u("alice");
        let a = ConversationId::direct(&me, &u("bob"));
        store_server_message(&c, &me, &msg(&a, 1, "bob", 100, "好 first")).unwrap();
        let cid = ClientMsgId::new("mine").unwrap();
        let text = Content::Text {
            text: "好 mine".into(),
        };
        queue_message(&mut c, &me, &a, &cid, &text, None, 50).unwrap();
        assert_eq!(texts(&c, &me, "好", 0, 10), ["好 first", "好 mine"]);
        ack(&mut c, &me, &cid, Seq(2), MsgId(2), 200).unwrap();
        assert_eq!(texts(&c, &me, "好", 0, 10), ["好 mine", "好 first"]);
        let pending: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM messages WHERE search_key IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(pending, 0, "search catches the index up first");
    }
}
