//! tern-cli's integration tests: the real `tern` binary against a real tern-server.
//!
//! One test binary for the crate (linking one per scenario cost minutes of CI):
//! each module below is one scenario, its tests named as before under the
//! module's name, so `cargo test -p <crate> --test it -- <scenario>::` runs one.

// A failed step fails the test: unwrapping is how these tests say so.
#![allow(clippy::unwrap_used)]

// Shared helpers.
mod common;

// Scenarios.
mod avatar_cli;
mod conv_settings_cli;
mod data_dir_is_private;
mod failed_messages_cli;
mod files_cli;
mod forward_cli;
mod groups_cli;
mod listen_exits_when_session_ends;
mod listen_while_other_sends;
mod offline_cache_and_usage;
mod outbox_survives_kill;
mod passwd_and_sign_out_others;
mod rich_cli;
mod rooms_cli;
mod untrusted_certificate;
