//! Binding, routing, and graceful shutdown.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::auth::{load_key, Hasher, PasswordParams};
use crate::bus::{nats::NatsBus, BusState, ClusterSink, Sequencer, SharedBus};
use crate::cluster::Cluster;
use crate::config::Database;
use crate::hub::Hub;
use crate::listener::{self, CappedTcp, PerIp};
use crate::metrics::Metrics;
use crate::state::Shared;
use crate::storage::postgres::PgStorage;
use crate::storage::sqlite::{SqliteStorage, Store};
use crate::storage::{Sink, Storage};
use crate::{connection, Config, Error};

/// A running server. Dropping it without [`ServerHandle::shutdown`] leaves the
/// server running until the runtime stops.
pub struct ServerHandle {
    /// Where it listens.
    addr: SocketAddr,
    /// Tells everything to stop.
    stop: watch::Sender<bool>,
    /// The HTTP accept loop.
    serve: tokio::task::JoinHandle<()>,
    /// Completes when every connection has ended.
    drained: mpsc::Receiver<()>,
    /// The SQLite writer thread (none on PostgreSQL); ends when the last
    /// store handle is dropped.
    writer: Option<std::thread::JoinHandle<()>>,
    /// Our reference to the shared state, dropped before joining the writer.
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// The bound address (the real port when the config said port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs one housekeeping pass now (see [`crate::maintenance`]).
    pub async fn maintain(&self) -> Result<crate::maintenance::Swept, Error> {
        Ok(crate::maintenance::run_once(&self.shared).await?)
    }

    /// Number of open WebSocket connections.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes every connection (close code 1001), waits for
    /// in-flight requests and for the writer to commit what it has queued.
    pub async fn shutdown(self) {
        let ServerHandle {
            stop,
            serve,
            mut drained,
            writer,
            shared,
            ..
        } = self;
        let _ = stop.send(true);
        for shard in &shared.stopping {
            shard.notify_waiters();
        }
        drop(shared);
        let _ = tokio::time::timeout(Duration::from_secs(5), serve).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), drained.recv()).await;
        if let Some(writer) = writer {
            let joined = tokio::task::spawn_blocking(move || writer.join());
            if tokio::time::timeout(Duration::from_secs(10), joined)
                .await
                .is_err()
            {
                tracing::warn!("writer thread did not stop within 10 s");
            }
        }
        tracing::info!("server stopped");
    }
}

/// Opens the data directory and database, binds `config.listen` and starts serving.
pub async fn spawn(mut config: Config) -> Result<ServerHandle, Error> {
    let c = &config;
    crate::config::check_cluster(c.node_id.as_deref(), c.bus.as_deref(), &c.database)?;
    crate::webhook_config::check(&c.webhooks).map_err(Error::Config)?;
    let node_id = config
        .node_id
        .get_or_insert_with(|| format!("node-{}", &crate::auth::random_id()[..8]))
        .clone();
    // Read the certificate before anything else so a bad one fails fast.
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::server_config(cert, key)?),
        (None, None) => None,
        _ => return Err(Error::Config(crate::config::TLS_PAIR.into())),
    };
    crate::fsperm::private_dir(&config.data_dir)?;
    let stale = crate::files::clean_tmp(&config.files_root(), &config.upload_prefix())?;
    if stale > 0 {
        tracing::info!(stale, "removed temp files of interrupted uploads");
    }
    let key = load_key(config.token_secret.as_deref(), &config.data_dir)?;
    let metrics = Arc::new(Metrics::new());
    let hub = Arc::new(Hub::with_counters(metrics.hub.clone()));
    let sink: Arc<dyn Sink> = hub.clone();
    let (bus, sink): (Option<SharedBus>, Arc<dyn Sink>) = match &config.bus {
        Some(url) => {
            let order = Sequencer::spawn(hub.clone());
            let m = metrics.clone();
            let bus: SharedBus =
                NatsBus::connect(url, &node_id, hub.clone(), order.clone(), m).await?;
            let sink = ClusterSink::new(hub.clone(), bus.clone(), node_id.clone(), order);
            (Some(bus), Arc::new(sink))
        }
        None => (None, sink),
    };
    let (store, writer, pg) = open_storage(&config, sink.clone()).await?;
    store.reserve_system_user(crate::storage::now_ms()).await?;
    let params = PasswordParams {
        memory_kib: config.argon2_memory_kib,
        iterations: config.argon2_iterations,
    };
    let hasher = Hasher::new(config.security.hash_concurrency);
    let dummy_hash = hasher
        .hash(crate::auth::random_id(), params, None)
        .await
        .map_err(|e| Error::Config(e.to_string()))?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let tls_on = tls.is_some();
    let (stop, shutdown) = watch::channel(false);
    let (drain, drained) = mpsc::channel(1);
    let webhooks = Arc::new(crate::webhooks::Webhooks::new(&config, store.clone()));
    let cluster = match (bus, pg) {
        (Some(bus), Some(pg)) => {
            let local = crate::cluster::Local {
                store: store.clone(),
                hub: hub.clone(),
                webhooks: webhooks.clone(),
            };
            let node = node_id.clone();
            Some(Cluster::start(node, bus, pg, local, shutdown.clone()).await?)
        }
        _ => None,
    };
    let exclusive = !matches!(config.database, crate::config::Database::Postgres(_));
    webhooks.spawn(node_id.clone(), exclusive, shutdown.clone());
    let shared = Arc::new(Shared {
        webhooks,
        password: params,
        dummy_hash,
        conn_limit: Arc::new(Semaphore::new(config.max_connections)),
        config,
        store,
        hub,
        sink,
        cluster,
        node_id,
        metrics,
        key,
        shutdown: shutdown.clone(),
        stopping: std::array::from_fn(|_| tokio::sync::Notify::new()),
        hasher,
        logins: crate::auth::LoginThrottle::default(),
        blob_gc: tokio::sync::RwLock::new(()),
        uploads: Default::default(),
        reaction_rate: Default::default(),
        group_rate: Default::default(),
        social_rate: Default::default(),
        presence: Default::default(),
        rooms: Default::default(),
        started: std::time::Instant::now(),
        drain,
        connections: AtomicUsize::new(0),
    });
    let app = router(shared.clone());
    crate::maintenance::spawn(shared.clone());
    crate::service::rooms::sweep_after_start(&shared);
    let per_ip = Arc::new(PerIp::default());
    let sec = shared.config.security.clone();
    let serve = tokio::spawn(async move {
        match tls {
            Some(tls) => {
                let caps = crate::tls::TlsCaps {
                    per_ip,
                    max_per_ip: sec.max_connections_per_ip,
                    handshakes: Arc::new(PerIp::default()),
                    max_handshakes_per_ip: sec.max_tls_handshakes_per_ip,
                    exempt: sec.trusted_proxies.clone(),
                };
                match crate::tls::TlsListener::new(listener, tls, caps) {
                    Ok(l) => listener::serve(l, app, sec.header_timeout, shutdown).await,
                    Err(e) => tracing::error!(error = %e, "TLS listener failed"),
                }
            }
            None => {
                let l = CappedTcp::new(
                    listener,
                    per_ip,
                    sec.max_connections_per_ip,
                    sec.trusted_proxies.clone(),
                );
                listener::serve(l, app, sec.header_timeout, shutdown).await;
            }
        }
    });
    tracing::info!(%addr, tls = tls_on, "tern-server listening");
    Ok(ServerHandle {
        addr,
        stop,
        serve,
        drained,
        writer,
        shared,
    })
}

/// The opened backend: the storage, the SQLite writer thread, and the
/// PostgreSQL backend again for the cluster registry.
type Opened = (
    Arc<dyn Storage>,
    Option<std::thread::JoinHandle<()>>,
    Option<PgStorage>,
);

/// Opens the configured backend: SQLite (with its writer thread) or PostgreSQL.
async fn open_storage(config: &Config, sink: Arc<dyn Sink>) -> Result<Opened, Error> {
    let (batch, readers) = (config.max_batch, config.read_pool);
    let file = match &config.database {
        Database::Postgres(url) => {
            let pg = PgStorage::connect(url, sink).await?;
            return Ok((Arc::new(pg.clone()), None, Some(pg)));
        }
        Database::DefaultSqlite => config.data_dir.join("tern.db"),
        Database::Sqlite(path) => path.clone(),
    };
    let (store, writer) =
        tokio::task::spawn_blocking(move || Store::open_file(&file, batch, readers))
            .await
            .map_err(|e| Error::Config(format!("opening store: {e}")))??;
    Ok((
        Arc::new(SqliteStorage::new(store, sink)),
        Some(writer),
        None,
    ))
}

/// The HTTP router: `/ws`, `/health`, `/admin`, `/files`.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(tern_proto::WS_PATH, get(ws_upgrade))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .merge(crate::admin::router(shared.clone()))
        .merge(crate::files::router())
        .with_state(shared)
}

async fn health(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": tern_proto::PROTOCOL_VERSION,
        "connections": s.connections.load(Ordering::Relaxed),
        "online": s.hub.online_connections(),
        "store": {
            "batches": s.store.stats().batches,
            "writes": s.store.stats().writes,
        },
        "node": s.node_id,
        "database": database_state(&s).await,
        "bus": match &s.cluster {
            Some(c) => serde_json::to_value(c.bus.state()).unwrap_or_default(),
            None => serde_json::json!("none"),
        },
    }))
}

/// `ok`, or `unavailable` when a trivial read fails (PostgreSQL away).
async fn database_state(s: &Shared) -> &'static str {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        s.store
            .require_user(&tern_proto::UserId::new("system").expect("valid id")),
    )
    .await;
    match probe {
        Ok(Ok(())) | Ok(Err(crate::storage::StoreError::Rejected(_))) => "ok",
        _ => "unavailable",
    }
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    let m = &s.metrics;
    m.connections
        .set(s.connections.load(Ordering::Relaxed) as i64);
    m.online.set(s.hub.online_connections() as i64);
    let bus_up = s
        .cluster
        .as_ref()
        .is_some_and(|c| c.bus.state() == BusState::Connected);
    m.bus_connected.set(i64::from(bus_up));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m.render(),
    )
}

/// Bytes a connection's frames may gather before they are written without a
/// flush: a burst of answers and pushes goes out in one system call (S2).
const WRITE_BURST_BYTES: usize = 16 * 1024;

async fn ws_upgrade(
    State(s): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // A browser always sends `Origin`; a page on another site must not be able
    // to drive this server from a user's browser. Native clients send none.
    if let Some(origin) = headers.get(axum::http::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !s.config.security.origin_allowed(origin) {
            tracing::warn!(%peer, origin, "websocket refused: origin not allowed");
            return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
        }
    }
    if *s.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    // Behind a trusted reverse proxy, the client is who the proxy says.
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let client =
        s.config
            .security
            .client_ip(peer.ip(), header("x-forwarded-for"), header("x-real-ip"));
    let peer = SocketAddr::new(client, peer.port());
    let Ok(permit) = s.conn_limit.clone().try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
    };
    let max = s.config.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(4096)
        // Frames fed in a burst go out in one write (`Connection::write_burst`
        // flushes after each burst; every other write flushes at once).
        .write_buffer_size(WRITE_BURST_BYTES)
        .on_upgrade(move |socket| connection::run(socket, s, permit, peer))
}
