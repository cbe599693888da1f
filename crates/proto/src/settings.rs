//! Per-user conversation settings (pin, mute, archive, draft, clear history)
//! and account-wide notification preferences with a do-not-disturb schedule.
//! Both are stored on the server and follow the user to every device through
//! the change log (`conv_settings_changed`, `settings_changed`).
//!
//! The merge rules live here, as pure functions, so that both server backends
//! (and tests) apply an edit the same way.

use serde::{Deserialize, Serialize};

use crate::ids::{ConversationId, Seq};

/// Milliseconds since the Unix epoch (UTC); the same as `model::Millis`
/// (not imported: `model` uses this module for its change kinds).
type Millis = i64;

/// Most conversations one user may have pinned at once.
pub const MAX_PINNED: u64 = 100;

/// Most one-to-one chats not started yet (no message either way) one user may
/// keep settings for (a draft typed before the first message): any existing
/// user id names such a chat, so without it one account could store drafts of
/// 8,000 characters for every user on the server.
pub const MAX_UNSTARTED_CHATS: u64 = 1_000;
/// How far in the future (ms) a draft's `edited_at` may lie (clock skew).
pub const MAX_DRAFT_SKEW_MS: Millis = 5 * 60 * 1000;
/// Longest time-zone name accepted in a schedule.
pub const MAX_TZ_CHARS: usize = 64;

/// My settings for one conversation, as the server keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct ConvSettings {
    pub conv: ConversationId,
    /// Pin order when pinned (pinned chats are listed first, higher order
    /// first); `None`: not pinned.
    #[serde(default)]
    pub pinned: Option<i64>,
    /// Notifications off for this conversation (see `muted_until`).
    #[serde(default)]
    pub muted: bool,
    /// With `muted`: muted until this time; `None`: forever.
    #[serde(default)]
    pub muted_until: Option<Millis>,
    /// Archived when the conversation's max seq was this; `None`: not
    /// archived. Clients show it archived while no newer message arrived, or
    /// while it is muted (see [`ConvSettings::is_archived`]); the server never
    /// changes it on a new message.
    #[serde(default)]
    pub archived: Option<Seq>,
    /// The unsent text ("" when none).
    #[serde(default)]
    pub draft: String,
    /// The `edited_at` of the draft edit that won (0: never edited).
    #[serde(default)]
    pub draft_at: Millis,
    /// Everything up to this seq is hidden for me (clear history); 0: nothing.
    #[serde(default)]
    pub cleared_seq: Seq,
    /// Server time of the last change.
    #[serde(default)]
    pub updated_at: Millis,
}

impl ConvSettings {
    /// Settings of a conversation nobody touched.
    pub fn new(conv: ConversationId) -> Self {
        Self {
            conv,
            pinned: None,
            muted: false,
            muted_until: None,
            archived: None,
            draft: String::new(),
            draft_at: 0,
            cleared_seq: Seq(0),
            updated_at: 0,
        }
    }

    /// Whether notifications are off at `now`.
    pub fn is_muted(&self, now: Millis) -> bool {
        self.muted && self.muted_until.is_none_or(|u| now < u)
    }

    /// Whether the conversation belongs in the "Archived" list given its
    /// current max seq: archived, and no message came since — or muted, since
    /// a new message only brings back a conversation that is not muted.
    pub fn is_archived(&self, max_seq: Seq, now: Millis) -> bool {
        match self.archived {
            Some(at) => max_seq <= at || self.is_muted(now),
            None => false,
        }
    }
}

/// One change to my settings of a conversation (`edit_conv`), tagged by `op`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ConvEdit {
    /// Pin it; without `order` it goes above every other pinned conversation.
    Pin {
        /// Explicit pin order (higher first).
        #[serde(default)]
        order: Option<i64>,
    },
    /// Unpin it.
    Unpin,
    /// Mute it until `until` (in the future), or forever without it.
    Mute {
        /// End of the mute.
        #[serde(default)]
        until: Option<Millis>,
    },
    /// Unmute it.
    Unmute,
    /// Archive it (at its current max seq).
    Archive,
    /// Take it out of the archive.
    Unarchive,
    /// Save the draft (`""` clears it); kept only if `edited_at` is newer
    /// than the stored draft's.
    Draft {
        /// The text (at most `max_text_chars`).
        text: String,
        /// When it was typed, by the client's clock.
        edited_at: Millis,
    },
    /// Hide everything up to `seq` (default: the current max seq) for me.
    Clear {
        /// Up to here (clamped to the max seq; never moves backwards).
        #[serde(default)]
        seq: Option<Seq>,
    },
}

impl ConvEdit {
    /// The wire name of the op, for logs and messages.
    pub fn op(&self) -> &'static str {
        match self {
            Self::Pin { .. } => "pin",
            Self::Unpin => "unpin",
            Self::Mute { .. } => "mute",
            Self::Unmute => "unmute",
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
            Self::Draft { .. } => "draft",
            Self::Clear { .. } => "clear",
        }
    }
}

/// What an edit needs to know about the conversation and the user.
#[derive(Debug, Clone, Copy)]
pub struct EditContext {
    /// The conversation's max seq now.
    pub max_seq: Seq,
    /// The highest pin order among my pinned conversations (`None`: none pinned).
    pub max_pin: Option<i64>,
    /// Server time.
    pub now: Millis,
}

/// Applies `edit` to `cur`; `None` when it changes nothing (nothing is
/// stored and no change-log entry is written). Arguments are validated by the
/// server's service layer before.
pub fn apply_edit(cur: &ConvSettings, edit: &ConvEdit, cx: EditContext) -> Option<ConvSettings> {
    let mut next = cur.clone();
    match edit {
        ConvEdit::Pin { order } => {
            next.pinned = Some(match order {
                Some(o) => *o,
                None if cur.pinned.is_some() && cur.pinned == cx.max_pin => return None,
                None => cx.max_pin.map_or(1, |m| m.saturating_add(1)),
            })
        }
        ConvEdit::Unpin => next.pinned = None,
        ConvEdit::Mute { until } => {
            next.muted = true;
            next.muted_until = *until;
        }
        ConvEdit::Unmute => {
            next.muted = false;
            next.muted_until = None;
        }
        ConvEdit::Archive => next.archived = Some(cx.max_seq),
        ConvEdit::Unarchive => next.archived = None,
        ConvEdit::Draft { text, edited_at } => {
            if *edited_at <= cur.draft_at || *text == cur.draft {
                return None; // an older edit loses; the same text changes nothing
            }
            next.draft = text.clone();
            next.draft_at = *edited_at;
        }
        ConvEdit::Clear { seq } => {
            let want = seq.unwrap_or(cx.max_seq).min(cx.max_seq);
            next.cleared_seq = want.max(cur.cleared_seq);
        }
    }
    if next == *cur {
        return None;
    }
    next.updated_at = cx.now;
    Some(next)
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Monday = 0 … Sunday = 6.
    pub fn index(self) -> u8 {
        self as u8
    }
}

/// The account's do-not-disturb window: from `start` to `end` (local time in
/// `tz`), starting on each of `days`; a window whose `end` is not after its
/// `start` runs past midnight into the next day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DndSchedule {
    /// `HH:MM`, 24-hour.
    pub start: String,
    /// `HH:MM`, 24-hour; different from `start`.
    pub end: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub tz: String,
    /// The days on which the window starts (at least one, none twice).
    pub days: Vec<Weekday>,
}

/// Minutes after midnight of an `HH:MM` time.
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl DndSchedule {
    /// Checks everything but whether `tz` names a real zone; the message says
    /// which field is wrong.
    pub fn check_shape(&self) -> Result<(u16, u16), String> {
        let start = parse_hhmm(&self.start)
            .ok_or_else(|| format!("dnd.start `{}` is not HH:MM", self.start))?;
        let end =
            parse_hhmm(&self.end).ok_or_else(|| format!("dnd.end `{}` is not HH:MM", self.end))?;
        if start == end {
            return Err("dnd.start and dnd.end are equal (an empty window)".into());
        }
        if self.tz.is_empty() || self.tz.chars().count() > MAX_TZ_CHARS {
            return Err(format!("dnd.tz must be 1 to {MAX_TZ_CHARS} characters"));
        }
        if self.days.is_empty() || self.days.len() > 7 {
            return Err("dnd.days must list 1 to 7 days".into());
        }
        let mut days = self.days.clone();
        days.sort_unstable();
        days.dedup();
        if days.len() != self.days.len() {
            return Err("dnd.days lists a day twice".into());
        }
        Ok((start, end))
    }

    /// Whether local time `minute` (after midnight) on `weekday` (Monday = 0)
    /// falls inside the window. The caller converts the instant to `tz`.
    pub fn contains_local(&self, weekday: u8, minute: u16) -> bool {
        let Ok((start, end)) = self.check_shape() else {
            return false;
        };
        let starts_on = |d: u8| self.days.iter().any(|w| w.index() == d);
        if start < end {
            starts_on(weekday) && minute >= start && minute < end
        } else {
            let yesterday = (weekday + 6) % 7;
            (starts_on(weekday) && minute >= start) || (starts_on(yesterday) && minute < end)
        }
    }
}

/// Account-wide notification preferences, the same on every device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountSettings {
    /// Show notifications at all.
    pub notifications: bool,
    /// Show the message text in a notification (else only who wrote).
    pub show_text: bool,
    /// Play a sound.
    pub sound: bool,
    /// Do-not-disturb schedule; `None`: none.
    #[serde(default)]
    pub dnd: Option<DndSchedule>,
    /// Server time of the last change (set by the server; ignored in `set_settings`).
    #[serde(default)]
    pub updated_at: Millis,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            notifications: true,
            show_text: true,
            sound: true,
            dnd: None,
            updated_at: 0,
        }
    }
}

#[cfg(test)]
mod tests;
