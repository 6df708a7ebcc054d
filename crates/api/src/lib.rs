//! Types and rules shared by the single-page app and the server.
//!
//! Both sides compile this crate, so a limit or an error code can never differ between the page
//! and the API. The server stays the authority: it applies every rule here again.

pub mod agent;
pub mod dto;
pub mod error;
pub mod evidence;
pub mod money;
pub mod pwned;
pub mod rules;
#[cfg(feature = "strength")]
pub mod strength;
pub mod wallet;

/// The product name: shown in the UI, used in mail, and part of the password-strength context.
pub const SERVICE_NAME: &str = "Mamoru Wallet";
