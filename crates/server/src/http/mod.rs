//! HTTP plumbing shared by every endpoint.

pub mod assets;
pub mod client;
pub mod error;
pub mod json;
pub mod query;
pub mod security;
