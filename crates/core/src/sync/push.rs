//! Each server push (but `Kicked`, which the supervisor handles) applied to the cache
//! and announced.

use std::sync::Arc;

use tern_proto::{cmd, Push, RoomLeftReason};

use super::messages::{fill, store_batch, News};
use super::relations::{announce, effects, sync_relations, Joined};
use crate::error::Result;
use crate::event::Event;
use crate::session::Shared;
use crate::store::{conversations as convs, messages as msgs, relations as rel};
use crate::sync_edits;
use crate::sync_reactions;
use crate::transport::Conn;

/// Handles one push (all but `Kicked`, which the supervisor handles).
pub(crate) async fn handle_push(sh: &Arc<Shared>, conn: &Conn, push: Push) -> Result<()> {
    match push {
        Push::Message { message } => {
            let conv = message.conv.clone();
            let seq = message.seq.0;
            store_batch(sh, vec![message], News::Live).await?;
            // A seq beyond the synced one plus one reveals a gap: pull it.
            fill(sh, conn, &conv, seq, News::Live).await?;
            sh.conv_changed(&conv).await?;
        }
        Push::Change(vc) => {
            // Under the lock: an entry being applied by an API call is announced there.
            let guard = sh.marks.applying().await;
            let version = sh.db.call(|c| rel::version(c)).await?;
            if vc.version > version {
                drop(guard);
                sync_relations(sh, conn, None, Joined::PullNow).await?;
            } else if sh.marks.announce(vc.version) {
                // Another process sharing this cache (a second `tern-cli` of the same
                // data dir) applied it first: announce it here all the same.
                let applied = effects(&sh.me, &vc.change);
                announce(sh, vc.change, applied).await?;
            }
        }
        Push::Read { conv, user, seq } => {
            let peer = user != sh.me;
            let key = conv.clone();
            sh.db
                .call(move |c| convs::set_read(c, &key, seq, peer))
                .await?;
            sh.emit(Event::ReadReceipt {
                conv: conv.clone(),
                user,
                seq,
            });
            sh.conv_changed(&conv).await?;
        }
        Push::Recalled { conv, seq, by, at } => {
            let (me, key, who) = (sh.me.clone(), conv.clone(), by.clone());
            let changed = sh
                .db
                .call(move |c| msgs::recall(c, &me, &key, seq, &who, at))
                .await?;
            if changed.is_some() {
                sh.emit(Event::Recalled {
                    conv: conv.clone(),
                    seq,
                    by,
                    at,
                });
                sh.conv_changed(&conv).await?;
            }
        }
        Push::Edited {
            conv,
            seq,
            text,
            edited_at,
        } => {
            sync_edits::apply(sh, &conv, seq, text, edited_at).await?;
        }
        Push::Reactions {
            conv,
            seq,
            reactions,
        } => {
            sync_reactions::apply(sh, &conv, seq, reactions).await?;
        }
        Push::Pins { conv, pins } => {
            sync_reactions::apply_pins(sh, &conv, pins, None).await?;
        }
        Push::Typing { conv, user } => sh.emit(Event::Typing { conv, user }),
        Push::Presence { user, online } => sh.emit(Event::Presence { user, online }),
        Push::RoomMessage { message } => sh.emit(Event::RoomMessage {
            message: Box::new(message),
        }),
        Push::RoomLeft {
            room,
            reason: RoomLeftReason::Dropped,
            banned_until,
        } if sh.marks.in_room(&room) => {
            // A grace-period drop reaching a connected session crossed its
            // rejoin after a reconnect (the server decided while I was away):
            // join again, so the server and this list agree whichever came
            // first. Only a refusal takes the room off the list.
            match conn.call(cmd::JoinRoom { room: room.clone() }).await {
                Ok(_) => {}
                Err(e) if e.is_transient() => {}
                Err(e) => {
                    tracing::info!(%room, error = %e, "could not rejoin a room after a drop");
                    sh.marks.left(&room);
                    sh.emit(Event::RoomLeft {
                        room,
                        reason: RoomLeftReason::Dropped,
                        banned_until,
                    });
                }
            }
        }
        Push::RoomLeft {
            room,
            reason,
            banned_until,
        } => {
            sh.marks.left(&room);
            sh.emit(Event::RoomLeft {
                room,
                reason,
                banned_until,
            });
        }
        Push::Kicked { .. } => {}
        _ => {}
    }
    Ok(())
}
