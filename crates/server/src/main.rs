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

/// mimalloc's `mi_option_allow_thp` (mimalloc.h of v3, the version built here).
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    return_freed_memory_at_once();
    no_transparent_huge_pages();
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

/// No transparent huge pages for this process. mimalloc asks the kernel for them
/// (`MADV_HUGEPAGE`), and with freed memory returned at once (above) a burst of
/// allocations after a quiet spell faults in fresh 2 MiB pages, each zeroed by
/// the kernel: at the start of a client's history sync the server spent ~0.15 s
/// in `clear_page_erms` (perf, tern-bench C2), and C2 took 0.81 / 0.99 / 0.86 /
/// 0.94 / 0.76 s without huge pages against 1.15 / 1.39 / 1.16 / 0.96 / 0.88 s
/// with them in alternating rounds (docs/benchmarks.md, 2026-12-07).
/// An operator's `MIMALLOC_ALLOW_THP` (read by mimalloc at start) is kept.
fn no_transparent_huge_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
        return;
    }
    // SAFETY: sets an allocator option; mimalloc allows it at any time. New OS
    // memory is then not advised as huge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0) }
    // What mimalloc does itself for MIMALLOC_ALLOW_THP=0 at start, for the memory
    // it mapped before `main`: the process's pages are faulted in small from now on.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
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

    #[test]
    fn option_43_allows_transparent_huge_pages() {
        // SAFETY: reads and sets allocator options.
        unsafe {
            // Option 43 starts at the documented default of `mi_option_allow_thp`
            // (1, options.c) and its neighbour 44, `minimal_purge_size`, at 0.
            if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP), 1);
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP + 1), 0);
                no_transparent_huge_pages();
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP), 0);
            }
        }
    }
}
