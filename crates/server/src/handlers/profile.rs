//! `get_profiles`, `set_profile`, `search_users`.

use tern_proto::{FileId, Response, UserId};

use super::{check_len, deliver, invalid, HandlerResult};
use crate::context::Ctx;
use crate::store::{accounts, relations};

/// Most ids one `get_profiles` may ask for.
const MAX_IDS: usize = 500;

/// `get_profiles`: unknown ids are left out.
pub async fn get_profiles(ctx: &mut Ctx, users: Vec<UserId>) -> HandlerResult {
    ctx.auth()?;
    if users.len() > MAX_IDS {
        return Err(invalid(format!("at most {MAX_IDS} ids per request")));
    }
    let profiles = ctx
        .shared
        .store
        .read(move |c| accounts::profiles(c, &users))
        .await?;
    Ok(Response::Profiles { profiles })
}

/// `set_profile`: changes the given fields; my devices and my friends hear of it.
pub async fn set_profile(
    ctx: &mut Ctx,
    nickname: Option<String>,
    avatar: Option<FileId>,
    signature: Option<String>,
) -> HandlerResult {
    let me = ctx.auth()?.user.clone();
    if let Some(n) = &nickname {
        check_len("nickname", n, 64)?;
    }
    if let Some(s) = &signature {
        check_len("signature", s, 256)?;
    }
    let hub = ctx.shared.hub.clone();
    let (profile, _) = ctx
        .shared
        .store
        .write_then(
            move |c| {
                let p = accounts::set_profile(
                    c,
                    &me,
                    nickname.as_deref(),
                    avatar.as_ref(),
                    signature.as_deref(),
                )?;
                let mut out = Vec::new();
                relations::profile_changed(c, &me, &p, &mut out)?;
                Ok((p, out))
            },
            move |(_, out)| deliver(&hub, out),
        )
        .await?;
    Ok(Response::Profile { profile })
}

/// `search_users`: id or nickname contains the query.
pub async fn search_users(ctx: &mut Ctx, query: String) -> HandlerResult {
    ctx.auth()?;
    let n = query.chars().count();
    if !(1..=64).contains(&n) {
        return Err(invalid("query must be 1 to 64 characters"));
    }
    let limit = ctx.shared.config.max_page.min(100);
    let profiles = ctx
        .shared
        .store
        .read(move |c| accounts::search_users(c, &query, limit))
        .await?;
    Ok(Response::Profiles { profiles })
}
