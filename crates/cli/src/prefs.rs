//! `tern-cli conv ...` and `tern-cli settings ...`: settings that follow me
//! across devices, one JSON value per command on stdout.

use clap::Subcommand;
use tern_core::proto::{AccountSettings, DndSchedule, Seq, Weekday};
use tern_core::Client;

use crate::groups::Switch;
use crate::output::{out, Failure};
use crate::session::conv_of;

/// Conversation settings subcommands; `with` is a user id or a conversation id.
#[derive(Subcommand, Debug)]
pub(crate) enum ConvCmd {
    /// Pin a conversation above the other pinned ones.
    Pin { with: String },
    /// Unpin it.
    Unpin { with: String },
    /// Mute it: for `--minutes`, until `--until` (ms), or forever.
    Mute {
        with: String,
        #[arg(long, conflicts_with = "until")]
        minutes: Option<u32>,
        #[arg(long)]
        until: Option<i64>,
    },
    /// Unmute it.
    Unmute { with: String },
    /// Archive it (a new message brings it back unless it is muted).
    Archive { with: String },
    /// Take it out of the archive.
    Unarchive { with: String },
    /// Hide its messages up to `--seq` (default: all so far) on all my devices.
    Clear {
        with: String,
        #[arg(long)]
        seq: Option<u64>,
    },
    /// Save its draft ("" clears it) on all my devices.
    Draft { with: String, text: String },
    /// Its settings (local cache).
    Get { with: String },
    /// Every conversation's settings, pinned first (local cache).
    List,
}

/// Account settings subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum SettingsCmd {
    /// The account's notification settings (local cache).
    Get,
    /// Change the given ones; the rest stay.
    Set {
        #[arg(long, value_enum)]
        notifications: Option<Switch>,
        #[arg(long, value_enum)]
        show_text: Option<Switch>,
        #[arg(long, value_enum)]
        sound: Option<Switch>,
        /// Do-not-disturb window `HH:MM-HH:MM` (needs `--tz` and `--days`).
        #[arg(long, requires_all = ["tz", "days"], conflicts_with = "no_dnd")]
        dnd: Option<String>,
        /// IANA time zone of the window, e.g. `Europe/Paris`.
        #[arg(long)]
        tz: Option<String>,
        /// Days the window starts on, comma-separated: mon,tue,wed,thu,fri,sat,sun.
        #[arg(long, value_delimiter = ',')]
        days: Vec<String>,
        /// Remove the do-not-disturb schedule.
        #[arg(long)]
        no_dnd: bool,
    },
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn on(s: Switch) -> bool {
    matches!(s, Switch::On)
}

fn weekday(s: &str) -> Result<Weekday, Failure> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase()))
        .map_err(|_| Failure::Usage(format!("`{s}` is not a day (mon … sun)")))
}

/// Runs a `conv` subcommand.
pub(crate) async fn conv(client: &Client, cmd: ConvCmd) -> Result<(), Failure> {
    let settings = match cmd {
        ConvCmd::Pin { with } => client.pin_conv(&conv_of(client, &with)?).await?,
        ConvCmd::Unpin { with } => client.unpin_conv(&conv_of(client, &with)?).await?,
        ConvCmd::Mute {
            with,
            minutes,
            until,
        } => {
            let until = until.or(minutes.map(|m| now_ms() + i64::from(m) * 60_000));
            client.mute_conv(&conv_of(client, &with)?, until).await?
        }
        ConvCmd::Unmute { with } => client.unmute_conv(&conv_of(client, &with)?).await?,
        ConvCmd::Archive { with } => client.archive_conv(&conv_of(client, &with)?).await?,
        ConvCmd::Unarchive { with } => client.unarchive_conv(&conv_of(client, &with)?).await?,
        ConvCmd::Clear { with, seq } => {
            let conv = conv_of(client, &with)?;
            client.clear_history(&conv, seq.map(Seq)).await?
        }
        ConvCmd::Draft { with, text } => {
            let conv = conv_of(client, &with)?;
            client.set_draft(&conv, &text).await?;
            client.conv_settings(&conv).await?
        }
        ConvCmd::Get { with } => client.conv_settings(&conv_of(client, &with)?).await?,
        ConvCmd::List => return out(&client.all_conv_settings().await?),
    };
    out(&settings)
}

/// Runs a `settings` subcommand.
pub(crate) async fn settings(client: &Client, cmd: SettingsCmd) -> Result<(), Failure> {
    let SettingsCmd::Set {
        notifications,
        show_text,
        sound,
        dnd,
        tz,
        days,
        no_dnd,
    } = cmd
    else {
        return out(&client.account_settings().await?);
    };
    let mut s: AccountSettings = client.account_settings().await?;
    if let Some(v) = notifications {
        s.notifications = on(v);
    }
    if let Some(v) = show_text {
        s.show_text = on(v);
    }
    if let Some(v) = sound {
        s.sound = on(v);
    }
    if no_dnd {
        s.dnd = None;
    }
    if let Some(window) = dnd {
        let (start, end) = window
            .split_once('-')
            .ok_or_else(|| Failure::Usage(format!("--dnd `{window}` is not HH:MM-HH:MM")))?;
        s.dnd = Some(DndSchedule {
            start: start.to_string(),
            end: end.to_string(),
            tz: tz.unwrap_or_default(),
            days: days.iter().map(|d| weekday(d)).collect::<Result<_, _>>()?,
        });
    }
    out(&client.set_account_settings(s).await?)
}
