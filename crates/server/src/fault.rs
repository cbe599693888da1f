//! Failure points for crash tests. With `TERN_FAULT_POINT=<name>` in its
//! environment the process aborts (no cleanup, no answer, like `kill -9`)
//! the first time it reaches point `name`. Without the variable a point is
//! one comparison against a value read once.
//!
//! Points: `after_send_commit`, `after_recall_commit`, `after_edit_commit` —
//! the write is committed, nothing has been answered or woken yet (where a
//! webhook event queued after the commit used to be lost; see docs/webhooks.md);
//! `after_event_commit` — the same after any write that queued a user, friend
//! or group after-event in its transaction (`Webhooks::in_tx`).

use std::sync::OnceLock;

static POINT: OnceLock<Option<String>> = OnceLock::new();

/// Aborts the process when `TERN_FAULT_POINT` is `name`.
pub fn point(name: &str) {
    let armed = POINT.get_or_init(|| std::env::var("TERN_FAULT_POINT").ok());
    if armed.as_deref() == Some(name) {
        eprintln!("tern-server: fault point `{name}` reached: aborting (TERN_FAULT_POINT)");
        std::process::abort();
    }
}
