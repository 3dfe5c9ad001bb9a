//! The content-addressed blob store: `blobs/sha256/<2 hex>/<62 hex>`, zstd-compressed, named by
//! the sha256 of the uncompressed content. Written as temp file, fsync, rename; reads verify.
//! A blob remote ([`remote`]) has the same layout, so blobs travel in their compressed form.

pub mod remote;
mod s3;

pub use remote::BlobRemote;

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};

use crate::process::{Process, hostname};

/// What can go wrong with blobs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("blob {sha256} is not in the blob store")]
    Missing { sha256: String },
    #[error("blob {sha256} is corrupt: its content hashes to {actual}")]
    Corrupt { sha256: String, actual: String },
    #[error("blob {sha256} is not on the blob remote {remote}")]
    MissingOnRemote { sha256: String, remote: String },
    #[error("cannot reach the blob remote {remote}: {detail}")]
    Unreachable { remote: String, detail: String },
    #[error("cannot use the blob remote {remote}: {detail}")]
    BadRemote { remote: String, detail: String },
    #[error("the blob remote {remote} answered {detail}")]
    Remote { remote: String, detail: String },
    #[error("blob {sha256} expands past {limit} bytes")]
    TooLarge { sha256: String, limit: u64 },
    #[error("`{0}` is not a sha256 blob name")]
    BadName(String),
    #[error("{what}: {source} (the partly written blob was removed)")]
    Full {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}

/// Like [`io_err`] for writes into the store, telling a full disk (or a file size limit) apart:
/// its message says the partial blob is gone, and callers can hint at freeing space.
fn write_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let what = what.into();
    move |source| match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge | io::ErrorKind::QuotaExceeded => {
            Error::Full { what, source }
        }
        _ => Error::Io { what, source },
    }
}

/// Marks the existing blob at `path` as just used (its mtime becomes now), as git freshens a
/// loose object it would have written: gc deletes only blobs older than its grace period, so a
/// blob that a run about to commit re-uses must look new. False if there is no such blob (gc
/// may just have deleted it), so that the caller writes it again.
fn freshen(path: &Path) -> bool {
    let now = std::time::UNIX_EPOCH + Duration::from_millis(crate::clock::now().as_millisecond().max(0) as u64);
    let Ok(file) = File::open(path) else {
        return false;
    };
    // If the time cannot be set (a read-only store, somebody else's file), the blob is still
    // there to use; only its protection from gc is the old one.
    let _ = file.set_modified(now);
    path.is_file()
}

/// zstd level: 3 is zstd's default, fast enough to keep artifact storage off the critical path.
const LEVEL: i32 = 3;

/// A blob store rooted at a directory (local or a shared file system).
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// A stored blob's name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The path of a blob, which need not exist.
    pub fn path(&self, sha256: &str) -> Result<PathBuf, Error> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::BadName(sha256.to_owned()));
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(&sha256[2..]))
    }

    /// Stores the file at `path`, streaming: hashes while compressing into a temp file, then
    /// renames it into place (or drops it when the blob is already there).
    pub fn put_file(&self, path: &Path) -> Result<Stored, Error> {
        let file = File::open(path).map_err(io_err(format!("cannot read `{}`", path.display())))?;
        self.put_reader(BufReader::new(file), &path.display().to_string())
    }

    /// Stores `data` (an image read from an imported event file, say).
    pub fn put_bytes(&self, data: &[u8]) -> Result<Stored, Error> {
        self.put_reader(data, "data")
    }

    fn put_reader(&self, reader: impl Read, what: &str) -> Result<Stored, Error> {
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(io_err(format!("cannot create `{}`", tmp_dir.display())))?;
        let tmp = tempfile_in(&tmp_dir)?;
        let path = tmp.path.clone();
        // A failed write (a full disk above all) must not leave its temp file behind to keep the
        // disk full.
        self.write_tmp(tmp, reader, what).inspect_err(|_| {
            let _ = std::fs::remove_file(&path);
        })
    }

    fn write_tmp(&self, tmp: TempFile, mut reader: impl Read, what: &str) -> Result<Stored, Error> {
        let mut encoder = zstd::Encoder::new(tmp.file, LEVEL).map_err(write_err("cannot start compression"))?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(io_err(format!("cannot read {what}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            encoder.write_all(&buf[..n]).map_err(write_err("cannot write blob"))?;
            size += n as u64;
        }
        let file = encoder.finish().map_err(write_err("cannot write blob"))?;
        let sha256 = hex::encode(hasher.finalize());
        let dest = self.path(&sha256)?;
        if freshen(&dest) {
            let _ = std::fs::remove_file(&tmp.path);
            return Ok(Stored { sha256, size });
        }
        file.sync_all().map_err(write_err("cannot sync blob"))?;
        drop(file);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(format!("cannot create `{}`", parent.display())))?;
        }
        std::fs::rename(&tmp.path, &dest).map_err(io_err(format!("cannot store blob {sha256}")))?;
        Ok(Stored { sha256, size })
    }

    /// Returns true if the store has blob `sha256`.
    pub fn has(&self, sha256: &str) -> bool {
        self.path(sha256).is_ok_and(|p| p.is_file())
    }

    /// Opens blob `sha256` in its stored (compressed) form, for sending it elsewhere.
    pub fn open_stored(&self, sha256: &str) -> Result<File, Error> {
        let path = self.path(sha256)?;
        File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::Missing { sha256: sha256.into() },
            _ => io_err(format!("cannot read blob {sha256}"))(e),
        })
    }

    /// Stores a blob received in its stored (compressed) form: written to a temp file, verified
    /// by decompressing and hashing it, and only then renamed into place. Returns the
    /// uncompressed size.
    pub fn put_stored(&self, sha256: &str, reader: impl Read) -> Result<u64, Error> {
        self.put_stored_within(sha256, reader, u64::MAX)
    }

    /// Stores a blob received in its stored form, as [`put_stored`](Self::put_stored) does, but
    /// stops decompressing it with [`Error::TooLarge`] past `limit` bytes: a few bytes of
    /// hostile zstd can expand to gigabytes, and hashing them all would cost seconds of CPU.
    pub fn put_stored_within(&self, sha256: &str, mut reader: impl Read, limit: u64) -> Result<u64, Error> {
        let dest = self.path(sha256)?;
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(io_err(format!("cannot create `{}`", tmp_dir.display())))?;
        let mut tmp = tempfile_in(&tmp_dir)?;
        let result = io::copy(&mut reader, &mut tmp.file)
            .map_err(io_err(format!("cannot receive blob {sha256}")))
            .and_then(|_| tmp.file.sync_all().map_err(io_err("cannot sync blob")))
            .and_then(|()| verify_stored(&tmp.path, sha256, limit));
        let size = match result {
            Ok(size) => size,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp.path);
                return Err(e);
            }
        };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(format!("cannot create `{}`", parent.display())))?;
        }
        std::fs::rename(&tmp.path, &dest).map_err(io_err(format!("cannot store blob {sha256}")))?;
        Ok(size)
    }

    /// Copies blob `sha256`, decompressed, to `out`, verifying its hash. On a mismatch the bytes
    /// already written are the caller's to discard (write to a temp file and rename).
    pub fn read_to(&self, sha256: &str, out: &mut dyn Write) -> Result<u64, Error> {
        let path = self.path(sha256)?;
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::Missing { sha256: sha256.into() });
            }
            Err(e) => return Err(io_err(format!("cannot read blob {sha256}"))(e)),
        };
        decode_verified(file, sha256, out, u64::MAX)
    }

    /// Returns blob `sha256`, verified.
    #[cfg(test)]
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.read_to(sha256, &mut out)?;
        Ok(out)
    }

    /// Writes blob `sha256` to `dest` (verified; written beside it, then renamed into place).
    pub fn extract(&self, sha256: &str, dest: &Path) -> Result<u64, Error> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io_err(format!("cannot create `{}`", dir.display())))?;
        let mut tmp = tempfile_in(dir)?;
        match self.read_to(sha256, &mut tmp.file) {
            Ok(size) => {
                std::fs::rename(&tmp.path, dest).map_err(io_err(format!("cannot write `{}`", dest.display())))?;
                Ok(size)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp.path);
                Err(e)
            }
        }
    }

    /// Lists every blob name in the store with its modification time.
    pub fn list(&self) -> Result<Vec<(String, std::time::SystemTime)>, Error> {
        let mut out = Vec::new();
        let dir = self.root.join("sha256");
        let Ok(prefixes) = std::fs::read_dir(&dir) else {
            return Ok(out);
        };
        for prefix in prefixes.flatten() {
            let p = prefix.file_name().to_string_lossy().into_owned();
            let Ok(files) = std::fs::read_dir(prefix.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = format!("{p}{}", file.file_name().to_string_lossy());
                let mtime = file.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                if self.path(&name).is_ok() {
                    out.push((name, mtime));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes blob `sha256`.
    pub fn remove(&self, sha256: &str) -> Result<(), Error> {
        let path = self.path(sha256)?;
        std::fs::remove_file(&path).map_err(io_err(format!("cannot delete blob {sha256}")))
    }
}

/// Checks that the compressed file at `path` holds at most `limit` bytes of content whose
/// sha256 is `sha256`.
fn verify_stored(path: &Path, sha256: &str, limit: u64) -> Result<u64, Error> {
    let file = File::open(path).map_err(io_err(format!("cannot read `{}`", path.display())))?;
    decode_verified(file, sha256, &mut io::sink(), limit)
}

/// Decompresses `file` into `out`, failing with [`Error::Corrupt`] unless the content hashes to
/// `sha256`, or with [`Error::TooLarge`] as soon as it exceeds `limit` bytes.
fn decode_verified(file: File, sha256: &str, out: &mut dyn Write, limit: u64) -> Result<u64, Error> {
    let mut decoder = zstd::Decoder::new(file).map_err(io_err(format!("cannot read blob {sha256}")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        // A damaged frame is corruption, not an I/O failure of ours.
        let Ok(n) = decoder.read(&mut buf) else {
            return Err(Error::Corrupt { sha256: sha256.into(), actual: "(undecodable zstd data)".into() });
        };
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Err(Error::TooLarge { sha256: sha256.into(), limit });
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err("cannot write blob content"))?;
    }
    let actual = hex::encode(hasher.finalize());
    if actual != sha256 {
        return Err(Error::Corrupt { sha256: sha256.into(), actual });
    }
    Ok(size)
}

struct TempFile {
    file: File,
    path: PathBuf,
}

/// Temp files are named `.tmp-<host>-<pid>-<start>-<random>`: gc can tell one whose writer died
/// (on this host) from one still being written, and clean it up at once (see [`TmpName`]).
fn tempfile_in(dir: &Path) -> Result<TempFile, Error> {
    let mut ids = crate::ids::IdSource::new();
    let me = Process::current();
    let host = tmp_host();
    let start = me.start.map_or_else(|| "x".to_owned(), |s| s.to_string());
    for _ in 0..16 {
        let path = dir.join(format!("{TMP_PREFIX}{host}-{}-{start}-{}", me.pid, ids.run_id()));
        match File::options().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok(TempFile { file, path }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(write_err(format!("cannot create a file in `{}`", dir.display()))(e));
            }
        }
    }
    Err(Error::Io {
        what: format!("cannot create a file in `{}`", dir.display()),
        source: io::ErrorKind::AlreadyExists.into(),
    })
}

const TMP_PREFIX: &str = ".tmp-";

/// This host's name as it goes into a temp file name (nothing that could leave the directory).
fn tmp_host() -> String {
    hostname().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// The writer of a temp file, read from its name.
#[derive(Debug, PartialEq, Eq)]
struct TmpName {
    host: String,
    writer: Process,
}

impl TmpName {
    /// Parses `<host>-<pid>-<start>-<random>` (after [`TMP_PREFIX`]) from the right, as host
    /// names may hold `-`. `None` for other names (older git-exp wrote `<pid>-<random>`).
    fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix(TMP_PREFIX)?;
        let mut parts = rest.rsplitn(4, '-');
        let (_random, start, pid, host) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let pid = pid.parse().ok()?;
        Some(Self { host: host.to_owned(), writer: Process { pid, start: start.parse().ok() } })
    }
}

/// A temp file in the store's `tmp/` whose writer is gone.
#[derive(Debug)]
pub struct StaleTmp {
    pub path: PathBuf,
    pub size: u64,
}

impl BlobStore {
    /// Returns the temp files in `tmp/` that no writer will finish: last written before `cutoff`,
    /// or named after a process of this host that is no longer running (a write that died of a
    /// full disk or a kill). A temp file of another host is judged by its age alone.
    pub fn stale_tmp_files(&self, cutoff: SystemTime) -> Vec<StaleTmp> {
        let Ok(entries) = std::fs::read_dir(self.root.join("tmp")) else {
            return Vec::new();
        };
        let host = tmp_host();
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if !name.starts_with(TMP_PREFIX) || !meta.is_file() {
                continue;
            }
            let old = meta.modified().is_ok_and(|m| m < cutoff);
            let dead = TmpName::parse(&name).is_some_and(|t| t.host == host && !t.writer.is_running());
            if old || dead {
                out.push(StaleTmp { path: entry.path(), size: meta.len() });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_verifies_on_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::new(dir.path());
        let a = store.put_bytes(b"hello").expect("put");
        let b = store.put_bytes(b"hello").expect("put again");
        assert_eq!(a, b);
        assert_eq!(a.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(store.read(&a.sha256).expect("read"), b"hello");
        assert_eq!(store.list().expect("list").len(), 1);

        // Replace the blob with the compressed form of other content: the read must notice.
        let other = zstd::encode_all(&b"evil"[..], 3).expect("compress");
        std::fs::write(store.path(&a.sha256).expect("path"), other).expect("overwrite");
        let err = store.read(&a.sha256).expect_err("corrupt");
        assert!(matches!(err, Error::Corrupt { .. }), "{err}");

        std::fs::write(store.path(&a.sha256).expect("path"), b"not zstd").expect("overwrite");
        assert!(matches!(store.read(&a.sha256), Err(Error::Corrupt { .. })));
        assert!(matches!(store.read(&"0".repeat(64)), Err(Error::Missing { .. })));
        assert!(matches!(store.read("../x"), Err(Error::BadName(_))));
    }

    #[test]
    fn temp_file_names_say_who_writes_them() {
        let parsed = TmpName::parse(".tmp-gpu-node-7-4242-123456-k3m9x2qa").expect("parses");
        assert_eq!(parsed, TmpName { host: "gpu-node-7".into(), writer: Process { pid: 4242, start: Some(123456) } });
        let unknown_start = TmpName::parse(".tmp-h-1-x-abc").expect("parses");
        assert_eq!(unknown_start.writer, Process { pid: 1, start: None });
        // Older names carry no host: such files go by their age.
        assert_eq!(TmpName::parse(".tmp-4242-k3m9x2qa"), None);
        assert_eq!(TmpName::parse("blob"), None);
    }

    #[test]
    fn stale_temp_files_are_those_of_dead_writers_or_old() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::new(dir.path());
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("tmp dir");
        let live = tempfile_in(&tmp).expect("temp file").path;
        let me = Process::current();
        let dead = tmp.join(format!(".tmp-{}-{}-{}-abc", tmp_host(), me.pid, me.start.unwrap_or(0) + 1));
        let foreign = tmp.join(".tmp-elsewhere-1-1-abc");
        std::fs::write(&dead, b"x").expect("write");
        std::fs::write(&foreign, b"x").expect("write");
        let stale = |cutoff| store.stale_tmp_files(cutoff).into_iter().map(|s| s.path).collect::<Vec<_>>();
        let past = SystemTime::UNIX_EPOCH;
        if me.start.is_some() {
            assert_eq!(stale(past), std::slice::from_ref(&dead));
        }
        let future = SystemTime::UNIX_EPOCH + Duration::from_secs(u32::MAX.into());
        let mut all = vec![live, dead, foreign];
        all.sort();
        assert_eq!(stale(future), all);
    }
}
