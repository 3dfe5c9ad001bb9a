//! Reading the refs under one prefix from `packed-refs` without building a ref name per line,
//! and the compact list they are returned in.
//!
//! Every `ls` and every single-run command lists the run refs, 100,000 of them in a large
//! repository, almost all packed (git-exp packs them past 1,000 loose ones). gix's packed-refs
//! iterator validates each name and the caller then made a `String` of each: most of a listing's
//! time at that size. The file's format is one `<hex id> <name>` line per ref, optionally
//! followed by a `^<hex id>` line (the peeled tag), after an optional `# pack-refs with:` header;
//! git writes the lines sorted by name when the header says `sorted`.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::Path;

use super::Oid;

/// Refs with their targets, sorted by name: the names in one string, the targets in one array.
#[derive(Debug, Default, PartialEq)]
pub struct RefList {
    names: String,
    /// Where each name ends in `names`.
    ends: Vec<u32>,
    targets: Vec<Oid>,
}

impl RefList {
    /// How many refs there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The targets, in the order of the names.
    #[must_use]
    pub fn targets(&self) -> &[Oid] {
        &self.targets
    }

    /// The full name of the `n`th ref (empty past the end).
    #[must_use]
    pub fn name(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends.get(n - 1).map_or(0, |&e| e as usize) };
        let end = self.ends.get(n).map_or(start, |&e| e as usize);
        self.names.get(start..end).unwrap_or("")
    }

    fn with_capacity(refs: usize, name_bytes: usize) -> Self {
        Self {
            names: String::with_capacity(name_bytes),
            ends: Vec::with_capacity(refs),
            targets: Vec::with_capacity(refs),
        }
    }

    fn push(&mut self, name: &str, target: Oid) {
        self.names.push_str(name);
        self.ends.push(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.targets.push(target);
    }

    /// Packed refs overlaid with loose ones (a loose ref wins over a packed one of its name, as
    /// in git), sorted by name.
    pub(super) fn merge(packed: RefList, loose: BTreeMap<String, Oid>) -> RefList {
        if loose.is_empty() {
            return packed;
        }
        let name_bytes = packed.names.len() + loose.keys().map(String::len).sum::<usize>();
        let mut out = RefList::with_capacity(packed.len() + loose.len(), name_bytes);
        let mut loose = loose.into_iter().peekable();
        for n in 0..packed.len() {
            let name = packed.name(n);
            while let Some((loose_name, target)) = loose.next_if(|(l, _)| l.as_str() <= name) {
                out.push(&loose_name, target);
            }
            if out.is_empty() || out.name(out.len() - 1) != name {
                out.push(name, packed.targets[n]);
            }
        }
        for (name, target) in loose {
            out.push(&name, target);
        }
        out
    }
}

/// Any refs, sorted by name here (the last of a name twice wins).
impl FromIterator<(String, Oid)> for RefList {
    fn from_iter<I: IntoIterator<Item = (String, Oid)>>(pairs: I) -> Self {
        let sorted: BTreeMap<String, Oid> = pairs.into_iter().collect();
        let mut list = RefList::default();
        for (name, target) in sorted {
            list.push(&name, target);
        }
        list
    }
}

/// Reads the refs starting with `prefix` from the packed-refs file at `path` (none if there is
/// no file). A line that is not a ref is an error, as it is for git.
pub(super) fn read(path: &Path, prefix: &str, hash: gix::hash::Kind) -> std::io::Result<RefList> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RefList::default()),
        Err(e) => return Err(e),
    };
    // Streamed: the file of 100,000 runs is 7 MB, and only the list is kept.
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::with_capacity(256);
    // Sized from the file up front (every line is at least an id, a space and the prefix):
    // growing 100,000 entries by doubling would leave the discarded buffers in the allocator.
    let size = reader.get_ref().metadata().map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
    let mut list = RefList::with_capacity(size / (hash.len_in_hex() + 2 + prefix.len()), size);
    let mut sorted = false;
    let hex_len = hash.len_in_hex();
    let bad = |line: &[u8]| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected line in {}: {}", path.display(), String::from_utf8_lossy(line).trim_end()),
        )
    };
    let mut first = true;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if std::mem::take(&mut first)
            && let Some(traits) = text.strip_prefix(b"# pack-refs with:")
        {
            sorted = traits.split(|&b| b == b' ').any(|t| t == b"sorted");
            continue;
        }
        if text.first() == Some(&b'^') {
            continue; // the peeled target of the tag above
        }
        let (hex, name) = match (text.get(..hex_len), text.get(hex_len..)) {
            (Some(hex), Some([b' ', name @ ..])) if !name.is_empty() => (hex, name),
            _ => return Err(bad(text)),
        };
        if !name.starts_with(prefix.as_bytes()) {
            // Sorted: past the prefix, no later line can start with it.
            if sorted && name > prefix.as_bytes() {
                break;
            }
            continue;
        }
        let target = Oid::from_hex(hex).map_err(|_| bad(text))?;
        match std::str::from_utf8(name) {
            Ok(name) => list.push(name, target),
            Err(_) => list.push(&String::from_utf8_lossy(name), target),
        }
    }
    if !sorted {
        list = (0..list.len()).map(|n| (list.name(n).to_owned(), list.targets[n])).collect();
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";

    fn oid(hex: &str) -> Oid {
        Oid::from_hex(hex.as_bytes()).expect("hex")
    }

    fn read_text(text: &str) -> std::io::Result<RefList> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("packed-refs");
        std::fs::write(&path, text).expect("write");
        read(&path, "refs/git-exp/runs/", gix::hash::Kind::Sha1)
    }

    fn pairs(list: &RefList) -> Vec<(String, Oid)> {
        (0..list.len()).map(|n| (list.name(n).to_owned(), list.targets()[n])).collect()
    }

    #[test]
    fn reads_the_refs_under_the_prefix() {
        let text = format!(
            "# pack-refs with: peeled fully-peeled sorted \n{A} refs/git-exp/runs/aaaa\n{B} refs/git-exp/runs/bbbb\n\
             {C} refs/git-exp/trash/cccc\n{A} refs/tags/v1\n^{B}\n"
        );
        let list = read_text(&text).expect("reads");
        assert_eq!(
            pairs(&list),
            [("refs/git-exp/runs/aaaa".to_owned(), oid(A)), ("refs/git-exp/runs/bbbb".to_owned(), oid(B))]
        );
        // Unsorted (no `sorted` trait, no header at all): every line is looked at, then sorted.
        let text = format!("{B} refs/git-exp/runs/bbbb\n{C} refs/heads/main\n{A} refs/git-exp/runs/aaaa\n");
        assert_eq!(pairs(&read_text(&text).expect("reads")), pairs(&list));
        assert!(read(Path::new("/nonexistent/packed-refs"), "refs/", gix::hash::Kind::Sha1).expect("none").is_empty());
        for bad in [format!("{A}refs/git-exp/runs/a\n"), "zz refs/git-exp/runs/a\n".to_owned(), format!("{A} \n")] {
            assert!(read_text(&bad).is_err(), "{bad:?}");
        }
        let bad_hex = format!("{} refs/git-exp/runs/aaaa\n", "g".repeat(40));
        assert!(read_text(&bad_hex).is_err());
    }

    #[test]
    fn loose_refs_win_over_packed_ones() {
        let mut packed = RefList::default();
        packed.push("refs/x/b", oid(B));
        packed.push("refs/x/d", oid(B));
        let loose: BTreeMap<String, Oid> = [("refs/x/a", A), ("refs/x/b", C), ("refs/x/c", A), ("refs/x/e", C)]
            .map(|(n, h)| (n.to_owned(), oid(h)))
            .into();
        let merged = RefList::merge(packed, loose);
        let expected = [("refs/x/a", A), ("refs/x/b", C), ("refs/x/c", A), ("refs/x/d", B), ("refs/x/e", C)];
        assert_eq!(pairs(&merged), expected.map(|(n, h)| (n.to_owned(), oid(h))));
        assert_eq!(merged.name(99), "");
    }
}
