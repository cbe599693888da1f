//! Settings that follow the user across devices: request fields →
//! [`crate::service::preferences`] → response.

use tern_proto::{AccountSettings, ConvEdit, ConversationId, Response};

use super::HandlerResult;
use crate::context::Ctx;
use crate::service::preferences as svc;

/// `edit_conv`.
pub async fn edit_conv(ctx: &mut Ctx, conv: ConversationId, edit: ConvEdit) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let settings = svc::edit_conv(&ctx.shared, &me, &conv, &edit).await?;
    Ok(Response::ConvSettings { settings })
}

/// `get_conv_settings`.
pub async fn conv_settings(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let settings = svc::conv_settings(&ctx.shared, &me).await?;
    Ok(Response::ConvSettingsList { settings })
}

/// `get_settings`.
pub async fn settings(ctx: &mut Ctx) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let settings = svc::account_settings(&ctx.shared, &me).await?;
    Ok(Response::Settings { settings })
}

/// `set_settings`.
pub async fn set_settings(ctx: &mut Ctx, settings: AccountSettings) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let settings = svc::set_account_settings(&ctx.shared, &me, &settings).await?;
    Ok(Response::Settings { settings })
}
