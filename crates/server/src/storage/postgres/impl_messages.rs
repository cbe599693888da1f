//! [`Messages`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{
    ClientMsgId, ConversationId, ConversationInfo, EditEntry, ErrorCode, Message, MessageReactions,
    Pin, Push, Reaction, RecallEntry, Seq, UserId,
};

use super::{
    accounts, blacklist, change, edits, history, messages, pins, reactions, read, read_by, recall,
    tx, webhooks, PgStorage,
};
use crate::storage::api::{
    routes_now, Messages, NewMessage, PendingSend, ReactionChange, ReadByPage, TextEdit,
};
use crate::storage::{ConnId, StoreError, StoreResult};

#[async_trait]
impl Messages for PgStorage {
    async fn send(
        &self,
        msg: NewMessage,
        now: i64,
        except: Option<ConnId>,
    ) -> StoreResult<PendingSend> {
        // The stripe is taken before returning: sends queued in order commit
        // in order (the `after` precondition relies on it).
        let stripe = self.stripe(&msg.conv.to_string()).await;
        let this = self.clone();
        let routes = routes_now(&self.hook_routes);
        let task = tokio::spawn(async move {
            let r = tx!(this, |tx| {
                let out = messages::send(&tx, &msg, now).await?;
                if !out.duplicate {
                    let data = || serde_json::json!({ "message": out.message });
                    webhooks::enqueue_routed(&tx, &routes, "message.stored", data, now).await?;
                }
                Ok(out)
            });
            if let Ok(out) = &r {
                let push = Push::Message {
                    message: out.message.clone(),
                };
                this.sink.message(&out.members, &push, except);
            }
            drop(stripe);
            r
        });
        Ok(Box::pin(async move {
            task.await.map_err(|_| StoreError::Closed)?
        }))
    }

    async fn conversations(&self, user: &UserId) -> StoreResult<Vec<ConversationInfo>> {
        read!(self, |tx| history::conversations(&tx, user).await)
    }

    async fn pull(
        &self,
        user: &UserId,
        conv: &ConversationId,
        from: Seq,
        to: Seq,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        read!(self, |tx| {
            match messages::check_access(&tx, user, conv).await {
                Ok(_) => match messages::visible_from(&tx, user, conv).await {
                    Ok(floor) => {
                        let from = from.max(Seq(floor.saturating_add(1)));
                        if from > to {
                            Ok(Vec::new())
                        } else {
                            history::pull(&tx, conv, from, to, limit).await
                        }
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        })
    }

    async fn history(
        &self,
        user: &UserId,
        conv: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        read!(self, |tx| {
            match messages::check_access(&tx, user, conv).await {
                Ok(_) => match messages::visible_from(&tx, user, conv).await {
                    Ok(floor) => history::history(&tx, conv, before, floor, limit).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        })
    }

    async fn recalls(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<RecallEntry>)> {
        read!(
            self,
            |tx| match messages::check_access(&tx, user, conv).await {
                Ok(_) => history::recalls(&tx, conv, since, limit).await,
                Err(e) => Err(e),
            }
        )
    }

    async fn mark_read(&self, user: &UserId, conv: &ConversationId, seq: Seq) -> StoreResult<()> {
        change!(self, &conv.to_string(), |tx, out| messages::mark_read(
            &tx, user, conv, seq, &mut out
        )
        .await
        .map(drop))
    }

    async fn recall(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        now: i64,
        window_ms: i64,
    ) -> StoreResult<()> {
        let routes = routes_now(&self.hook_routes);
        change!(self, &conv.to_string(), |tx, out| {
            recall::recall(&tx, user, conv, seq, now, window_ms, &mut out).await?;
            let data = || serde_json::json!({ "by": user, "conv": conv, "seq": seq });
            webhooks::enqueue_routed(&tx, &routes, "message.recalled", data, now).await
        })
    }

    async fn edit(&self, user: &UserId, conv: &ConversationId, e: TextEdit) -> StoreResult<i64> {
        let routes = routes_now(&self.hook_routes);
        change!(self, &conv.to_string(), |tx, out| {
            let at = edits::edit(&tx, user, conv, &e, &mut out).await?;
            let data = || {
                serde_json::json!({
                    "by": user, "conv": conv, "seq": e.seq, "text": e.text, "edited_at": at,
                })
            };
            webhooks::enqueue_routed(&tx, &routes, "message.edited", data, e.now).await?;
            Ok(at)
        })
    }

    async fn edits(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<EditEntry>)> {
        read!(
            self,
            |tx| match messages::check_access(&tx, user, conv).await {
                Ok(_) => match messages::visible_from(&tx, user, conv).await {
                    Ok(floor) => edits::edits(&tx, conv, floor, since, limit).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        )
    }

    async fn react(
        &self,
        user: &UserId,
        conv: &ConversationId,
        ch: ReactionChange,
    ) -> StoreResult<Vec<Reaction>> {
        change!(self, &conv.to_string(), |tx, out| reactions::react(
            &tx, user, conv, &ch, &mut out
        )
        .await)
    }

    async fn reaction_log(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<MessageReactions>)> {
        read!(self, |tx| {
            match messages::check_access(&tx, user, conv).await {
                Ok(_) => match messages::visible_from(&tx, user, conv).await {
                    Ok(floor) => reactions::log(&tx, conv, floor, since, limit).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        })
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
        change!(self, &conv.to_string(), |tx, out| pins::pin(
            &tx, user, conv, seq, on, now, max, &mut out
        )
        .await)
    }

    async fn read_by(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<ReadByPage> {
        read!(self, |tx| read_by::read_by(
            &tx,
            user,
            conv,
            seq,
            after.as_ref(),
            limit
        )
        .await)
    }

    async fn pins(&self, user: &UserId, conv: &ConversationId) -> StoreResult<Vec<Pin>> {
        read!(
            self,
            |tx| match messages::check_access(&tx, user, conv).await {
                Ok(_) => pins::list(&tx, conv).await,
                Err(e) => Err(e),
            }
        )
    }

    async fn may_type(&self, me: &UserId, peer: &UserId) -> StoreResult<()> {
        read!(self, |tx| {
            match accounts::refuse_system_target(&tx, peer, "typing indicators").await {
                Ok(()) => match accounts::require_user(&tx, peer).await {
                    Ok(()) => match blacklist::is_blocked(&tx, peer, me).await {
                        Ok(true) => Err(StoreError::rejected(
                            ErrorCode::Blocked,
                            format!("{peer} has blocked you"),
                        )),
                        Ok(false) => Ok(()),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        })
    }

    async fn precheck_send(
        &self,
        sender: &UserId,
        conv: &ConversationId,
        client_id: &ClientMsgId,
        require_friendship: bool,
        now: i64,
    ) -> StoreResult<bool> {
        read!(self, |tx| {
            messages::precheck(&tx, sender, conv, client_id, require_friendship, now).await
        })
    }
}
