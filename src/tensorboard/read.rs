//! From event files to git-exp's terms: scalar tags become metric keys by the shared
//! normalisation rule, images become logged media at `media/<key>/<step>.<ext>`.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::events::{EventReader, Value};
use crate::store::record::normalise_metric_key;

/// Where what is read goes.
pub trait Sink {
    /// One point of series `key`.
    fn scalar(&mut self, key: &str, step: i64, value: f64, wall_time: f64);
    /// One logged image; `path` is `media/<key>/<step>.<ext>`, safe to join to a directory.
    fn image(&mut self, path: &str, data: &[u8]) -> anyhow::Result<()>;
    /// A one-line warning, at once.
    fn warn(&mut self, message: String);
}

/// Reads event files into a [`Sink`], remembering which keys it has warned about and the span
/// of wall times seen.
#[derive(Debug, Default)]
pub struct Reader {
    warned: HashSet<String>,
    /// Earliest and latest finite wall time of the events read that held scalars or images
    /// (Unix seconds).
    pub first: Option<f64>,
    pub last: Option<f64>,
}

impl Reader {
    /// Reads one event file. Tags get `prefix` in front (`validation/` for a second directory);
    /// events before `since` (Unix seconds) are skipped, for a file that existed before a run.
    /// A corrupt file is an error naming it and the byte offset; a file cut inside its last
    /// record (a writer that stopped mid-write) is read up to there with a warning.
    pub fn read_file(
        &mut self,
        path: &Path,
        prefix: &str,
        since: Option<f64>,
        sink: &mut dyn Sink,
    ) -> anyhow::Result<()> {
        let file = File::open(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        for event in EventReader::new(BufReader::new(file)) {
            let event = match event {
                Ok(event) => event,
                Err(e) if e.truncated => {
                    sink.warn(format!("{}: ends inside a record {e}; read up to there", path.display()));
                    break;
                }
                Err(e) => anyhow::bail!("{}: corrupt event file {e}", path.display()),
            };
            if !event.wall_time.is_finite() || since.is_some_and(|since| event.wall_time < since) {
                continue;
            }
            // The span covers events with values: a writer's first event (the file version)
            // carries the time it was opened, not of what was logged (which may be given).
            if !event.values.is_empty() {
                self.first = Some(self.first.map_or(event.wall_time, |t| t.min(event.wall_time)));
                self.last = Some(self.last.map_or(event.wall_time, |t| t.max(event.wall_time)));
            }
            for value in event.values {
                match value {
                    Value::Scalar { tag, value } => {
                        if let Some(key) = self.key(prefix, &tag, sink) {
                            sink.scalar(&key, event.step, value, event.wall_time);
                        }
                    }
                    Value::Image { tag, data } => {
                        let Some(key) = self.key(prefix, &tag, sink) else { continue };
                        match image_extension(&data) {
                            Some(ext) => sink.image(&format!("media/{key}/{}.{ext}", event.step), &data)?,
                            None => self.warn_once(format!("image:{key}"), sink, || {
                                format!("images of `{key}` are in a format git-exp does not know; not recorded")
                            }),
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The metric key of a tag, normalised by the shared rule (warned about the first time);
    /// `None`, with a warning the first time, when even that gives no valid key.
    fn key(&mut self, prefix: &str, tag: &str, sink: &mut dyn Sink) -> Option<String> {
        let raw = format!("{prefix}{tag}");
        match normalise_metric_key(&raw) {
            Ok(key) if key == raw.as_str() => Some(raw),
            Ok(key) => {
                let key = key.into_owned();
                self.warn_once(raw.clone(), sink, || format!("metric key \"{raw}\" recorded as \"{key}\""));
                Some(key)
            }
            Err(why) => {
                self.warn_once(raw.clone(), sink, || format!("TensorBoard tag dropped: {why}"));
                None
            }
        }
    }

    fn warn_once(&mut self, what: String, sink: &mut dyn Sink, message: impl FnOnce() -> String) {
        if self.warned.insert(what) {
            sink.warn(message());
        }
    }
}

/// The file extension of an encoded image, from its first bytes.
#[must_use]
pub fn image_extension(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpg")
    } else if data.starts_with(b"GIF8") {
        Some("gif")
    } else if data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        Some("webp")
    } else if data.trim_ascii_start().starts_with(b"<svg") || data.trim_ascii_start().starts_with(b"<?xml") {
        Some("svg")
    } else {
        None
    }
}

/// The identity of a set of event files' contents: sha256 over each file's name (relative to
/// `root`), size and bytes, in the given order. Streams the files.
pub fn digest(root: &Path, files: &[std::path::PathBuf]) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    for path in files {
        let name = super::logdir::relative(root, path);
        let mut file = File::open(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or_default();
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(size.to_le_bytes());
        loop {
            let n = file.read(&mut buf).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::super::events::{frame, scalar_event};
    use super::*;

    #[derive(Default)]
    struct Collect {
        points: Vec<(String, i64, f64)>,
        warnings: Vec<String>,
    }

    impl Sink for Collect {
        fn scalar(&mut self, key: &str, step: i64, value: f64, _: f64) {
            self.points.push((key.to_owned(), step, value));
        }
        fn image(&mut self, _: &str, _: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
        fn warn(&mut self, message: String) {
            self.warnings.push(message);
        }
    }

    #[test]
    fn keys_are_normalised_with_one_warning_and_old_events_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.out.tfevents.1");
        let mut bytes = frame(&scalar_event(5.0, 0, "train loss", 1.0));
        bytes.extend(frame(&scalar_event(10.0, 1, "train loss", 0.5)));
        bytes.extend(frame(&scalar_event(11.0, 2, "train loss", 0.25)));
        bytes.extend(frame(&scalar_event(11.0, 2, "..", 0.25)));
        std::fs::write(&path, &bytes).expect("write");
        let (mut reader, mut sink) = (Reader::default(), Collect::default());
        reader.read_file(&path, "", Some(10.0), &mut sink).expect("reads");
        assert_eq!(sink.points, [("train_loss".into(), 1, 0.5), ("train_loss".into(), 2, 0.25)]);
        assert_eq!(sink.warnings.len(), 2, "{:?}", sink.warnings);
        assert_eq!(sink.warnings[0], "metric key \"train loss\" recorded as \"train_loss\"");
        assert_eq!((reader.first, reader.last), (Some(10.0), Some(11.0)));

        let mut bad = bytes.clone();
        bad[20] ^= 1;
        std::fs::write(&path, &bad).expect("write");
        let err = Reader::default().read_file(&path, "", None, &mut sink).expect_err("corrupt");
        assert!(err.to_string().contains("events.out.tfevents.1: corrupt event file at byte 0"), "{err}");
    }

    #[test]
    fn image_formats_by_magic() {
        assert_eq!(image_extension(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(image_extension(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(image_extension(b"  <svg xmlns"), Some("svg"));
        assert_eq!(image_extension(b"BM.."), None);
    }
}
