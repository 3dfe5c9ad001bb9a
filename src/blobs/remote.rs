//! Blob remotes: where blobs go so that other clones can get them. A directory (local disk or a
//! network file system) or an S3-compatible bucket, both with the local store's layout, so blobs
//! travel in their stored (compressed) form and are verified by whoever receives them.

use std::path::{Path, PathBuf};

use super::s3::S3Remote;
use super::{BlobStore, Error};

/// A configured blob remote (`git config exp.blobs` or `[blobs] remote` in `exp.toml`).
#[derive(Debug, Clone)]
pub enum BlobRemote {
    Dir { root: PathBuf, store: BlobStore },
    S3(Box<S3Remote>),
}

/// What a transfer did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Transferred {
    /// Blobs sent or received.
    pub moved: usize,
    /// Blobs the other side already had.
    pub skipped: usize,
}

impl BlobRemote {
    /// Parses a remote spec: `s3://bucket/prefix`, or a directory (relative to `base`).
    pub fn parse(spec: &str, base: &Path) -> Result<Self, Error> {
        if spec.starts_with("s3://") {
            return Ok(Self::S3(Box::new(S3Remote::new(spec)?)));
        }
        if let Some((scheme, _)) = spec.split_once("://")
            && scheme != "file"
        {
            return Err(Error::Remote {
                remote: crate::redact::url(spec).into_owned(),
                detail: format!("`{scheme}://` is not supported (use a directory or s3://bucket/prefix)"),
            });
        }
        let path = Path::new(spec.strip_prefix("file://").unwrap_or(spec));
        let root = base.join(path);
        Ok(Self::Dir { store: BlobStore::new(&root), root })
    }

    /// The remote as the user wrote it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Dir { root, .. } => root.display().to_string(),
            Self::S3(s3) => s3.describe(),
        }
    }

    /// A directory remote must exist: creating it would hide an unmounted network file system.
    fn check_dir(&self) -> Result<(), Error> {
        match self {
            Self::Dir { root, .. } if !root.is_dir() => Err(Error::Unreachable {
                remote: self.describe(),
                detail: "no such directory (create it, or mount the file system)".into(),
            }),
            _ => Ok(()),
        }
    }

    pub fn has(&self, sha256: &str) -> Result<bool, Error> {
        match self {
            Self::Dir { store, .. } => {
                self.check_dir()?;
                Ok(store.has(sha256))
            }
            Self::S3(s3) => s3.has(sha256),
        }
    }

    /// Sends blob `sha256` from `local` unless the remote has it; returns whether it was sent.
    pub fn upload(&self, local: &BlobStore, sha256: &str) -> Result<bool, Error> {
        if self.has(sha256)? {
            return Ok(false);
        }
        let file = local.open_stored(sha256)?;
        match self {
            // put_stored verifies before the rename, so a damaged local blob never spreads.
            Self::Dir { store, .. } => store.put_stored(sha256, file).map(drop)?,
            Self::S3(s3) => s3.put(sha256, file)?,
        }
        Ok(true)
    }

    /// Fetches blob `sha256` into `local` (verified before it is renamed into place).
    pub fn download(&self, local: &BlobStore, sha256: &str) -> Result<u64, Error> {
        match self {
            Self::Dir { store, .. } => {
                self.check_dir()?;
                let file = store.open_stored(sha256).map_err(|e| match e {
                    Error::Missing { .. } => Error::MissingOnRemote { sha256: sha256.into(), remote: self.describe() },
                    other => other,
                })?;
                local.put_stored(sha256, file)
            }
            Self::S3(s3) => local.put_stored(sha256, s3.get(sha256)?),
        }
    }
}
