//! tern-server's integration tests: the real server on a real socket, on SQLite (or PostgreSQL with TERN_TEST_DATABASE, as a cluster with TERN_TEST_CLUSTER; see scripts/test-postgres.sh and scripts/test-cluster.sh).
//!
//! One test binary for the crate (linking one per scenario cost minutes of CI):
//! each module below is one scenario, its tests named as before under the
//! module's name, so `cargo test -p <crate> --test it -- <scenario>::` runs one.

// A failed step fails the test: unwrapping is how these tests say so.
#![allow(clippy::unwrap_used)]

// Shared helpers.
mod admin_rooms_support;
mod admin_support;
mod cluster_support;
mod common;
mod groups_support;
mod rooms_support;
mod webhook_support;

// Scenarios.
mod accounts;
mod admin_auth;
mod admin_bans;
mod admin_conversations;
mod admin_fuzz_findings;
mod admin_group_notices;
mod admin_groups;
mod admin_groups_manage;
mod admin_messages;
mod admin_openapi;
mod admin_room_members;
mod admin_rooms;
mod admin_sessions;
mod admin_tokens;
mod admin_users;
mod admin_users_manage;
mod bad_input;
mod blacklist;
mod changelog_compaction;
mod cluster;
mod cluster_failover;
mod cluster_fault;
mod cluster_interest;
mod cluster_nginx;
mod config_doc;
mod conv_settings;
mod conv_settings_edges;
mod database_outage;
mod doc_edges;
mod fault_injection;
mod files_http;
mod friends_flow;
mod group_commit;
mod groups_basic;
mod groups_fanout;
mod groups_files;
mod groups_membership;
mod groups_messages;
mod groups_roles;
mod messaging;
mod multi_device;
mod multi_process;
mod offline_catch_up;
mod process_settings;
mod protocol_doc;
mod read_state;
mod recall;
mod restart_persistence;
mod rich_edit;
mod rich_forward;
mod rich_forward_caps;
mod rich_forward_recall;
mod rich_mentions;
mod rich_pins;
mod rich_reactions;
mod rich_read_by;
mod rich_reply;
mod rich_reply_mentions;
mod rooms;
mod rooms_blocks;
mod rooms_presence;
mod security_accounts;
mod security_answer_size;
mod security_connections;
mod security_files;
mod security_group_rate;
mod security_groups;
mod security_history;
mod security_login;
mod security_presence_flood;
mod security_recall_scan;
mod security_revocation;
mod security_slow_reader;
mod security_social_rate;
mod send_after;
mod session_edges;
mod shared_database;
mod shutdown_inflight;
mod tls;
mod typing;
mod upgrade;
mod webhooks_after;
mod webhooks_before;
mod webhooks_before_scope;
mod webhooks_cluster;
mod webhooks_crash;
mod webhooks_crash_events;
