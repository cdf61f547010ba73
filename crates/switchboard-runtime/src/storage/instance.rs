//! This instance's identity: a name kept in the data directory (`instance-id`), the same
//! across restarts, so a restarted instance can tell which webhook leases its previous run
//! held and release them at once.

use super::{StoreError, files};
use std::path::Path;

/// The file, in the data directory.
pub const FILE: &str = "instance-id";

/// Longest identity accepted from the file.
const MAX_CHARS: usize = 100;

/// Reads the identity from `data_dir/instance-id`, or makes a random one and writes it (0600)
/// when there is none. An operator may write a name of their own (such as the host or pod
/// name: 1 to 100 printable characters); two instances must never share one.
pub fn load_or_create(data_dir: &Path) -> Result<String, StoreError> {
    let path = data_dir.join(FILE);
    let err = |action: &str, e: std::io::Error| {
        StoreError::Unavailable(format!("cannot {action} {}: {e}", path.display()))
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let id = text.trim();
            if id.is_empty() || id.chars().count() > MAX_CHARS || id.chars().any(char::is_control) {
                return Err(StoreError::Unavailable(format!(
                    "{} must hold 1 to {MAX_CHARS} printable characters (delete it to get a new random identity)",
                    path.display()
                )));
            }
            Ok(id.to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            files::private_dir(data_dir)?;
            let id = uuid::Uuid::new_v4().to_string();
            write_new(&path, &id).map_err(|e| err("write", e))?;
            // Two runs starting together: the one that wrote first wins, both read it.
            let stored = std::fs::read_to_string(&path).map_err(|e| err("read", e))?;
            Ok(stored.trim().to_string())
        }
        Err(e) => Err(err("read", e)),
    }
}

#[cfg(unix)]
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => f.write_all(format!("{text}\n").as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{text}\n"))
}
