//! Secrets handed to a browser or a mailbox: 256 random bits, kept by the server only as a
//! SHA-256 hash, so a copy of the database cannot be replayed.

use base64::Engine;
use sha2::{Digest, Sha256};

pub struct Token {
    /// Goes to the client, once.
    pub secret: String,
    /// Goes to the store.
    pub hash: String,
}

pub fn new() -> Token {
    let secret =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    Token {
        hash: hash(&secret),
        secret,
    }
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random identifier for a stored row: not secret, just unguessable and unique.
pub fn id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
