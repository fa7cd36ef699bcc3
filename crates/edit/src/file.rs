//! Writing a graph file the one safe way (authoring.md section 1): the new text goes to a
//! temporary file in the same folder, which is then renamed over the file, so a reader sees
//! the old file or the new one, never half of one; and only if the file on disk is still
//! the text the edit was made from — a file changed since it was read is never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// The file on disk is no longer the text the edit was made from.
    Changed,
    /// The file system said no.
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Changed => f.write_str("the file changed on disk since it was read"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The largest file edited: 64 MiB, as large as a graph file the runtime loads.
pub const MAX_FILE_SIZE: u64 = 64 << 20;

/// Reads a file as the edit layer sees it: `None` if it does not exist. A file larger than
/// [`MAX_FILE_SIZE`], or one that is not a regular file (a FIFO, whose opening would wait
/// for a writer; a device), is refused without reading it.
pub fn read(path: &Path) -> std::io::Result<Option<String>> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is not a regular file",
            ));
        }
        if meta.is_file() && meta.len() > MAX_FILE_SIZE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the file is larger than {} MiB, the most a graph file may be",
                    MAX_FILE_SIZE >> 20
                ),
            ));
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the file is not UTF-8 text ({e})"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `new` to `path` if the file still holds `old` (`None`: the file must not exist).
pub fn write(path: &Path, old: Option<&str>, new: &str) -> Result<(), WriteError> {
    let now = read(path).map_err(WriteError::Io)?;
    if now.as_deref() != old {
        return Err(WriteError::Changed);
    }
    let temp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(new.as_bytes())?;
        file.sync_all()?;
        // The new file keeps the old one's permissions.
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(WriteError::Io)
}

/// `.NAME.PID-N.graphrun-tmp` beside the file.
fn temp_path(path: &Path) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(format!(".{name}.{}-{n}.graphrun-tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_over_what_was_read() {
        let dir = std::env::temp_dir().join(format!("graphrun-edit-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.ron");
        let _ = std::fs::remove_file(&path);
        write(&path, None, "one").unwrap();
        assert!(matches!(write(&path, None, "two"), Err(WriteError::Changed)));
        assert!(matches!(write(&path, Some("other"), "two"), Err(WriteError::Changed)));
        write(&path, Some("one"), "two").unwrap();
        assert_eq!(read(&path).unwrap().as_deref(), Some("two"));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("g.ron")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
