//! Chat-room commands: each parses ids and forwards to tern-core's room API.
//! Rooms are live only (nothing cached): the UI keeps the messages of the
//! rooms it shows, from `join_room`'s recent history and `room_message` events.

use serde::Serialize;
use specta::Type;
use tauri::State;
use tern_core::proto::{RoomId, RoomInfo, RoomMessage};

use crate::error::AppResult;
use crate::state::AppState;

/// A joined room and the last messages the server keeps of it.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct RoomJoined {
    /// The room (with me counted).
    pub room: RoomInfo,
    /// Its last messages, oldest first.
    pub recent: Vec<RoomMessage>,
}

fn room_id(s: &str) -> AppResult<RoomId> {
    Ok(RoomId::new(s.trim())?)
}

/// Open rooms, the first page (by id).
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_rooms(state: State<'_, AppState>) -> AppResult<Vec<RoomInfo>> {
    Ok(state.client().await?.list_rooms(None, Some(200)).await?)
}

/// Creates a room owned by me (I am in it).
#[tauri::command]
#[specta::specta]
pub(crate) async fn create_room(state: State<'_, AppState>, name: String) -> AppResult<RoomInfo> {
    Ok(state.client().await?.create_room(&name).await?)
}

/// Joins a room; returns it with its recent messages.
#[tauri::command]
#[specta::specta]
pub(crate) async fn join_room(state: State<'_, AppState>, room: String) -> AppResult<RoomJoined> {
    let (room, recent) = state.client().await?.join_room(&room_id(&room)?).await?;
    Ok(RoomJoined { room, recent })
}

/// Leaves a room.
#[tauri::command]
#[specta::specta]
pub(crate) async fn leave_room(state: State<'_, AppState>, room: String) -> AppResult<()> {
    Ok(state.client().await?.leave_room(&room_id(&room)?).await?)
}

/// Sends a text to a room I am in; returns it as kept.
#[tauri::command]
#[specta::specta]
pub(crate) async fn room_send(
    state: State<'_, AppState>,
    room: String,
    text: String,
) -> AppResult<RoomMessage> {
    let c = state.client().await?;
    Ok(c.room_send_text(&room_id(&room)?, &text).await?)
}
