//! How far the deferred full-text index (see `search`) has caught up, readable
//! at any time without waiting for the database thread: a search issued while
//! thousands of messages are still pending shows "Indexing 12,000 of 40,000
//! messages…" instead of waiting silently ([`crate::Client::search_index_state`]).
//!
//! A *run* starts when pending rows are found (their count is taken from the
//! partial index `messages_unindexed`) and ends when none are left; every chunk
//! indexed, by the idle indexer or by a search catching up first, adds to it.

use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;

use super::search;
use crate::error::Result;
use crate::types::SearchIndexState;

/// Messages a search indexes per database job while catching up (each job takes
/// a few tens of ms; other jobs and progress reads run in between).
pub(crate) const SEARCH_INDEX_CHUNK: usize = 2_000;

/// The current indexing run's counters (both zero when the index is up to date).
#[derive(Debug, Default)]
pub(crate) struct IndexProgress {
    /// Messages indexed since the run began.
    indexed: AtomicU64,
    /// Messages still pending, as last counted.
    pending: AtomicU64,
}

fn count_pending(c: &Connection) -> Result<u64> {
    let n: i64 = c
        .prepare_cached("SELECT count(*) FROM messages WHERE search_key IS NULL")?
        .query_row([], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

impl IndexProgress {
    /// Where the index stands: indexing (with done / total of this run) or up to date.
    pub(crate) fn state(&self) -> SearchIndexState {
        let pending = self.pending.load(Ordering::SeqCst);
        let indexed = self.indexed.load(Ordering::SeqCst);
        SearchIndexState {
            indexing: pending > 0,
            indexed,
            total: indexed + pending,
        }
    }

    fn finish(&self) {
        self.pending.store(0, Ordering::SeqCst);
        self.indexed.store(0, Ordering::SeqCst);
    }

    /// Counts the pending messages (a run begins if there are any); returns the count.
    pub(crate) fn begin(&self, c: &Connection) -> Result<u64> {
        let n = count_pending(c)?;
        if n == 0 {
            self.finish();
        } else {
            self.pending.store(n, Ordering::SeqCst);
        }
        Ok(n)
    }

    /// Indexes up to `max` pending messages and records it; returns how many it took.
    pub(crate) fn catch_up(&self, c: &Connection, max: usize) -> Result<usize> {
        let n = search::catch_up(c, max)?;
        if n == 0 {
            self.finish();
            return Ok(0);
        }
        let left = count_pending(c)?;
        if left == 0 {
            self.finish();
        } else {
            self.indexed.fetch_add(n as u64, Ordering::SeqCst);
            self.pending.store(left, Ordering::SeqCst);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tern_proto::{ClientMsgId, Content, ConversationId, Message, MsgId, Seq, UserId};

    use super::*;
    use crate::store::messages::store_server_messages;
    use crate::store::Db;

    fn batch(me: &UserId, from: u64, n: u64) -> Vec<Message> {
        let bob = UserId::new("bob").unwrap();
        let conv = ConversationId::direct(me, &bob);
        (from..from + n)
            .map(|i| Message {
                conv: conv.clone(),
                seq: Seq(i),
                id: MsgId(i),
                client_id: ClientMsgId::new(format!("b{i}")).unwrap(),
                sender: bob.clone(),
                sent_at: 1_000 + i as i64,
                content: Content::Text {
                    text: format!("message {i} 龙虾 lobster"),
                },
                ext: None,
                edited_at: None,
                reply_to: None,
                mentions: None,
            })
            .collect()
    }

    /// 40,000 messages arrive unindexed; a search catching the index up reports
    /// its progress (done < total, rising) to a reader on another task, and the
    /// state is "up to date" once the search has its results.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_behind_the_index_reports_progress_then_results() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).await.unwrap();
        let me = UserId::new("alice").unwrap();
        let total = 40_000u64;
        for start in (1..=total).step_by(10_000) {
            let (me, b) = (me.clone(), batch(&me, start, 10_000));
            db.call(move |c| store_server_messages(c, &me, &b).map(drop))
                .await
                .unwrap();
        }
        assert!(!db.index_state().indexing || db.index_state().total <= total);

        let watcher = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..20_000 {
                    let s = db.index_state();
                    if s.indexing {
                        seen.push(s);
                    } else if !seen.is_empty() {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                seen
            })
        };
        let me2 = me.clone();
        db.catch_up_index().await.unwrap();
        let hits = db
            .call(move |c| search::search_in(c, &me2, "lobster 龙虾", None, 0, 20))
            .await
            .unwrap();
        assert_eq!(hits.len(), 20);
        let seen = watcher.await.unwrap();
        assert!(!seen.is_empty(), "no progress was reported while indexing");
        let mid = seen.iter().find(|s| s.indexed > 0 && s.indexed < s.total);
        assert!(mid.is_some(), "no partial progress seen: {seen:?}");
        assert!(seen
            .iter()
            .all(|s| s.total <= total && s.indexed <= s.total));
        assert!(
            seen.windows(2).all(|w| w[0].indexed <= w[1].indexed),
            "progress went back: {seen:?}"
        );
        assert_eq!(
            db.index_state(),
            SearchIndexState {
                indexing: false,
                indexed: 0,
                total: 0
            }
        );
    }

    #[test]
    fn a_run_counts_what_is_pending_and_ends_when_nothing_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = crate::store::schema::open(&dir.path().join("t.db")).unwrap();
        let me = UserId::new("alice").unwrap();
        store_server_messages(&mut c, &me, &batch(&me, 1, 30)).unwrap();
        let p = Arc::new(IndexProgress::default());
        assert!(!p.state().indexing);
        assert_eq!(p.begin(&c).unwrap(), 30);
        assert_eq!((p.state().indexed, p.state().total), (0, 30));
        assert_eq!(p.catch_up(&c, 10).unwrap(), 10);
        let s = p.state();
        assert!(s.indexing);
        assert_eq!((s.indexed, s.total), (10, 30));
        // More arrive meanwhile: the total grows, what is done stays.
        store_server_messages(&mut c, &me, &batch(&me, 31, 5)).unwrap();
        p.catch_up(&c, 10).unwrap();
        assert_eq!((p.state().indexed, p.state().total), (20, 35));
        while p.catch_up(&c, 10).unwrap() > 0 {}
        assert!(!p.state().indexing);
        assert_eq!(p.state().total, 0);
    }
}
