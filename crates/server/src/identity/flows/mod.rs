//! The flows: what a person goes through with the portal to get into their account or change it,
//! each a module of its handlers. A flow asks which factors (`identity::factors`) it needs.
//!
//! - `registration`: a new account;
//! - `verification`: proving the account's email address;
//! - `sign_in`: the password, then the second factor if it is on, then a session;
//! - `recovery`: a forgotten password, reset by a mailed link (and the second factor if on);
//! - `settings`: the signed-in customer's own account, its address, password, two-step
//!   verification and sessions;
//! - `step_up`: the fresh proof a sensitive change needs.

pub mod recovery;
pub mod registration;
pub mod settings;
pub mod sign_in;
pub mod step_up;
pub mod verification;
