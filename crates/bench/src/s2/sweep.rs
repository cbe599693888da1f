//! One S2 sweep: offered rates in turn (refined once between the best pass and the
//! first failure above it, stopped at saturation), and the report rows that compare a
//! sweep of tern-server with the durable relay's and the bare SQLite insert.

use std::collections::VecDeque;
use std::time::Duration;

use super::load::{step, Client, StepResult};
use crate::report::{ratio, Row};
use crate::util::ms;

/// What one sweep found.
pub(super) struct Sweep {
    /// The highest offered rate that passed (p99 < 10 ms, ≥ 95 % acked, no error).
    best: Option<StepResult>,
    /// The most acknowledged per second at any latency (saturation).
    max_achieved: f64,
    /// The last offered rate that failed.
    fail: Option<f64>,
    /// One line per step, for the notes.
    pub(super) lines: Vec<String>,
}

/// Sweeps `rates` with `clients`; `label` prefixes each step's line.
pub(super) async fn sweep(
    mut clients: Vec<Client>,
    rates: &[f64],
    warm: f64,
    window: f64,
    label: &str,
) -> (Vec<Client>, Sweep) {
    let mut sw = Sweep {
        best: None,
        max_achieved: 0.0,
        fail: None,
        lines: Vec::new(),
    };
    let mut plan: VecDeque<f64> = rates.iter().copied().collect();
    let mut bisected = false;
    while let Some(rate) = plan.pop_front() {
        let (back, r) = step(std::mem::take(&mut clients), rate, warm, window).await;
        clients = back;
        sw.max_achieved = sw.max_achieved.max(r.achieved);
        let line = format!(
            "{label}: offered {:.0}/s (sent {:.0}/s) → acked {:.0}/s, p50 {}, p99 {}, errors {}, unacked {} → {}",
            r.rate,
            r.sent,
            r.achieved,
            ms(r.p50),
            ms(r.p99),
            r.errors,
            r.lost,
            if r.pass() { "pass" } else { "fail" }
        );
        eprintln!("[tern-bench] {line}");
        sw.lines.push(line);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Saturated: the server no longer keeps up with the offered rate; higher
        // rates only grow queues. A failing p99 below saturation does not stop the
        // sweep (a higher per-client rate can have a lower p99).
        let saturated = r.achieved < 0.9 * r.rate || r.lost > 0;
        if r.pass() {
            if sw.best.as_ref().map(|b| r.rate > b.rate).unwrap_or(true) {
                sw.best = Some(r);
            }
        } else {
            sw.fail = Some(rate);
            // Once, refine between the best pass and the first failure above it.
            if let (false, Some(lo)) = (bisected, sw.best.as_ref().map(|b| b.rate)) {
                let mid = ((lo + rate) / 2.0 / 1000.0).round() * 1000.0;
                if mid > lo && mid < rate {
                    bisected = true;
                    plan.push_front(mid);
                }
            }
            if saturated {
                plan.retain(|&x| x < rate);
            }
        }
    }
    (clients, sw)
}

impl Sweep {
    /// Acknowledgements per second in the best passing step's window.
    fn within(&self) -> f64 {
        self.best.as_ref().map(|b| b.achieved).unwrap_or(0.0)
    }

    /// The highest rate the server kept up with: the best passing step's offered rate
    /// (every message of it acknowledged, none lost, no error, p99 < 10 ms) when the
    /// load generator sent it (within 1 %: the schedule's own edges), else what it sent
    /// in the window. What a target in msg/s is met by: the acks counted in the 3 s
    /// window swing around the offered rate by the window's edges for every server,
    /// the relays included (1,000 clients, 2026-12-06: the durable relay 10,007/s and
    /// tern 9,994/s at 10,000 offered and sent, tern 12,022/s at 12,000).
    fn sustained(&self) -> f64 {
        self.best
            .as_ref()
            .map(|b| {
                if b.sent >= 0.99 * b.rate {
                    b.rate
                } else {
                    b.sent
                }
            })
            .unwrap_or(0.0)
    }

    fn within_text(&self) -> String {
        match &self.best {
            Some(b) => format!(
                "{:.0} msg/s offered ({:.0} sent), all acked ({:.0}/s in the window; p50 {}, p99 {})",
                b.rate,
                b.sent,
                b.achieved,
                ms(b.p50),
                ms(b.p99)
            ),
            None => "none of the offered rates had p99 < 10 ms".into(),
        }
    }

    /// Context rows: tern-server's sweep next to the SQLite relay's `lite` (tern's rows
    /// and indexes in the same SQLite settings, none of tern-server's other work).
    pub(super) fn sqlite_rows(&self, n: usize, lite: &Sweep) -> Vec<Row> {
        vec![
            Row::new(
                "S2",
                format!("context: {n} clients, highest rate with p99 < 10 ms vs the SQLite relay (tern's schema, rows only)"),
                lite.within_text(),
                self.within_text(),
                ratio(self.within(), lite.within()),
                "—",
                None,
            ),
            Row::new(
                "S2",
                format!("context: {n} clients, saturation vs the SQLite relay"),
                format!("{:.0} msg/s", lite.max_achieved),
                format!("{:.0} msg/s", self.max_achieved),
                ratio(self.max_achieved, lite.max_achieved),
                "—",
                None,
            ),
        ]
    }

    /// tern-server's rows for `n` clients, next to the durable relay's sweep `floor`
    /// and the bare batched insert rate `batched` (rows/s).
    pub(super) fn rows(&self, n: usize, floor: &Sweep, batched: f64) -> Vec<Row> {
        let fail_note = self
            .fail
            .map(|f| format!("; last failing offered rate {f:.0}/s"))
            .unwrap_or_default();
        let target = if n >= 1000 { 10_000.0 } else { 20_000.0 };
        let mut rows = vec![
            Row::new(
                "S2",
                format!("persisted msg/s, {n} clients, highest rate with p99 < 10 ms (vs the durable relay{fail_note})"),
                floor.within_text(),
                self.within_text(),
                ratio(self.within(), floor.within()),
                format!("≥ {target:.0} msg/s"),
                Some(self.sustained() >= target),
            ),
            Row::new(
                "S2",
                format!("persisted msg/s, {n} clients, most acked at any latency (saturation) vs the durable relay"),
                format!("{:.0} msg/s", floor.max_achieved),
                format!("{:.0} msg/s", self.max_achieved),
                ratio(self.max_achieved, floor.max_achieved),
                if n >= 1000 { "—".to_string() } else { "≥ 50,000 msg/s".to_string() },
                (n < 1000).then_some(self.max_achieved >= 50_000.0),
            ),
        ];
        if n < 1000 {
            rows.push(Row::new(
                "S2",
                format!("persisted msg/s, {n} clients, saturation vs the bare batched SQLite insert (256 rows per commit)"),
                format!("{batched:.0} rows/s"),
                format!("{:.0} msg/s", self.max_achieved),
                ratio(self.max_achieved, batched),
                "≥ 0.6× bare insert",
                Some(self.max_achieved >= 0.6 * batched),
            ));
        }
        rows
    }
}
