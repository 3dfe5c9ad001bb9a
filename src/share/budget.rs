//! How far a bundle may expand when it is read. A bundle is untrusted: a few kilobytes of zstd
//! can declare and produce gigabytes (a decompression bomb), so import counts what goes in and
//! what comes out and stops as soon as either bound is crossed, not after writing it all.
//!
//! - a total budget for everything decompressed by one import (`GIT_EXP_IMPORT_MAX_SIZE`,
//!   default 64 GiB), also the cap on any one entry's declared size;
//! - a ratio: decompressed bytes may not exceed `GIT_EXP_IMPORT_MAX_RATIO` (default 1000) times
//!   the compressed bytes read, plus a fixed allowance, so that a small bundle whose
//!   content happens to compress very well still imports. Real bundles are far below it: their
//!   blobs and git pack are already compressed.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Decompressed bytes allowed beyond `ratio × compressed`: small, very compressible bundles
/// (a manifest, tar headers, a blob of zeros) pass whatever their ratio.
pub const ALLOWANCE: u64 = 8 << 20;

/// The bounds of one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes that may be decompressed in all (and the largest size an entry may declare).
    pub total: u64,
    /// Decompressed bytes per compressed byte; 0 turns the check off.
    pub ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { total: 64 << 30, ratio: 1000 }
    }
}

impl Limits {
    /// Returns the defaults, overridden by `GIT_EXP_IMPORT_MAX_SIZE` (a size such as `2GiB`) and
    /// `GIT_EXP_IMPORT_MAX_RATIO` (a whole number; `0` turns the ratio check off).
    pub fn from_env() -> anyhow::Result<Self> {
        let mut limits = Self::default();
        if let Some(text) = std::env::var_os("GIT_EXP_IMPORT_MAX_SIZE") {
            let text = text.to_string_lossy();
            limits.total = crate::config::parse_size(&text).ok_or_else(|| {
                anyhow::anyhow!(
                    "GIT_EXP_IMPORT_MAX_SIZE `{text}` is not a size (use bytes, or a number with KiB, MiB, GiB)"
                )
            })?;
        }
        if let Some(text) = std::env::var_os("GIT_EXP_IMPORT_MAX_RATIO") {
            let text = text.to_string_lossy();
            limits.ratio = text
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("GIT_EXP_IMPORT_MAX_RATIO `{text}` is not a whole number"))?;
        }
        Ok(limits)
    }
}

/// Which bound was crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Total(u64),
    Ratio(u64),
}

impl Exceeded {
    /// Says what happened, for an error line naming the entry.
    pub fn describe(self) -> String {
        match self {
            Self::Total(limit) => format!("expands past the import limit of {limit} bytes (GIT_EXP_IMPORT_MAX_SIZE)"),
            Self::Ratio(ratio) => format!(
                "expands to over {ratio} times its compressed size, like a decompression bomb (GIT_EXP_IMPORT_MAX_RATIO)"
            ),
        }
    }
}

/// Counts of one stream, shared between the reader of the compressed bytes and the reader of
/// the decompressed ones (the decoder sits between them and owns the first).
#[derive(Debug, Default)]
pub struct Meter {
    compressed: Cell<u64>,
    expanded: Cell<u64>,
    exceeded: Cell<Option<Exceeded>>,
}

impl Meter {
    pub fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    /// Returns the bound crossed, if one was: the reason behind an I/O error of the stream.
    pub fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded.get()
    }

    /// Counts `n` more compressed bytes.
    pub fn add_compressed(&self, n: u64) {
        self.compressed.set(self.compressed.get().saturating_add(n));
    }

    /// Counts `n` more decompressed bytes, failing once a bound is crossed.
    pub fn add_expanded(&self, n: u64, limits: Limits) -> io::Result<()> {
        let expanded = self.expanded.get().saturating_add(n);
        self.expanded.set(expanded);
        let exceeded = if expanded > limits.total {
            Some(Exceeded::Total(limits.total))
        } else if limits.ratio > 0
            && expanded > self.compressed.get().saturating_mul(limits.ratio).saturating_add(ALLOWANCE)
        {
            Some(Exceeded::Ratio(limits.ratio))
        } else {
            None
        };
        match exceeded {
            None => Ok(()),
            Some(e) => {
                self.exceeded.set(Some(e));
                Err(io::Error::new(io::ErrorKind::InvalidData, e.describe()))
            }
        }
    }
}

/// Counts the compressed bytes read from a bundle file.
pub struct CountIn<R> {
    pub inner: R,
    pub meter: Rc<Meter>,
}

impl<R: Read> Read for CountIn<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.add_compressed(n as u64);
        Ok(n)
    }
}

/// Counts the decompressed bytes read from a decoder and fails once they cross a bound.
pub struct CountOut<R> {
    pub inner: R,
    pub meter: Rc<Meter>,
    pub limits: Limits,
}

impl<R: Read> Read for CountOut<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.add_expanded(n as u64, self.limits)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zstd of `len` zero bytes, written in chunks.
    fn zeros(len: usize) -> Vec<u8> {
        let mut enc = zstd::Encoder::new(Vec::new(), 1).expect("encoder");
        let chunk = vec![0u8; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            io::Write::write_all(&mut enc, &chunk[..n]).expect("in memory");
            left -= n;
        }
        enc.finish().expect("in memory")
    }

    fn expand(bytes: &[u8], limits: Limits) -> (io::Result<u64>, Option<Exceeded>) {
        let meter = Meter::new();
        let counted = CountIn { inner: bytes, meter: meter.clone() };
        let decoder = zstd::Decoder::new(counted).expect("decoder");
        let mut out = CountOut { inner: decoder, meter: meter.clone(), limits };
        (io::copy(&mut out, &mut io::sink()), meter.exceeded())
    }

    #[test]
    fn a_bomb_stops_early_at_the_ratio() {
        let bomb = zeros(64 << 20);
        assert!(bomb.len() < 64 << 10, "zeros compress well: {}", bomb.len());
        let (result, exceeded) = expand(&bomb, Limits::default());
        assert!(result.is_err());
        assert_eq!(exceeded, Some(Exceeded::Ratio(1000)));
        // The same bytes pass with the check off, so it is the ratio that stopped them.
        let (result, exceeded) = expand(&bomb, Limits { ratio: 0, ..Limits::default() });
        assert_eq!(result.expect("within the total"), 64 << 20);
        assert_eq!(exceeded, None);
    }

    #[test]
    fn the_total_budget_holds_whatever_the_ratio() {
        let data = zeros(3 << 20);
        let (result, exceeded) = expand(&data, Limits { total: 2 << 20, ratio: 0 });
        assert!(result.is_err());
        assert_eq!(exceeded, Some(Exceeded::Total(2 << 20)));
        let (result, _) = expand(&data, Limits { total: 3 << 20, ratio: 0 });
        assert_eq!(result.expect("exactly at the budget"), 3 << 20);
    }

    #[test]
    fn small_compressible_streams_pass_within_the_allowance() {
        let data = zeros(ALLOWANCE as usize / 2);
        let (result, exceeded) = expand(&data, Limits::default());
        assert_eq!(result.expect("within the allowance"), ALLOWANCE / 2);
        assert_eq!(exceeded, None);
    }
}
