//! [`Preferences`] on SQLite.

use async_trait::async_trait;
use tern_proto::{AccountSettings, ConvEdit, ConvSettings, ConversationId, UserId};

use super::{preferences, SqliteStorage};
use crate::storage::api::Preferences;
use crate::storage::StoreResult;

#[async_trait]
impl Preferences for SqliteStorage {
    async fn edit_conv(
        &self,
        user: &UserId,
        conv: &ConversationId,
        edit: &ConvEdit,
        now: i64,
    ) -> StoreResult<ConvSettings> {
        let (user, conv, edit) = (user.clone(), conv.clone(), edit.clone());
        self.change(move |c, out| preferences::edit_conv(c, &user, &conv, &edit, now, out))
            .await
    }

    async fn conv_settings(&self, user: &UserId) -> StoreResult<Vec<ConvSettings>> {
        let user = user.clone();
        self.read(move |c| preferences::conv_settings(c, &user))
            .await
    }

    async fn account_settings(&self, user: &UserId) -> StoreResult<AccountSettings> {
        let user = user.clone();
        self.read(move |c| preferences::account_settings(c, &user))
            .await
    }

    async fn set_account_settings(
        &self,
        user: &UserId,
        settings: &AccountSettings,
        now: i64,
    ) -> StoreResult<AccountSettings> {
        let (user, settings) = (user.clone(), settings.clone());
        self.change(move |c, out| preferences::set_account_settings(c, &user, &settings, now, out))
            .await
    }
}
