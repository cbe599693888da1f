//! Prosody from Debian (`apt-get install prosody`), run as the package's
//! `prosody` user from a config of ours in a temporary directory (plain c2s on a
//! free 127.0.0.1 port, no s2s or HTTP). The package's system service is not used.

use std::process::Command;
use std::time::Duration;

use anyhow::Result;

use super::server::{free_port, shared_dir, PeerServer};

/// The config: one virtual host, in-band registration open and unthrottled,
/// plain password storage (cheap logins), PLAIN without TLS on localhost, stream
/// management (mod_smacks) and the message archive (mod_mam, archive policy on
/// for every user) on Prosody's default file storage.
fn config(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
certificates = "{d}/certs"
log = {{ warn = "*console" }}
c2s_ports = {{ {port} }}
c2s_interfaces = {{ "127.0.0.1" }}
s2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
allow_registration = true
registration_throttle_max = 1000000
registration_throttle_period = 1
min_seconds_between_registrations = 0
default_archive_policy = true
archive_expires_after = "never"
modules_enabled = {{ "roster"; "saslauth"; "disco"; "register"; "mam"; "smacks" }}
modules_disabled = {{ "s2s" }}
VirtualHost "localhost"
"#
    )
}

/// The installed version (`dpkg-query`), or "?".
pub(super) fn version() -> String {
    super::deb_version("prosody")
}

/// Starts Prosody.
pub(super) fn start() -> Result<PeerServer> {
    let dir = shared_dir("tern-bench-prosody-")?;
    let port = free_port()?;
    let d = dir.path();
    for sub in ["data", "certs"] {
        std::fs::create_dir(d.join(sub))?;
        super::server::open_perms(&d.join(sub))?;
    }
    std::fs::write(d.join("prosody.cfg.lua"), config(d, port))?;
    let mut cmd = Command::new("prosody");
    cmd.arg("--config").arg(d.join("prosody.cfg.lua"));
    PeerServer::start(cmd, dir, port, Some("prosody"), Duration::from_secs(60))
}
