//! The server's [`Storage`]: dumps are files in `dir`, background saves are forked children,
//! as in Redis's `rdb.c`.
//!
//! A save writes `temp-<pid>.rdb` in `dir`, fsyncs it, renames it over `dir/dbfilename` and
//! fsyncs the directory. BGSAVE forks: the runtime is tokio's current-thread one and the
//! driver starts no other thread, so the process is single-threaded when it forks and the
//! child can safely run plain Rust code. The child never touches tokio: it encodes the
//! keyspace it inherited, writes the file and leaves with `_exit(0)` (or 1 on error).
//! The cron reaps it with `waitpid(WNOHANG)`.

use std::ffi::CStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use replscope_core::persist::{BgsaveExit, RdbTarget, Storage, SIGUSR1};

/// Dumps as files, background saves as forked children.
#[derive(Debug, Default)]
pub struct FileStorage {
    /// The saving child and the directory it writes its temp file in.
    child: Option<(libc::pid_t, PathBuf)>,
    /// The running child is a transfer to replicas: it writes its payload to
    /// `temp-repl-<pid>.rdb`, read back once it exited.
    to_replicas: bool,
    /// The payload of the last transfer to replicas that ended well.
    payload: Option<Vec<u8>>,
}

impl FileStorage {
    /// A storage with no child running.
    pub fn new() -> Self {
        Self::default()
    }
}

/// `strerror(errno)` of an I/O error, as Redis prints it.
fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a NUL-terminated static or thread-local
            // string; we copy it at once.
            let p = unsafe { libc::strerror(code) };
            if p.is_null() {
                e.to_string()
            } else {
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        }
        None => e.to_string(),
    }
}

fn dir_of(target: &RdbTarget) -> PathBuf {
    if target.dir.is_empty() {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
    } else {
        PathBuf::from(&target.dir)
    }
}

fn temp_name(pid: u32) -> String {
    format!("temp-{pid}.rdb")
}

/// Where a transfer child leaves its payload for the parent.
fn repl_temp_name(pid: u32) -> String {
    format!("temp-repl-{pid}.rdb")
}

/// Fork a child that runs `job` and then `finish(data, its pid)`, leaving with its exit
/// code. Returns the child's pid in the parent.
fn fork_child(
    job: &dyn Fn() -> Vec<u8>,
    finish: &dyn Fn(&[u8], u32) -> i32,
) -> Result<libc::pid_t, String> {
    // SAFETY: the process is single-threaded here (current-thread runtime, no blocking
    // pool in use), so the child inherits consistent memory and locks. The child only
    // runs plain Rust code and leaves with _exit, never returning into tokio.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        return Err(strerror(&std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // The parent's signal handlers (tokio's) must not run here: a SIGTERM or SIGINT
        // ends the child, as the default action does.
        // SAFETY: resetting dispositions to their defaults.
        unsafe {
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            libc::signal(libc::SIGINT, libc::SIG_DFL);
        }
        // A panic must never unwind back into the parent's event loop.
        let Ok(data) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) else {
            // SAFETY: leave the child at once.
            unsafe { libc::_exit(1) }
        };
        // SAFETY: getpid has no preconditions.
        let me = unsafe { libc::getpid() } as u32;
        let code = finish(&data, me);
        // SAFETY: leave the child without running destructors or atexit handlers.
        unsafe { libc::_exit(code) }
    }
    Ok(pid)
}

/// Redis's `rdbSave` file handling: temp file, fsync, rename, fsync of the directory.
/// `Err` is the line Redis logs.
fn write_atomically(target: &RdbTarget, data: &[u8], pid: u32) -> Result<(), String> {
    let dir = dir_of(target);
    let tmp_name = temp_name(pid);
    let tmp = dir.join(&tmp_name);
    let mut f = match std::fs::File::create(&tmp) {
        Ok(f) => f,
        Err(e) => {
            return Err(format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                tmp_name,
                dir.display(),
                strerror(&e)
            ))
        }
    };
    let werr = |op: &str, e: &std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        format!("Write error saving DB on disk({op}): {}", strerror(e))
    };
    if let Err(e) = f.write_all(data) {
        return Err(werr("rdbSaveRio", &e));
    }
    if let Err(e) = f.sync_all() {
        return Err(werr("fsync", &e));
    }
    drop(f);
    let dest = dir.join(&target.dbfilename);
    if let Err(e) = std::fs::rename(&tmp, &dest) {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
            tmp_name,
            target.dbfilename,
            dir.display(),
            strerror(&e)
        ));
    }
    if let Err(e) = fsync_dir(&dir) {
        return Err(format!(
            "Write error saving DB on disk(fsyncFileDir): {}",
            strerror(&e)
        ));
    }
    Ok(())
}

fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

impl Storage for FileStorage {
    fn save(&mut self, target: &RdbTarget, rdb: &[u8]) -> Result<(), String> {
        write_atomically(target, rdb, std::process::id())
    }

    fn start_bgsave(
        &mut self,
        target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String> {
        let finish = |data: &[u8], me: u32| match write_atomically(target, data, me) {
            Ok(()) => 0,
            Err(_) => 1,
        };
        let pid = fork_child(job, &finish)?;
        self.to_replicas = false;
        self.child = Some((pid, dir_of(target)));
        Ok(pid as u32)
    }

    fn poll_bgsave(&mut self) -> Option<BgsaveExit> {
        let (pid, dir) = self.child.clone()?;
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == 0 {
            return None;
        }
        self.child = None;
        if r == -1 {
            return Some(BgsaveExit::Error);
        }
        if std::mem::take(&mut self.to_replicas) {
            let file = dir.join(repl_temp_name(pid as u32));
            let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            let data = if exited_ok {
                std::fs::read(&file).ok()
            } else {
                None
            };
            let _ = std::fs::remove_file(&file);
            let ok = data.is_some();
            self.payload = data;
            return Some(if ok {
                BgsaveExit::Ok
            } else if libc::WIFSIGNALED(status) {
                BgsaveExit::Signal(libc::WTERMSIG(status))
            } else {
                BgsaveExit::Error
            });
        }
        if libc::WIFEXITED(status) {
            if libc::WEXITSTATUS(status) == 0 {
                Some(BgsaveExit::Ok)
            } else {
                Some(BgsaveExit::Error)
            }
        } else if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            if sig == SIGUSR1 {
                // rdbRemoveTempFile: the killed child left its temp file behind.
                let _ = std::fs::remove_file(dir.join(temp_name(pid as u32)));
            }
            Some(BgsaveExit::Signal(sig))
        } else {
            Some(BgsaveExit::Error)
        }
    }

    fn kill_bgsave(&mut self) {
        if let Some((pid, dir)) = &self.child {
            // SAFETY: signalling our own child.
            unsafe {
                libc::kill(*pid, SIGUSR1);
            }
            // rdbRemoveTempFile (the process may exit before the child is reaped).
            let _ = std::fs::remove_file(dir.join(temp_name(*pid as u32)));
            let _ = std::fs::remove_file(dir.join(repl_temp_name(*pid as u32)));
        }
    }

    fn start_bgsave_to_replicas(
        &mut self,
        target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String> {
        let dir = dir_of(target);
        let finish = |data: &[u8], me: u32| {
            // No fsync: the parent reads the file back at once and removes it.
            match std::fs::write(dir.join(repl_temp_name(me)), data) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        };
        let pid = fork_child(job, &finish)?;
        self.child = Some((pid, dir.clone()));
        self.to_replicas = true;
        self.payload = None;
        Ok(pid as u32)
    }

    fn take_replica_payload(&mut self) -> Option<Vec<u8>> {
        self.payload.take()
    }

    fn load(&mut self, target: &RdbTarget) -> Result<Option<Vec<u8>>, String> {
        let path = dir_of(target).join(&target.dbfilename);
        match std::fs::read(&path) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "Fatal error loading the DB: {}. Exiting.",
                strerror(&e)
            )),
        }
    }
}

/// Threads of this process (`/proc/self/task`), to check that forking is safe.
pub fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}
