//! One node per data directory.
//!
//! SQLite would let two processes share the file, but each embedded node keeps its
//! queue, presence and fan-out in memory: two of them on one database would each
//! see half the system. An exclusive lock on a file in the directory, held for the
//! node's lifetime, makes the second one refuse to start. The OS drops the lock
//! when the process ends, however it ends, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use domain::Error;

pub const LOCK_FILE: &str = "switchboard.lock";

/// The held lock; released on drop.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, Error> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::validation(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
                return Err(Error::conflict(format!(
                    "the data directory {} is already used by another Switchboard node{who}; \
                         stop it, or give this node another directory (SWITCHBOARD__EMBEDDED__DATA_DIR)",
                    data_dir.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::validation(format!("cannot lock {}: {e}", path.display())));
            }
        }
        // Who holds it, for the message above; only informative.
        let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| write!(file, "{}", std::process::id()));
        Ok(Self { _file: file })
    }
}
