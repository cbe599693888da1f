fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    pack_relative_relocs();
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"),
    )
    .expect("failed to run tauri-build");
}

/// The dynamic loader relocates every pointer in a position-independent binary at
/// start, reading one 24-byte entry per pointer (`.rela.dyn`: 0.7 MB for `tern`), and
/// those pages stay resident. Packed (`DT_RELR`, glibc 2.36, binutils 2.38) the table
/// is a few kilobytes (docs/benchmarks.md, C1). crates/tray and bench/c1/hello do the same.
fn pack_relative_relocs() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
