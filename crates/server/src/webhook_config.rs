//! The `[[webhooks]]` tables of the TOML file (docs/webhooks.md): endpoints
//! that hear of events after they happen and may veto or rewrite some before.

use std::time::Duration;

use serde::Deserialize;

/// Before-events: the server waits for the endpoint's answer.
pub const BEFORE_EVENTS: [&str; 4] = [
    "message.send",
    "friend.apply",
    "group.join",
    "profile.update",
];

/// After-events: queued, numbered per endpoint, delivered at least once in order.
pub const AFTER_EVENTS: [&str; 14] = [
    "message.stored",
    "message.recalled",
    "message.edited",
    "user.online",
    "user.offline",
    "user.created",
    "user.deleted",
    "friend.applied",
    "friend.answered",
    "friend.deleted",
    "group.created",
    "group.joined",
    "group.left",
    "group.dismissed",
];

/// What a before-hook that times out or fails decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Go ahead as if the hook had allowed it.
    #[default]
    Allow,
    /// Refuse the action (`Rejected`, 4007).
    Reject,
}

/// One endpoint.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Its name: 1 to 64 ASCII letters, digits, `_`, `-`; numbers its queue.
    pub name: String,
    /// Where events are POSTed (`http://` or `https://`).
    pub url: String,
    /// HMAC-SHA256 key of the `X-Tern-Signature` header (at least 16 bytes).
    pub secret: String,
    /// Which events it gets (names in [`BEFORE_EVENTS`] and [`AFTER_EVENTS`]).
    pub events: Vec<String>,
    /// How long one request may take, in milliseconds (default 2000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// What a before-hook's timeout or failure decides (default `allow`).
    #[serde(default)]
    pub on_failure: FailurePolicy,
}

fn default_timeout_ms() -> u64 {
    2000
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("events", &self.events)
            .field("timeout_ms", &self.timeout_ms)
            .field("on_failure", &self.on_failure)
            .finish()
    }
}

impl WebhookConfig {
    /// A hook for tests and code: every given event, default timeout and policy.
    pub fn new(name: &str, url: &str, secret: &str, events: &[&str]) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            secret: secret.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            timeout_ms: default_timeout_ms(),
            on_failure: FailurePolicy::Allow,
        }
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Whether it wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// Checks the endpoints: names valid and unique, URLs http(s), secrets long
/// enough, events known, timeouts 1 ms to 60 s.
pub fn check(hooks: &[WebhookConfig]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for h in hooks {
        let n = &h.name;
        let ok = !n.is_empty()
            && n.len() <= 64
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(format!(
                "webhook name `{n}`: 1 to 64 ASCII letters, digits, '_' or '-'"
            ));
        }
        if !seen.insert(n.clone()) {
            return Err(format!("webhook name `{n}` is used twice"));
        }
        if !(h.url.starts_with("http://") || h.url.starts_with("https://")) {
            return Err(format!(
                "webhook `{n}`: url must start with http:// or https://"
            ));
        }
        if h.secret.len() < 16 {
            return Err(format!("webhook `{n}`: secret must have at least 16 bytes"));
        }
        if h.events.is_empty() {
            return Err(format!(
                "webhook `{n}`: events must name at least one event"
            ));
        }
        for e in &h.events {
            if !BEFORE_EVENTS.contains(&e.as_str()) && !AFTER_EVENTS.contains(&e.as_str()) {
                return Err(format!(
                    "webhook `{n}`: unknown event `{e}` (see docs/webhooks.md)"
                ));
            }
        }
        if !(1..=60_000).contains(&h.timeout_ms) {
            return Err(format!("webhook `{n}`: timeout_ms must be 1 to 60000"));
        }
    }
    Ok(())
}
