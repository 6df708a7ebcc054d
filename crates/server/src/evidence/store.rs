//! Where evidence files live: addressed by the SHA-256 of their bytes, so a stored file cannot
//! change without its name ceasing to match (which `evidence verify` checks), and the same bytes
//! are stored once.
//!
//! [`EvidenceStore`] is the boundary another object store (S3 and the like) would implement;
//! [`DiskStore`] keeps the files under the data directory.

use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Lower-case hex: the file's address.
    pub sha256: String,
    pub size: u64,
    /// CRC-32 (the ZIP one) of the bytes, kept so a bundle can be laid out without reading them.
    pub crc32: u32,
}

impl StoredFile {
    pub fn describe(bytes: &[u8]) -> Self {
        Self {
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
            crc32: crc32fast::hash(bytes),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Blocking calls: run them on a blocking thread (`tokio::task::spawn_blocking`).
pub trait EvidenceStore: Send + Sync + 'static {
    /// Stores `bytes` under their SHA-256. The whole file is stored or nothing is, even if the
    /// process dies part-way; storing bytes that are there already changes nothing.
    fn put(&self, bytes: &[u8]) -> io::Result<StoredFile>;
    /// The bytes stored under `sha256`, as they are now (`evidence verify` hashes them again).
    fn get(&self, sha256: &str) -> io::Result<Vec<u8>>;
    /// Removes the file stored under `sha256`; one that is not there is removed already.
    fn remove(&self, sha256: &str) -> io::Result<()>;
}

/// Files under `root`, at `ab/cdef…` (the first two hex digits as a folder), written to
/// `root/tmp` first and renamed into place once complete and synced.
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    /// Opens (or makes) the store.
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// Removes what a killed process left half-written in `tmp`. Only the server calls this, on
    /// start: a command run beside a live server must not pull a file from under its writes.
    pub fn clear_unfinished(&self) -> io::Result<()> {
        for entry in std::fs::read_dir(self.root.join("tmp"))? {
            std::fs::remove_file(entry?.path())?;
        }
        Ok(())
    }

    fn path(&self, sha256: &str) -> io::Result<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a SHA-256 in lower-case hex",
            ));
        }
        Ok(self.root.join(&sha256[..2]).join(&sha256[2..]))
    }
}

impl EvidenceStore for DiskStore {
    fn put(&self, bytes: &[u8]) -> io::Result<StoredFile> {
        let file = StoredFile::describe(bytes);
        let path = self.path(&file.sha256)?;
        if path.exists() {
            return Ok(file);
        }
        let dir = path.parent().expect("a stored file has a folder");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        // The rename is durable only once the folder that names it is synced.
        std::fs::File::open(dir)?.sync_all()?;
        Ok(file)
    }

    fn get(&self, sha256: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(sha256)?)
    }

    fn remove(&self, sha256: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(sha256)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_their_hash_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::open(dir.path()).unwrap();
        let a = store.put(b"evidence").unwrap();
        assert_eq!(a.sha256, sha256_hex(b"evidence"));
        assert_eq!((a.size, a.crc32), (8, crc32fast::hash(b"evidence")));
        assert_eq!(store.put(b"evidence").unwrap(), a);
        assert_eq!(store.get(&a.sha256).unwrap(), b"evidence");
        let on_disk = dir.path().join(&a.sha256[..2]).join(&a.sha256[2..]);
        assert_eq!(std::fs::read(&on_disk).unwrap(), b"evidence");
        assert!(store.get(&sha256_hex(b"other")).is_err());
        store.remove(&a.sha256).unwrap();
        assert!(!on_disk.exists());
        store.remove(&a.sha256).unwrap();
        store.put(b"evidence").unwrap();
        assert_eq!(std::fs::read(&on_disk).unwrap(), b"evidence");
        for bad in ["../../etc/passwd", "", &"A".repeat(64)] {
            assert_eq!(
                store.get(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
        }
    }

    #[test]
    fn half_written_files_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        std::fs::write(dir.path().join("tmp/.tmpXYZ"), b"half").unwrap();
        DiskStore::open(dir.path())
            .unwrap()
            .clear_unfinished()
            .unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
