//! What the tool does to files on disk, whatever they hold: atomic writes (stage beside the
//! destination, then rename), backup copies, and path plumbing.
//!
//! What the files are called and what goes in them belongs to their owners (`crate::sidecar` names
//! sidecars and rejected answers; `crate::merge` chooses its backup folder).

use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

use tempfile::NamedTempFile;

/// A file written next to its destination, waiting to replace it: [`StagedWrite::commit`] renames it
/// into place; dropping it removes it. Staging every file first lets a caller find out that a folder is
/// not writable before anything is replaced.
#[derive(Debug)]
pub struct StagedWrite {
    file: NamedTempFile,
    destination: PathBuf,
}

impl StagedWrite {
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Renames the staged file over its destination (atomic on the same file system).
    pub fn commit(self) -> io::Result<()> {
        self.file
            .persist(&self.destination)
            .map(drop)
            .map_err(|e| e.error)
    }
}

/// Writes `content` to a temporary file in `path`'s folder, with the permissions of the file it will
/// replace (or, for a new file, those any new file of the user gets: 0666 less the umask — temporary
/// files alone would be private).
pub fn stage(path: &Path, content: &str) -> io::Result<StagedWrite> {
    stage_with(path, content, None)
}

/// [`stage`], with permission bits `mode` given (Unix; elsewhere the usual ones).
fn stage_with(path: &Path, content: &str, mode: Option<u32>) -> io::Result<StagedWrite> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let replaced = match std::fs::metadata(path) {
        Ok(existing) => Some(existing.permissions()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".assistant-").suffix(".tmp");
    #[cfg(unix)]
    if replaced.is_none() && mode.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(folder)?;
    file.write_all(content.as_bytes())?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    } else if let Some(permissions) = replaced {
        file.as_file().set_permissions(permissions)?;
    }
    #[cfg(not(unix))]
    if let Some(permissions) = replaced {
        let _ = mode;
        file.as_file().set_permissions(permissions)?;
    }
    file.as_file().sync_all()?;
    Ok(StagedWrite {
        file,
        destination: path.to_path_buf(),
    })
}

/// Writes `content` to `path` through a temporary file in the same folder and a rename: readers see the
/// old file or the new one, never half a file; on error nothing is left behind.
pub fn write_atomic(path: &Path, content: &str) -> io::Result<()> {
    stage(path, content)?.commit()
}

/// Writes `content` to `path` atomically, readable by no one the file `like` keeps out: `like`'s
/// permission bits, never wider than 0644 (a sidecar or rejected answer of a 0600 source is 0600; of
/// an executable script, 0644). When `like` cannot be read, 0600: private rather than guessed open.
pub fn write_atomic_like(path: &Path, content: &str, like: &Path) -> io::Result<()> {
    stage_with(path, content, Some(mode_like(like)))?.commit()
}

/// Writes `content` to `path` atomically, readable by its owner alone (0600 on Unix).
pub fn write_private(path: &Path, content: &str) -> io::Result<()> {
    stage_with(path, content, Some(0o600))?.commit()
}

/// Appends `content` to `path` in one write, creating it (and its folders) private to the user: 0600 in
/// 0700 folders on Unix. Concurrent appends of a short line do not interleave or lose each other.
pub fn append_private(path: &Path, content: &str) -> io::Result<()> {
    if let Some(folder) = path.parent() {
        create_private_dir(folder)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}

/// The permission bits for a file derived from `like` (see [`write_atomic_like`]).
fn mode_like(like: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(like).map_or(0o600, |m| m.permissions().mode() & 0o644)
    }
    #[cfg(not(unix))]
    {
        let _ = like;
        0o644
    }
}

/// Creates `path` and any missing folders above it, each new one 0700 (Unix), and makes `path` itself
/// 0700 even when it existed: a folder for copies no other user may read.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(path)
}

/// The user's cache folder for this tool: `$XDG_CACHE_HOME/assistant`, else `~/.cache/assistant`
/// (`%LOCALAPPDATA%\assistant` on Windows); `None` when the environment names no home.
pub fn user_cache_dir() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    from("XDG_CACHE_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".cache")))
        .or_else(|| from("LOCALAPPDATA"))
        .map(|dir| dir.join("assistant"))
}

/// Copies `source` into `backup` under its absolute path (`/w/p/a.go` → `BACKUP/w/p/a.go`), creating
/// the folders it needs; `backup` itself is private (0700), so a copy is readable by no one else even
/// when its source was private only because of its project folder's permissions.
pub fn back_up(source: &Path, backup: &Path) -> io::Result<()> {
    create_private_dir(backup)?;
    let absolute = std::fs::canonicalize(source)?;
    let relative: PathBuf = absolute
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    let copy = backup.join(relative);
    if let Some(parent) = copy.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(source, &copy).map(drop)
}

/// `path` with `.suffix` added to its whole name: `a/coupon.go` + `assistant` → `a/coupon.go.assistant`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// `path` made absolute against the current folder, without touching the disk (symbolic links and
/// `..` stay); the path as given when even that fails.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path` made absolute with `.` and `..` resolved (`internal/handler/../` is `internal`), so two names
/// of one folder compare equal: as the system resolves them (symbolic links followed, so that a `..`
/// after a link is the target's parent) when the path or its folder exists, else as text.
pub fn normalized(path: &Path) -> PathBuf {
    let path = absolute(path);
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match (path.parent().map(Path::canonicalize), path.file_name()) {
        (Some(Ok(folder)), Some(name)) => folder.join(name),
        _ => tidy(&path),
    }
}

/// `path` with `.` and `..` resolved as text, still relative when it was: `internal/handler/../x` is
/// `internal/x`; a `..` with nothing before it to undo stays (`../x`). An empty result is `.`.
pub fn tidy(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(component),
            },
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return PathBuf::from(".");
    }
    parts.iter().collect()
}

/// `path` as users see it: relative to the current folder when under it.
pub fn shown(path: &Path) -> PathBuf {
    let current = absolute(Path::new("."));
    match path.strip_prefix(&current) {
        // The current folder itself is `.`, not an empty name.
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.go.assistant");
        write_atomic(&path, "one").unwrap();
        write_atomic(&path, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(write_atomic(&dir.path().join("no/such/dir/x"), "three").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn staged_write_keeps_the_replaced_file_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).unwrap();
        write_atomic(&path, "new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o751);
    }

    #[test]
    fn a_dropped_stage_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.go");
        let staged = stage(&path, "package a\n").unwrap();
        assert_eq!(staged.destination(), path);
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn backups_keep_the_absolute_path() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.go");
        std::fs::write(&source, "package a\n").unwrap();
        let backup = dir.path().join("backup");
        back_up(&source, &backup).unwrap();
        let absolute = std::fs::canonicalize(&source).unwrap();
        let copy = backup.join(absolute.strip_prefix("/").unwrap());
        assert_eq!(std::fs::read_to_string(copy).unwrap(), "package a\n");
    }

    #[cfg(unix)]
    #[test]
    fn derived_files_are_no_wider_than_their_source() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode_of = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for (source_mode, expected) in [(0o600, 0o600), (0o755, 0o644), (0o640, 0o640)] {
            let source = dir.path().join(format!("s{source_mode:o}.go"));
            std::fs::write(&source, "package a\n").unwrap();
            std::fs::set_permissions(&source, std::fs::Permissions::from_mode(source_mode))
                .unwrap();
            let derived = with_suffix(&source, "assistant");
            write_atomic_like(&derived, "x", &source).unwrap();
            assert_eq!(mode_of(&derived), expected, "source {source_mode:o}");
            // Replacing a wider file narrows it too.
            std::fs::set_permissions(&derived, std::fs::Permissions::from_mode(0o666)).unwrap();
            write_atomic_like(&derived, "y", &source).unwrap();
            assert_eq!(mode_of(&derived), expected, "source {source_mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn private_folders_are_0700_all_the_way_down() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        create_private_dir(&deep).unwrap();
        for folder in [dir.path().join("a"), deep] {
            let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
    }

    #[test]
    fn suffixes_go_after_the_whole_name() {
        assert_eq!(
            with_suffix(Path::new("a/coupon.go"), "assistant.rejected"),
            Path::new("a/coupon.go.assistant.rejected")
        );
        assert!(absolute(Path::new("a.go")).is_absolute());
    }

    #[test]
    fn the_current_folder_is_shown_as_a_dot() {
        assert_eq!(shown(&absolute(Path::new("."))), Path::new("."));
        assert_eq!(shown(&absolute(Path::new("a/b.go"))), Path::new("a/b.go"));
    }

    #[test]
    fn normalized_paths_resolve_dots_as_text() {
        let here = normalized(Path::new("."));
        assert_eq!(
            normalized(Path::new("a/b/../c/./d.go")),
            here.join("a/c/d.go")
        );
        assert_eq!(normalized(Path::new("a/b/..")), normalized(Path::new("a")));
        assert_eq!(
            tidy(Path::new("internal/handler/../")),
            Path::new("internal")
        );
        assert_eq!(tidy(Path::new("a/..")), Path::new("."));
        assert_eq!(tidy(Path::new("../x/./y/..")), Path::new("../x"));
        assert_eq!(tidy(Path::new("/../a")), Path::new("/a"));
    }
}
