//! Private files: the data directory and the SQLite database hold conversation history, so
//! they are made readable by the server's user only (0700 and 0600), and looser modes found on
//! an existing directory or file are tightened with a warning.

use super::StoreError;
use std::path::Path;

/// Creates `dir` (and missing parents) as 0700, or tightens it when it exists with a looser
/// mode. A shared directory (sticky bit, such as `/tmp`) is never changed.
pub(crate) fn private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    if !dir.exists() {
        create_private_dir(dir).map_err(|error| {
            StoreError::Unavailable(format!("cannot create {}: {error}", dir.display()))
        })?;
        return Ok(());
    }
    tighten(dir, 0o700);
    Ok(())
}

/// Creates the SQLite file as an empty 0600 file before SQLite opens it, so that SQLite (which
/// gives its WAL and shared-memory files the database file's mode) never makes a readable
/// one; an existing file and its WAL and SHM are tightened.
pub(crate) fn private_database(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.exists()) {
        create_private_dir(parent).map_err(|error| {
            StoreError::Unavailable(format!("cannot create {}: {error}", parent.display()))
        })?;
    }
    if !path.exists() {
        create_private_file(path).map_err(|error| {
            StoreError::Unavailable(format!("cannot create {}: {error}", path.display()))
        })?;
    }
    tighten_database(path);
    Ok(())
}

/// Tightens the database file and its `-wal` and `-shm` companions, where they exist.
pub(crate) fn tighten_database(path: &Path) {
    tighten(path, 0o600);
    for suffix in ["-wal", "-shm"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        tighten(Path::new(&companion), 0o600);
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        // Another pool of this process made it first: it is checked below like any other.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Removes group and other permissions from `path` when it has any; warns what it did.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let current = meta.permissions().mode() & 0o7777;
    if current & 0o077 == 0 || current & 0o1000 != 0 {
        return;
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        Ok(()) => tracing::warn!(
            target: "switchboard::storage",
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{mode:o}"),
            "tightened the permissions of a data file (it holds conversation history)"
        ),
        Err(error) => tracing::warn!(
            target: "switchboard::storage",
            path = %path.display(),
            mode = format!("{current:o}"),
            %error,
            "a data file is readable by other users and cannot be tightened"
        ),
    }
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) {}
