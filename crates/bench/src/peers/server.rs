//! A peer server as a child process group of the tool: started from a config in
//! its own temporary directory on a free 127.0.0.1 port, optionally as the
//! package's system user, and stopped (SIGTERM to the group, then SIGKILL) on drop.
//! Memory is the RSS of the whole process tree (ejabberd is a shell script that
//! runs `erl`, which runs `beam.smp`).

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A running peer server.
pub(super) struct PeerServer {
    child: std::process::Child,
    /// Its client port.
    pub addr: SocketAddr,
    /// Config and data, removed on drop.
    pub dir: tempfile::TempDir,
}

/// A free TCP port on 127.0.0.1 (bound, then released; the server binds it next).
pub(super) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A temporary directory that a system user can write to.
pub(super) fn shared_dir(prefix: &str) -> Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))?;
    Ok(dir)
}

/// The uid, gid and home of system user `name` when this tool runs as root
/// (the Debian packages' servers refuse to run as root or expect their user).
pub(super) fn system_user(name: &str) -> Option<(u32, u32, String)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let cname = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns NULL or a pointer to a static passwd record that we
    // read before any other passwd call.
    unsafe {
        let pw = libc::getpwnam(cname.as_ptr());
        if pw.is_null() {
            return None;
        }
        let home = std::ffi::CStr::from_ptr((*pw).pw_dir)
            .to_string_lossy()
            .into_owned();
        Some(((*pw).pw_uid, (*pw).pw_gid, home))
    }
}

impl PeerServer {
    /// Starts `cmd` in its own process group (as `user` if given) and waits up to
    /// `wait` for `port` to accept connections.
    pub(super) fn start(
        mut cmd: Command,
        dir: tempfile::TempDir,
        port: u16,
        user: Option<&str>,
        wait: Duration,
    ) -> Result<Self> {
        let log = std::fs::File::create(dir.path().join("server.out"))?;
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .current_dir(dir.path())
            .process_group(0);
        if let Some((uid, gid, home)) = user.and_then(system_user) {
            cmd.uid(uid).gid(gid).env("HOME", home);
        }
        let child = cmd.spawn().with_context(|| format!("spawning {cmd:?}"))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut me = PeerServer { child, addr, dir };
        let t0 = Instant::now();
        loop {
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(me);
            }
            if let Ok(Some(st)) = me.child.try_wait() {
                bail!("{cmd:?} exited ({st}): {}", me.output_tail());
            }
            if t0.elapsed() > wait {
                bail!(
                    "{cmd:?} not listening on {addr} within {wait:?}: {}",
                    me.output_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The last lines of the server's output (for errors).
    pub(super) fn output_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("server.out")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join(" | ")
    }

    /// RSS of the process and all its descendants, in KiB.
    pub(super) fn tree_rss_kib(&self) -> u64 {
        tree(self.child.id())
            .into_iter()
            .map(crate::util::rss_kib)
            .sum()
    }

    /// "RSS KiB over N processes" for the report.
    pub(super) fn mem_note(&self) -> String {
        let t = tree(self.child.id());
        format!("{} KiB over {} processes", self.tree_rss_kib(), t.len())
    }
}

/// `pid` and every process below it.
pub(super) fn tree(pid: u32) -> Vec<u32> {
    let mut parent = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
            if let Some(ppid) = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok())
            {
                parent.push((p, ppid));
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        out.extend(parent.iter().filter(|(_, pp)| *pp == cur).map(|(p, _)| *p));
        i += 1;
    }
    out
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: signalling the process group this tool created for the child.
        unsafe {
            libc::kill(-pgid, libc::SIGTERM);
        }
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // SAFETY: as above; whatever is left of the group.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// Makes `p` writable by everyone (a directory a system user must write to).
pub(super) fn open_perms(p: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777))?;
    Ok(())
}
