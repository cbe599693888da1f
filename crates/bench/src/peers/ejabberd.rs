//! ejabberd from Debian (`apt-get install ejabberd`), run by its `ejabberdctl
//! foreground` as the package's `ejabberd` user, from a config of ours in a
//! temporary directory (its own Mnesia spool, its own Erlang node name, plain c2s
//! on a free 127.0.0.1 port). The package's system service is not used.

use std::process::Command;
use std::time::Duration;

use anyhow::Result;

use super::server::{free_port, shared_dir, PeerServer};

/// The config: one virtual host, in-band registration open, passwords stored
/// plain (cheap logins, as Tern's cheap argon2 in the bench), no shapers,
/// stream management, and the message archive on for every user (Mnesia).
fn config(port: u16) -> String {
    format!(
        r#"hosts: ["localhost"]
loglevel: warning
hide_sensitive_log_data: true
listen:
  - port: {port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
    shaper: none
    max_stanza_size: 262144
    backlog: 1024
auth_method: internal
auth_password_format: plain
registration_timeout: infinity
acl:
  local:
    user_regexp: ""
access_rules:
  register:
    allow: all
  local:
    allow: local
  c2s:
    allow: all
shaper_rules:
  max_user_sessions: 10
  c2s_shaper: none
modules:
  mod_disco: {{}}
  mod_roster: {{}}
  mod_register:
    access: register
    ip_access: all
    password_strength: 0
  mod_stream_mgmt: {{}}
  mod_mam:
    default: always
    db_type: mnesia
"#
    )
}

/// The installed version (`dpkg-query`), or "?".
pub(super) fn version() -> String {
    super::deb_version("ejabberd")
}

/// Starts ejabberd; returns it and its XMPP domain.
pub(super) fn start() -> Result<PeerServer> {
    let dir = shared_dir("tern-bench-ejabberd-")?;
    let port = free_port()?;
    let d = dir.path();
    std::fs::write(d.join("ejabberd.yml"), config(port))?;
    std::fs::write(d.join("inetrc"), "")?;
    std::fs::write(d.join("ejabberdctl.cfg"), "")?;
    let mut cmd = Command::new("ejabberdctl");
    cmd.arg("--config-dir")
        .arg(d)
        .arg("--config")
        .arg(d.join("ejabberd.yml"))
        .arg("--ctl-config")
        .arg(d.join("ejabberdctl.cfg"))
        .arg("--spool")
        .arg(d.join("spool"))
        .arg("--logs")
        .arg(d)
        .args([
            "--node",
            &format!("ternbench{port}@localhost"),
            "foreground",
        ]);
    PeerServer::start(cmd, dir, port, Some("ejabberd"), Duration::from_secs(90))
}
