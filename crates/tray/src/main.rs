//! `tern-tray`: started by the Tern app only (see the library's docs).

fn main() {
    std::process::exit(tern_tray::run::main());
}
