//! Settings that follow the user to every device, kept on the server by
//! tern-core: each conversation's pin, mute, archive, draft and cleared range
//! ([`edit_conv`]), and the account's notification switches and
//! do-not-disturb schedule ([`set_account_settings`]). Changes from other
//! devices reach the UI as `conv_settings_changed` / `account_settings_changed`
//! core events. Machine-local choices (autostart, tray) are in [`crate::desktop`].

use tauri::{AppHandle, State};
use tern_core::proto::{AccountSettings, ConvEdit, ConvSettings};

use crate::commands::conv_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Longest mute the app asks for (a year); "forever" sends no end.
const MAX_MUTE_MS: i64 = 366 * 24 * 3600 * 1000;

/// Checks an edit from the UI before it goes to the server (which checks
/// again): a mute must end in the future and within a year.
pub(crate) fn check_edit(edit: &ConvEdit, now: i64) -> AppResult<()> {
    match edit {
        ConvEdit::Mute { until: Some(u) } if *u <= now || *u - now > MAX_MUTE_MS => Err(
            AppError::new("invalid_argument", "A mute must end within the next year."),
        ),
        _ => Ok(()),
    }
}

/// My settings of every conversation that has any, pinned ones first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn conv_settings(state: State<'_, AppState>) -> AppResult<Vec<ConvSettings>> {
    Ok(state.client().await?.all_conv_settings().await?)
}

/// Pins, mutes, archives, clears or saves the draft of one conversation (and
/// the reverse) on the server; returns the settings as stored. The tray's
/// unread total follows a mute.
#[tauri::command]
#[specta::specta]
pub(crate) async fn edit_conv(
    app: AppHandle,
    state: State<'_, AppState>,
    conv: String,
    edit: ConvEdit,
) -> AppResult<ConvSettings> {
    check_edit(&edit, crate::notify::now_ms())?;
    let (id, client) = state.current().await?;
    let mute = matches!(edit, ConvEdit::Mute { .. } | ConvEdit::Unmute);
    let settings = client.edit_conv(&conv_id(&conv)?, edit).await?;
    if mute {
        if let Ok(total) = client.total_unread().await {
            crate::notify::refresh_tray_unread(&app, &id, &client, total).await;
        }
    }
    Ok(settings)
}

/// The account's notification settings (from the cache).
#[tauri::command]
#[specta::specta]
pub(crate) async fn account_settings(state: State<'_, AppState>) -> AppResult<AccountSettings> {
    Ok(state.client().await?.account_settings().await?)
}

/// Replaces the account's notification settings on the server (every device
/// of mine follows); a malformed schedule is refused there.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_account_settings(
    state: State<'_, AppState>,
    settings: AccountSettings,
) -> AppResult<AccountSettings> {
    if let Some(dnd) = &settings.dnd {
        dnd.check_shape()
            .map_err(|e| AppError::new("invalid_argument", e))?;
    }
    Ok(state.client().await?.set_account_settings(settings).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutes_must_end_in_the_future_within_a_year() {
        let now = 1_000_000;
        assert!(check_edit(&ConvEdit::Mute { until: None }, now).is_ok());
        assert!(check_edit(
            &ConvEdit::Mute {
                until: Some(now + 3_600_000)
            },
            now
        )
        .is_ok());
        assert!(check_edit(&ConvEdit::Mute { until: Some(now) }, now).is_err());
        assert!(check_edit(
            &ConvEdit::Mute {
                until: Some(now + MAX_MUTE_MS + 1)
            },
            now
        )
        .is_err());
        assert!(check_edit(&ConvEdit::Pin { order: None }, now).is_ok());
    }
}
