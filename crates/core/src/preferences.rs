//! Settings that follow me across devices, on the client side: whether to show
//! a notification ([`should_notify`]: the account switch, the chat's mute and
//! the do-not-disturb schedule, at an injectable time) and taking the
//! server's copy when the change log was compacted (`snapshot`).

use std::sync::Arc;

use tern_proto::{cmd, reply, AccountSettings, ConvSettings, DndSchedule, ErrorCode};

use crate::error::{Error, Result};
use crate::session::Shared;
use crate::store::preferences as prefs;
use crate::transport::Conn;

/// Whether `now` (ms since the epoch) falls inside the do-not-disturb window,
/// read in the schedule's time zone. An unknown zone counts as no window.
pub fn in_dnd(dnd: &DndSchedule, now: i64) -> bool {
    let Ok(tz) = jiff::tz::TimeZone::get(&dnd.tz) else {
        return false;
    };
    let Ok(ts) = jiff::Timestamp::from_millisecond(now) else {
        return false;
    };
    let local = ts.to_zoned(tz);
    let weekday = local.weekday().to_monday_zero_offset() as u8;
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    dnd.contains_local(weekday, minute)
}

/// Whether a new message in a conversation with settings `conv` should show a
/// notification at `now`: notifications on, the chat not muted, and not
/// inside the do-not-disturb window.
pub fn should_notify(account: &AccountSettings, conv: &ConvSettings, now: i64) -> bool {
    account.notifications
        && !conv.is_muted(now)
        && !account.dnd.as_ref().is_some_and(|d| in_dnd(d, now))
}

/// [`should_notify`] for a message that may mention me: a mention of me
/// (`mentioned`) notifies even in a muted chat; the account switch and the
/// do-not-disturb window still hold.
pub fn should_notify_mentioned(
    account: &AccountSettings,
    conv: &ConvSettings,
    mentioned: bool,
    now: i64,
) -> bool {
    if !mentioned {
        return should_notify(account, conv, now);
    }
    account.notifications && !account.dnd.as_ref().is_some_and(|d| in_dnd(d, now))
}

/// Takes every conversation setting and the account settings from the server
/// (after `SnapshotRequired`). A server without them (`UnknownCommand`) leaves
/// the cache as it is.
pub(crate) async fn snapshot(sh: &Arc<Shared>, conn: &Conn) -> Result<()> {
    let all = match conn.call(cmd::GetConvSettings {}).await {
        Ok(reply::ConvSettingsList { settings }) => settings,
        Err(Error::Server(e)) if e.code == ErrorCode::UnknownCommand => return Ok(()),
        Err(e) => return Err(e),
    };
    let account = conn.call(cmd::GetSettings {}).await?.settings;
    sh.db
        .call(move |c| {
            let tx = c.transaction()?;
            prefs::replace_all(&tx, &all)?;
            prefs::set_account(&tx, &account)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_proto::Weekday;

    fn ms(rfc: &str) -> i64 {
        rfc.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn dnd_window_in_its_time_zone() {
        let dnd = DndSchedule {
            start: "22:00".into(),
            end: "08:00".into(),
            tz: "Europe/Paris".into(),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        };
        // Paris is UTC+1 in December: Tue 2026-12-01 21:30 UTC = 22:30 local.
        assert!(in_dnd(&dnd, ms("2026-12-01T21:30:00Z")));
        assert!(in_dnd(&dnd, ms("2026-12-02T06:59:00Z"))); // Wed 07:59 local
        assert!(!in_dnd(&dnd, ms("2026-12-02T07:00:00Z"))); // Wed 08:00 local
        assert!(!in_dnd(&dnd, ms("2026-12-01T20:59:00Z"))); // Tue 21:59 local
                                                            // Saturday night is not in the schedule; Friday night runs into Saturday.
        assert!(!in_dnd(&dnd, ms("2026-12-05T22:00:00Z"))); // Sat 23:00 local
        assert!(in_dnd(&dnd, ms("2026-12-05T05:00:00Z"))); // Sat 06:00 local
    }

    #[test]
    fn a_mention_notifies_in_a_muted_chat_but_not_when_off_or_in_dnd() {
        let now = ms("2026-12-01T12:00:00Z");
        let on = AccountSettings::default();
        let muted = ConvSettings {
            muted: true,
            ..ConvSettings::new(tern_proto::ConversationId::parse("g:team").unwrap())
        };
        assert!(!should_notify_mentioned(&on, &muted, false, now));
        assert!(should_notify_mentioned(&on, &muted, true, now));
        let off = AccountSettings {
            notifications: false,
            ..on.clone()
        };
        assert!(!should_notify_mentioned(&off, &muted, true, now));
        let dnd = AccountSettings {
            dnd: Some(DndSchedule {
                start: "00:00".into(),
                end: "23:59".into(),
                tz: "UTC".into(),
                days: vec![Weekday::Tue],
            }),
            ..on
        };
        assert!(!should_notify_mentioned(&dnd, &muted, true, now));
    }

    fn conv() -> ConvSettings {
        ConvSettings::new("d:a:b".parse().unwrap())
    }

    #[test]
    fn the_account_switch_and_a_mute_until_a_time_decide() {
        let now = ms("2026-12-03T10:00:00Z");
        let mut account = AccountSettings::default();
        assert!(should_notify(&account, &conv(), now));
        account.notifications = false;
        assert!(!should_notify(&account, &conv(), now), "globally off");
        account.notifications = true;
        let mut c = conv();
        c.muted = true;
        assert!(!should_notify(&account, &c, now), "muted forever");
        c.muted_until = Some(now + 3_600_000);
        assert!(!should_notify(&account, &c, now), "muted for an hour");
        assert!(!should_notify(&account, &c, now + 3_599_999));
        assert!(
            should_notify(&account, &c, now + 3_600_000),
            "the mute ended"
        );
    }

    #[test]
    fn dnd_across_midnight_on_chosen_days_with_an_injected_clock() {
        let mut account = AccountSettings {
            dnd: Some(DndSchedule {
                start: "23:30".into(),
                end: "06:15".into(),
                tz: "UTC".into(),
                days: vec![Weekday::Sun],
            }),
            ..AccountSettings::default()
        };
        let c = conv();
        // Sunday 2026-12-06, into Monday 2026-12-07.
        assert!(!should_notify(&account, &c, ms("2026-12-06T23:30:00Z")));
        assert!(!should_notify(&account, &c, ms("2026-12-07T00:00:00Z")));
        assert!(!should_notify(&account, &c, ms("2026-12-07T06:14:59Z")));
        assert!(should_notify(&account, &c, ms("2026-12-07T06:15:00Z")));
        assert!(should_notify(&account, &c, ms("2026-12-06T23:29:00Z")));
        // Monday night is not a listed day; Saturday night neither.
        assert!(should_notify(&account, &c, ms("2026-12-07T23:45:00Z")));
        assert!(should_notify(&account, &c, ms("2026-12-06T01:00:00Z")));
        // A daytime window on weekdays, in Shanghai (UTC+8, no DST).
        account.dnd = Some(DndSchedule {
            start: "09:00".into(),
            end: "17:00".into(),
            tz: "Asia/Shanghai".into(),
            days: vec![Weekday::Thu],
        });
        assert!(!should_notify(&account, &c, ms("2026-12-03T01:00:00Z"))); // Thu 09:00
        assert!(should_notify(&account, &c, ms("2026-12-03T09:00:00Z"))); // Thu 17:00
        assert!(should_notify(&account, &c, ms("2026-12-04T01:00:00Z"))); // Fri 09:00
                                                                          // An unknown zone counts as no window.
        account.dnd.as_mut().unwrap().tz = "Mars/Olympus".into();
        assert!(should_notify(&account, &c, ms("2026-12-03T01:00:00Z")));
    }
}
