//! `tern-cli group ...`: the group API, one JSON value per command on stdout.
//! A group's conversation is `g:<id>` (`send g:<id> text`, `history g:<id>`).

use clap::{Subcommand, ValueEnum};
use serde_json::json;
use tern_core::proto::{GroupId, GroupRole, JoinPolicy, UserId};
use tern_core::{Client, GroupUpdate};

use crate::output::{out, Failure};

/// How others join a group.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Policy {
    /// Anyone may join at once.
    Open,
    /// Joining files an application that an owner or admin approves.
    Approval,
}

impl From<Policy> for JoinPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::Open => JoinPolicy::Open,
            Policy::Approval => JoinPolicy::Approval,
        }
    }
}

/// A role the owner may set.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Role {
    /// May kick and mute members, approve applications and edit the group.
    Admin,
    /// A plain member.
    Member,
}

/// On or off.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Switch {
    On,
    Off,
}

/// Group subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum GroupCmd {
    /// Create a group owned by me; prints it (its id is `group`).
    Create {
        name: String,
        /// Initial members besides me, comma-separated.
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
        /// How others join (default: approval).
        #[arg(long, value_enum)]
        policy: Option<Policy>,
    },
    /// The groups I am in (local cache).
    List,
    /// A group's info from the server (works for groups I am not in).
    Info { group: String },
    /// Change a group's name, notice, avatar or join policy (owner or admin).
    Update {
        group: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        notice: Option<String>,
        /// An uploaded file's id.
        #[arg(long)]
        avatar: Option<String>,
        #[arg(long, value_enum)]
        policy: Option<Policy>,
        /// Whether members who join from now on see the earlier messages.
        #[arg(long)]
        history_visible: Option<bool>,
    },
    /// A group's members (owner, admins, then by join time).
    Members { group: String },
    /// Add users to a group.
    Invite {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Join a group (at once if open, else an application); prints `joined`.
    Join {
        group: String,
        #[arg(long, default_value = "")]
        message: String,
    },
    /// Applications to join a group (owner or admin).
    Applications { group: String },
    /// Accept an application (owner or admin).
    Accept { group: String, user: String },
    /// Refuse an application (owner or admin).
    Refuse { group: String, user: String },
    /// Leave a group.
    Leave { group: String },
    /// Remove a member (owner or admin).
    Kick { group: String, user: String },
    /// Dismiss a group for everyone (owner).
    Dismiss { group: String },
    /// Make a member an admin or a plain member (owner).
    Role {
        group: String,
        user: String,
        #[arg(value_enum)]
        role: Role,
    },
    /// Make another member the owner (owner).
    Transfer { group: String, user: String },
    /// Mute a member for some minutes (0 unmutes).
    Mute {
        group: String,
        user: String,
        minutes: u32,
    },
    /// Turn whole-group mute on or off.
    MuteAll {
        group: String,
        #[arg(value_enum)]
        state: Switch,
    },
    /// Let senders and managers see who read a message (on) or not (off); prints the group.
    ReadBy {
        group: String,
        #[arg(value_enum)]
        state: Switch,
    },
}

/// A group id, also accepted as its conversation id `g:<id>`.
fn gid(s: &str) -> Result<GroupId, Failure> {
    Ok(GroupId::new(s.strip_prefix("g:").unwrap_or(s))?)
}

fn uid(s: &str) -> Result<UserId, Failure> {
    Ok(UserId::new(s)?)
}

fn uids(list: &[String]) -> Result<Vec<UserId>, Failure> {
    list.iter()
        .filter(|s| !s.is_empty())
        .map(|s| uid(s))
        .collect()
}

pub(crate) async fn run(client: &Client, cmd: GroupCmd) -> Result<(), Failure> {
    match cmd {
        GroupCmd::Create {
            name,
            members,
            policy,
        } => {
            let g = client
                .create_group(&name, &uids(&members)?, policy.map(Into::into))
                .await?;
            out(&g)
        }
        GroupCmd::List => out(&client.groups().await?),
        GroupCmd::Info { group } => out(&client.fetch_group_info(&gid(&group)?).await?),
        GroupCmd::Update {
            group,
            name,
            notice,
            avatar,
            policy,
            history_visible,
        } => {
            let update = GroupUpdate {
                name,
                notice,
                avatar: avatar
                    .map(tern_core::proto::FileId::new)
                    .transpose()
                    .map_err(Failure::from)?,
                join_policy: policy.map(Into::into),
                history_visible,
            };
            out(&client.update_group(&gid(&group)?, update).await?)
        }
        GroupCmd::Members { group } => out(&client.group_members(&gid(&group)?).await?),
        GroupCmd::Invite { group, users } => {
            client.invite_members(&gid(&group)?, &uids(&users)?).await?;
            out(&json!({"group": group, "invited": users}))
        }
        GroupCmd::Join { group, message } => {
            let joined = client.join_group(&gid(&group)?, &message).await?;
            out(&json!({"group": group, "joined": joined}))
        }
        GroupCmd::Applications { group } => out(&client.group_applications(&gid(&group)?).await?),
        GroupCmd::Accept { group, user } => {
            client
                .accept_group_application(&gid(&group)?, &uid(&user)?)
                .await?;
            out(&json!({"group": group, "accepted": user}))
        }
        GroupCmd::Refuse { group, user } => {
            client
                .refuse_group_application(&gid(&group)?, &uid(&user)?)
                .await?;
            out(&json!({"group": group, "refused": user}))
        }
        GroupCmd::Leave { group } => {
            client.leave_group(&gid(&group)?).await?;
            out(&json!({"group": group, "left": true}))
        }
        GroupCmd::Kick { group, user } => {
            client.kick_member(&gid(&group)?, &uid(&user)?).await?;
            out(&json!({"group": group, "kicked": user}))
        }
        GroupCmd::Dismiss { group } => {
            client.dismiss_group(&gid(&group)?).await?;
            out(&json!({"group": group, "dismissed": true}))
        }
        GroupCmd::Role { group, user, role } => {
            let role = match role {
                Role::Admin => GroupRole::Admin,
                Role::Member => GroupRole::Member,
            };
            client
                .set_member_role(&gid(&group)?, &uid(&user)?, role)
                .await?;
            out(&json!({"group": group, "user": user, "role": role}))
        }
        GroupCmd::Transfer { group, user } => {
            client.transfer_group(&gid(&group)?, &uid(&user)?).await?;
            out(&json!({"group": group, "owner": user}))
        }
        GroupCmd::Mute {
            group,
            user,
            minutes,
        } => {
            client
                .mute_member(&gid(&group)?, &uid(&user)?, minutes)
                .await?;
            out(&json!({"group": group, "user": user, "muted_minutes": minutes}))
        }
        GroupCmd::ReadBy { group, state } => {
            let on = matches!(state, Switch::On);
            out(&client.set_group_read_by(&gid(&group)?, on).await?)
        }
        GroupCmd::MuteAll { group, state } => {
            let muted = matches!(state, Switch::On);
            client.mute_all(&gid(&group)?, muted).await?;
            out(&json!({"group": group, "all_muted": muted}))
        }
    }
}
