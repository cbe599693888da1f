//! `sync_changes`: pages through my change log.

use tern_proto::Response;

use super::{page, HandlerResult};
use crate::context::Ctx;
use crate::store::changelog;

/// Entries after `since`, at most a page; `latest` tells whether more remain.
pub async fn sync(ctx: &mut Ctx, since: u64, limit: Option<u32>) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    let limit = page(ctx, limit, 200);
    let (changes, latest) = ctx
        .shared
        .store
        .read(move |c| changelog::changes_since(c, &me, since, limit))
        .await?;
    Ok(Response::Changes { changes, latest })
}
