//! `cluster`: S1 and S3 across the nodes of a cluster (issue 15), each next
//! to the same measurement on one node on PostgreSQL and to its baseline, in
//! one run. S1: the sender on node 1, the receiver on node 2. S3: the group's
//! sender on node 1 and its receivers spread round-robin over 3 nodes.
//!
//! Needs `--database postgres://…` (every node of the cluster is given one
//! fresh database of that PostgreSQL cluster, like the single node) and
//! Debian's `nats-server` on PATH: the tool starts it on a free port of
//! 127.0.0.1 with its own temporary directory, then 3 `tern-server` nodes
//! sharing one temporary data directory (token secret, files).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::pg::{Db, Scratch};
use crate::procs::{spawn_node, spawn_tern, Child};
use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::Ctx;

/// A nats-server child; killed when dropped.
struct Nats {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_nats() -> Result<Nats> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = tempfile::Builder::new()
        .prefix("tern-bench-nats-")
        .tempdir()?;
    let child = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting nats-server (apt-get install nats-server)")?;
    let nats = Nats {
        child,
        url: format!("nats://127.0.0.1:{port}"),
        _dir: dir,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            bail!("nats-server did not listen on {addr} within 10 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(nats)
}

/// Nodes of one cluster (dropped first), its bus, data directory and database.
struct Cluster {
    nodes: Vec<Child>,
    _nats: Nats,
    _dir: tempfile::TempDir,
    _db: Scratch,
}

fn spawn_cluster(ctx: &Ctx, admin: &str, n: usize) -> Result<Cluster> {
    let db = Scratch::create(admin)?;
    let nats = spawn_nats()?;
    let dir = tempfile::Builder::new()
        .prefix("tern-bench-cluster-")
        .tempdir()?;
    let mut nodes = Vec::new();
    for i in 1..=n {
        nodes.push(spawn_node(
            &ctx.server,
            &db.url,
            dir.path(),
            &format!("n{i}"),
            &nats.url,
        )?);
    }
    Ok(Cluster {
        nodes,
        _nats: nats,
        _dir: dir,
        _db: db,
    })
}

fn pct_rows(scenario: &str, what: &str, base: &Samples, setups: &[(&str, &Samples)]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let b = base.pct(p);
        for (setup, s) in setups {
            let t = s.pct(p);
            rows.push(Row::new(
                scenario,
                format!("{what} {label}, {setup} ({} samples)", s.len()),
                ms(b),
                ms(t),
                ratio(t as f64, b as f64),
                "—",
                None,
            ));
        }
    }
    rows
}

/// Runs the cluster scenarios against the PostgreSQL cluster of `admin`.
pub(crate) async fn run(ctx: &mut Ctx, admin: &str) -> Result<Vec<Row>> {
    let pg = Db::Postgres(admin.to_string());
    let cluster = spawn_cluster(ctx, admin, 3)?;
    let n = &cluster.nodes;

    // S1: echo baseline, one node on PostgreSQL, sender on n1 → receiver on n2.
    let base = crate::s1::echo_baseline(ctx.quick).await?;
    let single = spawn_tern(&ctx.server, &pg, None)?;
    let (one, _) = crate::s1::relay(single.addr, single.addr, "x1u", ctx.quick).await?;
    drop(single);
    let (cross, _) = crate::s1::relay(n[0].addr, n[1].addr, "x1u", ctx.quick).await?;
    let mut rows = pct_rows(
        "S1 cluster",
        "relay latency (echo round trip vs send→push to peer)",
        &base,
        &[
            ("one node on PostgreSQL", &one),
            (
                "sender on node 1, receiver on node 2 (PostgreSQL + NATS)",
                &cross,
            ),
        ],
    );

    // S3: broadcast baseline, one node on PostgreSQL, members over 3 nodes.
    let (members, seq_n, burst_n) = crate::s3::sizes(ctx.quick);
    let b = crate::s3::baseline(members, seq_n, burst_n).await?;
    let single = spawn_tern(&ctx.server, &pg, None)?;
    let one = crate::s3::tern_on(&[single.addr], "x3u", members, seq_n, burst_n).await?;
    drop(single);
    let addrs: Vec<SocketAddr> = n.iter().map(|c| c.addr).collect();
    let spread = crate::s3::tern_on(&addrs, "x3u", members, seq_n, burst_n).await?;
    drop(cluster);
    let receivers = members - 1;
    rows.extend(pct_rows(
        "S3 cluster",
        &format!("fan-out to {receivers} online members, send → last member receives"),
        &b.seq,
        &[
            ("one node on PostgreSQL", &one.seq),
            (
                "members spread over 3 nodes (PostgreSQL + NATS)",
                &spread.seq,
            ),
        ],
    ));
    for (setup, f) in [
        ("one node on PostgreSQL", &one),
        ("members spread over 3 nodes (PostgreSQL + NATS)", &spread),
    ] {
        rows.push(Row::new(
            "S3 cluster",
            format!(
                "fan-out deliveries/s, burst of {burst_n} messages × {receivers} members, {setup}"
            ),
            format!("{:.0}/s", b.burst_rate),
            format!("{:.0}/s", f.burst_rate),
            ratio(f.burst_rate, b.burst_rate),
            "—",
            None,
        ));
    }
    ctx.notes.push(format!(
        "S1/S3 cluster: 3 tern-server nodes on one fresh PostgreSQL database and one nats-server (all on this machine, 127.0.0.1); the one-node rows are a single tern-server on its own fresh database of the same PostgreSQL; S3 group of {members}, {seq_n} sequential and {burst_n} burst messages"
    ));
    Ok(rows)
}
