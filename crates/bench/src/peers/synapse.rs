//! Matrix Synapse from PyPI in a virtualenv (`scripts/peers-deps.sh` makes it at
//! `$TERN_BENCH_SYNAPSE_VENV`, default `~/.cache/tern-bench/synapse`), run on a free
//! 127.0.0.1 port with SQLite in a temporary directory, plain HTTP, open
//! registration without verification and every rate limit lifted.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::server::{free_port, shared_dir, PeerServer};

/// The virtualenv holding matrix-synapse.
pub(super) fn venv() -> PathBuf {
    if let Ok(v) = std::env::var("TERN_BENCH_SYNAPSE_VENV") {
        return v.into();
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(home).join(".cache/tern-bench/synapse")
}

const LIFTED: &str = "{per_second: 1000000, burst_count: 1000000}";

fn config(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"server_name: "localhost"
pid_file: {d}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {d}/homeserver.db
log_config: {d}/log.yaml
media_store_path: {d}/media
signing_key_path: {d}/signing.key
report_stats: false
enable_registration: true
enable_registration_without_verification: true
bcrypt_rounds: 4
suppress_key_server_warning: true
trusted_key_servers: []
presence:
  enabled: false
rc_message: {LIFTED}
rc_registration: {LIFTED}
rc_login:
  address: {LIFTED}
  account: {LIFTED}
  failed_attempts: {LIFTED}
rc_joins:
  local: {LIFTED}
  remote: {LIFTED}
rc_invites:
  per_room: {LIFTED}
  per_user: {LIFTED}
  per_issuer: {LIFTED}
rc_room_creation: {LIFTED}
"#
    )
}

const LOG: &str = "version: 1\ndisable_existing_loggers: false\n\
handlers:\n  c:\n    class: logging.StreamHandler\nroot:\n  level: WARNING\n  handlers: [c]\n";

/// The installed version, or "?".
pub(super) fn version() -> String {
    let out = Command::new(venv().join("bin/python"))
        .args(["-c", "import synapse; print(synapse.__version__)"])
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => "?".into(),
    }
}

/// Starts Synapse.
pub(super) fn start() -> Result<PeerServer> {
    let py = venv().join("bin/python");
    if !py.exists() {
        bail!(
            "no Synapse virtualenv at {} (run scripts/peers-deps.sh)",
            venv().display()
        );
    }
    let dir = shared_dir("tern-bench-synapse-")?;
    let port = free_port()?;
    let d = dir.path();
    let cfg = d.join("homeserver.yaml");
    std::fs::write(&cfg, config(d, port))?;
    std::fs::write(d.join("log.yaml"), LOG)?;
    let keys = Command::new(&py)
        .args(["-m", "synapse.app.homeserver", "--generate-keys", "-c"])
        .arg(&cfg)
        .output()
        .context("synapse --generate-keys")?;
    if !keys.status.success() {
        bail!(
            "synapse --generate-keys: {}",
            String::from_utf8_lossy(&keys.stderr)
        );
    }
    let mut cmd = Command::new(&py);
    cmd.args(["-m", "synapse.app.homeserver", "-c"]).arg(&cfg);
    PeerServer::start(cmd, dir, port, None, Duration::from_secs(120))
}
