//! `/metrics`: the server's counters in the Prometheus text format, one
//! registry per server (several servers in one test process stay apart).
//! Gauges that mirror live state (connections, bus state) are set when
//! scraped; counters and histograms are updated where things happen.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntGauge, Opts, Registry, TextEncoder,
};

use crate::hub::HubCounters;

/// Every metric of one server.
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections.
    pub connections: IntGauge,
    /// Logged-in connections.
    pub online: IntGauge,
    /// Successful logins and resumes.
    pub logins: IntCounter,
    /// Messages stored and acknowledged (WebSocket `send` and admin sends).
    pub messages_in: IntCounter,
    /// Pushes queued to connections, dropped, and message pushes among them.
    pub hub: HubCounters,
    /// Envelopes published on the bus.
    pub bus_published: IntCounter,
    /// Envelopes not published: the outgoing queue was full (bus down).
    pub bus_dropped: IntCounter,
    /// Envelopes received from other nodes.
    pub bus_received: IntCounter,
    /// 1 while connected to the bus (0 also on a single node without one).
    pub bus_connected: IntGauge,
    /// Publish-to-receive delay of bus envelopes, seconds.
    pub bus_lag: Histogram,
    /// Time to store one message (the database write behind an ack), seconds.
    pub db_write: Histogram,
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("tern".into()), None).expect("registry");
        let counter = |name: &str, help: &str| {
            let c = IntCounter::with_opts(Opts::new(name, help)).expect("counter");
            registry.register(Box::new(c.clone())).expect("register");
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::with_opts(Opts::new(name, help)).expect("gauge");
            registry.register(Box::new(g.clone())).expect("register");
            g
        };
        let histogram = |name: &str, help: &str| {
            let buckets = vec![
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
            ];
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
                .expect("histogram");
            registry.register(Box::new(h.clone())).expect("register");
            h
        };
        Self {
            connections: gauge("connections", "Open WebSocket connections."),
            online: gauge("online_connections", "Logged-in WebSocket connections."),
            logins: counter("logins_total", "Successful logins and resumes."),
            messages_in: counter("messages_in_total", "Messages stored and acknowledged."),
            hub: HubCounters {
                sent: counter("pushes_sent_total", "Push frames queued to connections."),
                dropped: counter(
                    "pushes_dropped_total",
                    "Push frames not queued: the connection was too slow and was closed.",
                ),
                messages: counter(
                    "messages_out_total",
                    "Message pushes queued to connections of this node.",
                ),
            },
            bus_published: counter("bus_published_total", "Envelopes published on the bus."),
            bus_dropped: counter(
                "bus_publish_dropped_total",
                "Envelopes dropped before publishing: the outgoing queue was full.",
            ),
            bus_received: counter("bus_received_total", "Envelopes received from other nodes."),
            bus_connected: gauge("bus_connected", "1 while connected to the bus."),
            bus_lag: histogram(
                "bus_lag_seconds",
                "Delay from publishing an envelope to receiving it on another node.",
            ),
            db_write: histogram(
                "db_write_seconds",
                "Time to store one message in the database (up to its commit).",
            ),
            registry,
        }
    }

    /// The registry in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
