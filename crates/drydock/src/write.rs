//! Writing fixed files safely: atomically (a temporary file in the same folder, then a rename),
//! through symlinks to their target, keeping permissions and owner, and never over a file that
//! changed since it was read or that has other hard links.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Why a fixed file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file changed on disk after drydock read it.
    #[error("{0} changed since it was read; not writing the fixes")]
    Changed(String),
    /// The file has several hard links; replacing it would split them.
    #[error("{0} has {1} hard links; not writing the fixes (replacing it would break the links)")]
    HardLinked(String, u64),
    /// An I/O error.
    #[error("cannot write {0}: {1}")]
    Io(String, io::Error),
}

/// Replaces the contents of `path` (or of the file it links to) with `new`, provided it still
/// holds `original`.
///
/// # Errors
/// See [`WriteError`].
pub fn write_atomic(path: &Path, original: &[u8], new: &[u8]) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    let io_err = |e: io::Error| WriteError::Io(shown.clone(), e);
    let target = fs::canonicalize(path).map_err(io_err)?;
    let meta = fs::metadata(&target).map_err(io_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(WriteError::HardLinked(shown, meta.nlink()));
        }
    }
    if fs::read(&target).map_err(io_err)? != original {
        return Err(WriteError::Changed(shown));
    }
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".drydock-fix-")
        .tempfile_in(dir)
        .map_err(io_err)?;
    tmp.write_all(new).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    fs::set_permissions(tmp.path(), meta.permissions()).map_err(io_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let tmp_meta = fs::metadata(tmp.path()).map_err(io_err)?;
        if tmp_meta.uid() != meta.uid() || tmp_meta.gid() != meta.gid() {
            // Only root can give a file away; anyone else keeps the file's owner by owning it.
            std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()))
                .map_err(io_err)?;
        }
    }
    // Last check right before the rename, to keep the window small.
    if fs::read(&target).map_err(io_err)? != original {
        return Err(WriteError::Changed(shown));
    }
    tmp.persist(&target).map_err(|e| io_err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_through_symlinks_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::write(&real, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            write_atomic(&link, b"old", b"new").unwrap();
            assert_eq!(fs::read(&real).unwrap(), b"new");
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(
                fs::metadata(&real).unwrap().permissions().mode() & 0o777,
                0o640
            );
            let hard = dir.path().join("hard");
            fs::hard_link(&real, &hard).unwrap();
            assert!(matches!(
                write_atomic(&real, b"new", b"x"),
                Err(WriteError::HardLinked(..))
            ));
            fs::remove_file(&hard).unwrap();
        }
        assert!(matches!(
            write_atomic(&real, b"stale", b"x"),
            Err(WriteError::Changed(_))
        ));
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }
}
