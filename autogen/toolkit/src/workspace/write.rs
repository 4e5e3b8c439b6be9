//! Writing the migration directory: each file atomically, and a change of
//! several files all or nothing (undone, newest first, on a failure).

use std::fs;
use std::path::Path;

use super::{WorkspaceError, Written};

/// Write `text` to `path` atomically: a temporary file of its own in the
/// same directory, flushed to disk, then renamed over `path`. A reader (or
/// a crash) sees the old content or the new one, never a part; on failure
/// the temporary file is removed.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), WorkspaceError> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{file_name}.{}-{}.autogen-tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create_new(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| WorkspaceError::Write(path.into(), e))
}

/// The file operations of a multi-file change, so that tests can make any
/// one of them fail.
pub(super) trait FsOps {
    fn write(&self, path: &Path, text: &str) -> Result<(), WorkspaceError>;
    fn remove(&self, path: &Path) -> Result<(), WorkspaceError>;
}

pub(super) struct RealFs;

impl FsOps for RealFs {
    fn write(&self, path: &Path, text: &str) -> Result<(), WorkspaceError> {
        write_atomic(path, text)
    }

    fn remove(&self, path: &Path) -> Result<(), WorkspaceError> {
        fs::remove_file(path).map_err(|e| WorkspaceError::Write(path.into(), e))
    }
}

/// Bring every file of `changes` from `before` to `after` (an empty
/// `after` removes it, an empty `before` creates it), in order; if one
/// step fails, undo the steps done, newest first, so that the directory is
/// as it was.
pub(super) fn apply_all(changes: &[Written], fs_ops: &dyn FsOps) -> Result<(), WorkspaceError> {
    let step = |w: &Written, text: &str| {
        if text.is_empty() {
            fs_ops.remove(&w.path)
        } else {
            fs_ops.write(&w.path, text)
        }
    };
    for (done, w) in changes.iter().enumerate() {
        if let Err(e) = step(w, &w.after) {
            for undo in changes[..done].iter().rev() {
                if let Err(restore) = step(undo, &undo.before) {
                    return Err(WorkspaceError::RestoreFailed(
                        Box::new(e),
                        Box::new(restore),
                    ));
                }
            }
            return Err(WorkspaceError::RolledBack(Box::new(e)));
        }
    }
    Ok(())
}
