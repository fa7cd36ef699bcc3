//! Writing a graph file the one safe way (authoring.md section 1): the new text goes to a
//! temporary file in the same folder, which then takes the file's place, so a reader sees
//! the old file or the new one, never half of one; and only if the file on disk is still
//! the text the edit was made from — a file changed since it was read is never
//! overwritten, by this program or any other.
//!
//! The last check and the replacing are one step where the system allows it: on Linux the
//! temporary file and the file are exchanged (`renameat2(RENAME_EXCHANGE)`), and what was
//! swapped out is compared with the text the edit was made from; if another program wrote
//! the file meanwhile, the two are swapped back and nothing is lost. (Comparing first and
//! renaming after leaves a window in which another program's save is overwritten.)
//!
//! A symbolic link is followed: its target is written and the link stays. A file with more
//! than one hard link is written in place, so that every link keeps seeing it. A file that
//! may not be written (read-only) is not replaced, though its folder would allow it.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
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

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
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
    let path = &followed(path).map_err(WriteError::Io)?;
    // The writers that take it (every graphrun tool) write one at a time in a folder;
    // other programs are seen by the exchange below.
    let _writing = lock_folder(path);
    let now = read(path).map_err(WriteError::Io)?;
    if now.as_deref() != old {
        return Err(WriteError::Changed);
    }
    let meta = match std::fs::metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(WriteError::Io(e)),
    };
    if let Some(meta) = &meta {
        if !writable(path, meta) {
            return Err(WriteError::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only",
            )));
        }
        if meta.nlink() > 1 {
            return in_place(path, new).map_err(WriteError::Io);
        }
    }
    let temp = temp_path(path);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Private until it holds the new text and the file's own permissions.
        if meta.is_some() {
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(new.as_bytes())?;
        file.sync_all()?;
        if let Some(meta) = &meta {
            // The new file keeps the old one's owner (where allowed) and permissions.
            if meta.uid() != file.metadata()?.uid() || meta.gid() != file.metadata()?.gid() {
                let _ = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()));
            }
            file.set_permissions(std::fs::Permissions::from_mode(meta.mode()))?;
        }
        drop(file);
        replace(&temp, path, old, new)
    })();
    if !matches!(result, Ok(())) {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Where a write to `path` goes: the file a symbolic link leads to (through every link on
/// the way), or `path` itself.
fn followed(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("the symbolic link leads nowhere ({e})"))),
        _ => Ok(path.to_path_buf()),
    }
}

/// An exclusive advisory lock on the folder holding `path`, held until it is dropped
/// (`None` where it cannot be had: the write goes on without it).
fn lock_folder(path: &Path) -> Option<std::fs::File> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let folder = std::fs::File::open(dir).ok()?;
    #[cfg(target_os = "linux")]
    rustix::fs::flock(&folder, rustix::fs::FlockOperation::LockExclusive).ok()?;
    Some(folder)
}

/// Whether this process may write the file at `path`. A file nobody may write is not
/// replaced, not even by the superuser, whom the system would let.
fn writable(path: &Path, meta: &std::fs::Metadata) -> bool {
    if meta.mode() & 0o222 == 0 {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        !meta.permissions().readonly()
    }
}

/// Writes `new` over the file where it is (a file with several hard links: a rename would
/// leave the other links with the old text).
fn in_place(path: &Path, new: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(path)?;
    file.write_all(new.as_bytes())?;
    file.sync_all()
}

/// The temporary file takes `path`'s place if `path` still holds `old`.
#[cfg(target_os = "linux")]
fn replace(temp: &Path, path: &Path, old: Option<&str>, new: &str) -> Result<(), WriteError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    let Some(old) = old else {
        // A new file: only if none appeared meanwhile.
        return match renameat_with(CWD, temp, CWD, path, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::EXIST) => Err(WriteError::Changed),
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => rename_checked(temp, path, None),
            Err(e) => Err(WriteError::Io(e.into())),
        };
    };
    match renameat_with(CWD, temp, CWD, path, RenameFlags::EXCHANGE) {
        Ok(()) => {}
        // A file system without the exchange: the check and the rename apart.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => return rename_checked(temp, path, Some(old)),
        Err(e) => return Err(WriteError::Io(e.into())),
    }
    // `temp` now holds what `path` held at the exchange.
    let swapped_out = read(temp).ok().flatten();
    if swapped_out.as_deref() == Some(old) {
        // A program that opened the file before the exchange may still append to it (it
        // holds the old file): what it appended until the old file is gone goes on after
        // the new text.
        let held = std::fs::File::open(temp);
        let _ = std::fs::remove_file(temp);
        if let Ok(mut held) = held {
            let mut appended = Vec::new();
            use std::io::{Read, Seek};
            if held.seek(std::io::SeekFrom::Start(old.len() as u64)).is_ok()
                && held.read_to_end(&mut appended).is_ok()
                && !appended.is_empty()
            {
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .and_then(|mut file| file.write_all(&appended))?;
            }
        }
        return Ok(());
    }
    // Another program wrote it since it was read: its text goes back.
    renameat_with(CWD, temp, CWD, path, RenameFlags::EXCHANGE).map_err(|e| WriteError::Io(e.into()))?;
    // What a program appended to the new text while it was in place goes on after its
    // own text, as appended there.
    if let Ok(Some(ours)) = read(temp) {
        if let Some(appended) = ours.strip_prefix(new).filter(|a| !a.is_empty()) {
            std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(appended.as_bytes()))?;
        }
    }
    let _ = std::fs::remove_file(temp);
    Err(WriteError::Changed)
}

/// The temporary file takes `path`'s place if `path` still holds `old`, checked just
/// before the rename (where the system has no exchange).
#[cfg(not(target_os = "linux"))]
fn replace(temp: &Path, path: &Path, old: Option<&str>, _new: &str) -> Result<(), WriteError> {
    rename_checked(temp, path, old)
}

fn rename_checked(temp: &Path, path: &Path, old: Option<&str>) -> Result<(), WriteError> {
    if read(path).map_err(WriteError::Io)?.as_deref() != old {
        return Err(WriteError::Changed);
    }
    std::fs::rename(temp, path).map_err(WriteError::Io)
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
