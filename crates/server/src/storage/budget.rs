//! The byte budget of one answer that lists stored content (`pull`,
//! `history`, `edits`, and the last messages of `conversations`): counted
//! from the stored JSON as rows are read, so a page of 500 messages of 64 KiB
//! each, or of 500 chat histories of 256 KiB, is neither built nor sent whole.
//! A clipped page still holds at least one item, and each of these requests
//! pages by position (seq or version), so the client asks again from where the
//! answer stopped.

/// Most bytes of stored content (plus [`PER_ITEM`] each) one answer carries
/// before it ends early. Far below what WebSocket clients accept in one
/// message (tungstenite's default frame limit is 16 MiB).
pub const ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// What each item is counted for besides its stored JSON (ids, seq, times).
pub const PER_ITEM: usize = 256;

/// Counts the items of one answer against [`ANSWER_BYTES`].
#[derive(Debug, Default)]
pub struct Budget {
    used: usize,
}

impl Budget {
    /// Whether an item whose stored JSON is `bytes` long still goes in; the
    /// first item always does. Once this says no, the answer ends there.
    pub fn admits(&mut self, bytes: usize) -> bool {
        let cost = bytes.saturating_add(PER_ITEM);
        if self.used > 0 && self.used.saturating_add(cost) > ANSWER_BYTES {
            return false;
        }
        self.used = self.used.saturating_add(cost);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_item_always_fits_and_the_rest_stop_at_the_budget() {
        let mut b = Budget::default();
        assert!(b.admits(ANSWER_BYTES * 3), "one oversized item still goes");
        assert!(!b.admits(0));
        let mut b = Budget::default();
        let item = 64 * 1024;
        let n = (0..1_000).take_while(|_| b.admits(item)).count();
        assert_eq!(n, ANSWER_BYTES / (item + PER_ITEM));
        assert!(!b.admits(item));
    }
}
