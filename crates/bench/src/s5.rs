//! S5: connection + token authentication rate: connect, `hello`, `resume{token}`,
//! close — vs the plain WebSocket connect (handshake) + close rate against the echo.
//! A fixed number of workers run the loop concurrently for a bounded time and count.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::StreamExt;

use crate::report::{ratio, Row};
use crate::util::{ms, Samples};
use crate::ws::{connect, make_users, Tern};
use crate::Ctx;

const WORKERS: usize = 32;

struct Outcome {
    done: u64,
    failed: u64,
    secs: f64,
    lat: Samples,
}

async fn close_ws(mut ws: crate::ws::Ws) {
    let _ = ws.close(None).await;
    // Read until the server's close (bounded), so the server has really finished.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

async fn drive<F, Fut>(total: u64, budget: Duration, f: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let f = Arc::new(f);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..WORKERS {
        let (f, counter) = (f.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let (mut done, mut failed, mut lat) = (0u64, 0u64, Samples::default());
            loop {
                let k = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if k >= total || start.elapsed() > budget {
                    break;
                }
                let t0 = Instant::now();
                match f(k).await {
                    Ok(()) => {
                        done += 1;
                        lat.push(t0.elapsed());
                    }
                    Err(_) => failed += 1,
                }
            }
            (done, failed, lat)
        }));
    }
    let mut out = Outcome {
        done: 0,
        failed: 0,
        secs: 0.0,
        lat: Samples::default(),
    };
    for t in tasks {
        let (d, fl, l) = t.await.expect("worker");
        out.done += d;
        out.failed += fl;
        out.lat.extend(l);
    }
    out.secs = start.elapsed().as_secs_f64();
    out
}

/// Runs S5.
pub(crate) async fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    let (total, budget) = if ctx.quick {
        (200u64, Duration::from_secs(3))
    } else {
        (12_000u64, Duration::from_secs(6))
    };
    let echo = crate::procs::spawn_echo()?;
    let addr: SocketAddr = echo.addr;
    let base = drive(total, budget, move |_| async move {
        let ws = connect(addr).await?;
        close_ws(ws).await;
        Ok(())
    })
    .await;
    drop(echo);

    let server = crate::procs::spawn_tern(&ctx.server, &crate::pg::Db::Sqlite, None)?;
    let users = Arc::new(make_users(server.addr, "s5u", 200, 32).await?);
    let addr = server.addr;
    // Let the sockets of the setup and of the baseline leave TIME_WAIT pressure behind.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tern = drive(total, budget, move |k| {
        let users = users.clone();
        async move {
            let (_, token) = &users[(k as usize) % users.len()];
            let t = Tern::authed(addr, token, &format!("s5-{k}")).await?;
            close_ws(t.ws).await;
            Ok(())
        }
    })
    .await;
    drop(server);

    let (b, t) = (base.done as f64 / base.secs, tern.done as f64 / tern.secs);
    ctx.notes.push(format!(
        "S5: echo {} connects in {:.2} s ({} failed); tern {} connect+hello+resume in {:.2} s ({} failed); {WORKERS} concurrent workers",
        base.done, base.secs, base.failed, tern.done, tern.secs, tern.failed
    ));
    Ok(vec![
        Row::new(
            "S5",
            format!("connections/s: echo = WebSocket connect + close; Tern = connect + hello + resume(token) + close ({WORKERS} concurrent)"),
            format!("{b:.0}/s"),
            format!("{t:.0}/s"),
            ratio(t, b),
            "— (no target; higher is better)",
            None,
        ),
        Row::new(
            "S5",
            "time per connection p50 / p99",
            format!("{} / {}", ms(base.lat.pct(50.0)), ms(base.lat.pct(99.0))),
            format!("{} / {}", ms(tern.lat.pct(50.0)), ms(tern.lat.pct(99.0))),
            ratio(tern.lat.pct(50.0) as f64, base.lat.pct(50.0) as f64),
            "—",
            None,
        ),
    ])
}
