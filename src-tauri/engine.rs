//! Settings of the web engine (WebKitGTK) that it reads from the environment, so they
//! are put there first thing in `main`, before any thread or WebKit process starts;
//! WebKit's web process inherits them.
//!
//! JavaScriptCore's JIT compilers are off (`JSC_useJIT=0`), JavaScript runs in its
//! interpreter: the window's idle memory is ~14 MB smaller (the web process 131 →
//! 118.7 MB, the app 96.0 → 94.5 MB, release build) and opening a chat of 100,000
//! messages paints as fast (C3, medians 64 vs 68 ms), since the UI's JavaScript runs in
//! short bursts a JIT never pays back (docs/benchmarks.md, "the web engine's JIT"). A
//! `JSC_useJIT` already in the environment is left as it is (`JSC_useJIT=1` turns the
//! JIT back on).
//!
//! What Tern set is marked (`TERN_ENGINE_ENV`), so that the programs it opens links and
//! files with start without it (`external`) even after the trip through the tray-only
//! process, which `exec`s and keeps the environment.

use std::ffi::OsStr;

/// JavaScriptCore's switch for its JIT compilers.
pub const JIT_VAR: &str = "JSC_useJIT";
/// Set (to the names it set) when Tern, not the user, put `JIT_VAR` in the environment.
pub const MARK_VAR: &str = "TERN_ENGINE_ENV";

/// The value to give `JSC_useJIT`, given the one the environment has: none when it
/// has one (the user's choice).
pub fn jit_value(current: Option<&OsStr>) -> Option<&'static str> {
    current.is_none().then_some("0")
}

/// Puts the engine's settings in the environment. Call first in `main`: setting the
/// environment is only sound while the process has one thread.
pub fn configure() {
    if !cfg!(target_os = "linux") {
        return;
    }
    if let Some(v) = jit_value(std::env::var_os(JIT_VAR).as_deref()) {
        std::env::set_var(JIT_VAR, v);
        std::env::set_var(MARK_VAR, JIT_VAR);
    }
}

/// The variables Tern set (empty when it set none): what programs started for the user
/// must not inherit.
pub fn set_by_tern() -> Vec<&'static str> {
    match std::env::var_os(MARK_VAR) {
        Some(m) if m == JIT_VAR => vec![JIT_VAR, MARK_VAR],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jit_is_turned_off_unless_the_environment_says_otherwise() {
        assert_eq!(jit_value(None), Some("0"));
        assert_eq!(jit_value(Some(OsStr::new("1"))), None);
        assert_eq!(jit_value(Some(OsStr::new("0"))), None);
    }
}
