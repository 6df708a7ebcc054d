#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use pwned::{hash_from_hex, sha1_hex, Hash};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "pwned-test-{tag}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Names of the files in the directory, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn hash_of(password: &str) -> Hash {
    hash_from_hex(&sha1_hex(password)).unwrap()
}

/// `n` random hashes with random counts, plus clusters that stress bucket edges: 40 hashes under
/// one 20-bit prefix, hashes at the very first and last prefixes, a count of u32::MAX + 1.
pub fn random_entries(n: usize, seed: u64) -> BTreeMap<Hash, u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut map = BTreeMap::new();
    for _ in 0..n {
        let mut h = [0u8; 20];
        rng.fill(&mut h);
        map.insert(h, rng.gen_range(1..=5000u64));
    }
    for i in 0..40u8 {
        let mut h = [0u8; 20];
        rng.fill(&mut h);
        h[0] = 0x5B;
        h[1] = 0xAA;
        h[2] = 0x60 | (h[2] & 0x0F);
        map.insert(h, i as u64 + 1);
    }
    map.insert([0u8; 20], 1);
    map.insert([0xFF; 20], 2);
    let mut big = [0x80u8; 20];
    big[19] = 1;
    map.insert(big, u32::MAX as u64 + 1);
    map
}

pub fn prefix_of(hash: &Hash) -> u32 {
    ((hash[0] as u32) << 12) | ((hash[1] as u32) << 4) | ((hash[2] as u32) >> 4)
}

pub fn prefix_str(index: u32) -> String {
    format!("{index:05X}")
}

/// The reference answer: entries of `map` under a 20-bit prefix, in order.
pub fn reference(map: &BTreeMap<Hash, u64>, prefix: u32) -> Vec<(Hash, u64)> {
    let mut lo = [0u8; 20];
    lo[0] = (prefix >> 12) as u8;
    lo[1] = (prefix >> 4) as u8;
    lo[2] = ((prefix & 0xF) << 4) as u8;
    map.range(lo..)
        .take_while(|(h, _)| prefix_of(h) == prefix)
        .map(|(h, c)| (*h, *c))
        .collect()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}
