//! `tern-bench`: measures a baseline and Tern on the same machine in one run and
//! prints both and their ratio (issue 10). See `docs/benchmarks.md`.
//!
//! ```text
//! cargo run --release -p tern-bench -- all            # every scenario
//! cargo run --release -p tern-bench -- s1 s4          # some of them
//! cargo run --release -p tern-bench -- all --quick    # tiny sizes: checks the tool works
//! ```
//!
//! Servers run as child processes: the real `tern-server` binary (built next to this
//! one) and `tern-bench echo-server` (the raw tokio-tungstenite baseline), each on
//! 127.0.0.1 port 0 with a fresh temporary data directory. Every loop is bounded in
//! count and in time. Figures are printed, never asserted.

mod client;
mod corpus;
mod durable;
mod echo;
mod peers;
mod pg;
mod procs;
mod relay_merge;
mod relay_store;
mod report;
mod room;
mod s1;
mod s2;
mod s3;
mod s4;
mod s5;
mod util;
mod ws;
mod xnode;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use report::Row;

/// What every scenario gets.
pub struct Ctx {
    /// How to start tern-server.
    pub server: procs::ServerBin,
    /// The database of the server under test (S1, S2, C2; the others run on SQLite).
    pub db: pg::Db,
    /// Tiny sizes (smoke test of the tool).
    pub quick: bool,
    /// This run is of `--before-server-bin` (the tool's own code is not the
    /// server's then: S2 skips its storage-alone row).
    pub before: bool,
    /// Extra lines for the report (per-step figures, caveats).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Scenario {
    /// Everything below, in order.
    All,
    /// Relay latency vs echo.
    S1,
    /// Persisted messages per second.
    S2,
    /// Group fan-out.
    S3,
    /// Chat-room fan-out to 5,000 joined members.
    Room,
    /// Memory per idle connection.
    S4,
    /// Connection + token authentication rate.
    S5,
    /// Client history sync of 100k messages.
    C2,
    /// Client full-text search over 1M messages.
    C5,
    /// Tern next to ejabberd, Prosody and Synapse on this machine (relay
    /// latency, persisted messages/s, memory per idle connection); needs
    /// scripts/peers-deps.sh (not part of `all`).
    Peers,
    /// S1 and S3 across 3 cluster nodes (PostgreSQL + nats-server), next to
    /// one node on PostgreSQL; needs `--database postgres://…` (part of `all`
    /// only when one is given).
    Cluster,
}

#[derive(Debug, Parser)]
#[command(
    name = "tern-bench",
    about = "Tern benchmarks: baseline and Tern side by side"
)]
struct Cli {
    #[command(subcommand)]
    internal: Option<Internal>,
    /// Scenarios to run (`all` for every one).
    #[arg(value_enum)]
    scenarios: Vec<Scenario>,
    /// Tiny sizes and short steps: checks that the tool works, figures mean nothing.
    #[arg(long)]
    quick: bool,
    /// Path of the tern-server binary (default: next to this executable, rebuilt by cargo).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// A second tern-server binary (e.g. built from an earlier commit): S1 and S2
    /// also run against it, right after the current one, and its rows are
    /// labelled "(before)" — old and new side by side from one run. C2 too.
    #[arg(long)]
    before_server_bin: Option<PathBuf>,
    /// The database of the server under test for S1, S2 and C2: `sqlite` (the
    /// default) or `postgres://user:password@host:port/db` (a database the tool
    /// connects to in order to create and drop a fresh database per server
    /// start). Repeat it to run those scenarios on each, side by side; the
    /// before binary always runs on SQLite.
    #[arg(long, value_parser = pg::Db::parse)]
    database: Vec<pg::Db>,
    /// Run S1, S2 and C2 this many rounds (each round: every database, then the
    /// before binary), so old and new alternate on a shared machine.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    repeat: u32,
    /// Do not run `cargo build -p tern-server` before starting.
    #[arg(long)]
    no_build: bool,
    /// Also write the Markdown results to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Internal {
    /// (internal) The raw tokio-tungstenite echo server used as the baseline.
    EchoServer,
    /// (internal) S3's baseline: forwards every text frame to every other connection.
    BroadcastServer,
    /// (internal) S1's and S2's durable baseline: appends each message to a file and
    /// fdatasyncs it (group commit) before acknowledging and forwarding it.
    DurableRelayServer {
        /// Store each batch in tern-server's SQLite schema instead (S2's SQLite relay).
        #[arg(long)]
        sqlite: bool,
    },
    /// (internal) tern-server's `main`, for when the binary is not available.
    ServeTern {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn serve_tern(args: Vec<String>) -> Result<()> {
    use tern_server::config::{Args, Config};
    let args = Args::parse_from(std::iter::once("tern-server".to_string()).chain(args));
    let config = Config::from_args(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = tern_server::spawn(config).await?;
        println!("tern-server listening on {}", server.addr());
        tokio::signal::ctrl_c().await.ok();
        server.shutdown().await;
        Ok(())
    })
}

/// Runs one scenario with `ctx`'s server.
async fn run_scenario(s: Scenario, ctx: &mut Ctx) -> Result<Vec<Row>> {
    match s {
        Scenario::S1 => s1::run(ctx).await,
        Scenario::S2 => s2::run(ctx).await,
        Scenario::S3 => s3::run(ctx).await,
        Scenario::Room => room::run(ctx).await,
        Scenario::S4 => s4::run(ctx).await,
        Scenario::S5 => s5::run(ctx).await,
        Scenario::C2 => client::c2(ctx).await,
        Scenario::C5 => client::c5(ctx).await,
        Scenario::Cluster => match ctx.db.clone() {
            pg::Db::Postgres(admin) => xnode::run(ctx, &admin).await,
            pg::Db::Sqlite => anyhow::bail!("the cluster scenario needs --database postgres://…"),
        },
        Scenario::Peers => peers::run(ctx).await,
        Scenario::All => Ok(Vec::new()),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.internal {
        Some(Internal::EchoServer) => return echo::run(),
        Some(Internal::BroadcastServer) => return echo::run_broadcast(),
        Some(Internal::DurableRelayServer { sqlite }) => return durable::run(sqlite),
        Some(Internal::ServeTern { args }) => return serve_tern(args),
        None => {}
    }
    let mut wanted = cli.scenarios.clone();
    if wanted.is_empty() || wanted.contains(&Scenario::All) {
        wanted = vec![
            Scenario::S1,
            Scenario::S2,
            Scenario::S3,
            Scenario::Room,
            Scenario::S4,
            Scenario::S5,
            Scenario::C2,
            Scenario::C5,
        ];
        if cli
            .database
            .iter()
            .any(|d| matches!(d, pg::Db::Postgres(_)))
        {
            wanted.push(Scenario::Cluster);
        }
    }
    let (soft, hard) = util::raise_nofile();
    let machine = util::machine();
    let server = procs::locate_server(cli.server_bin.clone(), !cli.no_build)?;
    eprintln!("[tern-bench] machine: {machine}");
    eprintln!("[tern-bench] open-file limit: soft {soft}, hard {hard}");
    let mut server_desc = server.describe();
    if let Some(p) = procs::preload() {
        server_desc.push_str(&format!(" — DIAGNOSTIC RUN with LD_PRELOAD={p}"));
    }
    eprintln!("[tern-bench] tern-server: {server_desc}");
    let mut ctx = Ctx {
        server: server.clone(),
        db: pg::Db::Sqlite,
        quick: cli.quick,
        before: false,
        notes: Vec::new(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut rows: Vec<Row> = Vec::new();
    let started = Instant::now();
    let dbs = if cli.database.is_empty() {
        vec![pg::Db::Sqlite]
    } else {
        cli.database.clone()
    };
    let labelled = dbs != [pg::Db::Sqlite] || cli.before_server_bin.is_some() || cli.repeat > 1;
    for s in wanted {
        let t0 = Instant::now();
        for run in runs(s, &dbs, cli.before_server_bin.as_ref(), cli.repeat) {
            ctx.server = match &run.before {
                Some(b) => procs::ServerBin::Real(b.clone()),
                None => server.clone(),
            };
            ctx.db = run.db.clone();
            ctx.before = run.before.is_some();
            let label = if labelled && s != Scenario::Cluster {
                run.label()
            } else {
                String::new()
            };
            eprintln!("[tern-bench] running {s:?}{label} ...");
            let result = rt.block_on(run_scenario(s, &mut ctx));
            match result {
                Ok(r) => {
                    for mut row in r {
                        row.scenario.push_str(&label);
                        eprintln!(
                            "[tern-bench] {} | {} | baseline {} | tern {} | ratio {} | target {} | met {}",
                            row.scenario, row.metric, row.baseline, row.tern, row.ratio, row.target, row.met
                        );
                        rows.push(row);
                    }
                }
                Err(e) => {
                    eprintln!("[tern-bench] {s:?}{label} failed: {e:#}");
                    rows.push(Row::new(
                        &format!("{s:?}{label}"),
                        "scenario failed",
                        "—",
                        format!("error: {e:#}"),
                        "—",
                        "—",
                        None,
                    ));
                }
            }
        }
        eprintln!(
            "[tern-bench] {s:?} took {:.1} s",
            t0.elapsed().as_secs_f64()
        );
    }
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    let mut md = format!(
        "Machine: {machine}\n\ntern-server: {server_desc}\n\nRun took {:.0} s{}.\n\n",
        started.elapsed().as_secs_f64(),
        if cli.quick {
            " (--quick: sizes too small for the figures to mean anything)"
        } else {
            ""
        }
    );
    if cli.repeat > 1 {
        md.push_str(&format!(
            "At a glance (S1, S2 and C2: the round with the median Tern figure of {}):\n\n",
            cli.repeat
        ));
        md.push_str(&report::markdown(&report::medians(&rows)));
        md.push_str("\nEvery round:\n\n");
    }
    md.push_str(&report::markdown(&rows));
    if !ctx.notes.is_empty() {
        md.push_str("\nDetails:\n\n");
        for n in &ctx.notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    println!("{md}");
    if let Some(path) = cli.out {
        std::fs::write(&path, &md)?;
    }
    Ok(())
}

/// One run of a scenario: which binary, which database, which round.
struct Run {
    before: Option<PathBuf>,
    db: pg::Db,
    round: Option<u32>,
}

impl Run {
    /// " SQLite (before) #2" and the like, appended to the scenario's rows.
    fn label(&self) -> String {
        let mut l = format!(" {}", self.db.name());
        if self.before.is_some() {
            l.push_str(" (before)");
        }
        if let Some(r) = self.round {
            l.push_str(&format!(" #{r}"));
        }
        l
    }
}

/// The runs of `s`: S1, S2 and C2 run `repeat` rounds of every database and
/// then the before binary (on SQLite); the other scenarios run once, on SQLite.
fn runs(s: Scenario, dbs: &[pg::Db], before: Option<&PathBuf>, repeat: u32) -> Vec<Run> {
    if s == Scenario::Cluster {
        // Once, on the first PostgreSQL database given (an error row without one).
        let db = dbs
            .iter()
            .find(|d| matches!(d, pg::Db::Postgres(_)))
            .cloned()
            .unwrap_or(pg::Db::Sqlite);
        return vec![Run {
            before: None,
            db,
            round: None,
        }];
    }
    if !matches!(s, Scenario::S1 | Scenario::S2 | Scenario::C2) {
        return vec![Run {
            before: None,
            db: pg::Db::Sqlite,
            round: None,
        }];
    }
    let mut out = Vec::new();
    for r in 1..=repeat {
        let round = (repeat > 1).then_some(r);
        for db in dbs {
            out.push(Run {
                before: None,
                db: db.clone(),
                round,
            });
        }
        if let Some(b) = before {
            out.push(Run {
                before: Some(b.clone()),
                db: pg::Db::Sqlite,
                round,
            });
        }
    }
    out
}
