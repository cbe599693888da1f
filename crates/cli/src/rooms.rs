//! `tern-cli room ...`: chat rooms, one JSON value per command on stdout.
//! A room's members are those connected: a `room join` that exits leaves the
//! room after the server's grace period, so `room join ROOM --listen` stays
//! connected and prints the room's messages (and every other event) as
//! `listen` does.

use clap::Subcommand;
use serde_json::json;
use tern_core::proto::{RoomId, UserId};
use tern_core::{Client, Event};
use tokio::sync::broadcast::Receiver;

use crate::output::{out, Failure};

/// Room subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum RoomCmd {
    /// Open rooms by id (a page); prints a JSON array.
    List {
        /// Rooms after this id.
        #[arg(long)]
        after: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Create a room owned by me; prints it (its id is `room`).
    Create { name: String },
    /// Join a room; prints {"room", "recent"}; with --listen stays in it and
    /// prints events (`room_message` …) one per line until stopped.
    Join {
        room: String,
        #[arg(long)]
        listen: bool,
    },
    /// Leave a room.
    Leave { room: String },
    /// Send texts (one message per argument) to a room I am in (joins it
    /// first); prints each as sent.
    Send {
        room: String,
        #[arg(required = true)]
        texts: Vec<String>,
    },
    /// A room's members (a page; I must be in it: joins first).
    Members {
        room: String,
        #[arg(long)]
        after: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Kick a member, banning them for --ban-secs seconds (owner or admin).
    Kick {
        room: String,
        user: String,
        #[arg(long, default_value_t = 0)]
        ban_secs: u32,
    },
    /// Mute a member for some minutes (0 unmutes) (owner or admin).
    Mute {
        room: String,
        user: String,
        minutes: u32,
    },
    /// Make a member an admin (`--off`: a plain member again) (owner).
    Admin {
        room: String,
        user: String,
        #[arg(long)]
        off: bool,
    },
    /// Delete a room (owner).
    Delete { room: String },
}

fn rid(s: &str) -> Result<RoomId, Failure> {
    Ok(RoomId::new(s)?)
}

fn uid(s: &str) -> Result<UserId, Failure> {
    Ok(UserId::new(s)?)
}

pub(crate) async fn run(
    client: &Client,
    cmd: RoomCmd,
    events: &mut Receiver<Event>,
) -> Result<(), Failure> {
    match cmd {
        RoomCmd::List { after, limit } => {
            let after = after.as_deref().map(rid).transpose()?;
            out(&client.list_rooms(after.as_ref(), limit).await?)
        }
        RoomCmd::Create { name } => out(&client.create_room(&name).await?),
        RoomCmd::Join { room, listen } => {
            let (room, recent) = client.join_room(&rid(&room)?).await?;
            out(&json!({"room": room, "recent": recent}))?;
            if listen {
                crate::listen::print_until_stopped(events).await?;
            }
            Ok(())
        }
        RoomCmd::Leave { room } => {
            client.leave_room(&rid(&room)?).await?;
            out(&json!({"room": room, "left": true}))
        }
        RoomCmd::Send { room, texts } => {
            let room = rid(&room)?;
            client.join_room(&room).await?;
            for text in texts {
                out(&client.room_send_text(&room, &text).await?)?;
            }
            Ok(())
        }
        RoomCmd::Members { room, after, limit } => {
            let room = rid(&room)?;
            client.join_room(&room).await?;
            let after = after.as_deref().map(uid).transpose()?;
            let (members, next) = client.room_members(&room, after.as_ref(), limit).await?;
            out(&json!({"members": members, "next": next}))
        }
        RoomCmd::Kick {
            room,
            user,
            ban_secs,
        } => {
            client
                .room_kick(&rid(&room)?, &uid(&user)?, ban_secs)
                .await?;
            out(&json!({"room": room, "kicked": user, "ban_secs": ban_secs}))
        }
        RoomCmd::Mute {
            room,
            user,
            minutes,
        } => {
            client
                .room_mute(&rid(&room)?, &uid(&user)?, minutes)
                .await?;
            out(&json!({"room": room, "muted": user, "minutes": minutes}))
        }
        RoomCmd::Admin { room, user, off } => {
            client
                .set_room_admin(&rid(&room)?, &uid(&user)?, !off)
                .await?;
            out(&json!({"room": room, "user": user, "admin": !off}))
        }
        RoomCmd::Delete { room } => {
            client.delete_room(&rid(&room)?).await?;
            out(&json!({"room": room, "deleted": true}))
        }
    }
}
