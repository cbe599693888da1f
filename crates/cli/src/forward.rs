//! `forward`, `send --mention` and `reply --mention` (issue 17).

use serde_json::json;
use tern_core::proto::{Mentions, Seq};
use tern_core::{Client, Error};

use crate::output::{out, Failure};
use crate::session::{conv_of, uid};

/// `send <group> <text>... --mention <user>... [--mention-all]`: each text
/// mentioning them; prints each stored message (with its `mentions`).
pub(crate) async fn send_mentioning(
    client: &Client,
    to: &str,
    texts: &[String],
    users: &[String],
    all: bool,
) -> Result<(), Failure> {
    let conv = conv_of(client, to)?;
    let mentions = mentions(users, all)?;
    for text in texts {
        out(&client
            .send_mentioning(&conv, text, mentions.clone())
            .await?)?;
    }
    Ok(())
}

/// The `--mention <user>... [--mention-all]` of `send` and `reply`.
pub(crate) fn mentions(users: &[String], all: bool) -> Result<Mentions, Failure> {
    Ok(Mentions {
        users: users.iter().map(|u| uid(u)).collect::<Result<_, _>>()?,
        all,
    })
}

/// `forward <from> <seq>... --to <conv>... [--merged] [--title T]`: prints
/// `{"results": [{"conv","seqs","duplicate","error"?}, ...]}`; exits with the
/// first target's refusal (after printing) when a target refused.
pub(crate) async fn forward(
    client: &Client,
    from: &str,
    seqs: &[u64],
    to: &[String],
    merged: bool,
    title: Option<String>,
) -> Result<(), Failure> {
    let from = conv_of(client, from)?;
    let to = to
        .iter()
        .map(|t| conv_of(client, t))
        .collect::<Result<Vec<_>, _>>()?;
    let seqs: Vec<Seq> = seqs.iter().map(|&s| Seq(s)).collect();
    let results = client.forward(&from, &seqs, &to, merged, title).await?;
    out(&json!({ "results": results }))?;
    match results.into_iter().find_map(|r| r.error) {
        Some(e) => Err(Failure::Client(Error::Server(e))),
        None => Ok(()),
    }
}
