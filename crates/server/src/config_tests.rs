//! Unit tests of [`super`]: flags, file and defaults; database URLs; cluster settings; webhook endpoints.

use super::*;
use crate::database_config::with_database;
use crate::webhook_config::FailurePolicy;
use clap::Parser;

#[test]
fn flags_override_the_file_and_defaults_fill_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tern.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nrecall_window_secs = 30\nmulti_device = \"per_platform\"\nmax_page = 50\n")
        .unwrap();
    let args = Args::try_parse_from([
        "tern-server",
        "--config",
        file.to_str().unwrap(),
        "--listen",
        "127.0.0.1:9100",
        "--multi-device",
        "single",
    ])
    .unwrap();
    let c = Config::from_args(args).unwrap();
    assert_eq!(c.listen.port(), 9100, "flag beats file");
    assert_eq!(c.multi_device, MultiDevicePolicy::Single);
    assert_eq!(
        c.recall_window,
        Duration::from_secs(30),
        "file beats default"
    );
    assert_eq!(c.max_page, 50);
    assert_eq!(c.idle_timeout, Config::default().idle_timeout);
    assert!(!c.require_friendship);
}

#[test]
fn database_urls_are_parsed_and_a_malformed_one_is_named() {
    let parse = |v: &str| {
        let args = Args::try_parse_from(["tern-server", "--database", v]).unwrap();
        Config::from_args(args)
    };
    assert_eq!(
        parse("sqlite:/var/lib/tern/x.db").unwrap().database,
        Database::Sqlite(PathBuf::from("/var/lib/tern/x.db"))
    );
    assert_eq!(
        parse("postgres://tern@127.0.0.1:5432/tern")
            .unwrap()
            .database,
        Database::Postgres("postgres://tern@127.0.0.1:5432/tern".into())
    );
    for bad in [
        "mysql://x/y",
        "sqlite:",
        "postgres://tern@host:notaport/db",
        "tern.db",
    ] {
        let Err(Error::Config(e)) = parse(bad) else {
            panic!("`{bad}` must be refused");
        };
        assert!(e.contains("database `"), "{e}");
    }
    let Err(Error::Config(e)) = parse("postgres://tern:hunter2@host:x/db") else {
        panic!("a bad port must be refused");
    };
    assert!(!e.contains("hunter2"), "the password is not shown: {e}");
    let args = Args::try_parse_from(["tern-server"]).unwrap();
    assert_eq!(
        Config::from_args(args).unwrap().database,
        Database::DefaultSqlite
    );
}

#[test]
fn a_test_database_url_names_the_database_it_gets() {
    assert_eq!(
        with_database("postgres://u:p@127.0.0.1:5432/postgres", "t1"),
        "postgres://u:p@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h:1?sslmode=disable", "t2"),
        "postgres://u@h:1/t2?sslmode=disable"
    );
    assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
}

#[test]
fn unknown_file_keys_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tern.toml");
    std::fs::write(&file, "recal_window_secs = 30\n").unwrap();
    let args = Args::try_parse_from(["tern-server", "--config", file.to_str().unwrap()]).unwrap();
    assert!(matches!(Config::from_args(args), Err(Error::Config(_))));
}

#[test]
fn tls_cert_and_key_go_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tern.toml");
    std::fs::write(&file, "tls_cert = \"/etc/tern/cert.pem\"\n").unwrap();
    let only_file =
        Args::try_parse_from(["tern-server", "--config", file.to_str().unwrap()]).unwrap();
    let Err(Error::Config(e)) = Config::from_args(only_file) else {
        panic!("a cert without a key must be refused");
    };
    assert!(e.contains("tls_key"), "{e}");
    let only_flag = Args::try_parse_from(["tern-server", "--tls-key", "k.pem"]).unwrap();
    assert!(matches!(
        Config::from_args(only_flag),
        Err(Error::Config(_))
    ));
    let both = Args::try_parse_from([
        "tern-server",
        "--config",
        file.to_str().unwrap(),
        "--tls-key",
        "k.pem",
    ])
    .unwrap();
    let c = Config::from_args(both).unwrap();
    assert_eq!(c.tls_cert, Some(PathBuf::from("/etc/tern/cert.pem")));
    assert_eq!(c.tls_key, Some(PathBuf::from("k.pem")));
    let neither = Args::try_parse_from(["tern-server"]).unwrap();
    let c = Config::from_args(neither).unwrap();
    assert!(c.tls_cert.is_none() && c.tls_key.is_none());
}

#[test]
fn a_bus_needs_postgres_and_a_valid_node_id() {
    let parse = |args: &[&str]| {
        let mut all = vec!["tern-server"];
        all.extend_from_slice(args);
        Config::from_args(Args::try_parse_from(all).unwrap())
    };
    let Err(Error::Config(e)) = parse(&["--bus", "nats://127.0.0.1:4222"]) else {
        panic!("a bus over SQLite must be refused");
    };
    assert!(e.contains("PostgreSQL"), "{e}");
    let pg = "postgres://tern@127.0.0.1:5432/tern";
    let c = parse(&[
        "--bus",
        "nats://127.0.0.1:4222",
        "--database",
        pg,
        "--node-id",
        "n-1.a",
    ])
    .unwrap();
    assert_eq!(c.bus.as_deref(), Some("nats://127.0.0.1:4222"));
    assert_eq!(c.node_id.as_deref(), Some("n-1.a"));
    assert_eq!(c.upload_prefix(), "up-n-1.a-");
    for bad in [
        &["--bus", "http://x:1", "--database", pg][..],
        &["--node-id", "a b"],
    ] {
        assert!(matches!(parse(bad), Err(Error::Config(_))), "{bad:?}");
    }
    let single = parse(&[]).unwrap();
    assert!(single.bus.is_none());
    assert_eq!(single.upload_prefix(), "up-");
    assert_eq!(single.files_root(), single.data_dir.join("files"));
}

#[test]
fn the_deploy_example_config_loads() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/tern.toml");
    let args = Args::try_parse_from(["tern-server", "--config", file]).unwrap();
    let c = Config::from_args(args).unwrap();
    assert_eq!(c.node_id.as_deref(), Some("n1"));
    assert_eq!(c.bus.as_deref(), Some("nats://nats.internal:4222"));
    assert_eq!(c.files_root(), PathBuf::from("/srv/tern-files"));
}

// ---- [[webhooks]] (docs/webhooks.md) ----

fn load(toml: &str) -> Result<Config, Error> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tern.toml");
    std::fs::write(&file, toml).unwrap();
    let args = Args::try_parse_from(["tern-server", "--config", file.to_str().unwrap()]).unwrap();
    Config::from_args(args)
}

const TWO: &str = r#"
webhook_queue_max = 10
webhook_retry_max_secs = 5
[[webhooks]]
name = "moderation"
url = "https://backend.example.com/hooks"
secret = "0123456789abcdef"
events = ["message.send", "profile.update"]
on_failure = "reject"
[[webhooks]]
name = "audit"
url = "http://10.0.0.5:8080/events"
secret = "fedcba9876543210"
events = ["message.stored"]
timeout_ms = 500
"#;

#[test]
fn several_endpoints_load_with_their_defaults() {
    let c = load(TWO).unwrap();
    assert_eq!(c.webhooks.len(), 2);
    let (m, a) = (&c.webhooks[0], &c.webhooks[1]);
    assert_eq!(
        (m.name.as_str(), m.timeout_ms, m.on_failure),
        ("moderation", 2000, FailurePolicy::Reject)
    );
    assert_eq!(
        (a.name.as_str(), a.timeout_ms, a.on_failure),
        ("audit", 500, FailurePolicy::Allow)
    );
    assert!(m.wants("message.send") && !m.wants("message.stored"));
    assert_eq!(c.webhook_queue_max, 10);
    assert_eq!(c.webhook_retry_max, Duration::from_secs(5));
    assert!(
        !format!("{c:?}").contains("0123456789abcdef"),
        "secrets stay out of Debug"
    );
    assert!(load("").unwrap().webhooks.is_empty());
}

#[test]
fn bad_endpoints_stop_the_start_with_the_reason() {
    let bad = [
        (
            TWO.replace("name = \"audit\"", "name = \"moderation\""),
            "used twice",
        ),
        (TWO.replace("https://backend", "ftp://backend"), "http://"),
        (TWO.replace("fedcba9876543210", "short"), "16 bytes"),
        (
            TWO.replace("\"message.stored\"", "\"message.stroed\""),
            "message.stroed",
        ),
        (
            TWO.replace("timeout_ms = 500", "timeout_ms = 0"),
            "timeout_ms",
        ),
        (
            TWO.replace("on_failure = \"reject\"", "on_failure = \"maybe\""),
            "maybe",
        ),
        (TWO.replace("timeout_ms = 500", "retries = 3"), "retries"),
        (
            TWO.replace("events = [\"message.stored\"]", "events = []"),
            "at least one event",
        ),
        (TWO.replace("name = \"audit\"", "name = \"a b\""), "a b"),
    ];
    for (text, needle) in bad {
        let Err(Error::Config(msg)) = load(&text) else {
            panic!("accepted: {text}")
        };
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
}

#[test]
fn a_zero_limit_or_timeout_stops_the_start_naming_it() {
    let refused = |flag: &str, value: &str| {
        let args = Args::try_parse_from(["tern-server", flag, value]).unwrap();
        match Config::from_args(args) {
            Ok(_) => panic!("{flag} {value} was accepted"),
            Err(e) => e.to_string(),
        }
    };
    for (flag, name) in [
        ("--max-reactions-per-message", "max_reactions_per_message"),
        ("--reactions-per-minute", "reactions_per_minute"),
        ("--group-actions-per-minute", "group_actions_per_minute"),
        ("--social-actions-per-minute", "social_actions_per_minute"),
        ("--max-pins", "max_pins"),
        ("--max-frame-bytes", "max_frame_bytes"),
        ("--max-text-chars", "max_text_chars"),
        ("--max-page", "max_page"),
        ("--idle-timeout-secs", "idle_timeout_secs"),
        ("--rate-per-sec", "rate_per_sec"),
        ("--rate-burst", "rate_burst"),
        ("--login-lockout-secs", "login_lockout_secs"),
        ("--login-failure-window-secs", "login_failure_window_secs"),
    ] {
        let e = refused(flag, "0");
        assert!(e.contains(name), "{flag} 0: {e}");
    }
    assert!(refused("--rate-per-sec=-5", "--max-page=9").contains("rate_per_sec"));
    assert!(refused("--rate-burst", "0.5").contains("rate_burst"));
    // Too large for clients to take back in one WebSocket message.
    assert!(refused("--max-frame-bytes", "4194305").contains("max_frame_bytes must be at most"));
    assert!(refused("--max-history-bytes", "8388609").contains("max_history_bytes must be at most"));
    let e = load(
        "webhook_queue_max = 0\n[[webhooks]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/x\"\nsecret = \"0123456789abcdef\"\nevents = [\"message.stored\"]\n",
    )
    .map(drop)
    .unwrap_err()
    .to_string();
    assert!(e.contains("webhook_queue_max"), "{e}");
    // The smallest allowed values start.
    let args =
        Args::try_parse_from(["tern-server", "--rate-burst", "1", "--max-page", "1"]).unwrap();
    Config::from_args(args).unwrap();
    // And the largest.
    let args = Args::try_parse_from([
        "tern-server",
        "--max-frame-bytes",
        "4194304",
        "--max-history-bytes",
        "8388608",
    ])
    .unwrap();
    Config::from_args(args).unwrap();
}
