//! The sink of a cluster node: every committed effect goes to this node's
//! connections at once (straight into the hub) and, once, onto the bus for
//! the other nodes (see the subject rules in [`super`]). Change-log entries
//! go through [`super::Bus::local_change`] here too, which keeps this node's
//! group subscriptions following its users' memberships.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tern_proto::{ConversationId, KickReason, Push, ServerFrame, UserId, VersionedChange};

use super::interest::members_only_group;
use super::order::Ordered;
use super::{conv_subject, user_subject, Envelope, Sequencer, SharedBus, What};
use crate::hub::Hub;
use crate::storage::{ConnId, Delivery, Sink};

/// Local hub first, then the bus.
pub struct ClusterSink {
    hub: Arc<Hub>,
    bus: SharedBus,
    node: String,
    sequencer: Sequencer,
}

impl ClusterSink {
    /// The sink of node `node`; message pushes go through `sequencer`.
    pub fn new(hub: Arc<Hub>, bus: SharedBus, node: String, sequencer: Sequencer) -> Self {
        Self {
            hub,
            bus,
            node,
            sequencer,
        }
    }

    fn envelope(&self, what: What) -> Envelope {
        Envelope {
            origin: self.node.clone(),
            sent_ms: crate::storage::now_ms(),
            what,
        }
    }

    fn push_to(&self, user: &UserId, frame: &str, order: Option<(ConversationId, u64)>) {
        let env = self.envelope(What::Push {
            users: vec![user.clone()],
            frame: frame.to_string(),
            message: order.is_some(),
            order,
        });
        self.bus.publish(user_subject(user), &env);
    }
}

fn encode(push: &Push) -> String {
    ServerFrame::Push { push: push.clone() }.encode()
}

impl Sink for ClusterSink {
    fn deliver(&self, deliveries: &[Delivery]) {
        let mut rest = deliveries;
        // A run of equal pushes (an edit to every member) is encoded once.
        let mut last: Option<(&Push, String)> = None;
        while let Some(d) = rest.first() {
            let Push::Change(vc) = &d.push else {
                let frame = match &last {
                    Some((push, frame)) if **push == d.push => frame.clone(),
                    _ => {
                        let frame = encode(&d.push);
                        last = Some((&d.push, frame.clone()));
                        frame
                    }
                };
                if self.hub.is_online(&d.user) {
                    self.hub
                        .push_frame(&d.user, Utf8Bytes::from(frame.clone()), None);
                }
                self.push_to(&d.user, &frame, None);
                rest = &rest[1..];
                continue;
            };
            // A run of one group entry to several of its members (a group
            // event): one publish on the group's subject.
            let group = members_only_group(&vc.change);
            let run = match group {
                Some(_) => rest
                    .iter()
                    .take_while(|o| matches!(&o.push, Push::Change(v) if v.change == vc.change))
                    .count(),
                None => 1,
            };
            let to: Vec<(UserId, u64)> = rest[..run]
                .iter()
                .filter_map(|o| match &o.push {
                    Push::Change(v) => Some((o.user.clone(), v.version)),
                    _ => None,
                })
                .collect();
            rest = &rest[run..];
            for (user, version) in &to {
                let change = vc.change.clone();
                let version = *version;
                self.bus
                    .local_change(user, VersionedChange { version, change });
            }
            match group {
                Some(g) if to.len() > 1 => {
                    let subject = conv_subject(&ConversationId::Group(g.clone()));
                    let env = self.envelope(What::Changes {
                        to,
                        change: vc.change.clone(),
                    });
                    self.bus.publish(subject, &env);
                }
                _ => {
                    for (user, version) in to {
                        let env = self.envelope(What::Changes {
                            to: vec![(user.clone(), version)],
                            change: vc.change.clone(),
                        });
                        self.bus.publish(user_subject(&user), &env);
                    }
                }
            }
        }
    }

    fn message(&self, members: &[UserId], push: &Push, except: Option<ConnId>) {
        let frame = encode(push);
        let Push::Message { message } = push else {
            // Not a stored message (the storage sends none such): unordered.
            self.hub
                .push_all_frame(members, Utf8Bytes::from(frame.clone()), except);
            for m in members {
                self.push_to(m, &frame, None);
            }
            return;
        };
        let order = Some((message.conv.clone(), message.seq.0));
        let ordered = |users: Vec<UserId>| Ordered {
            conv: message.conv.clone(),
            seq: message.seq.0,
            users,
            frame: Utf8Bytes::from(frame.clone()),
            except,
        };
        if matches!(message.conv, ConversationId::Group(_)) {
            self.sequencer.push(ordered(members.to_vec()));
        } else {
            // One stream per recipient, as the bus carries direct messages.
            for m in members {
                self.sequencer.push(ordered(vec![m.clone()]));
            }
        }
        if matches!(message.conv, ConversationId::Group(_)) {
            // One publish for the whole group: every node gets one copy.
            let env = self.envelope(What::Push {
                users: members.to_vec(),
                frame,
                message: true,
                order,
            });
            self.bus.publish(conv_subject(&message.conv), &env);
        } else {
            // A direct message: its two members' own subjects.
            for m in members {
                self.push_to(m, &frame, order.clone());
            }
        }
    }

    fn kick_sessions(&self, user: &UserId, sessions: &[String], reason: KickReason) {
        self.hub.kick_sessions(user, sessions, reason);
        let env = self.envelope(What::KickSessions {
            user: user.clone(),
            sessions: sessions.to_vec(),
            reason,
        });
        self.bus.publish(user_subject(user), &env);
    }

    fn kick_user(&self, user: &UserId, keep: Option<&str>, reason: KickReason) {
        match keep {
            Some(keep) => self.hub.kick_user_except(user, keep, reason),
            None => self.hub.kick_user(user, reason),
        }
        let env = self.envelope(What::KickUser {
            user: user.clone(),
            keep: keep.map(str::to_string),
            reason,
        });
        self.bus.publish(user_subject(user), &env);
    }
}
