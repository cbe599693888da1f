//! A webhook receiver for the tests: a small axum server on 127.0.0.1 that
//! checks every request's signature and timestamp, records after-events with
//! their numbers, checks the per-endpoint order (each number is either a
//! repeat of one seen before or the next one) and answers before-events with
//! what the test asks for. It can be stopped (its port closes, its
//! connections end) and started again on the same port.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tern_server::webhooks::sign;

pub(crate) const SECRET: &str = "test-webhook-secret-0123456789";

/// What a before-event gets: a delay, then this JSON answer (or a status).
pub(crate) type Answerer = Arc<dyn Fn(&Value) -> (Duration, Result<Value, u16>) + Send + Sync>;

/// One after-event as received.
#[derive(Debug, Clone)]
pub(crate) struct Got {
    pub endpoint: String,
    pub seq: u64,
    pub event: String,
    pub node: String,
    pub body: Value,
}

#[derive(Default)]
pub(crate) struct Log {
    /// Every after-event request, in arrival order.
    pub after: Vec<Got>,
    /// Every before-event request's body, in arrival order.
    pub before: Vec<Value>,
    /// Requests whose signature or timestamp did not check out.
    pub bad_signatures: usize,
    /// Order violations: (endpoint, highest seen, got).
    pub out_of_order: Vec<(String, u64, u64)>,
    /// Highest number seen per endpoint.
    highest: HashMap<String, u64>,
}

struct Inner {
    log: Mutex<Log>,
    answer: Mutex<Option<Answerer>>,
}

pub(crate) struct Receiver {
    inner: Arc<Inner>,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let ts: u64 = h(sign::TIMESTAMP).and_then(|t| t.parse().ok()).unwrap_or(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fresh = now.abs_diff(ts) <= 300;
    let signed = h(sign::SIGNATURE).is_some_and(|s| sign::verify(SECRET.as_bytes(), ts, &body, &s));
    if !fresh || !signed {
        inner.log.lock().unwrap().bad_signatures += 1;
        return (StatusCode::UNAUTHORIZED, "bad signature".into());
    }
    let json: Value = serde_json::from_slice(&body).unwrap();
    match h(sign::SEQ) {
        Some(seq) => {
            let seq: u64 = seq.parse().unwrap();
            let endpoint = h(sign::ENDPOINT).unwrap();
            assert_eq!(json["seq"], seq, "the body's seq is the header's");
            let mut log = inner.log.lock().unwrap();
            let high = log.highest.entry(endpoint.clone()).or_insert(0);
            if seq > *high + 1 {
                let v = (endpoint.clone(), *high, seq);
                log.out_of_order.push(v);
            } else if seq == *high + 1 {
                *high = seq;
            }
            log.after.push(Got {
                endpoint,
                seq,
                event: h(sign::EVENT).unwrap(),
                node: h(sign::NODE).unwrap_or_default(),
                body: json,
            });
            (StatusCode::OK, String::new())
        }
        None => {
            inner.log.lock().unwrap().before.push(json.clone());
            let answer = inner.answer.lock().unwrap().clone();
            let Some(answer) = answer else {
                return (StatusCode::OK, r#"{"action":"allow"}"#.into());
            };
            let (delay, res) = answer(&json);
            tokio::time::sleep(delay).await;
            match res {
                Ok(v) => (StatusCode::OK, v.to_string()),
                Err(status) => (StatusCode::from_u16(status).unwrap(), "{}".into()),
            }
        }
    }
}

impl Receiver {
    /// Starts on a free port of 127.0.0.1.
    pub(crate) async fn start() -> Receiver {
        let inner = Arc::new(Inner {
            log: Mutex::new(Log::default()),
            answer: Mutex::new(None),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut r = Receiver {
            inner,
            addr,
            stop: None,
            task: None,
        };
        r.serve(listener);
        r
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/hook", post(handle))
            .with_state(self.inner.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        }));
    }

    /// The URL to configure.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Closes the port and every connection.
    pub(crate) async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }

    /// Listens on the same port again.
    pub(crate) async fn start_again(&mut self) {
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("rebinding {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    /// How before-events are answered from now on.
    pub(crate) fn answer_with(
        &self,
        f: impl Fn(&Value) -> (Duration, Result<Value, u16>) + Send + Sync + 'static,
    ) {
        *self.inner.answer.lock().unwrap() = Some(Arc::new(f));
    }

    /// Runs `f` on the log.
    pub(crate) fn with_log<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        f(&self.inner.log.lock().unwrap())
    }

    /// After-events received so far (a copy).
    pub(crate) fn after(&self) -> Vec<Got> {
        self.with_log(|l| l.after.clone())
    }

    /// Waits until every number 1..=`last` of `endpoint` arrived (at most `wait`).
    pub(crate) async fn wait_for_all(&self, endpoint: &str, last: u64, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let done = self.with_log(|l| l.highest.get(endpoint).copied().unwrap_or(0) >= last);
            if done {
                return true;
            }
            if tokio::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Figures of an endpoint's deliveries against the `last` number the server
/// handed out: (events, distinct delivered, duplicates, lost). Duplicates
/// must repeat the same body under the same number.
pub(crate) fn figures(got: &[Got], endpoint: &str, last: u64) -> (u64, u64, u64, u64) {
    let mut by_seq: BTreeMap<u64, &Value> = BTreeMap::new();
    let mut dups = 0;
    for g in got.iter().filter(|g| g.endpoint == endpoint) {
        match by_seq.get(&g.seq) {
            Some(first) => {
                assert_eq!(
                    **first, g.body,
                    "a duplicate of #{} with another body",
                    g.seq
                );
                dups += 1;
            }
            None => {
                by_seq.insert(g.seq, &g.body);
            }
        }
    }
    let lost = (1..=last).filter(|s| !by_seq.contains_key(s)).count() as u64;
    (last, by_seq.len() as u64, dups, lost)
}
