//! S2's open-loop load: every client on its own fixed schedule, one step at a time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tern_proto::ConversationId;
use tokio::time::Instant as TInstant;
use tokio_tungstenite::tungstenite::Message;

use crate::s1::TEXT64;
use crate::util::Samples;
use crate::ws::{classify, send_frame, Kind, Ws};

/// p99 bound of S2.
pub(super) const P99_BOUND_US: u64 = 10_000;

/// One load-generating connection.
pub(super) struct Client {
    pub(super) ws: Ws,
    pub(super) conv: ConversationId,
    pub(super) next_id: u64,
}

#[derive(Default)]
struct StepStats {
    lat: Samples,
    /// Acks received during the window (throughput: what the server stored in
    /// those seconds, whenever it was sent).
    acked_in_window: u64,
    /// Sends made during the window (the load generator's own pace: its timers
    /// can fall behind the schedule on a busy machine).
    sent_in_window: u64,
    errors: u64,
    lost: u64,
    pushes: u64,
}

struct Plan {
    rate_per_client: f64,
    start: Instant,
    measure_from: Instant,
    measure_until: Instant,
    stop_send: Instant,
}

async fn client_step(
    mut c: Client,
    plan: std::sync::Arc<Plan>,
    offset: f64,
) -> (Client, StepStats) {
    let mut st = StepStats::default();
    let interval = Duration::from_secs_f64(1.0 / plan.rate_per_client);
    let mut next = plan.start + interval.mul_f64(offset);
    let mut inflight: VecDeque<Instant> = VecDeque::new();
    // Acks later than `hard_end` count as lost, but are still drained (up to
    // `drain_end`) so that a saturated step's backlog does not leak into the next step
    // (a stale ack would otherwise be matched with a new send).
    let hard_end = TInstant::from_std(plan.stop_send + Duration::from_secs(5));
    let drain_end = TInstant::from_std(plan.stop_send + Duration::from_secs(120));
    let mut late = false;
    loop {
        let sending = next < plan.stop_send;
        if !sending && inflight.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            msg = c.ws.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(_)) => continue,
                    _ => { st.lost += inflight.len() as u64; break; }
                };
                match classify(text.as_str()) {
                    Kind::Ok | Kind::Err => {
                        let ok = classify(text.as_str()) == Kind::Ok;
                        if let Some(t0) = inflight.pop_front() {
                            let now = Instant::now();
                            if late {
                                // Already counted as lost.
                            } else if !ok {
                                st.errors += 1;
                            } else {
                                // Latency: of the messages sent in the window. Throughput:
                                // the acks that arrived in it. (Counting the acks of the
                                // window's sends instead, up to 5 s after it, read up to
                                // (window + 5) / window times the server's real rate at
                                // saturation; fixed 2026-12-06.)
                                if t0 >= plan.measure_from && t0 < plan.measure_until {
                                    st.lat.push(now - t0);
                                }
                                if now >= plan.measure_from && now < plan.measure_until {
                                    st.acked_in_window += 1;
                                }
                            }
                        }
                    }
                    Kind::MessagePush => st.pushes += 1,
                    _ => {}
                }
            }
            _ = tokio::time::sleep_until(TInstant::from_std(next)), if sending => {
                c.next_id += 1;
                // Time-ordered, as tern-core's own client ids (UUIDv7).
                let client_id = uuid::Uuid::now_v7().simple().to_string();
                let frame = send_frame(c.next_id, &c.conv, &client_id, TEXT64);
                let now = Instant::now();
                if c.ws.send(Message::Text(frame.into())).await.is_err() {
                    st.lost += inflight.len() as u64 + 1;
                    break;
                }
                inflight.push_back(now);
                if now >= plan.measure_from && now < plan.measure_until {
                    st.sent_in_window += 1;
                }
                next += interval;
            }
            _ = tokio::time::sleep_until(hard_end), if !late => {
                st.lost += inflight.len() as u64;
                late = true;
            }
            _ = tokio::time::sleep_until(drain_end) => break,
        }
    }
    (c, st)
}

/// One offered rate's outcome.
pub(super) struct StepResult {
    pub(super) rate: f64,
    pub(super) achieved: f64,
    /// Sends per second the load generator made in the window.
    pub(super) sent: f64,
    pub(super) p50: u64,
    pub(super) p99: u64,
    pub(super) errors: u64,
    pub(super) lost: u64,
}

impl StepResult {
    pub(super) fn pass(&self) -> bool {
        self.p99 < P99_BOUND_US
            && self.achieved >= 0.95 * self.rate
            && self.errors == 0
            && self.lost == 0
    }
}

/// Runs one step: every client sends at `rate / clients` for `warm + window` seconds.
pub(super) async fn step(
    clients: Vec<Client>,
    rate: f64,
    warm: f64,
    window: f64,
) -> (Vec<Client>, StepResult) {
    let n = clients.len();
    let start = Instant::now() + Duration::from_millis(50);
    let measure_from = start + Duration::from_secs_f64(warm);
    let measure_until = measure_from + Duration::from_secs_f64(window);
    let plan = std::sync::Arc::new(Plan {
        rate_per_client: rate / n as f64,
        start,
        measure_from,
        measure_until,
        stop_send: measure_until,
    });
    let mut rng = rand::rng();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(client_step(c, plan.clone(), rng.random::<f64>())))
        .collect();
    let mut back = Vec::with_capacity(n);
    let mut all = StepStats::default();
    for h in handles {
        let (c, st) = h.await.expect("client task");
        back.push(c);
        all.lat.extend(st.lat);
        all.acked_in_window += st.acked_in_window;
        all.sent_in_window += st.sent_in_window;
        all.errors += st.errors;
        all.lost += st.lost;
        all.pushes += st.pushes;
    }
    let r = StepResult {
        rate,
        achieved: all.acked_in_window as f64 / window,
        sent: all.sent_in_window as f64 / window,
        p50: all.lat.pct(50.0),
        p99: all.lat.pct(99.0),
        errors: all.errors,
        lost: all.lost,
    };
    (back, r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_proto::UserId;

    /// Past saturation a step reports what the server acknowledges per second:
    /// against a server that acknowledges 100 messages/s whatever it is sent,
    /// offered 400/s, the step reads about 100/s. (Counting the acks of the
    /// window's sends up to 5 s after the window, as the tool did before
    /// 2026-12-06, read about 400/s here.)
    #[tokio::test]
    async fn saturation_counts_the_acks_that_arrive_in_the_window() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut owed = 0u64;
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Text(_))) => owed += 1,
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                    _ = tick.tick(), if owed > 0 => {
                        owed -= 1;
                        let ack = Message::Text(r#"{"t":"ok","id":0}"#.into());
                        if ws.send(ack).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}"))
            .await
            .unwrap();
        let (a, b) = (UserId::new("a").unwrap(), UserId::new("b").unwrap());
        let client = Client {
            ws,
            conv: ConversationId::direct(&a, &b),
            next_id: 0,
        };
        let (_, r) = step(vec![client], 400.0, 0.2, 1.0).await;
        assert!(
            (50.0..=140.0).contains(&r.achieved),
            "read {} msg/s from a server that acknowledges 100/s",
            r.achieved
        );
        assert!(!r.pass());
    }
}
