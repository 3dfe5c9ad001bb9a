//! Run ids and generated run names. The one place that draws random numbers, so that tests can
//! pin them with `GIT_EXP_SEED`.

use std::fmt;

/// Lowercase Crockford base32: digits and letters without `i l o u`.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
pub const ID_LEN: usize = 8;

/// A source of random ids and names, seeded from `GIT_EXP_SEED` when it is set.
pub struct IdSource {
    rng: fastrand::Rng,
}

impl IdSource {
    /// Returns a generator seeded from `GIT_EXP_SEED` (tests), else from the OS.
    ///
    /// Each generator made by one process gets its own seeded sequence: two runs made at once by
    /// one process (a sweep) must not draw the same id, or identical first commits would make the
    /// second create-only ref update succeed as a no-op.
    pub fn new() -> Self {
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seeded = std::env::var("GIT_EXP_SEED").ok().and_then(|s| s.parse::<u64>().ok());
        let rng = match seeded {
            Some(seed) => {
                let nth = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                fastrand::Rng::with_seed(seed.wrapping_add(nth.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            }
            None => fastrand::Rng::new(),
        };
        Self { rng }
    }

    /// Returns a fresh random run id.
    pub fn run_id(&mut self) -> RunId {
        let mut s = String::with_capacity(ID_LEN);
        for _ in 0..ID_LEN {
            s.push(ALPHABET[self.rng.usize(..ALPHABET.len())] as char);
        }
        RunId(s)
    }

    /// Returns a random `adjective-noun` name.
    pub fn name(&mut self) -> String {
        let adjective = ADJECTIVES[self.rng.usize(..ADJECTIVES.len())];
        let noun = NOUNS[self.rng.usize(..NOUNS.len())];
        format!("{adjective}-{noun}")
    }

    /// Returns a random number in `0..bound`, for retry jitter.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.rng.u64(..bound.max(1))
    }
}

/// A run id: 8 characters of lowercase Crockford base32.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// Returns the id if `s` has the exact shape of a run id.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == ID_LEN && is_id_prefix(s)).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Returns true if every character of `s` belongs to the id alphabet.
pub fn is_id_prefix(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| ALPHABET.contains(&b))
}

const ADJECTIVES: &[&str] = &[
    "agile", "amber", "ancient", "azure", "bold", "brave", "bright", "brisk", "calm", "clever", "cosmic", "crisp",
    "curious", "daring", "dusty", "eager", "early", "fancy", "fast", "fearless", "fierce", "gentle", "gleaming",
    "golden", "grand", "happy", "hidden", "humble", "icy", "jolly", "keen", "kind", "lively", "lucky", "lunar",
    "mellow", "merry", "mighty", "misty", "nimble", "noble", "odd", "patient", "plucky", "polar", "proud", "quick",
    "quiet", "rapid", "rustic", "shiny", "silent", "silver", "sleek", "snowy", "solar", "steady", "stormy", "sunny",
    "swift", "tidy", "vivid", "witty", "zesty",
];

const NOUNS: &[&str] = &[
    "badger", "beaver", "bison", "cheetah", "condor", "cougar", "crane", "dingo", "dolphin", "eagle", "falcon",
    "ferret", "finch", "fox", "gazelle", "gecko", "heron", "ibex", "jackal", "jaguar", "koala", "lemur", "leopard",
    "lynx", "marmot", "marten", "mink", "moose", "narwhal", "newt", "ocelot", "orca", "osprey", "otter", "owl",
    "panda", "panther", "pelican", "penguin", "puffin", "quail", "rabbit", "raven", "robin", "salmon", "seal", "shark",
    "sparrow", "stork", "swan", "tapir", "tiger", "toucan", "trout", "turtle", "viper", "walrus", "weasel", "whale",
    "wolf", "wombat", "wren", "yak", "zebra",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_use_the_crockford_alphabet() {
        let mut source = IdSource { rng: fastrand::Rng::with_seed(7) };
        for _ in 0..1000 {
            let id = source.run_id();
            assert_eq!(id.as_str().len(), ID_LEN);
            assert!(!id.as_str().contains(['i', 'l', 'o', 'u']), "{id}");
            assert_eq!(RunId::parse(id.as_str()), Some(id));
        }
    }

    #[test]
    fn parse_rejects_wrong_shapes() {
        assert_eq!(RunId::parse("abc"), None);
        assert_eq!(RunId::parse("abcdefgi"), None);
        assert_eq!(RunId::parse("ABCDEFGH"), None);
    }
}
