//! The data directory and the SQLite files hold conversation history: the directory is
//! created 0700 and the database, its WAL and its shared-memory file 0600, and looser modes
//! found on an existing directory or file are tightened when the store opens.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::conversation::Conversation;
use switchboard_runtime::storage::{self, ConversationStore};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn files(data_dir: &Path) -> [PathBuf; 3] {
    ["switchboard.db", "switchboard.db-wal", "switchboard.db-shm"].map(|f| data_dir.join(f))
}

/// Opens the store the way the server does and saves one conversation (so the WAL is written).
async fn open_and_write(data_dir: &Path, id: &str) -> Arc<dyn ConversationStore> {
    let settings = StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    let store = storage::open(&settings, data_dir).await.expect("open");
    let mut c = Conversation::new(id.into(), "user-1".into());
    store.save(&mut c).await.expect("save");
    // The store stays open (its WAL and SHM exist) while the modes are checked.
    for f in files(data_dir) {
        assert!(f.exists(), "{} exists while the store is open", f.display());
    }
    store
}

#[tokio::test]
async fn a_new_data_directory_is_0700_and_the_database_files_0600() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let _store = open_and_write(&data_dir, "c1").await;
    assert_eq!(format!("{:o}", mode(&data_dir)), "700");
    for f in files(&data_dir) {
        assert_eq!(format!("{:o}", mode(&f)), "600", "{}", f.display());
    }
}

#[tokio::test]
async fn looser_modes_found_at_open_are_tightened() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let _first = open_and_write(&data_dir, "c1").await;
    // As an older version left them.
    chmod(&data_dir, 0o755);
    for f in files(&data_dir) {
        chmod(&f, 0o644);
    }
    let _second = open_and_write(&data_dir, "c2").await;
    assert_eq!(format!("{:o}", mode(&data_dir)), "700");
    for f in files(&data_dir) {
        assert_eq!(format!("{:o}", mode(&f)), "600", "{}", f.display());
    }
}
