//! docs/configuration.md stays true: its settings table is parsed and checked
//! against the real flags (clap's `Command`, i.e. what `tern-server --help`
//! prints) and the real TOML loader, in both directions, so a setting added
//! later without a documented row fails here.

use std::collections::BTreeSet;

use clap::{CommandFactory, Parser};
use tern_server::config::{Args, Config};
use tern_server::{Error, MultiDevicePolicy};

/// One row of the settings table.
#[derive(Debug)]
struct Row {
    flag: Option<String>,
    env: Option<String>,
    toml: Option<String>,
    /// The default as a literal, when there is one.
    default: Option<String>,
    /// The backticked words of the Values column.
    values: Vec<String>,
}

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/configuration.md"
    ))
    .unwrap()
}

/// The text between the first pair of backticks, unless the cell is `—`.
fn literal(cell: &str) -> Option<String> {
    if cell.starts_with('—') {
        return None;
    }
    let rest = cell.strip_prefix('`')?;
    Some(rest[..rest.find('`')?].to_string())
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn rows() -> Vec<Row> {
    let doc = doc();
    let mut lines = doc.lines().skip_while(|l| !l.starts_with("| Flag |"));
    let header = lines.next().expect("a settings table starting `| Flag |`");
    assert_eq!(
        header,
        "| Flag | Environment | TOML key | Default | Values | Meaning |"
    );
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 6, "six cells: {line}");
            Row {
                flag: literal(cells[0]),
                env: literal(cells[1]),
                toml: literal(cells[2]),
                default: literal(cells[3]),
                values: backticked(cells[4]),
            }
        })
        .collect()
}

/// The keys the TOML loader accepts, from its own refusal of an unknown key:
/// top-level keys, and the `[security]` table's as `security.<key>`.
fn toml_keys() -> BTreeSet<String> {
    let accepted = |text: &str| -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, text).unwrap();
        let args =
            Args::try_parse_from(["tern-server", "--config", file.to_str().unwrap()]).unwrap();
        let Err(Error::Config(msg)) = Config::from_args(args) else {
            panic!("an unknown key must be refused")
        };
        let list = msg
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("{msg}"));
        let keys: BTreeSet<String> = backticked(list).into_iter().collect();
        assert!(keys.len() > 10, "{msg}");
        keys
    };
    let mut keys = accepted("no_such_setting_at_all = 1\n");
    assert!(keys.remove("security"), "the [security] table");
    for k in accepted("[security]\nno_such_setting_at_all = 1\n") {
        keys.insert(format!("security.{k}"));
    }
    keys
}

/// `key = value` as a TOML line, inside `[security]` for `security.<key>`.
fn toml_line(key: &str, value: &str) -> String {
    match key.strip_prefix("security.") {
        Some(k) => format!("[security]\n{k} = {value}\n"),
        None => format!("{key} = {value}\n"),
    }
}

/// Loads a configuration from flags plus a TOML file with `toml` in it.
fn load(flags: &[&str], toml: &str) -> Result<Config, Error> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, toml).unwrap();
    let mut argv = vec!["tern-server", "--config", file.to_str().unwrap()];
    argv.extend_from_slice(flags);
    let args = Args::try_parse_from(argv).map_err(|e| Error::Config(e.to_string()))?;
    Config::from_args(args)
}

/// A TOML literal for a documented value: numbers and booleans bare, else a string.
fn toml_value(v: &str) -> String {
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

#[test]
fn every_flag_is_documented_with_its_variable_default_and_values() {
    let rows = rows();
    let mut cmd = Args::command();
    cmd.build();
    let mut flags = BTreeSet::new();
    for arg in cmd.get_arguments() {
        if matches!(arg.get_id().as_str(), "help" | "version") {
            continue;
        }
        let long = format!(
            "--{}",
            arg.get_long()
                .unwrap_or_else(|| panic!("{} has no long flag", arg.get_id()))
        );
        flags.insert(long.clone());
        let row = rows
            .iter()
            .find(|r| r.flag.as_deref() == Some(long.as_str()))
            .unwrap_or_else(|| panic!("{long} is not in docs/configuration.md"));
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(row.env, env, "{long}: documented variable");
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        match &row.default {
            Some(d) => assert!(
                help.contains(&format!("[default: {d}]")),
                "{long}: --help must show `[default: {d}]`: {help:?}"
            ),
            None => assert!(
                !help.contains("[default:"),
                "{long}: documented without a default: {help:?}"
            ),
        }
        let possible: BTreeSet<String> = arg
            .get_possible_values()
            .iter()
            .flat_map(|v| {
                v.get_name_and_aliases()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        if !possible.is_empty() && !possible.iter().all(|v| v == "true" || v == "false") {
            let documented: BTreeSet<String> = row.values.iter().cloned().collect();
            assert_eq!(documented, possible, "{long}: documented values");
        }
    }
    for row in &rows {
        if let Some(flag) = &row.flag {
            assert!(flags.contains(flag), "{flag} is documented but is no flag");
        }
    }
}

#[test]
fn every_toml_key_is_documented_and_every_documented_key_loads() {
    let rows = rows();
    let keys = toml_keys();
    let documented: BTreeSet<String> = rows.iter().filter_map(|r| r.toml.clone()).collect();
    assert_eq!(
        documented, keys,
        "TOML keys documented vs accepted by the loader"
    );
    // Each documented default, in the file or as the flag, is the built-in one;
    // each documented value of an enumerated setting loads from both.
    let base = format!("{:?}", load(&[], "").unwrap());
    for row in &rows {
        let Some(key) = &row.toml else { continue };
        if let Some(d) = &row.default {
            let from_file = load(&[], &toml_line(key, &toml_value(d)))
                .unwrap_or_else(|e| panic!("{key} = {d}: {e}"));
            assert_eq!(format!("{from_file:?}"), base, "the default of `{key}`");
            if let Some(flag) = &row.flag {
                let from_flag = load(&[flag, d], "").unwrap_or_else(|e| panic!("{flag} {d}: {e}"));
                assert_eq!(format!("{from_flag:?}"), base, "the default of {flag}");
            }
        }
        let enumerated = row.values.len() > 1
            && row.values.iter().all(|v| {
                v.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
            });
        if enumerated {
            for v in &row.values {
                load(&[], &toml_line(key, &format!("{v:?}")))
                    .unwrap_or_else(|e| panic!("{key} = {v:?}: {e}"));
                if let Some(flag) = &row.flag {
                    load(&[flag, v], "").unwrap_or_else(|e| panic!("{flag} {v}: {e}"));
                }
            }
        }
    }
}

#[test]
fn a_limits_table_is_refused_with_the_key_named() {
    let Err(Error::Config(msg)) = load(&[], "[limits]\nmax_frame_bytes = 1024\n") else {
        panic!("the file is flat: a [limits] table must be refused")
    };
    assert!(msg.contains("limits"), "{msg}");
}

/// `per_platform` and `per-platform` both mean the same policy in the flag, the
/// environment and the file (issue 24, item 4).
#[test]
fn multi_device_accepts_both_spellings_everywhere() {
    for spelling in ["per_platform", "per-platform"] {
        let from_flag = load(&["--multi-device", spelling], "").unwrap();
        assert_eq!(
            from_flag.multi_device,
            MultiDevicePolicy::PerPlatform,
            "flag {spelling}"
        );
        let from_file = load(&[], &format!("multi_device = {spelling:?}\n")).unwrap();
        assert_eq!(
            from_file.multi_device,
            MultiDevicePolicy::PerPlatform,
            "file {spelling}"
        );
        // The environment is shared by every test in this process (and the
        // servers some of them start): the variable is set in a child.
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &test_name("multi_device_from_the_environment")])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("TERN_MULTI_DEVICE", spelling)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&child.stdout);
        assert!(
            child.status.success() && stdout.contains("1 passed"),
            "TERN_MULTI_DEVICE={spelling}: {stdout}{}",
            String::from_utf8_lossy(&child.stderr)
        );
    }
    assert!(load(&["--multi-device", "perplatform"], "").is_err());
}

/// Set in the child process [`multi_device_accepts_both_spellings_everywhere`] starts.
const CHILD: &str = "TERN_CONFIG_DOC_CHILD";

/// A test's name as the test harness knows it (the module path without the crate).
fn test_name(f: &str) -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::{f}")
}

/// The environment half of [`multi_device_accepts_both_spellings_everywhere`]:
/// does nothing unless started by it, with `TERN_MULTI_DEVICE` set.
#[test]
fn multi_device_from_the_environment() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let spelling = std::env::var("TERN_MULTI_DEVICE").unwrap();
    assert_eq!(
        load(&[], "").unwrap().multi_device,
        MultiDevicePolicy::PerPlatform,
        "TERN_MULTI_DEVICE={spelling}"
    );
}

/// The same check against the text `tern-server --help` really prints: each
/// option's paragraph shows its documented variable and default (or none).
#[test]
fn the_printed_help_matches_the_reference() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tern-server"))
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    // Option paragraphs by their long flag.
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let flag = line
            .trim_start()
            .strip_prefix("--")
            .filter(|_| line.starts_with("      --"))
            .map(|rest| format!("--{}", rest.split([' ', '\t']).next().unwrap()));
        match (flag, blocks.last_mut()) {
            (Some(f), _) => blocks.push((f, String::new())),
            (None, Some((_, text))) => {
                text.push_str(line.trim());
                text.push(' ');
            }
            (None, None) => {}
        }
    }
    let rows = rows();
    let mut printed = BTreeSet::new();
    for (flag, text) in &blocks {
        if flag == "--help" || flag == "--version" {
            continue;
        }
        printed.insert(flag.clone());
        let row = rows
            .iter()
            .find(|r| r.flag.as_deref() == Some(flag.as_str()))
            .unwrap_or_else(|| panic!("{flag} (in --help) is not in docs/configuration.md"));
        if let Some(env) = &row.env {
            assert!(text.contains(&format!("[env: {env}")), "{flag}: {text}");
        }
        match &row.default {
            Some(d) => assert!(text.contains(&format!("[default: {d}]")), "{flag}: {text}"),
            None => assert!(!text.contains("[default:"), "{flag}: {text}"),
        }
    }
    let documented: BTreeSet<String> = rows.iter().filter_map(|r| r.flag.clone()).collect();
    assert_eq!(documented, printed, "documented flags vs --help");
}
