//! tern-core's integration tests: the SDK against a real tern-server (or a scripted one where timing must be chosen).
//!
//! One test binary for the crate (linking one per scenario cost minutes of CI):
//! each module below is one scenario, its tests named as before under the
//! module's name, so `cargo test -p <crate> --test it -- <scenario>::` runs one.

// A failed step fails the test: unwrapping is how these tests say so.
#![allow(clippy::unwrap_used)]

// Shared helpers.
mod common;
mod scripted;

// Scenarios.
mod cache_dirs_private_and_per_server;
mod conv_settings_two_devices;
mod delete_failed_message;
mod files_transfer;
mod friends_chat_and_blacklist;
mod group_join_catch_up_live;
mod group_member_notices_persist;
mod group_messages_from_blocked_hidden;
mod groups_offline_replay;
mod groups_three_clients;
mod handoff_live_since;
mod heartbeat_keeps_idle_connection;
mod history_pages_from_server;
mod hostile_images;
mod kicked_offline;
mod large_messages_sync;
mod offline_catch_up;
mod offline_receipts_and_recalls;
mod outbox_order_under_rate_limit;
mod outbox_pipelined_throughput;
mod push_gap_triggers_pull;
mod rich_edit_converges;
mod rich_forward_mentions;
mod rich_pins_converge;
mod rich_reactions_converge;
mod rich_read_by;
mod rich_reply_mentions;
mod rich_reply_quotes;
mod room_dropped_rejoin;
mod rooms_live;
mod search_cjk_and_english;
mod send_fails_then_resend;
mod snapshot_cut_short;
mod sync_pulls_chats_at_once;
mod tls_wss_and_https;
mod token_expires_while_connected;
mod two_devices_stay_consistent;
mod typed_call_answers;
mod wake_resync_replaces_dead_connection;
