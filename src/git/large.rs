//! Blobs too large to hold in memory, from [`STREAM_BLOB_BYTES`] on: written into the object
//! database as they are read, and read back through `git cat-file`.
//!
//! gix 0.90 holds a whole object in one buffer to read it (`find_blob`) and to write it
//! (`write_blob`, and `write_blob_stream`, which copies its reader into a buffer first): a
//! modified 500 MB file in a snapshot took 530 MiB (issue 18). Its object store's
//! `write_stream` does stream (header, then zlib and the hash as the bytes pass), so a large
//! file goes through that with a fixed-size read buffer; a small one keeps the buffered path,
//! which skips writing an object that is already there.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use super::objects::{VANISHED_DIR_RETRIES, is_vanished_dir};
use super::{Error, Oid, Repo, Result};

/// Blobs from this size on are streamed, both ways.
pub(super) const STREAM_BLOB_BYTES: u64 = 8 << 20;

/// The read buffer of a streamed write: large enough for few syscalls, small beside the file.
const READ_BUFFER: usize = 256 << 10;

/// How much of a large file is compressed to tell whether compressing it is worth it.
const SAMPLE_BYTES: usize = 1 << 20;

/// zlib level 0: the bytes in "stored" blocks, as valid to git as any other level.
const STORED: gix::zlib::Compression = gix::zlib::Compression::NONE;

/// Whether the start of `file` does not shrink by a tenth under zlib's fastest level: random
/// bytes, model weights, archives and media. Such a file is written with zlib level 0, a copy:
/// level 1 took two thirds of the time of a snapshot of a modified 500 MB file of random bytes
/// (about 70 MB/s) to save nothing. A compressible file keeps git's loose-object level
/// (`core.looseCompression`). Either way `git gc` compresses the object again when it packs it.
fn incompressible(file: &mut File) -> io::Result<bool> {
    file.seek(SeekFrom::Start(0))?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    file.take(SAMPLE_BYTES as u64).read_to_end(&mut sample)?;
    let level = gix::zlib::Compression::BEST_SPEED;
    let mut deflated = gix::zlib::stream::deflate::Write::new(Vec::with_capacity(SAMPLE_BYTES), level);
    deflated.write_all(&sample)?;
    deflated.flush()?;
    Ok(deflated.into_inner().len() * 10 >= sample.len() * 9)
}

impl Repo {
    /// Opens blob `id` for reading front to back. A large blob is streamed from `git cat-file`,
    /// since gix decodes an object into one buffer: a million-point series (~40 MB) read whole
    /// would take that much memory, streamed it takes a pipe's buffer.
    pub fn open_blob(&self, id: Oid) -> Result<Box<dyn BufRead>> {
        // A header that cannot be read (a promisor object not here yet) goes the whole way,
        // which fetches it.
        let size = self.repo.find_header(id).map_or(0, |header| header.size());
        if size < STREAM_BLOB_BYTES {
            return Ok(Box::new(io::Cursor::new(self.read_blob(id)?)));
        }
        if let Some(loose) = self.open_loose(id)? {
            return Ok(Box::new(io::BufReader::with_capacity(1 << 16, loose)));
        }
        let mut child = Command::new("git")
            // The repository is open already (gix checked its ownership); cat-file only reads.
            .args(["-c", "safe.directory=*"])
            // git reads a packed blob under core.bigFileThreshold (512 MiB) whole, and maps pack
            // files in windows of up to 1 GiB whose pages count as its memory: stream from 8 MiB
            // on, through small windows unmapped past a small total. Measured on a packed 100 MB
            // blob: 200 MiB by default, 20 MiB so. A deltified blob is still rebuilt in memory.
            .args(["-c", "core.bigFileThreshold=8m", "-c", "core.packedGitWindowSize=4m"])
            .args(["-c", "core.packedGitLimit=16m", "--git-dir"])
            .arg(self.repo.git_dir())
            .args(["cat-file", "blob", &id.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io("cannot run git cat-file", e))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::io("cannot run git cat-file", io::ErrorKind::BrokenPipe.into()))?;
        Ok(Box::new(io::BufReader::with_capacity(1 << 16, CatFile { child, stdout, id })))
    }

    /// Returns the size of object `id` from its header (nothing else of it is read), or `None`
    /// when it is not in this repository: a promisor object is not fetched for this.
    pub fn blob_size(&self, id: Oid) -> Option<u64> {
        self.repo.find_header(id).ok().map(|header| header.size())
    }

    /// Writes the content of `file` (the working-tree file `path`, for messages) as a blob,
    /// reading it once from its start in fixed-size pieces. The size is taken when the write
    /// starts: a file that shrinks meanwhile fails the write (nothing is stored), one that grows
    /// is stored up to that size, as `git add` stores what it read.
    pub(super) fn write_blob_from_file(&self, file: &mut File, path: &str) -> Result<Oid> {
        use gix::objs::Write as _;
        let read_err = |e| Error::io(format!("cannot read `{path}`"), e);
        let size = file.metadata().map_err(read_err)?.len();
        let stored = incompressible(file).map_err(read_err)?.then(|| {
            let options = gix::odb::loose::Options { alloc_limit_bytes: None, compression: STORED };
            gix::odb::loose::Store::at_opts(self.repo.objects.store_ref().path(), self.repo.object_hash(), options)
        });
        let mut attempts = 0;
        loop {
            file.seek(SeekFrom::Start(0)).map_err(read_err)?;
            let mut exact = Exact { inner: io::BufReader::with_capacity(READ_BUFFER, &mut *file), left: size };
            let written = match &stored {
                Some(store) => store.write_stream(gix::objs::Kind::Blob, size, &mut exact),
                None => self.repo.objects.write_stream(gix::objs::Kind::Blob, size, &mut exact),
            };
            // As `write_blob`: the fan-out directory can vanish under a concurrent `git gc`.
            match written {
                Err(e) if attempts < VANISHED_DIR_RETRIES && is_vanished_dir(&e) => attempts += 1,
                written => return written.map_err(|e| Error::git(format!("cannot store `{path}`"), &e)),
            }
        }
    }

    /// Writes what `reader` yields (a clean filter's output, whose size is not known before
    /// its end) as a blob: spooled to a temp file in the object directory first, since a loose
    /// object's header states its size. The temp file is removed afterwards, whatever happens.
    pub(super) fn write_blob_spooled(&self, reader: &mut dyn Read, path: &str) -> Result<Oid> {
        let mut spool = Spool::create(self.repo.common_dir().join("objects"))?;
        let write_err = |e| Error::io(format!("cannot spool the filtered `{path}`"), e);
        {
            let mut out = io::BufWriter::with_capacity(READ_BUFFER, &mut spool.file);
            io::copy(reader, &mut out).map_err(write_err)?;
            out.flush().map_err(write_err)?;
        }
        self.write_blob_from_file(&mut spool.file, path)
    }
}

impl Repo {
    /// Opens blob `id` if it is a loose object of this repository, inflating it as it is read.
    /// `git cat-file` maps a whole loose object into memory to stream it, and its pages count
    /// as its memory: an incompressible 500 MB file took 500 MiB. `None` when it is packed (or
    /// in an alternate object directory), for `git cat-file`.
    fn open_loose(&self, id: Oid) -> Result<Option<LooseBlob>> {
        let hex = id.to_string();
        let path = self.repo.objects.store_ref().path().join(&hex[..2]).join(&hex[2..]);
        let Ok(file) = File::open(&path) else {
            return Ok(None);
        };
        let corrupt = |detail: &str| Error::Git { what: format!("cannot read blob {id}"), detail: detail.to_owned() };
        let mut file = io::BufReader::with_capacity(READ_BUFFER, file);
        let mut state = gix::zlib::Decompress::new();
        // `blob <size>\0` and the first bytes of the content.
        let mut head = [0u8; 64];
        let read = gix::zlib::stream::inflate::read(&mut file, &mut state, &mut head)
            .map_err(|e| Error::io(format!("cannot read blob {id}"), e))?;
        let (kind, size, header) = gix::objs::decode::loose_header(&head[..read])
            .map_err(|_| corrupt("the loose object has no valid header"))?;
        if kind != gix::objs::Kind::Blob {
            return Err(corrupt(&format!("it is a {kind}, not a blob")));
        }
        let pending = head[header..read].to_vec();
        Ok(Some(LooseBlob { file, state, pending, left: size, id }))
    }
}

/// The content of a loose blob, inflated piece by piece; exactly the size its header states.
struct LooseBlob {
    file: io::BufReader<File>,
    state: gix::zlib::Decompress,
    /// Content inflated with the header, not handed out yet.
    pending: Vec<u8>,
    /// Content bytes still to come.
    left: u64,
    id: Oid,
}

impl Read for LooseBlob {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let max = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        if max == 0 {
            return Ok(0);
        }
        let read = if self.pending.is_empty() {
            gix::zlib::stream::inflate::read(&mut self.file, &mut self.state, &mut buf[..max])?
        } else {
            let read = self.pending.len().min(max);
            buf[..read].copy_from_slice(&self.pending[..read]);
            self.pending.drain(..read);
            read
        };
        if read == 0 {
            let id = self.id;
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("blob {id} is truncated")));
        }
        self.left -= read as u64;
        Ok(read)
    }
}

/// Yields exactly `left` bytes of `inner`: an early end is an error, so that a loose object never
/// holds fewer bytes than its header promised, and bytes past `left` are not read.
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let read = self.inner.read(&mut buf[..max])?;
        if read == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file got shorter while it was stored"));
        }
        self.left -= read as u64;
        Ok(read)
    }
}

/// A temp file `objects/tmp_git_exp_<pid>_<random id>`, removed when dropped. git's `prune` removes
/// `tmp_` files in the object directory that a killed process left behind.
struct Spool {
    file: File,
    path: PathBuf,
}

impl Spool {
    fn create(dir: PathBuf) -> Result<Self> {
        let mut last = io::ErrorKind::AlreadyExists.into();
        let mut ids = crate::ids::IdSource::new();
        for _ in 0..16 {
            let path = dir.join(format!("tmp_git_exp_{}_{}", std::process::id(), ids.run_id()));
            match File::options().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(Self { file, path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
                Err(e) => return Err(Error::io(format!("cannot create a file in `{}`", dir.display()), e)),
            }
        }
        Err(Error::io(format!("cannot create a file in `{}`", dir.display()), last))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The output of `git cat-file blob`: at its end, git's exit status is checked, so a blob that
/// git could not read is an error, not a short read.
struct CatFile {
    child: Child,
    stdout: ChildStdout,
    id: Oid,
}

impl io::Read for CatFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.stdout.read(buf)?;
        if read == 0 && !buf.is_empty() {
            let mut stderr = String::new();
            if let Some(mut pipe) = self.child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            let status = self.child.wait()?;
            if !status.success() {
                return Err(io::Error::other(format!("git cat-file blob {}: {}", self.id, stderr.trim())));
            }
        }
        Ok(read)
    }
}

impl Drop for CatFile {
    /// A reader dropped early (a closed pipe downstream) stops git at once.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_reads_the_size_and_refuses_a_short_file() {
        let mut out = Vec::new();
        Exact { inner: &b"abcdef"[..], left: 4 }.read_to_end(&mut out).expect("reads");
        assert_eq!(out, b"abcd");
        let err = Exact { inner: &b"ab"[..], left: 4 }.read_to_end(&mut Vec::new()).expect_err("short");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        out.clear();
        Exact { inner: &b""[..], left: 0 }.read_to_end(&mut out).expect("empty");
        assert!(out.is_empty());
    }

    #[test]
    fn a_large_loose_blob_reads_back_streamed_and_a_truncated_one_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("git").args(["init", "-q"]).current_dir(dir.path()).status();
        assert!(status.expect("git runs").success());
        let repo = Repo::discover(dir.path()).expect("repo opens");
        let path = dir.path().join("big.bin");
        let data: Vec<u8> = (0..STREAM_BLOB_BYTES + 1000).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let id = repo.write_blob_from_file(&mut File::open(&path).expect("open"), "big.bin").expect("stored");
        assert_eq!(id.to_string(), hash_object(dir.path(), &path), "the id git computes");
        let mut back = Vec::new();
        repo.open_blob(id).expect("opens").read_to_end(&mut back).expect("reads");
        assert!(back == data, "read back as written");

        // A loose object cut short is an error at its end, not a short read.
        let hex = id.to_string();
        let loose = dir.path().join(".git/objects").join(&hex[..2]).join(&hex[2..]);
        let bytes = std::fs::read(&loose).expect("loose object");
        std::fs::remove_file(&loose).expect("remove");
        std::fs::write(&loose, &bytes[..bytes.len() / 2]).expect("truncate");
        let read =
            repo.open_blob(id).and_then(|mut r| r.read_to_end(&mut Vec::new()).map_err(|e| Error::io("read", e)));
        assert!(read.is_err(), "a truncated blob must not read as complete");
    }

    fn hash_object(dir: &std::path::Path, path: &std::path::Path) -> String {
        let out = Command::new("git").args(["hash-object", "--no-filters"]).arg(path).current_dir(dir).output();
        String::from_utf8_lossy(&out.expect("git runs").stdout).trim().to_owned()
    }
}
