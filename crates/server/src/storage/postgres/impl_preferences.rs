//! [`Preferences`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{AccountSettings, ConvEdit, ConvSettings, ConversationId, UserId};

use super::{change, preferences, read, PgStorage};
use crate::storage::api::Preferences;
use crate::storage::StoreResult;

#[async_trait]
impl Preferences for PgStorage {
    async fn edit_conv(
        &self,
        user: &UserId,
        conv: &ConversationId,
        edit: &ConvEdit,
        now: i64,
    ) -> StoreResult<ConvSettings> {
        change!(self, user.as_str(), |tx, out| preferences::edit_conv(
            &tx, user, conv, edit, now, &mut out
        )
        .await)
    }

    async fn conv_settings(&self, user: &UserId) -> StoreResult<Vec<ConvSettings>> {
        read!(self, |tx| preferences::conv_settings(&tx, user).await)
    }

    async fn account_settings(&self, user: &UserId) -> StoreResult<AccountSettings> {
        read!(self, |tx| preferences::account_settings(&tx, user).await)
    }

    async fn set_account_settings(
        &self,
        user: &UserId,
        settings: &AccountSettings,
        now: i64,
    ) -> StoreResult<AccountSettings> {
        change!(self, user.as_str(), |tx, out| {
            preferences::set_account_settings(&tx, user, settings, now, &mut out).await
        })
    }
}
