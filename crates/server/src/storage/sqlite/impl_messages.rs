//! [`Messages`] on SQLite.

use async_trait::async_trait;
use tern_proto::{
    ClientMsgId, ConversationId, ConversationInfo, EditEntry, ErrorCode, Message, MessageReactions,
    Pin, Push, Reaction, RecallEntry, Seq, UserId,
};

use super::{
    accounts, blacklist, edits, history, messages, pins, reactions, read_by, recall, send_cache,
    webhooks, writer, SendArgs, SqliteStorage,
};
use crate::storage::api::{
    routes_now, Messages, NewMessage, PendingSend, ReactionChange, ReadByPage, TextEdit,
};
use crate::storage::SendOutcome;
use crate::storage::{ConnId, StoreError, StoreResult};

#[async_trait]
impl Messages for SqliteStorage {
    async fn send(
        &self,
        msg: NewMessage,
        now: i64,
        except: Option<ConnId>,
    ) -> StoreResult<PendingSend> {
        let sink = self.sink.clone();
        let routes = routes_now(&self.hook_routes);
        let rx = self
            .store
            .submit_cached_then(
                move |c, cache| {
                    let args = SendArgs {
                        sender: &msg.sender,
                        conv: &msg.conv,
                        client_id: &msg.client_id,
                        content: &msg.content,
                        ext: msg.ext.as_ref(),
                        now,
                        require_friendship: msg.require_friendship,
                        after: msg.after.as_ref(),
                        reply_to: msg.reply_to,
                        mentions: msg.mentions.as_ref(),
                    };
                    let full = |c: &rusqlite::Connection| {
                        let out = messages::send(c, &args)?;
                        if !out.duplicate {
                            let data = || serde_json::json!({ "message": out.message });
                            webhooks::enqueue_routed(c, &routes, "message.stored", data, now)?;
                        }
                        Ok(out)
                    };
                    let Some(cache) = cache else {
                        return full(c);
                    };
                    // A webhook for stored messages is a second write: the full way.
                    if routes.endpoints("message.stored").is_empty() {
                        if let Some(out) = send_cache::send_fast(c, cache, &args)? {
                            return Ok(out);
                        }
                    }
                    writer::full(c, cache, full)
                },
                move |out: &SendOutcome| {
                    let push = Push::Message {
                        message: out.message.clone(),
                    };
                    sink.message(&out.members, &push, except);
                },
            )
            .await?;
        Ok(Box::pin(async move {
            rx.await.map_err(|_| StoreError::Closed)?
        }))
    }

    async fn conversations(&self, user: &UserId) -> StoreResult<Vec<ConversationInfo>> {
        let user = user.clone();
        self.read(move |c| history::conversations(c, &user)).await
    }

    async fn pull(
        &self,
        user: &UserId,
        conv: &ConversationId,
        from: Seq,
        to: Seq,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            // Nothing from before I joined a group that hides its history.
            let floor = messages::visible_from(c, &me, &conv)?;
            let from = from.max(Seq(floor.saturating_add(1)));
            if from > to {
                return Ok(Vec::new());
            }
            history::pull(c, &conv, from, to, limit)
        })
        .await
    }

    async fn history(
        &self,
        user: &UserId,
        conv: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            let floor = messages::visible_from(c, &me, &conv)?;
            history::history(c, &conv, before, floor, limit)
        })
        .await
    }

    async fn recalls(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<RecallEntry>)> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            history::recalls(c, &conv, since, limit)
        })
        .await
    }

    async fn mark_read(&self, user: &UserId, conv: &ConversationId, seq: Seq) -> StoreResult<()> {
        let (me, conv) = (user.clone(), conv.clone());
        self.change(move |c, out| messages::mark_read(c, &me, &conv, seq, out).map(drop))
            .await
    }

    async fn recall(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        now: i64,
        window_ms: i64,
    ) -> StoreResult<()> {
        let (me, conv) = (user.clone(), conv.clone());
        let routes = routes_now(&self.hook_routes);
        self.change(move |c, out| {
            recall::recall(c, &me, &conv, seq, now, window_ms, out)?;
            let data = || serde_json::json!({ "by": me, "conv": conv, "seq": seq });
            webhooks::enqueue_routed(c, &routes, "message.recalled", data, now)
        })
        .await
    }

    async fn edit(&self, user: &UserId, conv: &ConversationId, e: TextEdit) -> StoreResult<i64> {
        let (me, conv) = (user.clone(), conv.clone());
        let routes = routes_now(&self.hook_routes);
        self.change(move |c, out| {
            let at = edits::edit(c, &me, &conv, &e, out)?;
            let data = || {
                serde_json::json!({
                    "by": me, "conv": conv, "seq": e.seq, "text": e.text, "edited_at": at,
                })
            };
            webhooks::enqueue_routed(c, &routes, "message.edited", data, e.now)?;
            Ok(at)
        })
        .await
    }

    async fn edits(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<EditEntry>)> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            let floor = messages::visible_from(c, &me, &conv)?;
            edits::edits(c, &conv, floor, since, limit)
        })
        .await
    }

    async fn react(
        &self,
        user: &UserId,
        conv: &ConversationId,
        ch: ReactionChange,
    ) -> StoreResult<Vec<Reaction>> {
        let (me, conv) = (user.clone(), conv.clone());
        self.change(move |c, out| reactions::react(c, &me, &conv, &ch, out))
            .await
    }

    async fn reaction_log(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<MessageReactions>)> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            let floor = messages::visible_from(c, &me, &conv)?;
            reactions::log(c, &conv, floor, since, limit)
        })
        .await
    }

    async fn pin(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        on: bool,
        now: i64,
        max: u32,
    ) -> StoreResult<Vec<Pin>> {
        let (me, conv) = (user.clone(), conv.clone());
        self.change(move |c, out| pins::pin(c, &me, &conv, seq, on, now, max, out))
            .await
    }

    async fn read_by(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<ReadByPage> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| read_by::read_by(c, &me, &conv, seq, after.as_ref(), limit))
            .await
    }

    async fn pins(&self, user: &UserId, conv: &ConversationId) -> StoreResult<Vec<Pin>> {
        let (me, conv) = (user.clone(), conv.clone());
        self.read(move |c| {
            messages::check_access(c, &me, &conv)?;
            pins::list(c, &conv)
        })
        .await
    }

    async fn may_type(&self, me: &UserId, peer: &UserId) -> StoreResult<()> {
        let (me, peer) = (me.clone(), peer.clone());
        self.read(move |c| {
            accounts::refuse_system_target(c, &peer, "typing indicators")?;
            accounts::require_user(c, &peer)?;
            if blacklist::is_blocked(c, &peer, &me)? {
                return Err(StoreError::rejected(
                    ErrorCode::Blocked,
                    format!("{peer} has blocked you"),
                ));
            }
            Ok(())
        })
        .await
    }

    async fn precheck_send(
        &self,
        sender: &UserId,
        conv: &ConversationId,
        client_id: &ClientMsgId,
        require_friendship: bool,
        now: i64,
    ) -> StoreResult<bool> {
        let (sender, conv, client_id) = (sender.clone(), conv.clone(), client_id.clone());
        self.read(move |c| {
            messages::precheck(c, &sender, &conv, &client_id, require_friendship, now)
        })
        .await
    }
}
