//! The output folder of a run: locked against other runs, written through a
//! staging folder inside it, and put in place by a journalled swap, so that
//! the folder holds the old complete outputs or the new complete ones, never
//! a mix.
//!
//! - **Lock.** A run holds an exclusive advisory lock (`flock`) on the output
//!   folder itself from before the analysis to the end, so two runs into one
//!   folder never interleave: the second waits for the first. No lock file is
//!   left in the folder. `verify` takes a shared lock while it reads the
//!   outputs.
//! - **Staging.** Outputs are written into `.borderchange-staging/new/` inside
//!   the output folder (the same file system, so the swap is renames). It is
//!   made before the analysis, so an output folder that cannot be written is
//!   refused at once.
//! - **Swap.** Once everything is written, the list of new outputs with their
//!   sizes and SHA-256 (and the previous run's outputs that the new one no
//!   longer writes) goes into `.borderchange-staging/commit.json`; then each
//!   output is moved in (the manifest last), the outputs no longer written
//!   are removed, and the staging folder goes. A failure before the journal
//!   leaves the folder untouched; a failure during the moves puts back what
//!   was moved.
//! - **Interruption.** SIGINT, SIGTERM and SIGHUP are handled by the binary,
//!   which calls [`abandon`]: it waits for a swap in progress to finish (the
//!   swap is the commit: about a millisecond), then removes the staging
//!   folders, and no swap starts after it.
//! - **Recovery.** A staging folder left by a hard kill (SIGKILL, power loss)
//!   is dealt with by the next run into the folder, under the lock, before
//!   anything else: with its journal the swap is completed (each output
//!   whose staged copy still has the new hash is moved in; the others are
//!   in place already), without one it is removed. Staging folders of older
//!   versions (`.borderchange-partial-*`) are removed too.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::manifest::{self, FileEntry, Manifest, MANIFEST};

/// The staging folder's name inside the output folder.
pub const STAGING: &str = ".borderchange-staging";
/// Where a staging folder goes to be removed by [`abandon`] (out of the way
/// of writers still running).
const DISCARD: &str = ".borderchange-discard";
/// How many threads remove the previous outputs (see `remove_folder`).
const REMOVING_THREADS: usize = 8;
/// The staging folders of versions before the journal.
const OLD_STAGING_PREFIX: &str = ".borderchange-partial-";
/// The new outputs, inside the staging folder.
const NEW: &str = "new";
/// The journal, inside the staging folder: its presence means the swap has
/// begun and is to be completed.
const JOURNAL: &str = "commit.json";

/// The staging folders of this process (with their output folders), for
/// [`abandon`]. Held for the whole of a swap, so that an interruption waits
/// for it.
static ACTIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// Each staging folder's `new/` and the output folder the user gave, as
/// text, for [`user_facing`] (apart from [`ACTIVE`], which a swap holds).
static ALIASES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn aliases() -> MutexGuard<'static, Vec<(String, String)>> {
    ALIASES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn active() -> MutexGuard<'static, Vec<(PathBuf, PathBuf)>> {
    ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the journal records: every new output with its size and hash, and
/// the previous run's outputs the new run does not write.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    files: Vec<FileEntry>,
    remove: Vec<String>,
}

/// An output folder, locked for one run, with its staging folder.
///
/// Dropping it without [`OutputFolder::commit`] removes the staging folder
/// and leaves the output folder as it was.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    staging: PathBuf,
    committed: bool,
    // The lock lasts as long as this handle is open.
    _lock: fs::File,
}

impl OutputFolder {
    /// Makes `dir` if needed, locks it (after calling `notice` once with a
    /// message, if another run holds it, and waiting), completes or removes
    /// what an interrupted run left in it (saying so through `notice`),
    /// refuses a folder that is not empty unless `force`, and makes a fresh
    /// staging folder in it.
    pub fn open(dir: &Path, force: bool, notice: &dyn Fn(&str)) -> Result<OutputFolder> {
        fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        let lock = lock(dir, Lock::Exclusive, notice)?;
        {
            let _swapping = active();
            recover(dir, notice)?;
        }
        if !force && folder_has_files(dir) {
            return Err(Error::Usage(format!(
                "'{}' is not empty: pass --force to replace the outputs in it (other files are kept), or choose another folder with --output",
                dir.display()
            )));
        }
        let staging = dir.join(STAGING);
        let cannot_write = |source: std::io::Error| Error::Io {
            path: dir.to_owned(),
            source: std::io::Error::new(
                source.kind(),
                format!("cannot write in this folder: {source}"),
            ),
        };
        fs::create_dir(&staging).map_err(cannot_write)?;
        let folder = OutputFolder {
            dir: dir.to_owned(),
            staging: staging.clone(),
            committed: false,
            _lock: lock,
        };
        active().push((staging.clone(), dir.to_owned()));
        aliases().push((
            staging.join(NEW).to_string_lossy().into_owned(),
            dir.to_string_lossy().into_owned(),
        ));
        fs::create_dir(staging.join(NEW)).map_err(cannot_write)?;
        Ok(folder)
    }

    /// The output folder, as given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the outputs are to be written.
    pub fn write_dir(&self) -> PathBuf {
        self.staging.join(NEW)
    }

    /// `error` naming files where the user asked for them rather than in
    /// the staging folder.
    pub fn relocate(&self, error: Error) -> Error {
        error.relocated(&self.write_dir(), &self.dir)
    }

    /// Puts the outputs written in [`OutputFolder::write_dir`] in place:
    /// `files` (relative paths), with the manifest among them. Either all
    /// of them are in place afterwards, or (on an error) none, and the
    /// folder is as it was.
    pub fn commit(mut self, files: &[PathBuf]) -> Result<()> {
        let new = self.write_dir();
        let journal = Journal {
            files: entries_of(&new, files)?,
            remove: previous_outputs(&self.dir, files),
        };
        // Nothing is moved before every target is known to be usable.
        let mut made = Vec::new();
        for entry in &journal.files {
            made.extend(make_parents(&self.dir, &entry.path)?);
        }
        let swapping = active();
        let journal_path = self.staging.join(JOURNAL);
        write_journal(&journal_path, &journal)?;
        let mut moved: Vec<(PathBuf, PathBuf, bool)> = Vec::new();
        for entry in &journal.files {
            test_delay("swap");
            let (from, to) = (new.join(&entry.path), self.dir.join(&entry.path));
            match replace(&from, &to) {
                Ok(exchanged) => moved.push((from, to, exchanged)),
                Err(source) => {
                    // Back as it was, newest first; the journal goes so
                    // that no later run completes this swap.
                    for (from, to, exchanged) in moved.iter().rev() {
                        let _ = if *exchanged {
                            exchange(from, to)
                        } else {
                            fs::rename(to, from)
                        };
                    }
                    for folder in made.iter().rev() {
                        let _ = fs::remove_dir(folder);
                    }
                    let _ = fs::remove_file(&journal_path);
                    drop(swapping);
                    return Err(Error::Io { path: to, source });
                }
            }
        }
        finish(&self.dir, &self.staging, &journal);
        self.committed = true;
        unregister(swapping, &self.staging);
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let swapping = active();
        let _ = fs::remove_dir_all(&self.staging);
        unregister(swapping, &self.staging);
    }
}

fn unregister(mut active: MutexGuard<'_, Vec<(PathBuf, PathBuf)>>, staging: &Path) {
    active.retain(|(s, _)| s != staging);
    drop(active);
    let new = staging.join(NEW).to_string_lossy().into_owned();
    aliases().retain(|(s, _)| *s != new);
}

/// Set by [`abandon`].
static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// True once [`abandon`] has been called: the process is ending on a
/// signal, and its main thread should not end it first.
pub fn stopping() -> bool {
    STOPPING.load(std::sync::atomic::Ordering::SeqCst)
}

/// For a process about to end on a signal: waits for a swap in progress to
/// finish, removes every staging folder of this process, and returns their
/// output folders, which hold what they held before each run (or, where the
/// swap had finished, the new outputs). No swap starts after this, so it is
/// only for a process that ends right after.
pub fn abandon() -> Vec<PathBuf> {
    STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut active = active();
    let mut left = Vec::new();
    for (staging, dir) in active.drain(..) {
        // Moved aside first, so that a writer still running cannot create
        // anything in it again; what it still writes fails.
        let discard = dir.join(DISCARD);
        let _ = fs::remove_dir_all(&discard);
        if fs::rename(&staging, &discard).is_ok() {
            let _ = fs::remove_dir_all(&discard);
        } else {
            let _ = fs::remove_dir_all(&staging);
        }
        left.push(dir);
    }
    // Held to the end of the process: no swap may begin now.
    std::mem::forget(active);
    left
}

/// `text` with every path in a staging folder of this process replaced by
/// the path in the output folder the user gave (for messages from
/// libraries that name the files they write).
pub fn user_facing(text: &str) -> String {
    let mut text = text.to_owned();
    for (staged, dir) in aliases().iter() {
        text = text.replace(staged.as_str(), dir.as_str());
    }
    text
}

/// Which lock [`lock`] takes.
#[derive(Clone, Copy, PartialEq)]
pub enum Lock {
    /// A run writing into the folder.
    Exclusive,
    /// `verify` reading the outputs in it.
    Shared,
}

/// An advisory lock on the folder `dir` (the folder itself, so no lock
/// file is left in it), waiting for it after calling `notice` once if
/// another process holds it. Where the file system has no locks (some
/// network file systems), no lock.
pub fn lock(dir: &Path, kind: Lock, notice: &dyn Fn(&str)) -> Result<fs::File> {
    let handle = fs::File::open(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{flock, FlockOperation};
        use rustix::io::Errno;
        let (now, wait) = match kind {
            Lock::Exclusive => (
                FlockOperation::NonBlockingLockExclusive,
                FlockOperation::LockExclusive,
            ),
            Lock::Shared => (
                FlockOperation::NonBlockingLockShared,
                FlockOperation::LockShared,
            ),
        };
        let taken = match flock(&handle, now) {
            Err(Errno::WOULDBLOCK) => {
                notice(&format!(
                    "another borderchange run is writing into '{}': waiting for it to finish",
                    dir.display()
                ));
                flock(&handle, wait)
            }
            other => other,
        };
        match taken {
            Ok(()) | Err(Errno::NOLCK | Errno::OPNOTSUPP | Errno::INVAL) => {}
            Err(e) => {
                return Err(Error::Io {
                    path: dir.to_owned(),
                    source: std::io::Error::new(
                        std::io::Error::from(e).kind(),
                        format!("cannot lock the folder against other runs: {e}"),
                    ),
                })
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (kind, notice);
    Ok(handle)
}

/// True when `dir` exists and holds anything.
fn folder_has_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

/// Completes or removes what an interrupted run left in `dir` (the caller
/// holds the lock and [`ACTIVE`]).
fn recover(dir: &Path, notice: &dyn Fn(&str)) -> Result<()> {
    let leftovers: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name();
                    if !e.file_type().is_ok_and(|t| t.is_dir()) {
                        return false;
                    }
                    let name = name.to_string_lossy();
                    name.starts_with(OLD_STAGING_PREFIX) || name == DISCARD
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    for path in leftovers {
        fs::remove_dir_all(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        notice(&format!(
            "removed '{}', left by an interrupted run",
            path.display()
        ));
    }
    let staging = dir.join(STAGING);
    if fs::symlink_metadata(&staging).is_err() {
        return Ok(());
    }
    let journal = fs::read_to_string(staging.join(JOURNAL))
        .ok()
        .and_then(|text| serde_json::from_str::<Journal>(&text).ok());
    match journal {
        Some(journal) => {
            let new = staging.join(NEW);
            for entry in &journal.files {
                let from = new.join(&entry.path);
                // A staged copy that is not the new file is the old one,
                // exchanged out already.
                let staged_is_new = manifest::hash_file(&from)
                    .is_ok_and(|(bytes, sha256)| bytes == entry.bytes && sha256 == entry.sha256);
                if staged_is_new {
                    make_parents(dir, &entry.path)?;
                    let to = dir.join(&entry.path);
                    replace(&from, &to).map_err(|source| Error::Io { path: to, source })?;
                }
            }
            finish(dir, &staging, &journal);
            notice(&format!(
                "completed the outputs in '{}' of an earlier run that was stopped while putting them in place",
                dir.display()
            ));
        }
        None => {
            fs::remove_dir_all(&staging).map_err(|source| Error::Io {
                path: staging.clone(),
                source,
            })?;
            notice(&format!(
                "removed '{}', the unfinished outputs of an interrupted run",
                staging.display()
            ));
        }
    }
    Ok(())
}

/// After the moves: removes the previous run's outputs that the new one no
/// longer writes, then the journal, then the staging folder (holding the old
/// outputs now).
fn finish(dir: &Path, staging: &Path, journal: &Journal) {
    for old in &journal.remove {
        if is_plain_relative(old) {
            let path = dir.join(old);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(&path);
            }
        }
    }
    let _ = fs::remove_file(staging.join(JOURNAL));
    remove_folder(staging);
}

/// Removes the folder `dir` and everything in it, as `remove_dir_all`
/// does, as far as it can; its files (the previous run's outputs, after a
/// swap) are removed on [`REMOVING_THREADS`] threads, the largest first.
/// Freeing their pages takes about 15 ms of CPU for the bundled run's
/// 113 MB; where each removal also waits for the disk, the waits overlap.
fn remove_folder(dir: &Path) {
    let mut files: Vec<(PathBuf, u64)> = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(entry.path()),
                Ok(_) => {
                    let bytes = entry.metadata().map_or(0, |m| m.len());
                    files.push((entry.path(), bytes));
                }
                Err(_) => {}
            }
        }
    }
    // Largest first, on more threads than cores: on a file system mounted
    // with `discard` and no journal (this project's build machine) each
    // removal waits for the disk to discard the file's blocks, and the
    // waits overlap.
    files.sort_by_key(|f| std::cmp::Reverse(f.1));
    crate::support::parallel::map_on(REMOVING_THREADS, &files, |(path, _)| {
        let _ = fs::remove_file(path);
    });
    let _ = fs::remove_dir_all(dir);
}

/// The size and hash of every file in `files` (under `new`): from the new
/// manifest, which has them all but itself.
fn entries_of(new: &Path, files: &[PathBuf]) -> Result<Vec<FileEntry>> {
    let recorded: Vec<FileEntry> = fs::read_to_string(new.join(MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str::<Manifest>(&text).ok())
        .map(|m| m.outputs)
        .unwrap_or_default();
    let mut entries = Vec::with_capacity(files.len());
    for file in files {
        let path = manifest::slash_path(file);
        match recorded.iter().find(|e| e.path == path) {
            Some(e) => entries.push(e.clone()),
            None => entries.extend(manifest::output_entries(new, std::slice::from_ref(file))?),
        }
    }
    // The manifest last: a reader finds it only with every output in place.
    entries.sort_by_key(|e| e.path == MANIFEST);
    Ok(entries)
}

/// The outputs the previous run's manifest lists that `files` does not.
fn previous_outputs(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    let Some(previous) = fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str::<Manifest>(&text).ok())
    else {
        return Vec::new();
    };
    let new: Vec<String> = files.iter().map(|f| manifest::slash_path(f)).collect();
    previous
        .outputs
        .into_iter()
        .map(|e| e.path)
        .filter(|p| is_plain_relative(p) && !new.contains(p))
        .collect()
}

/// A relative path of plain names only (nothing that leaves the folder).
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Makes the folders `relative` needs under `dir` (returning those it
/// made, outermost first), and refuses a folder in the place of the file
/// itself.
fn make_parents(dir: &Path, relative: &str) -> Result<Vec<PathBuf>> {
    let target = dir.join(relative);
    let mut made = Vec::new();
    let mut folder = dir.to_owned();
    let parts: Vec<Component> = Path::new(relative).components().collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        folder.push(part);
        match fs::symlink_metadata(&folder) {
            Ok(_) if folder.is_dir() => {}
            Ok(_) => {
                return Err(Error::Io {
                    path: folder,
                    source: std::io::Error::other(
                        "a file is in the way of this output folder: move it, or choose another output folder with --output",
                    ),
                })
            }
            Err(_) => {
                fs::create_dir(&folder).map_err(|source| Error::Io {
                    path: folder.clone(),
                    source,
                })?;
                made.push(folder.clone());
            }
        }
    }
    if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
        return Err(Error::Io {
            path: target,
            source: std::io::Error::other(
                "a folder is in the way of this output: move it, or choose another output folder with --output",
            ),
        });
    }
    Ok(made)
}

fn write_journal(path: &Path, journal: &Journal) -> Result<()> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let part = path.with_extension("part");
    let text = serde_json::to_string(journal).unwrap_or_default();
    fs::write(&part, text).map_err(io_error)?;
    fs::rename(&part, path).map_err(io_error)
}

/// Moves the file `from` to `to`, replacing an older file there; true when
/// the two were exchanged (the older file is at `from` now, and goes with
/// the staging folder).
///
/// The exchange is one step on Linux (`renameat2` with `RENAME_EXCHANGE`),
/// and `to` holds the old file or the new one at every moment. A rename
/// over an existing file would also make ext4 write the new file's data out
/// at once (its `auto_da_alloc`): about 35 ms for a 20 MB GeoPackage here,
/// against under a millisecond for the exchange.
fn replace(from: &Path, to: &Path) -> std::io::Result<bool> {
    #[cfg(test)]
    if tests::FAIL_MOVE.with(|f| f.borrow().as_deref() == to.file_name().and_then(|n| n.to_str())) {
        return Err(std::io::Error::other("injected failure"));
    }
    if fs::symlink_metadata(to).is_ok() {
        exchange(from, to).map(|()| true)
    } else {
        fs::rename(from, to).map(|()| false)
    }
}

/// Exchanges the files `a` and `b`: in one step where the system can
/// (Linux), else by three renames (`b` is missing for a moment), which
/// keeps the old file for putting back after a failure.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        use rustix::io::Errno;
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    exchange_by_renames(a, b)
}

/// [`exchange`] where the file system cannot exchange in one step.
fn exchange_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = a.with_file_name(format!(
        "{}.exchanging",
        a.file_name().unwrap_or_default().to_string_lossy()
    ));
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

/// Set by [`test_exiting`].
static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Test hook, debug builds only (the release binary ignores it): pauses at
/// the named point of a run for the milliseconds the environment variable
/// `BORDERCHANGE_TEST_DELAY` gives it (`point=ms`, comma-separated), so
/// that tests can send signals while a run is at that point. Points:
/// `analysis` (the output folder is locked and staged, nothing written),
/// `writing` (every output written to the staging folder, none moved),
/// `swap` (before each output is moved into place), and `teardown` (before
/// a thread frees an equal-area PROJ object: until the process begins to
/// exit, at most that long, which is what a busy machine can do to a
/// thread that is not waited for).
#[doc(hidden)]
pub fn test_delay(point: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Ok(spec) = std::env::var("BORDERCHANGE_TEST_DELAY") else {
        return;
    };
    let ms = spec.split(',').find_map(|part| {
        let (name, ms) = part.split_once('=')?;
        (name.trim() == point).then(|| ms.trim().parse::<u64>().ok())?
    });
    let Some(ms) = ms else { return };
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    while std::time::Instant::now() < until {
        if point != "teardown" {
            std::thread::sleep(until - std::time::Instant::now());
        } else if EXITING.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        } else {
            std::thread::yield_now();
        }
    }
}

/// Test hook: the binary calls this as it returns from `main` (see
/// [`test_delay`]'s `teardown`).
#[doc(hidden)]
pub fn test_exiting() {
    EXITING.store(true, std::sync::atomic::Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// The file name whose move [`replace`] fails, in these tests.
        pub(super) static FAIL_MOVE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn staged(folder: &OutputFolder, files: &[(&str, &str)]) -> Vec<PathBuf> {
        for (name, text) in files {
            write(&folder.write_dir().join(name), text);
        }
        files.iter().map(|(n, _)| PathBuf::from(n)).collect()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_commit_puts_everything_in_place_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let folder = OutputFolder::open(&dir, false, &|_| {}).unwrap();
        let files = staged(&folder, &[("a.csv", "new a"), ("maps/m.svg", "new m")]);
        folder.commit(&files).unwrap();
        assert_eq!(names(&dir), ["a.csv", "maps"]);
        assert_eq!(fs::read_to_string(dir.join("maps/m.svg")).unwrap(), "new m");
    }

    #[test]
    fn dropping_without_commit_leaves_the_folder_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join("a.csv"), "old a");
        let folder = OutputFolder::open(&dir, true, &|_| {}).unwrap();
        staged(&folder, &[("a.csv", "new a")]);
        drop(folder);
        assert_eq!(names(&dir), ["a.csv"]);
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "old a");
    }

    /// A failure in the middle of the moves puts back what was moved.
    #[test]
    fn a_failed_swap_is_rolled_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join("a.csv"), "old a");
        write(&dir.join("c.csv"), "old c");
        let folder = OutputFolder::open(&dir, true, &|_| {}).unwrap();
        let files = staged(
            &folder,
            &[
                ("a.csv", "new a"),
                ("b.csv", "new b"),
                ("maps/m.svg", "m"),
                ("c.csv", "new c"),
            ],
        );
        FAIL_MOVE.with(|f| *f.borrow_mut() = Some("c.csv".into()));
        let err = folder.commit(&files).unwrap_err().to_string();
        FAIL_MOVE.with(|f| *f.borrow_mut() = None);
        assert!(err.contains("c.csv"), "{err}");
        assert_eq!(names(&dir), ["a.csv", "c.csv"]);
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "old a");
        assert_eq!(fs::read_to_string(dir.join("c.csv")).unwrap(), "old c");
    }

    /// A swap stopped by a hard kill is completed by the next run, whether
    /// none, some or all of the files had been moved.
    #[test]
    fn a_journalled_swap_is_completed_by_the_next_open() {
        for moved in 0..=3 {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("out");
            write(&dir.join("a.csv"), "old a");
            write(&dir.join("b.csv"), "old b");
            write(&dir.join("gone.csv"), "old only");
            write(&dir.join("mine.txt"), "the user's");
            let old_manifest = r#"{"tool_version":"0","git_commit":"","gdal_version":"","proj_version":"","config_path":"","config_sha256":"","config_normalised":null,"inputs":[],"outputs":[{"path":"a.csv","bytes":5,"sha256":"x"},{"path":"gone.csv","bytes":8,"sha256":"y"}]}"#;
            write(&dir.join(MANIFEST), old_manifest);
            // What a killed run leaves: the staged outputs, the journal, and
            // the first `moved` of them exchanged already.
            let staging = dir.join(STAGING);
            let new = staging.join(NEW);
            let files = [("a.csv", "new a"), ("b.csv", "new bb"), ("c.csv", "new c")];
            let mut entries = Vec::new();
            for (name, text) in files {
                write(&new.join(name), text);
                entries.push(FileEntry {
                    path: name.into(),
                    bytes: text.len() as u64,
                    sha256: manifest::hash_bytes(text.as_bytes()),
                });
            }
            let journal = Journal {
                files: entries,
                remove: vec!["gone.csv".into()],
            };
            fs::write(
                staging.join(JOURNAL),
                serde_json::to_string(&journal).unwrap(),
            )
            .unwrap();
            for (name, _) in &files[..moved] {
                replace(&new.join(name), &dir.join(name)).unwrap();
            }
            let said = std::cell::RefCell::new(Vec::new());
            let folder =
                OutputFolder::open(&dir, true, &|m| said.borrow_mut().push(m.to_owned())).unwrap();
            drop(folder);
            assert_eq!(
                names(&dir),
                ["a.csv", "b.csv", "c.csv", "manifest.json", "mine.txt"],
                "{moved} moved"
            );
            for (name, text) in files {
                assert_eq!(fs::read_to_string(dir.join(name)).unwrap(), text);
            }
            assert_eq!(
                fs::read_to_string(dir.join("mine.txt")).unwrap(),
                "the user's"
            );
            assert!(said.borrow()[0].contains("completed"), "{said:?}");
        }
    }

    #[test]
    fn unjournalled_leftovers_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join(STAGING).join(NEW).join("a.csv"), "half");
        write(&dir.join(".borderchange-partial-123-0/report.md"), "half");
        let said = std::cell::RefCell::new(Vec::new());
        let folder =
            OutputFolder::open(&dir, false, &|m| said.borrow_mut().push(m.to_owned())).unwrap();
        drop(folder);
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
        assert_eq!(said.borrow().len(), 2, "{said:?}");
    }

    /// The previous run's outputs that the new run does not write go; the
    /// user's files stay.
    #[test]
    fn outputs_no_longer_written_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = OutputFolder::open(&dir, false, &|_| {}).unwrap();
        let manifest = |outputs: &[&str]| {
            let entries: Vec<String> = outputs
                .iter()
                .map(|p| format!(r#"{{"path":"{p}","bytes":1,"sha256":"z"}}"#))
                .collect();
            format!(
                r#"{{"tool_version":"0","git_commit":"","gdal_version":"","proj_version":"","config_path":"","config_sha256":"","config_normalised":null,"inputs":[],"outputs":[{}]}}"#,
                entries.join(",")
            )
        };
        let files = staged(
            &first,
            &[
                ("states.shp", "s"),
                ("report.md", "r"),
                (MANIFEST, &manifest(&["report.md", "states.shp"])),
            ],
        );
        first.commit(&files).unwrap();
        write(&dir.join("notes.txt"), "mine");
        let second = OutputFolder::open(&dir, true, &|_| {}).unwrap();
        let files = staged(
            &second,
            &[
                ("states.geojson", "g"),
                ("report.md", "r2"),
                (MANIFEST, &manifest(&["report.md", "states.geojson"])),
            ],
        );
        second.commit(&files).unwrap();
        assert_eq!(
            names(&dir),
            ["manifest.json", "notes.txt", "report.md", "states.geojson"]
        );
    }

    #[test]
    fn staging_paths_in_messages_become_the_folder_given() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("given");
        let folder = OutputFolder::open(&dir, false, &|_| {}).unwrap();
        let message = format!(
            "sqlite3_open({}/borderchange.gpkg) failed",
            folder.write_dir().display()
        );
        let shown = user_facing(&message);
        assert_eq!(
            shown,
            format!("sqlite3_open({}/borderchange.gpkg) failed", dir.display())
        );
    }

    #[test]
    fn files_are_exchanged_by_renames_where_the_system_cannot() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        fs::write(&a, "new").unwrap();
        fs::write(&b, "old").unwrap();
        exchange_by_renames(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(fs::read_to_string(&b).unwrap(), "new");
        assert_eq!(names(tmp.path()), ["a", "b"]);
    }

    #[test]
    fn only_plain_relative_paths_are_removed() {
        assert!(is_plain_relative("maps/a.png"));
        assert!(!is_plain_relative("../a.png"));
        assert!(!is_plain_relative("/etc/passwd"));
        assert!(!is_plain_relative(""));
    }
}
