//! Gives memory back once tray mode has destroyed the window (Linux).
//!
//! Destroying the webview ends WebKit's web process, but the app keeps what
//! drawing the window left behind (measured in release, `bench/c1`, tray mode
//! before this module: 155 MB PSS, app 120 + network process 35):
//!
//! - **WebKit's network process** lives as long as the app's web context, i.e.
//!   for good. It serves nothing without a webview, so it is ended; WebKit starts
//!   a new one for the next window (the e2e `traymode` suite checks that the
//!   window comes back working). WebKit also ends a WebDriver session with its
//!   network process, so with [`KEEP_NETWORK_ENV`] set (`1`) it is kept: the e2e
//!   suites that drive a recreated window set it.
//! - **Library code the window ran** (LLVM for software GL, WebKit, JavaScriptCore,
//!   GTK, speech synthesis, half of the app's own binary: ~90 of the 120 MB) stays
//!   mapped. These pages are clean copies of files: they are unmapped from the
//!   process with `madvise(MADV_DONTNEED)`, which for a private read-only file
//!   mapping that holds no copied-on-write page means "read it from the file
//!   again when needed". The kernel keeps them as page cache it may drop at
//!   will, as it would after the process exited.
//! - **Freed heap** is handed back with `malloc_trim`.
//!
//! Only read-only private mappings of files under `/usr` and `/lib` and of the
//! app's own executable, with no anonymous or dirty page, are touched: writable
//! data, copied-on-write pages (relocations), devices and shared memory never.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

/// Environment variable that keeps the network process (see the module docs).
pub(crate) const KEEP_NETWORK_ENV: &str = "TERN_TRAY_KEEP_NETWORK";

/// Time for WebKit to finish tearing down the destroyed webview first.
pub(crate) const SETTLE: Duration = Duration::from_secs(2);

/// What one trim gave back, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Trimmed {
    /// Network processes sent SIGTERM.
    pub network_processes: usize,
    /// Mappings unmapped, and their proportional size before (kB).
    pub mappings: usize,
    pub pss_kb: u64,
}

/// After tray mode destroyed the window: waits [`SETTLE`], shrinks each
/// account's cache memory, then trims on the main thread (where windows are
/// built, so none can appear meanwhile) unless a window exists again by then.
pub(crate) fn after_free<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        let clients: Vec<_> = {
            let state = app.state::<crate::state::AppState>();
            let live = state.live.lock().await;
            live.iter().map(|a| a.client.clone()).collect()
        };
        for c in clients {
            if let Err(e) = c.shrink_memory().await {
                tracing::debug!("shrink an account's cache: {e}");
            }
        }
        let handle = app.clone();
        let run = app.run_on_main_thread(move || {
            if !handle.webview_windows().is_empty() {
                return;
            }
            let t = trim();
            tracing::info!(
                network_processes = t.network_processes,
                mappings = t.mappings,
                unmapped_mb = t.pss_kb / 1024,
                pss_after_mb = pss_kb().unwrap_or(0) / 1024,
                "tray mode: memory given back"
            );
        });
        if let Err(e) = run {
            tracing::warn!("tray mode trim: {e}");
        }
    });
}

/// Ends the network process, unmaps clean library pages, trims the heap.
pub(crate) fn trim() -> Trimmed {
    let keep_network = std::env::var(KEEP_NETWORK_ENV).is_ok_and(|v| v == "1");
    let mut t = Trimmed {
        network_processes: if keep_network {
            0
        } else {
            end_network_processes()
        },
        ..Trimmed::default()
    };
    if let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") {
        let exe = std::env::current_exe().ok();
        for m in clean_mappings(&smaps, exe.as_deref().and_then(|p| p.to_str())) {
            // SAFETY: `m` is a private, read-only file mapping with no anonymous
            // or dirty page (see `clean_mappings`): dropping its pages only makes
            // the next access read them from the file again.
            let r = unsafe {
                libc::madvise(
                    m.start as *mut libc::c_void,
                    m.end - m.start,
                    libc::MADV_DONTNEED,
                )
            };
            if r == 0 {
                t.mappings += 1;
                t.pss_kb += m.pss_kb;
            }
        }
    }
    // SAFETY: glibc's malloc_trim only returns free heap memory to the system.
    unsafe { libc::malloc_trim(0) };
    t
}

/// This process's PSS (kB), from `/proc/self/smaps_rollup`.
fn pss_kb() -> Option<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    line.trim_start_matches("Pss:")
        .trim()
        .trim_end_matches(" kB")
        .parse()
        .ok()
}

/// SIGTERM to this process's `WebKitNetworkProcess` children; how many.
fn end_network_processes() -> usize {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut ended = 0;
    for pid in dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
    {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if parent_and_name(&stat) == Some((me, "WebKitNetworkPr")) {
            // SAFETY: signals a child process of ours by its id.
            if unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } == 0 {
                ended += 1;
            }
        }
    }
    ended
}

/// The parent pid and name (`comm`, 15 bytes at most) in a `/proc/<pid>/stat` line.
fn parent_and_name(stat: &str) -> Option<(u32, &str)> {
    let name = stat.get(stat.find('(')? + 1..stat.rfind(')')?)?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let ppid = rest.split(' ').nth(1)?.parse().ok()?;
    Some((ppid, name))
}

/// One mapping that may be unmapped.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    pss_kb: u64,
}

/// The mappings of a `/proc/self/smaps` text that are safe to unmap: private,
/// not writable, backed by a file under `/usr` or `/lib` or by `exe`, with no
/// anonymous, dirty or locked page.
fn clean_mappings(smaps: &str, exe: Option<&str>) -> Vec<Mapping> {
    let mut out = Vec::new();
    let mut cur: Option<(Mapping, bool)> = None;
    let mut flush = |cur: &mut Option<(Mapping, bool)>| {
        if let Some((m, true)) = cur.take() {
            out.push(m);
        }
    };
    for line in smaps.lines() {
        if let Some((start, end, ok)) = header(line, exe) {
            flush(&mut cur);
            cur = Some((
                Mapping {
                    start,
                    end,
                    pss_kb: 0,
                },
                ok,
            ));
            continue;
        }
        let Some((m, ok)) = cur.as_mut() else {
            continue;
        };
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let kb = || value.trim().trim_end_matches(" kB").parse::<u64>().ok();
        match field {
            "Pss" => m.pss_kb = kb().unwrap_or(0),
            "Anonymous" | "Private_Dirty" | "Shared_Dirty" | "Locked" if kb() != Some(0) => {
                *ok = false;
            }
            _ => {}
        }
    }
    flush(&mut cur);
    out
}

/// A mapping's header line: its range and whether its kind may be unmapped.
fn header(line: &str, exe: Option<&str>) -> Option<(usize, usize, bool)> {
    let mut parts = line.splitn(6, ' ');
    let (range, perms) = (parts.next()?, parts.next()?);
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    if perms.len() != 4 {
        return None;
    }
    let (_offset, _dev, _inode) = (parts.next()?, parts.next()?, parts.next()?);
    let path = parts.next().unwrap_or("").trim();
    let file = path.starts_with("/usr/") || path.starts_with("/lib") || Some(path) == exe;
    let ok = file
        && !path.ends_with("(deleted)")
        && perms.starts_with('r')
        && &perms[1..2] == "-"
        && perms.ends_with('p');
    Some((start, end, ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
7f0000000000-7f0000002000 r-xp 00000000 fe:01 123 /usr/lib/libwebkit.so
Size:                  8 kB
Pss:                   8 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Locked:                0 kB
7f0000002000-7f0000003000 r--p 00002000 fe:01 123 /usr/lib/libwebkit.so
Pss:                   4 kB
Private_Dirty:         4 kB
Anonymous:             4 kB
7f0000003000-7f0000004000 rw-p 00003000 fe:01 123 /usr/lib/libwebkit.so
Pss:                   4 kB
Anonymous:             0 kB
7f0000004000-7f0000005000 r--s 00000000 00:01 9 /dev/dri/card0
Pss:                   4 kB
55d000000000-55d000001000 r-xp 00000000 fe:01 7 /opt/tern/tern
Pss:                   4 kB
Anonymous:             0 kB
7f0000006000-7f0000007000 r--p 00000000 00:00 0 
Pss:                   4 kB
7f0000008000-7f0000009000 r--p 00000000 fe:01 8 /usr/lib/gone.so (deleted)
Pss:                   4 kB
";

    #[test]
    fn only_clean_read_only_private_file_mappings_are_picked() {
        let picked = clean_mappings(SMAPS, Some("/opt/tern/tern"));
        assert_eq!(
            picked,
            vec![
                Mapping {
                    start: 0x7f00_0000_0000,
                    end: 0x7f00_0000_2000,
                    pss_kb: 8
                },
                Mapping {
                    start: 0x55d0_0000_0000,
                    end: 0x55d0_0000_1000,
                    pss_kb: 4
                },
            ]
        );
        // Without the executable's path, its code is left alone too.
        assert_eq!(clean_mappings(SMAPS, None).len(), 1);
    }

    #[test]
    fn the_parent_and_name_come_from_the_stat_line() {
        let stat = "4242 (WebKitNetworkPr) S 4000 4000 4000 0 -1 4194560";
        assert_eq!(parent_and_name(stat), Some((4000, "WebKitNetworkPr")));
        let odd = "17 (a) b) (c) R 9 17 17";
        assert_eq!(parent_and_name(odd), Some((9, "a) b) (c")));
    }

    #[test]
    fn a_trim_leaves_the_process_working() {
        // Unmaps this test binary's clean pages (it is its own executable) and
        // the system libraries': everything must still run afterwards.
        let t = trim();
        assert_eq!(t.network_processes, 0);
        assert!(t.mappings > 0, "{t:?}");
        let v: Vec<String> = (0..1000).map(|i| format!("{i}")).collect();
        assert_eq!(v.concat().len(), 2890);
    }
}
