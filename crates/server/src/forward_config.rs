//! The `forward` caps (docs/configuration.md, docs/protocol.md § 5.4
//! "forward"): how many messages one forward may name, to how many
//! conversations, how many copies a one-by-one forward may create, and how
//! deep chat histories may nest. Flags and `TERN_*` variables as everywhere;
//! top-level keys in the TOML file; announced in `hello`'s limits.

use serde::Deserialize;
use tern_proto::forward::{
    MAX_FORWARD_COPIES, MAX_FORWARD_MESSAGES, MAX_FORWARD_TARGETS, MAX_HISTORY_BYTES,
    MAX_HISTORY_DEPTH,
};

/// The highest `max_history_bytes` accepted (8 MiB).
pub const MAX_HISTORY_BYTES_CAP: u32 = 8 * 1024 * 1024;

/// The resolved forward caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardSettings {
    /// Most messages one `forward` may name (default 100).
    pub max_messages: u32,
    /// Most target conversations per `forward` (default 10).
    pub max_targets: u32,
    /// Most messages a one-by-one `forward` may create, messages × targets
    /// (default 50).
    pub max_copies: u32,
    /// How deep chat histories may nest (default 3).
    pub max_depth: u32,
    /// The largest chat history a merged forward may create: its content's JSON,
    /// in bytes (default 256 KiB).
    pub max_history_bytes: u32,
}

impl Default for ForwardSettings {
    fn default() -> Self {
        Self {
            max_messages: MAX_FORWARD_MESSAGES as u32,
            max_targets: MAX_FORWARD_TARGETS as u32,
            max_copies: MAX_FORWARD_COPIES as u32,
            max_depth: MAX_HISTORY_DEPTH as u32,
            max_history_bytes: MAX_HISTORY_BYTES as u32,
        }
    }
}

/// Forward flags, flattened into `tern-server`'s command line.
#[derive(Debug, Default, clap::Args)]
pub struct ForwardArgs {
    /// Most messages one forward may name [default: 100]
    #[arg(long, env = "TERN_MAX_FORWARD_MESSAGES")]
    pub max_forward_messages: Option<u32>,
    /// Most target conversations of one forward [default: 10]
    #[arg(long, env = "TERN_MAX_FORWARD_TARGETS")]
    pub max_forward_targets: Option<u32>,
    /// Most messages a one-by-one forward may create (messages × targets) [default: 50]
    #[arg(long, env = "TERN_MAX_FORWARD_COPIES")]
    pub max_forward_copies: Option<u32>,
    /// How deep chat histories (merged forwards) may nest [default: 3]
    #[arg(long, env = "TERN_MAX_HISTORY_DEPTH")]
    pub max_history_depth: Option<u32>,
    /// The largest chat history a merged forward may create, its JSON in bytes [default: 262144]
    #[arg(long, env = "TERN_MAX_HISTORY_BYTES")]
    pub max_history_bytes: Option<u32>,
}

/// The forward keys of the TOML file (top level, same names as the flags).
#[derive(Debug, Default, Deserialize)]
#[allow(missing_docs)] // each field is the flag of the same name
pub struct ForwardFile {
    pub max_forward_messages: Option<u32>,
    pub max_forward_targets: Option<u32>,
    pub max_forward_copies: Option<u32>,
    pub max_history_depth: Option<u32>,
    pub max_history_bytes: Option<u32>,
}

impl ForwardSettings {
    /// Flags (and env) over the file over the defaults; every cap must be ≥ 1.
    pub fn resolve(a: ForwardArgs, f: ForwardFile) -> Result<Self, String> {
        let d = Self::default();
        let s = Self {
            max_messages: a
                .max_forward_messages
                .or(f.max_forward_messages)
                .unwrap_or(d.max_messages),
            max_targets: a
                .max_forward_targets
                .or(f.max_forward_targets)
                .unwrap_or(d.max_targets),
            max_copies: a
                .max_forward_copies
                .or(f.max_forward_copies)
                .unwrap_or(d.max_copies),
            max_depth: a
                .max_history_depth
                .or(f.max_history_depth)
                .unwrap_or(d.max_depth),
            max_history_bytes: a
                .max_history_bytes
                .or(f.max_history_bytes)
                .unwrap_or(d.max_history_bytes),
        };
        for (name, v) in [
            ("max_forward_messages", s.max_messages),
            ("max_forward_targets", s.max_targets),
            ("max_forward_copies", s.max_copies),
            ("max_history_depth", s.max_depth),
            ("max_history_bytes", s.max_history_bytes),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        // One chat history travels whole in one WebSocket message; clients
        // take 16 MiB at most (tungstenite's default frame limit).
        if s.max_history_bytes > MAX_HISTORY_BYTES_CAP {
            return Err(format!(
                "max_history_bytes must be at most {MAX_HISTORY_BYTES_CAP} (8 MiB; got {})",
                s.max_history_bytes
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_zero_is_refused() {
        let a = ForwardArgs {
            max_forward_messages: Some(7),
            ..ForwardArgs::default()
        };
        let f = ForwardFile {
            max_forward_messages: Some(9),
            max_history_depth: Some(1),
            ..ForwardFile::default()
        };
        let s = ForwardSettings::resolve(a, f).unwrap();
        assert_eq!((s.max_messages, s.max_depth), (7, 1));
        let big = |n| ForwardFile {
            max_history_bytes: Some(n),
            ..ForwardFile::default()
        };
        assert!(
            ForwardSettings::resolve(ForwardArgs::default(), big(MAX_HISTORY_BYTES_CAP)).is_ok()
        );
        let e = ForwardSettings::resolve(ForwardArgs::default(), big(MAX_HISTORY_BYTES_CAP + 1))
            .unwrap_err();
        assert!(e.contains("max_history_bytes must be at most"), "{e}");
        assert_eq!((s.max_targets, s.max_copies), (10, 50));
        let zero = ForwardFile {
            max_forward_copies: Some(0),
            ..ForwardFile::default()
        };
        let e = ForwardSettings::resolve(ForwardArgs::default(), zero).unwrap_err();
        assert!(e.contains("max_forward_copies"), "{e}");
    }
}
