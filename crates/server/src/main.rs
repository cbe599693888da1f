//! `tern-server` binary: parse flags, start, stop cleanly on SIGINT/SIGTERM.

use anyhow::Context;
use clap::Parser;
use tern_server::config::{Args, Config};

/// mimalloc instead of glibc's malloc: the server allocates and frees small
/// objects per message on several threads (frames, rows, pushes). Measured
/// with tern-bench S2 (docs/benchmarks.md): saturation +30 % and more.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; the Rust bindings do not
/// name it): how long freed memory waits before it goes back to the OS.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    return_freed_memory_at_once();
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

/// Freed memory goes back to the OS at once instead of after mimalloc v3's
/// default 1 s: a worker thread that then idles (a server holding idle
/// connections) never runs the delayed purge, so the memory of a burst
/// (logins hash passwords with `argon2_memory_kib`, 19 MiB each; sync pages)
/// would stay resident: tern-bench S4 measured 15,964 B per idle connection
/// at 10,000 with the delay, 10,549 B without (glibc: 10,291 B).
/// An operator's `MIMALLOC_PURGE_DELAY` (read by mimalloc at start) is kept.
fn return_freed_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets an allocator option; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_15_is_the_purge_delay() {
        // SAFETY: reads and sets allocator options.
        unsafe {
            // Option 15 starts at the documented default of
            // `mi_option_purge_delay` in mimalloc v3 (1,000 ms, options.c), and setting it to 0 sticks.
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 1_000);
                return_freed_memory_at_once();
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 0);
            }
        }
    }
}
