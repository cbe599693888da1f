//! The server's files are its users' private data: the data directory and
//! everything in it are readable by the server's own user only (directories
//! 0700, files 0600), and a rename that makes data durable is followed by an
//! fsync of the directory, so the new name survives a power loss too.

use std::path::Path;

/// Creates `dir` (and missing parents) and makes it 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Makes `file` 0600 if it exists (files made by older versions, or by SQLite).
pub fn private_file(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Creates `file` empty with mode 0600 unless it exists (so that SQLite, which
/// gives its -wal and -shm files the database's mode, never makes a readable one).
pub fn precreate_private(file: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(file)?;
    private_file(file)
}

/// fsyncs a directory, making the names created or renamed in it durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
