//! `external` on Linux, for real through GIO: a link or a file Tern opens reaches the
//! desktop's default application for it (here test handlers registered in a temporary
//! XDG data/config home), and that application does not inherit the web engine's
//! settings Tern put in its own environment (`engine`) — unless the user had set them.
#![cfg(target_os = "linux")]
// A failed step fails the test: unwrapping is how it says so.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use tern_desktop::{engine, external};

/// A handler that records its argument and its environment in `<dir>/<name>.env`.
fn handler(dir: &Path, name: &str, mime: &str) -> String {
    let script = dir.join(format!("{name}.sh"));
    let out = dir.join(format!("{name}.env"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n{{ echo \"ARG=$1\"; env; }} > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let desktop = format!("tern-test-{name}.desktop");
    std::fs::write(
        dir.join("data/applications").join(&desktop),
        format!(
            "[Desktop Entry]\nType=Application\nName=Tern test {name}\nExec={} %u\nMimeType={mime};\n",
            script.display()
        ),
    )
    .unwrap();
    format!("{mime}={desktop}\n")
}

/// What the handler recorded: its argument and environment (waits for it to run).
fn recorded(dir: &Path, name: &str) -> String {
    let out = dir.join(format!("{name}.env"));
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(s) = std::fs::read_to_string(&out) {
            std::fs::remove_file(&out).unwrap();
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the {name} handler did not run within 20 s");
}

fn has_var(env: &str, name: &str) -> bool {
    env.lines().any(|l| l.starts_with(&format!("{name}=")))
}

#[test]
fn links_and_files_open_in_the_default_application_without_the_engine_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("data/applications")).unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    let defaults =
        handler(dir, "browser", "x-scheme-handler/https") + &handler(dir, "viewer", "text/plain");
    std::fs::write(
        dir.join("config/mimeapps.list"),
        format!("[Default Applications]\n{defaults}"),
    )
    .unwrap();
    // The only test in this binary: the environment is set before GIO reads it.
    std::env::set_var("XDG_DATA_HOME", dir.join("data"));
    std::env::set_var("XDG_CONFIG_HOME", dir.join("config"));
    std::env::set_var("TERN_TEST_INHERITED", "yes");
    std::env::remove_var(engine::JIT_VAR);
    std::env::remove_var(engine::MARK_VAR);

    engine::configure();
    assert_eq!(
        std::env::var(engine::JIT_VAR).as_deref(),
        Ok("0"),
        "Tern runs its web engine without the JIT"
    );

    external::open_url("https://example.com/tern?q=1").unwrap();
    let env = recorded(dir, "browser");
    assert!(env.contains("ARG=https://example.com/tern?q=1"), "{env}");
    assert!(
        has_var(&env, "TERN_TEST_INHERITED"),
        "the rest of the environment is passed on: {env}"
    );
    assert!(
        !has_var(&env, engine::JIT_VAR),
        "the browser must not inherit JSC_useJIT: {env}"
    );
    assert!(!has_var(&env, engine::MARK_VAR), "{env}");

    let note = dir.join("note.txt");
    std::fs::write(&note, "a note\n").unwrap();
    external::open_path(&note).unwrap();
    let env = recorded(dir, "viewer");
    assert!(env.contains(&format!("ARG={}", note.display())), "{env}");
    assert!(!has_var(&env, engine::JIT_VAR), "{env}");

    let missing = external::open_path(&dir.join("missing.txt")).unwrap_err();
    assert!(missing.contains("missing.txt"), "{missing}");

    // The user's own setting is theirs: kept for Tern, passed on to what it opens.
    std::env::remove_var(engine::MARK_VAR);
    std::env::set_var(engine::JIT_VAR, "1");
    engine::configure();
    assert_eq!(std::env::var(engine::JIT_VAR).as_deref(), Ok("1"));
    external::open_url("https://example.com/again").unwrap();
    let env = recorded(dir, "browser");
    assert!(env.lines().any(|l| l == "JSC_useJIT=1"), "{env}");
}
