//! Settings that follow the user across devices: per-conversation settings
//! (`edit_conv`, `get_conv_settings`) and account-wide notification settings
//! (`get_settings`, `set_settings`). Validation here; the storage transaction
//! checks that the conversation is the user's and appends the change-log entry.

use tern_proto::settings::MAX_DRAFT_SKEW_MS;
use tern_proto::{AccountSettings, ConvEdit, ConvSettings, ConversationId, UserId};

use super::{check_len, invalid, ServiceResult};
use crate::state::Shared;
use crate::storage::now_ms;

/// Checks `edit`'s arguments against the server's limits and clock.
fn validate_edit(s: &Shared, edit: &ConvEdit, now: i64) -> ServiceResult<()> {
    match edit {
        ConvEdit::Mute { until: Some(u) } if *u <= now => Err(invalid(format!(
            "`until` ({u}) is not in the future; unmute instead"
        ))),
        ConvEdit::Draft { text, edited_at } => {
            check_len("text", text, s.config.max_text_chars)?;
            if *edited_at <= 0 || *edited_at > now + MAX_DRAFT_SKEW_MS {
                return Err(invalid(format!(
                    "`edited_at` ({edited_at}) must be a time in ms, at most {} s ahead of the server",
                    MAX_DRAFT_SKEW_MS / 1000
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Applies `edit` to `me`'s settings of `conv`; every device of mine hears of it.
pub async fn edit_conv(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    edit: &ConvEdit,
) -> ServiceResult<ConvSettings> {
    let now = now_ms();
    validate_edit(s, edit, now)?;
    Ok(s.store.edit_conv(me, conv, edit, now).await?)
}

/// `me`'s settings of every conversation that has any.
pub async fn conv_settings(s: &Shared, me: &UserId) -> ServiceResult<Vec<ConvSettings>> {
    Ok(s.store.conv_settings(me).await?)
}

/// `me`'s account settings.
pub async fn account_settings(s: &Shared, me: &UserId) -> ServiceResult<AccountSettings> {
    Ok(s.store.account_settings(me).await?)
}

/// Checks a do-not-disturb schedule: `HH:MM` times, distinct, days, and a
/// time zone the server's time-zone database knows.
fn validate_settings(settings: &AccountSettings) -> ServiceResult<()> {
    if let Some(dnd) = &settings.dnd {
        dnd.check_shape().map_err(invalid)?;
        if jiff::tz::TimeZone::get(&dnd.tz).is_err() {
            return Err(invalid(format!(
                "dnd.tz `{}` is not a known time zone",
                dnd.tz
            )));
        }
    }
    Ok(())
}

/// Replaces `me`'s account settings; every device of mine hears of it.
pub async fn set_account_settings(
    s: &Shared,
    me: &UserId,
    settings: &AccountSettings,
) -> ServiceResult<AccountSettings> {
    validate_settings(settings)?;
    Ok(s.store.set_account_settings(me, settings, now_ms()).await?)
}
