//! Unit tests of the client's pure decisions: backoff, gaps, sync windows, unread counts, the outbox.

use super::*;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId::new(s).unwrap()
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        max_age_ms: 10_000,
        retry_delay_ms: 100,
    }
}

#[test]
fn acks_reloads_and_resends_keep_one_entry_per_id_in_a_long_queue() {
    let mut o = Outbox::new(policy());
    for i in 0..10_000 {
        o.queue(id(&format!("m{i}")), 0);
    }
    o.queue(id("m5"), 0);
    assert_eq!(o.live(), 10_000, "a queued id is not queued twice");
    // Acks arrive in queue order from the front.
    for i in 0..9_990 {
        let m = id(&format!("m{i}"));
        assert_eq!(o.next_due(0), Some(m.clone()));
        o.start(&m);
        assert!(o.acked(&m));
        assert!(!o.acked(&m), "a second ack finds nothing");
        assert!(o.get(&m).is_none());
    }
    assert_eq!(o.live(), 10);
    // A re-load after a restart replaces the entry, at the back.
    let entry = o.get(&id("m9990")).cloned().unwrap();
    o.push(entry);
    assert_eq!(o.live(), 10);
    assert_eq!(o.next_due(0), Some(id("m9991")));
    // A resend of an id no longer queued queues it anew, once.
    o.resend(&id("m0"), 1);
    o.resend(&id("m0"), 2);
    assert_eq!(o.live(), 11);
    assert!(o.acked(&id("m0")));
    assert_eq!(o.live(), 10);
}

#[test]
fn backoff_grows_exponentially_caps_and_jitters() {
    let d = |a, j| backoff_delay(a, 500, 8_000, j).as_millis() as u64;
    assert_eq!((d(1, 0.0), d(1, 0.999)), (250, 499));
    assert_eq!(d(2, 0.0), 500);
    assert_eq!(d(3, 0.0), 1_000);
    assert_eq!(d(10, 0.0), 4_000, "capped at max/2 + jitter");
    assert!(d(10, 0.5) > d(10, 0.0) && d(10, 0.999) < 8_000);
    assert_eq!(d(200, 0.0), 4_000, "huge attempts do not overflow");
}

#[test]
fn gaps_are_found_and_paged() {
    assert_eq!(missing_ranges(0, &[], 5, 100), vec![(1, 5)]);
    assert_eq!(missing_ranges(3, &[4, 5], 5, 100), Vec::<(u64, u64)>::new());
    assert_eq!(
        missing_ranges(3, &[5, 9], 10, 100),
        vec![(4, 4), (6, 8), (10, 10)]
    );
    assert_eq!(
        missing_ranges(0, &[], 250, 100),
        vec![(1, 100), (101, 200), (201, 250)]
    );
    assert_eq!(missing_ranges(5, &[2, 3], 4, 10), Vec::<(u64, u64)>::new());
}

#[test]
fn contiguous_run_stops_at_the_first_hole() {
    assert_eq!(contiguous_from(3, &[4, 5, 7]), 5);
    assert_eq!(contiguous_from(3, &[5]), 3);
    assert_eq!(contiguous_from(0, &[1, 2, 3]), 3);
}

#[test]
fn fresh_devices_sync_a_window_only() {
    assert_eq!(sync_start(0, 5_000, 1_000), 4_000);
    assert_eq!(sync_start(0, 10, 1_000), 0);
    assert_eq!(sync_start(4_500, 5_000, 1_000), 4_500);
}

#[test]
fn unread_excludes_own_messages() {
    assert_eq!(unread(10, 4, 2), 4);
    assert_eq!(unread(3, 5, 0), 0);
    assert_eq!(unread(10, 4, 9), 0);
}

#[test]
fn outbox_pipelines_in_order_and_a_retry_pause_holds_back_the_rest() {
    let mut o = Outbox::new(policy());
    o.queue(id("a"), 0);
    o.queue(id("b"), 0);
    o.queue(id("c"), 0);
    assert_eq!(o.next_due(0), Some(id("a")));
    o.start(&id("a"));
    assert_eq!(o.next_due(0), Some(id("b")), "a in flight does not hold b");
    o.start(&id("b"));
    assert_eq!(o.in_flight(), 2);
    assert_eq!(o.after(&id("a")), None);
    assert_eq!(o.after(&id("b")), Some(id("a")), "b is stored only after a");
    assert!(o.acked(&id("a")));
    assert!(!o.acked(&id("a")), "a second ack is a no-op");
    assert_eq!(o.unanswered(&id("b"), 0), Verdict::Retry);
    assert_eq!(o.next_due(50), None, "b's retry pause holds back c");
    assert_eq!(o.next_due(1_000), Some(id("b")));
}

#[test]
fn outbox_retries_then_fails_after_max_attempts() {
    let mut o = Outbox::new(policy());
    o.queue(id("a"), 0);
    for attempt in 1..=3 {
        let now = attempt * 1_000;
        assert_eq!(o.next_due(now), Some(id("a")));
        assert_eq!(o.start(&id("a")), attempt as u32);
        assert_eq!(o.next_due(now + 50), None);
        let v = o.unanswered(&id("a"), now);
        assert_eq!(
            v,
            if attempt < 3 {
                Verdict::Retry
            } else {
                Verdict::Failed
            }
        );
        if attempt < 3 {
            assert_eq!(o.next_due(now + 50), None, "retry pause");
        }
    }
    assert_eq!(o.next_due(100_000), None);
    assert_eq!(o.live(), 0);
}

#[test]
fn outbox_expires_by_age_even_without_attempts() {
    let mut o = Outbox::new(policy());
    o.queue(id("a"), 0);
    o.queue(id("b"), 5_000);
    assert!(o.expire(9_999).is_empty());
    assert_eq!(o.expire(10_000), vec![id("a")]);
    assert_eq!(
        o.next_due(10_000),
        Some(id("b")),
        "a failed one does not block"
    );
    assert_eq!(o.expire(15_000), vec![id("b")]);
}

#[test]
fn refused_fails_at_once_and_resend_restores_the_budget() {
    let mut o = Outbox::new(policy());
    o.queue(id("a"), 0);
    o.start(&id("a"));
    o.refused(&id("a"));
    assert_eq!(o.next_due(1), None);
    o.resend(&id("a"), 50_000);
    assert_eq!(o.next_due(50_000), Some(id("a")));
    assert_eq!(o.get(&id("a")).unwrap().attempts, 0);
    assert!(o.expire(59_999).is_empty());
}
