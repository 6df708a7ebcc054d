//! The factors: the ways an account proves it is its owner's. A flow (`identity::flows`) asks
//! which it needs; each factor enrols, verifies and revokes itself here.
//!
//! - `password`: Argon2id hashing, the rules a new one must pass, and setting a new one;
//! - `totp`: time-based one-time codes from an authenticator app (RFC 6238);
//! - `recovery_codes`: one-time codes for when the authenticator is lost;
//! - `second_factor`: checking and using up a TOTP or recovery code, and turning both off;
//! - `device_code`: the six digits mailed to prove a new browser (a sign-in factor only, never a
//!   step-up).
//!
//! The passkey will be a factor of its own here.

pub mod device_code;
pub mod password;
pub mod recovery_codes;
pub mod second_factor;
pub mod totp;
