//! Bundles: one `.tar.zst` holding `manifest.json`, `runs.bundle` (a git bundle of the run refs)
//! and `blobs/sha256/<2>/<62>` (blobs in their stored form), for machines without a shared remote.
//!
//! Import treats the file as hostile: every entry must be a regular file at a known path, its
//! declared size is checked before it is read and its bytes are counted while it is read (the
//! `tar` crate returns a truncated entry short without an error), every blob is hashed and the git
//! bundle verified — all in a staging directory, so that nothing is written unless all is well.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use serde::{Deserialize, Serialize};

use super::FetchReport;
use super::budget::{ALLOWANCE, CountIn, CountOut, Exceeded, Limits, Meter};
use crate::blobs::BlobStore;
use crate::store::{RUNS_PREFIX, Run, Store};
use crate::ui::Ui;

const MANIFEST: &str = "manifest.json";
const RUNS_BUNDLE: &str = "runs.bundle";
/// Staging namespace of the last imported bundle's runs.
pub const IMPORT_PREFIX: &str = "refs/git-exp/remotes/bundle/runs/";
const SCHEMA: u32 = 1;
/// No manifest is anywhere near this; a bigger one is an attack on memory.
const MAX_MANIFEST: u64 = 16 << 20;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    schema: u32,
    runs: Vec<ManifestRun>,
    blobs: Vec<ManifestBlob>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestRun {
    id: String,
    name: String,
    commit: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestBlob {
    sha256: String,
    size: u64,
}

/// Removes a directory when dropped: staging never outlives the command, failed or not.
struct Staging(PathBuf);

impl Staging {
    fn new(store: &Store, what: &str) -> anyhow::Result<Self> {
        let mut ids = crate::ids::IdSource::new();
        let dir = store.dir().join("tmp").join(format!("{what}-{}-{}", std::process::id(), ids.run_id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What an export wrote.
pub struct Exported {
    pub runs: usize,
    pub blobs: usize,
    /// Blobs the runs refer to that this clone does not have.
    pub absent: usize,
}

/// Writes `runs` and their blobs to `dest` (through a temp file renamed into place).
pub fn export(ui: &mut Ui, store: &Store, runs: &[Run], dest: &Path) -> anyhow::Result<Exported> {
    let local = BlobStore::new(store.blob_dir());
    let staging = Staging::new(store, "export")?;
    let refs: Vec<String> = runs.iter().map(Run::ref_name).collect();
    let git_bundle = staging.0.join(RUNS_BUNDLE);
    store.bundle_create(&git_bundle, &refs)?;

    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for run in runs {
        for a in store.artifacts(run)?.artifacts {
            sizes.insert(a.sha256, a.size);
        }
        if let Some(output) = &run.record.output
            && let Some(blob) = &output.blob
        {
            sizes.insert(blob.clone(), output.bytes);
        }
    }
    let absent = sizes.keys().filter(|sha| !local.has(sha)).count();
    sizes.retain(|sha, _| local.has(sha));
    let manifest = Manifest {
        schema: SCHEMA,
        runs: runs
            .iter()
            .map(|r| ManifestRun { id: r.id().to_string(), name: r.record.name.clone(), commit: r.commit.to_string() })
            .collect(),
        blobs: sizes.iter().map(|(sha256, size)| ManifestBlob { sha256: sha256.clone(), size: *size }).collect(),
    };

    let tmp = staging.0.join("bundle.tar.zst");
    let file = File::create(&tmp).with_context(|| format!("cannot create `{}`", tmp.display()))?;
    let mut tar = tar::Builder::new(zstd::Encoder::new(file, 3)?);
    let json = serde_json::to_vec_pretty(&manifest)?;
    append(&mut tar, MANIFEST, json.len() as u64, &json[..])?;
    append_file(&mut tar, RUNS_BUNDLE, &git_bundle)?;
    let bar = ui.progress(sizes.len() as u64, "exporting blobs");
    for sha in sizes.keys() {
        let path = local.path(sha)?;
        append_file(&mut tar, &format!("blobs/sha256/{}/{}", &sha[..2], &sha[2..]), &path)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let file = tar.into_inner()?.finish()?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dest)
        .or_else(|_| std::fs::copy(&tmp, dest).map(drop))
        .with_context(|| format!("cannot write `{}`", dest.display()))?;
    Ok(Exported { runs: runs.len(), blobs: sizes.len(), absent })
}

fn append<W: Write>(tar: &mut tar::Builder<W>, path: &str, size: u64, data: impl Read) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data)
}

fn append_file<W: Write>(tar: &mut tar::Builder<W>, name: &str, path: &Path) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let size = file.metadata()?.len();
    append(tar, name, size, file).with_context(|| format!("cannot write `{name}` into the bundle"))
}

/// What a bundle entry is, from its path.
enum Entry {
    Manifest,
    Runs,
    Blob(String),
}

fn classify(path: &Path) -> anyhow::Result<Entry> {
    let shown = path.display();
    ensure!(
        path.components().all(|c| matches!(c, Component::Normal(_))),
        "bundle entry `{shown}` is not a plain relative path (absolute or with `..`); nothing was imported"
    );
    let text = path.to_str().unwrap_or_default();
    if text == MANIFEST {
        return Ok(Entry::Manifest);
    }
    if text == RUNS_BUNDLE {
        return Ok(Entry::Runs);
    }
    if let Some(rest) = text.strip_prefix("blobs/sha256/")
        && let Some((dir, name)) = rest.split_once('/')
    {
        let sha = format!("{dir}{name}");
        if dir.len() == 2 && BlobStore::new("").path(&sha).is_ok() {
            return Ok(Entry::Blob(sha));
        }
    }
    bail!("bundle entry `{shown}` is not part of a git-exp bundle; nothing was imported")
}

/// Copies exactly `size` bytes of `entry` into `out`, failing on a short entry.
fn copy_exact(entry: &mut impl Read, size: u64, out: &mut impl Write, name: &str) -> anyhow::Result<()> {
    let copied = io::copy(&mut entry.take(size), out).with_context(|| format!("cannot read bundle entry `{name}`"))?;
    ensure!(copied == size, "bundle entry `{name}` is truncated: {copied} of {size} bytes; nothing was imported");
    Ok(())
}

/// Imports a bundle: all of it, or nothing.
pub fn import(ui: &mut Ui, store: &Store, src: &Path) -> anyhow::Result<(FetchReport, usize)> {
    let limits = Limits::from_env()?;
    let file = File::open(src).with_context(|| format!("cannot read `{}`", src.display()))?;
    let staging = Staging::new(store, "import")?;
    let blobs = unpack(file, &src.display().to_string(), &staging.0, limits)?;
    let staged_blobs = BlobStore::new(staging.0.join("blobs"));
    let git_bundle = staging.0.join(RUNS_BUNDLE);
    store.bundle_verify(&git_bundle)?;

    // Everything checked: now write. Blobs first, so that no run appears without its artifacts.
    let local = BlobStore::new(store.blob_dir());
    let bar = ui.progress(blobs.len() as u64, "importing blobs");
    for sha in blobs.keys() {
        if !local.has(sha) {
            let dest = local.path(sha)?;
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(staged_blobs.path(sha)?, &dest).with_context(|| format!("cannot store blob {sha}"))?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let path = git_bundle.to_string_lossy().into_owned();
    store.fetch(&path, &[format!("+{RUNS_PREFIX}*:{IMPORT_PREFIX}*")])?;
    let report = super::integrate(store, IMPORT_PREFIX)?;
    Ok((report, blobs.len()))
}

/// Reads and checks a bundle into `staging` (`runs.bundle` and `blobs/`), all of it or an
/// error: entry kinds and paths, declared and decompressed sizes, every blob's hash, the
/// manifest. Returns the blobs with their sizes. `shown` names the bundle in errors.
fn unpack(file: impl Read, shown: &str, staging: &Path, limits: Limits) -> anyhow::Result<BTreeMap<String, u64>> {
    let staged_blobs = BlobStore::new(staging.join("blobs"));
    let git_bundle = staging.join(RUNS_BUNDLE);
    let mut manifest: Option<Manifest> = None;
    // The manifest's blob sizes: a blob entry's content is capped by its own.
    let mut declared: BTreeMap<String, u64> = BTreeMap::new();
    let mut has_runs = false;
    let mut blobs: BTreeMap<String, u64> = BTreeMap::new();
    // Blob contents, decompressed to be hashed, have their own ratio: stored bytes in, content out.
    let (mut blob_stored, mut blob_content) = (0u64, 0u64);

    // file → counted → zstd → counted and bounded → tar: a bomb stops where it crosses a bound.
    let meter = Meter::new();
    let counted = CountIn { inner: file, meter: meter.clone() };
    let decoder = zstd::Decoder::new(counted).with_context(|| format!("`{shown}` is not a zstd file"))?;
    let mut archive = tar::Archive::new(CountOut { inner: decoder, meter: meter.clone(), limits });
    let entries = archive.entries().with_context(|| format!("`{shown}` is not a tar.zst bundle"))?;
    // Raw: GNU long names and pax headers are not needed by a bundle, and the tar crate would
    // read them into memory whatever size they declare; as raw entries they are refused below.
    for entry in entries.raw(true) {
        let mut entry = entry.map_err(|e| {
            let bundle = format!("the bundle `{shown}`");
            bounded(&meter, &bundle, anyhow::Error::new(e).context(format!("`{shown}` is damaged")))
        })?;
        let path = entry.path().context("bundle entry with an unreadable path")?.into_owned();
        let name = path.display().to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            classify_dir(&path)?;
            continue;
        }
        ensure!(
            kind.is_file(),
            "bundle entry `{name}` is a {}, not a regular file; nothing was imported",
            describe_kind(kind)
        );
        let size = entry.header().size().with_context(|| format!("bundle entry `{name}` has a bad size"))?;
        let what = classify(&path)?;
        let limit = if matches!(what, Entry::Manifest) { MAX_MANIFEST } else { limits.total };
        ensure!(
            size <= limit,
            "bundle entry `{name}` declares {size} bytes, over the limit of {limit}; nothing was imported"
        );
        let entry_name = format!("bundle entry `{name}`");
        match what {
            Entry::Manifest => {
                ensure!(manifest.is_none(), "the bundle has two manifests; nothing was imported");
                let mut bytes = Vec::new();
                copy_exact(&mut entry, size, &mut bytes, &name).map_err(|e| bounded(&meter, &entry_name, e))?;
                let parsed: Manifest =
                    serde_json::from_slice(&bytes).context("the bundle's manifest.json is invalid")?;
                let mut total = 0u64;
                for b in &parsed.blobs {
                    ensure!(
                        declared.insert(b.sha256.clone(), b.size).is_none(),
                        "the bundle's manifest lists blob {} twice; nothing was imported",
                        b.sha256
                    );
                    total = total.saturating_add(b.size);
                }
                ensure!(
                    total <= limits.total,
                    "the bundle's manifest declares {total} bytes of blobs, over the import limit of {} \
                     (GIT_EXP_IMPORT_MAX_SIZE); nothing was imported",
                    limits.total
                );
                manifest = Some(parsed);
            }
            Entry::Runs => {
                ensure!(!has_runs, "the bundle has two `{RUNS_BUNDLE}`; nothing was imported");
                let mut out = File::create(&git_bundle)?;
                copy_exact(&mut entry, size, &mut out, &name).map_err(|e| bounded(&meter, &entry_name, e))?;
                has_runs = true;
            }
            Entry::Blob(sha) => {
                ensure!(!blobs.contains_key(&sha), "the bundle has blob {sha} twice; nothing was imported");
                ensure!(
                    manifest.is_some(),
                    "bundle entry `{name}` comes before manifest.json, which must come first; nothing was imported"
                );
                let Some(&want) = declared.get(&sha) else {
                    bail!("the bundle holds blob {sha}, which its manifest does not list; nothing was imported");
                };
                blob_stored = blob_stored.saturating_add(size);
                let (cap, why) = content_cap(want, limits, blob_stored, blob_content);
                let mut counted = Counted { inner: entry.by_ref().take(size), count: 0 };
                let verified = match staged_blobs.put_stored_within(&sha, &mut counted, cap) {
                    Ok(verified) => verified,
                    Err(crate::blobs::Error::TooLarge { .. }) => {
                        bail!("bundle entry `{name}` {why}; nothing was imported")
                    }
                    Err(e) => {
                        return Err(bounded(
                            &meter,
                            &entry_name,
                            anyhow::anyhow!("bundle entry `{name}`: {e}; nothing was imported"),
                        ));
                    }
                };
                ensure!(
                    counted.count == size,
                    "bundle entry `{name}` is truncated: {} of {size} bytes; nothing was imported",
                    counted.count
                );
                blob_content += verified;
                blobs.insert(sha, verified);
            }
        }
    }
    let manifest = manifest.context("the bundle has no manifest.json; nothing was imported")?;
    ensure!(manifest.schema <= SCHEMA, "the bundle has schema {}; upgrade git-exp to import it", manifest.schema);
    ensure!(has_runs, "the bundle has no `{RUNS_BUNDLE}`; nothing was imported");
    let listed: BTreeSet<&str> = manifest.blobs.iter().map(|b| b.sha256.as_str()).collect();
    for b in &manifest.blobs {
        match blobs.get(&b.sha256) {
            None => {
                bail!("the bundle's manifest lists blob {} but the bundle lacks it; nothing was imported", b.sha256)
            }
            Some(size) if *size != b.size => {
                bail!("blob {} holds {size} bytes, the manifest says {}; nothing was imported", b.sha256, b.size)
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = blobs.keys().find(|sha| !listed.contains(sha.as_str())) {
        bail!("the bundle holds blob {extra}, which its manifest does not list; nothing was imported");
    }
    Ok(blobs)
}

/// Returns the most a blob's content may expand to, and what to say when it does: its declared
/// size, the import's total budget, and the ratio over all blob contents so far (`stored` now
/// includes this blob's compressed size, `content` the content of the blobs before it).
fn content_cap(declared: u64, limits: Limits, stored: u64, content: u64) -> (u64, String) {
    let mut cap = (declared, format!("expands past its declared size of {declared} bytes"));
    let total = limits.total.saturating_sub(content);
    if total < cap.0 {
        cap = (total, Exceeded::Total(limits.total).describe());
    }
    if limits.ratio > 0 {
        let ratio = stored.saturating_mul(limits.ratio).saturating_add(ALLOWANCE).saturating_sub(content);
        if ratio < cap.0 {
            cap = (ratio, Exceeded::Ratio(limits.ratio).describe());
        }
    }
    cap
}

/// Replaces the error of a failed read by the bound it crossed, naming `what`, if it crossed one.
fn bounded(meter: &Meter, what: &str, err: anyhow::Error) -> anyhow::Error {
    match meter.exceeded() {
        Some(e) => anyhow::anyhow!("{what} {}; nothing was imported", e.describe()),
        None => err,
    }
}

/// Directory entries carry nothing, but their paths must be as safe as files'.
fn classify_dir(path: &Path) -> anyhow::Result<()> {
    ensure!(
        path.components().all(|c| matches!(c, Component::Normal(_))),
        "bundle entry `{}` is not a plain relative path (absolute or with `..`); nothing was imported",
        path.display()
    );
    Ok(())
}

fn describe_kind(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Symlink => "symbolic link",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Char | tar::EntryType::Block => "device file",
        tar::EntryType::Fifo => "named pipe",
        _ => "special entry",
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Property tests: any bytes, and tar.zst archives of entries made up at random (known and
/// unknown paths, links, wrong declared sizes, bad manifests, corrupt blobs), are read into a
/// checked bundle or refused with an error, never a panic.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// `(path, kind, declared size, data)` of one entry.
    type RawEntry = (String, u8, u64, Vec<u8>);

    fn entry() -> impl Strategy<Value = RawEntry> {
        let blob = zstd::encode_all(&b"hello"[..], 3).expect("in memory");
        let sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        let blob_path = format!("blobs/sha256/{}/{}", &sha[..2], &sha[2..]);
        let path = prop_oneof![
            Just(MANIFEST.to_owned()),
            Just(RUNS_BUNDLE.to_owned()),
            Just(blob_path),
            Just("blobs/sha256/zz/not-hex".to_owned()),
            Just("blobs/".to_owned()),
            "[a-z./]{1,12}",
        ];
        let manifest = prop_oneof![
            Just(format!(r#"{{"schema": 1, "runs": [], "blobs": [{{"sha256": "{sha}", "size": 5}}]}}"#).into_bytes()),
            Just(format!(r#"{{"schema": 1, "runs": [], "blobs": [{{"sha256": "{sha}", "size": 1}}]}}"#).into_bytes()),
            Just(br#"{"schema": 9, "runs": [], "blobs": []}"#.to_vec()),
            Just(format!("{}{}", "[".repeat(200), "]".repeat(200)).into_bytes()),
        ];
        let data = prop_oneof![
            Just(blob),
            manifest,
            Just(b"# v2 git bundle\n\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..64),
        ];
        (
            path,
            0u8..4,
            data,
            prop_oneof![Just(None), Just(Some(0u64)), Just(Some(1u64 << 40)), (0u64..100).prop_map(Some)],
        )
            .prop_map(|(path, kind, data, size)| {
                let size = size.unwrap_or(data.len() as u64);
                (path, kind, size, data)
            })
    }

    /// Writes the entries as a tar.zst, header by header, as a hostile tool would.
    fn archive(entries: &[RawEntry]) -> Vec<u8> {
        let mut tar = Vec::new();
        for (path, kind, size, data) in entries {
            let mut header = tar::Header::new_gnu();
            let name = path.as_bytes();
            header.as_gnu_mut().expect("a GNU header").name[..name.len()].copy_from_slice(name);
            header.set_size(*size);
            header.set_mode(0o644);
            header.set_entry_type(match kind {
                0 | 1 => tar::EntryType::Regular,
                2 => tar::EntryType::Symlink,
                _ => tar::EntryType::Directory,
            });
            header.set_cksum();
            tar.extend_from_slice(header.as_bytes());
            tar.extend_from_slice(data);
            tar.resize(tar.len().div_ceil(512) * 512, 0);
        }
        tar.extend_from_slice(&[0; 1024]);
        zstd::encode_all(&tar[..], 1).expect("in memory")
    }

    fn bundles() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(entry(), 0..5).prop_map(|e| archive(&e)),
            (proptest::collection::vec(entry(), 1..5), any::<prop::sample::Index>(), any::<u8>()).prop_map(
                |(e, at, byte)| {
                    let mut bytes = archive(&e);
                    let i = at.index(bytes.len());
                    bytes[i] ^= byte | 1;
                    bytes
                }
            ),
            proptest::collection::vec(any::<u8>(), 0..512),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bundle_is_read_or_refused(bytes in bundles()) {
            let staging = tempfile::tempdir().expect("a temp dir");
            let limits = Limits { total: 1 << 20, ratio: 1000 };
            if let Ok(blobs) = unpack(&bytes[..], "bundle", staging.path(), limits) {
                prop_assert!(staging.path().join(RUNS_BUNDLE).is_file());
                let staged = BlobStore::new(staging.path().join("blobs"));
                for sha in blobs.keys() {
                    prop_assert!(staged.has(sha));
                }
            }
        }
    }
}
