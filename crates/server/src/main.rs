//! `tern-server` binary: parse flags, start, stop cleanly on SIGINT/SIGTERM.

use anyhow::Context;
use clap::Parser;
use tern_server::config::{Args, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    return_big_blocks_to_the_os();
    // Colour only on a terminal: a service manager's log (journald, a file) is
    // read by tools such as fail2ban, whose patterns must see `peer=<address>`.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TERN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::from_args(Args::parse()).context("reading configuration")?;
    let server = tern_server::spawn(config)
        .await
        .context("starting server")?;
    println!("tern-server listening on {}", server.addr());
    wait_for_signal().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// Password hashes allocate `argon2_memory_kib` (19 MiB) each. glibc raises its
/// mmap threshold after the first such block is freed and from then on keeps
/// them in per-thread heaps, so the server stays tens of MiB larger after a burst
/// of logins. A fixed threshold keeps big blocks in mmap: freed means returned.
fn return_big_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("waiting for SIGINT")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    Ok(())
}
