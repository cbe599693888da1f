//! What sync has applied and announced: the change-log lock and high-water
//! mark, the unread counts last announced, and the chat rooms joined.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tern_proto::{ConversationId, RoomId};

use crate::event::Event;

/// See the module documentation.
pub(crate) struct Marks {
    /// Serialises applying the change log (pushes and API calls both do it).
    changes: tokio::sync::Mutex<()>,
    /// Highest change-log version this process has announced as events
    /// (another process sharing the cache, e.g. a second `tern-cli`, may have
    /// applied it first).
    announced: AtomicU64,
    /// Per conversation, and the total (`None` until first announced).
    unread: Mutex<(HashMap<ConversationId, u64>, Option<u64>)>,
    /// Memory only: joined again after a reconnect, in case the server dropped
    /// me meanwhile.
    rooms: Mutex<BTreeSet<RoomId>>,
}

impl Marks {
    /// Starts from the unread counts in the cache.
    pub(crate) fn new(unread: HashMap<ConversationId, u64>) -> Self {
        Self {
            changes: tokio::sync::Mutex::new(()),
            announced: AtomicU64::new(0),
            unread: Mutex::new((unread, None)),
            rooms: Mutex::default(),
        }
    }

    /// Held while applying changes from the change log.
    pub(crate) async fn applying(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.changes.lock().await
    }

    /// The highest version announced so far.
    pub(crate) fn announced(&self) -> u64 {
        self.announced.load(Ordering::Relaxed)
    }

    /// The version the cache held when this process first synced counts as
    /// announced (by whoever applied it).
    pub(crate) fn announce_first(&self, version: u64) {
        let _ = self
            .announced
            .compare_exchange(0, version, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Records `version` as announced; true if it is newer than any before.
    pub(crate) fn announce(&self, version: u64) -> bool {
        self.announced.fetch_max(version, Ordering::Relaxed) < version
    }

    /// A conversation's unread count is `unread` now: the events that say
    /// what changed (its count, the total), if anything did.
    pub(crate) fn set_unread(&self, conv: &ConversationId, unread: u64) -> Vec<Event> {
        let mut cache = self.unread.lock();
        let mut events = Vec::new();
        if cache.0.insert(conv.clone(), unread) != Some(unread) {
            events.push(Event::UnreadChanged {
                conv: conv.clone(),
                unread,
            });
        }
        total_changed(&mut cache, &mut events);
        events
    }

    /// A conversation left the list: the events for its count and the total.
    pub(crate) fn drop_unread(&self, conv: &ConversationId) -> Vec<Event> {
        let mut cache = self.unread.lock();
        let mut events = Vec::new();
        if cache.0.remove(conv).is_some_and(|n| n > 0) {
            events.push(Event::UnreadChanged {
                conv: conv.clone(),
                unread: 0,
            });
        }
        total_changed(&mut cache, &mut events);
        events
    }

    /// The rooms joined in this session.
    pub(crate) fn rooms(&self) -> Vec<RoomId> {
        self.rooms.lock().iter().cloned().collect()
    }

    /// Whether `room` is one of them.
    pub(crate) fn in_room(&self, room: &RoomId) -> bool {
        self.rooms.lock().contains(room)
    }

    /// Joined `room`.
    pub(crate) fn joined(&self, room: RoomId) {
        self.rooms.lock().insert(room);
    }

    /// Left `room` (or was dropped from it); true if it was listed.
    pub(crate) fn left(&self, room: &RoomId) -> bool {
        self.rooms.lock().remove(room)
    }
}

/// Appends `TotalUnreadChanged` when the sum differs from the last announced.
fn total_changed(cache: &mut (HashMap<ConversationId, u64>, Option<u64>), events: &mut Vec<Event>) {
    let total = cache.0.values().sum::<u64>();
    if cache.1 != Some(total) {
        cache.1 = Some(total);
        events.push(Event::TotalUnreadChanged { total });
    }
}
