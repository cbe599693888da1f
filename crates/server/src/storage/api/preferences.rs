//! Settings that follow a user across devices: per-conversation settings
//! (pin, mute, archive, draft, clear history) and account-wide notification
//! preferences. Each write appends a change-log entry for the user, so every
//! device of theirs gets it live (`change` push) or on catch-up.

use async_trait::async_trait;
use tern_proto::{AccountSettings, ConvEdit, ConvSettings, ConversationId, UserId};

use crate::storage::StoreResult;

/// Per-user settings, synced through the change log.
#[async_trait]
pub trait Preferences: Send + Sync {
    /// Applies `edit` to `user`'s settings of `conv` after checking they may
    /// use it (`NotFound`: no such group or peer; `Forbidden`: not theirs).
    /// When it changes something, stores it and appends
    /// `conv_settings_changed`; returns the settings as they are now.
    async fn edit_conv(
        &self,
        user: &UserId,
        conv: &ConversationId,
        edit: &ConvEdit,
        now: i64,
    ) -> StoreResult<ConvSettings>;
    /// `user`'s settings of every conversation that has any, by conversation id.
    async fn conv_settings(&self, user: &UserId) -> StoreResult<Vec<ConvSettings>>;
    /// `user`'s account settings (the defaults when never set).
    async fn account_settings(&self, user: &UserId) -> StoreResult<AccountSettings>;
    /// Replaces `user`'s account settings (already validated) and appends
    /// `settings_changed` when they differ; returns them as stored.
    async fn set_account_settings(
        &self,
        user: &UserId,
        settings: &AccountSettings,
        now: i64,
    ) -> StoreResult<AccountSettings>;
}
