//! Unit tests of conversation settings: edits merge as documented; do-not-disturb schedules.

use super::*;

fn cx(max_seq: u64, max_pin: Option<i64>) -> EditContext {
    EditContext {
        max_seq: Seq(max_seq),
        max_pin,
        now: 1000,
    }
}

#[test]
fn edits_merge_as_documented() {
    let c: ConversationId = "d:a:b".parse().unwrap();
    let s = ConvSettings::new(c);
    let p = apply_edit(&s, &ConvEdit::Pin { order: None }, cx(5, Some(7))).unwrap();
    assert_eq!(p.pinned, Some(8));
    assert_eq!(
        apply_edit(&p, &ConvEdit::Pin { order: None }, cx(5, Some(8))),
        None
    );
    let d = |t: &str, at| ConvEdit::Draft {
        text: t.into(),
        edited_at: at,
    };
    let d1 = apply_edit(&s, &d("new", 50), cx(5, None)).unwrap();
    assert_eq!(
        apply_edit(&d1, &d("old", 40), cx(5, None)),
        None,
        "older edit loses"
    );
    assert_eq!(
        apply_edit(&d1, &d("new", 60), cx(5, None)),
        None,
        "same text"
    );
    let c1 = apply_edit(&s, &ConvEdit::Clear { seq: Some(Seq(99)) }, cx(5, None)).unwrap();
    assert_eq!(c1.cleared_seq, Seq(5), "clamped to max seq");
    assert_eq!(
        apply_edit(&c1, &ConvEdit::Clear { seq: Some(Seq(3)) }, cx(5, None)),
        None
    );
    let a = apply_edit(&s, &ConvEdit::Archive, cx(5, None)).unwrap();
    assert!(a.is_archived(Seq(5), 0) && !a.is_archived(Seq(6), 0));
    let am = apply_edit(&a, &ConvEdit::Mute { until: Some(2000) }, cx(5, None)).unwrap();
    assert!(am.is_archived(Seq(6), 1999) && !am.is_archived(Seq(6), 2000));
}

#[test]
fn schedule_shape_and_window() {
    let s = |start: &str, end: &str, days: Vec<Weekday>| DndSchedule {
        start: start.into(),
        end: end.into(),
        tz: "UTC".into(),
        days,
    };
    assert!(s("24:00", "08:00", vec![Weekday::Mon])
        .check_shape()
        .is_err());
    assert!(s("8:00", "09:00", vec![Weekday::Mon])
        .check_shape()
        .is_err());
    assert!(s("08:00", "08:00", vec![Weekday::Mon])
        .check_shape()
        .is_err());
    assert!(s("08:00", "09:00", vec![]).check_shape().is_err());
    assert!(s("08:00", "09:00", vec![Weekday::Mon, Weekday::Mon])
        .check_shape()
        .is_err());
    let night = s("22:00", "08:00", vec![Weekday::Fri]);
    assert!(night.contains_local(4, 22 * 60)); // Fri 22:00
    assert!(night.contains_local(5, 7 * 60 + 59)); // Sat 07:59
    assert!(!night.contains_local(5, 8 * 60)); // Sat 08:00
    assert!(!night.contains_local(5, 23 * 60)); // Sat 23:00: not a listed day
    assert!(!night.contains_local(4, 21 * 60 + 59));
}
