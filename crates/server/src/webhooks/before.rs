//! Before-events: the request waits for each endpoint that wants the event,
//! in configuration order. Answers (JSON, status 2xx):
//! `{"action":"allow"}`, `{"action":"reject","reason":"…"}` (the sender gets
//! `Rejected`, 4007, with the reason as message), `{"action":"rewrite",
//! "text":"…"}` (the event's text is replaced; the next endpoint sees the new
//! one). A timeout, a non-2xx status or an answer that does not parse is a
//! failure, decided by the endpoint's `on_failure`.

use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::{ErrorCode, WireError};

use super::Webhooks;
use crate::storage::now_ms;
use crate::webhook_config::FailurePolicy;

/// Longest reason passed on to the sender, in characters.
const MAX_REASON: usize = 256;

#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum Answer {
    Allow,
    Reject {
        #[serde(default)]
        reason: Option<String>,
    },
    Rewrite {
        text: String,
    },
}

impl Webhooks {
    /// Asks the endpoints that want before-event `event` about `data`, whose
    /// free text (if any) is `text`. `Ok(Some(new))` when they rewrote the
    /// text, `Ok(None)` when it stands, `Err(Rejected)` when one refused.
    pub async fn before(
        &self,
        event: &str,
        mut data: Value,
        text: Option<&str>,
    ) -> Result<Option<String>, WireError> {
        let mut current = text.map(str::to_string);
        let mut rewritten = false;
        for hook in self.hooks.iter().filter(|h| h.wants(event)) {
            if let (Some(t), Some(obj)) = (&current, data.as_object_mut()) {
                obj.insert("text".into(), Value::String(t.clone()));
                // A message's `content` holds its text too: the next endpoint
                // sees the rewritten text there as well.
                if let Some(Value::Object(content)) = obj.get_mut("content") {
                    if content.contains_key("text") {
                        content.insert("text".into(), Value::String(t.clone()));
                    }
                }
            }
            let body = json!({ "event": event, "time": now_ms(), "data": data }).to_string();
            let answer = match self.post(hook, event, None, body).await {
                Ok(bytes) => serde_json::from_slice::<Answer>(&bytes).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match answer {
                Ok(Answer::Allow) => {}
                Ok(Answer::Reject { reason }) => {
                    let reason = reason
                        .filter(|r| !r.trim().is_empty())
                        .unwrap_or_else(|| "refused by the server's moderation".into());
                    let reason: String = reason.chars().take(MAX_REASON).collect();
                    return Err(WireError::new(ErrorCode::Rejected, reason));
                }
                Ok(Answer::Rewrite { text }) => {
                    if current.is_some() {
                        current = Some(text);
                        rewritten = true;
                    }
                }
                Err(why) => {
                    tracing::warn!(endpoint = %hook.name, event, error = %why,
                        policy = ?hook.on_failure, "before-hook failed");
                    if hook.on_failure == FailurePolicy::Reject {
                        return Err(WireError::new(
                            ErrorCode::Rejected,
                            "the server's moderation did not answer; try again later",
                        ));
                    }
                }
            }
        }
        Ok(current.filter(|_| rewritten))
    }
}
