//! `tern-cli`: a headless Tern user (work in progress).
fn main() {}
