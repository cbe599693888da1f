//! The command line: global options, the commands and their arguments (clap).
//! Each command's work is elsewhere; `main.rs` dispatches on [`Command`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{groups, prefs, rooms};

/// Command-line Tern client.
#[derive(Parser, Debug)]
#[command(name = "tern-cli", version, about)]
pub(crate) struct Cli {
    /// Server URL, e.g. ws://127.0.0.1:7700 or wss://chat.example.org/ws (behind TLS).
    #[arg(long, env = "TERN_SERVER", default_value = "ws://127.0.0.1:7700")]
    pub server: String,
    /// Other nodes of the same server (a cluster), tried in order when `--server`
    /// cannot be reached; repeat the flag, or comma-separate in the variable.
    #[arg(
        long = "fallback-server",
        env = "TERN_FALLBACK_SERVERS",
        value_delimiter = ','
    )]
    pub fallback_servers: Vec<String>,
    /// Directory for the local cache and the CLI's saved session.
    #[arg(long, env = "TERN_DATA_DIR", default_value = ".tern-cli")]
    pub data_dir: PathBuf,
    /// A PEM file of extra CA certificates to trust for a `wss://` server (self-signed
    /// or private CA), on top of the system's CA store.
    #[arg(long, env = "TERN_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// Seconds to wait for the server (connect, sync, acks).
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create an account.
    Register { user: String, password: String },
    /// Log in and save the session token in the data dir.
    Login { user: String, password: String },
    /// Revoke the saved session.
    Logout,
    /// Show the saved session's user.
    Whoami,
    /// Change my password; every other device of mine is signed out.
    Passwd { old: String, new: String },
    /// Sign out every other device of mine (this session stays).
    SignOutOthers,
    /// Show my profile, or change it.
    Profile {
        #[arg(long)]
        nickname: Option<String>,
        #[arg(long)]
        signature: Option<String>,
        /// An image file (PNG, JPEG, GIF or WebP, at most 2 MiB) to upload as my avatar.
        #[arg(long)]
        avatar: Option<std::path::PathBuf>,
    },
    /// Download a user's avatar into the cache; prints its file id, path and sha256.
    Avatar { user: String },
    /// Search users by id or nickname.
    Users { query: String },
    /// Friends and applications.
    Friend {
        #[command(subcommand)]
        cmd: FriendCmd,
    },
    /// Block a user.
    Block { user: String },
    /// Unblock a user.
    Unblock { user: String },
    /// List blocked users.
    Blocked,
    /// Groups: create, members, roles, applications, mutes (ids as printed by `group list`).
    Group {
        #[command(subcommand)]
        cmd: groups::GroupCmd,
    },
    /// Chat rooms: list, create, join (--listen to stay), leave, send,
    /// members, kick, mute, admin, delete.
    Room {
        #[command(subcommand)]
        cmd: rooms::RoomCmd,
    },
    /// My settings of a conversation, synced to all my devices (pin, mute,
    /// archive, draft, clear history).
    Conv {
        #[command(subcommand)]
        cmd: prefs::ConvCmd,
    },
    /// My account-wide notification settings and do-not-disturb schedule.
    Settings {
        #[command(subcommand)]
        cmd: prefs::SettingsCmd,
    },
    /// Send text messages (one per argument) to a user or conversation id
    /// (`d:<a>:<b>`, or `g:<group>` for a group).
    Send {
        to: String,
        #[arg(required = true)]
        texts: Vec<String>,
        /// Send each text this many times, numbered "<text> #<i>".
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Mention this member (groups; repeatable): prints each stored message.
        #[arg(long = "mention")]
        mention: Vec<String>,
        /// Mention @all (group owner and admins only).
        #[arg(long)]
        mention_all: bool,
    },
    /// Forward messages <seq>... of a conversation to --to conversations (or
    /// users; repeatable), one by one or --merged into one chat history; prints
    /// {"results":[{"conv","seqs","duplicate","error"?}]}.
    Forward {
        from: String,
        #[arg(required = true)]
        seqs: Vec<u64>,
        #[arg(long, required = true)]
        to: Vec<String>,
        #[arg(long)]
        merged: bool,
        #[arg(long)]
        title: Option<String>,
    },
    /// Send a file (an image when it is a PNG, JPEG, GIF or WebP) to a user or
    /// conversation; prints the stored message (and, with --progress, upload progress first).
    SendFile {
        to: String,
        path: PathBuf,
        #[arg(long)]
        progress: bool,
    },
    /// Download the file of message <seq> in a conversation (or --file '<FileRef JSON>')
    /// into the cache, or copy it to --out; prints {"path","file","size","sha256"}.
    Download {
        with: Option<String>,
        seq: Option<u64>,
        #[arg(long)]
        file: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show a conversation's messages, oldest first.
    History {
        with: String,
        #[arg(long)]
        before: Option<u64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Full-text search over cached messages.
    Search {
        query: String,
        #[arg(long, default_value_t = 0)]
        page: u32,
        #[arg(long, default_value_t = 20)]
        page_size: u32,
    },
    /// List conversations, most recent first.
    Conversations,
    /// Mark a conversation read.
    Read { with: String },
    /// Recall one of my messages.
    Recall { with: String, seq: u64 },
    /// Edit the text of one of my text messages (within the server's edit window);
    /// prints {"conv","seq","text","edited_at"}.
    Edit {
        with: String,
        seq: u64,
        text: String,
    },
    /// Reply to message <seq> of a conversation with a text; prints the stored message.
    Reply {
        with: String,
        seq: u64,
        text: String,
        /// Mention this member (groups; repeatable).
        #[arg(long = "mention")]
        mention: Vec<String>,
        /// Mention @all (group owner and admins only).
        #[arg(long)]
        mention_all: bool,
    },
    /// Show what a reply quotes of message <seq>: {"seq","sender","snippet","state"}.
    Quote { with: String, seq: u64 },
    /// Add (or with --off remove) my reaction on message <seq>; prints its reactions.
    React {
        with: String,
        seq: u64,
        emoji: String,
        #[arg(long)]
        off: bool,
    },
    /// Show the cached reactions of message <seq>.
    Reactions { with: String, seq: u64 },
    /// Pin (or with --off unpin) message <seq>; prints the conversation's pins.
    Pin {
        with: String,
        seq: u64,
        #[arg(long)]
        off: bool,
    },
    /// Who of a group has read message <seq> (sender, owner and admins only):
    /// prints {"seq","read_count","unread_count","read","unread","next"}.
    ReadBy {
        with: String,
        seq: u64,
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show a conversation's cached pins.
    Pins { with: String },
    /// Tell the peer I am typing.
    Typing { with: String },
    /// Resync and deliver everything in the outbox; prints what is left
    /// (messages the server refused stay there as `failed`: see `resend` and
    /// `delete-failed`).
    Sync,
    /// Send a failed message of mine again (its `client_id`, as `sync` lists it);
    /// prints it once acked.
    Resend { client_id: String },
    /// Delete a failed message of mine (its `client_id`) from this device's
    /// cache and outbox; it was never delivered.
    DeleteFailed { client_id: String },
    /// Print every event as one JSON object per line until SIGINT, SIGTERM or stdin EOF.
    Listen,
}

/// Friend subcommands.
impl Command {
    /// Answered from the local cache: with the server unreachable it runs on
    /// what the cache holds (after one failed connection attempt) instead of
    /// failing; online, it runs after the first sync as every command does.
    pub(crate) fn reads_cache(&self) -> bool {
        use groups::GroupCmd;
        use prefs::{ConvCmd, SettingsCmd};
        matches!(
            self,
            Command::Whoami
                | Command::Blocked
                | Command::Conversations
                | Command::History { .. }
                | Command::Search { .. }
                | Command::Reactions { .. }
                | Command::Pins { .. }
                | Command::Friend {
                    cmd: FriendCmd::List
                }
                | Command::Group {
                    cmd: GroupCmd::List
                }
                | Command::Conv {
                    cmd: ConvCmd::Get { .. } | ConvCmd::List
                }
                | Command::Settings {
                    cmd: SettingsCmd::Get
                }
        )
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum FriendCmd {
    /// Send a friend application.
    Add {
        user: String,
        #[arg(long, default_value = "")]
        greeting: String,
    },
    /// Accept an application.
    Accept { user: String },
    /// Refuse an application.
    Refuse { user: String },
    /// List friends.
    List,
    /// List received applications (or sent ones).
    Applications {
        #[arg(long)]
        sent: bool,
    },
    /// Delete a friend.
    Delete { user: String },
    /// Set a remark for a friend.
    Remark { user: String, remark: String },
    /// Search friends by id, nickname or remark.
    Search { query: String },
}
