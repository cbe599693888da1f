//! Settings that would switch a limit or a protection off (a 0 count, size or
//! timeout) are refused at startup, naming the setting (docs/configuration.md
//! gives each one's range; docs/security.md says why).

use super::Config;

/// The highest `max_frame_bytes` accepted (4 MiB).
pub(super) const MAX_FRAME_BYTES_CAP: usize = 4 * 1024 * 1024;

/// Refuses a configuration whose limits include a 0 (or a rate that is not a
/// positive number).
pub(super) fn no_protection_off(c: &Config) -> Result<(), String> {
    let at_least_one = [
        (
            "max_reactions_per_message",
            u64::from(c.max_reactions_per_message),
        ),
        ("reactions_per_minute", u64::from(c.reactions_per_minute)),
        (
            "group_actions_per_minute",
            u64::from(c.group_actions_per_minute),
        ),
        (
            "social_actions_per_minute",
            u64::from(c.social_actions_per_minute),
        ),
        ("max_pins", u64::from(c.max_pins)),
        ("max_frame_bytes", c.max_frame_bytes as u64),
        ("max_text_chars", c.max_text_chars as u64),
        ("max_page", u64::from(c.max_page)),
        ("idle_timeout_secs", c.idle_timeout.as_secs()),
        ("webhook_queue_max", c.webhook_queue_max),
    ];
    for (name, v) in at_least_one {
        if v == 0 {
            return Err(format!("{name} must be at least 1"));
        }
    }
    // A frame a client sends comes back whole in pushes and pages; clients
    // take 16 MiB in one WebSocket message at most (tungstenite's default).
    if c.max_frame_bytes > MAX_FRAME_BYTES_CAP {
        return Err(format!(
            "max_frame_bytes must be at most {MAX_FRAME_BYTES_CAP} (4 MiB; got {})",
            c.max_frame_bytes
        ));
    }
    // NaN, infinities and negatives are refused alike.
    if !(c.rate_per_sec.is_finite() && c.rate_per_sec > 0.0) {
        return Err(format!(
            "rate_per_sec must be a number above 0 (got {})",
            c.rate_per_sec
        ));
    }
    if !(c.rate_burst.is_finite() && c.rate_burst >= 1.0) {
        return Err(format!(
            "rate_burst must be at least 1 (got {})",
            c.rate_burst
        ));
    }
    Ok(())
}
