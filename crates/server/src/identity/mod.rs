//! Who someone is: accounts, passwords, sessions, email verification and sign-in throttling.

pub mod accounts;
pub mod device;
pub mod email_change;
pub mod password;
pub mod pending;
pub mod recovery;
pub mod reset;
pub mod routes;
pub mod second_factor;
pub mod session;
pub mod sessions;
pub mod throttle;
pub mod totp;
pub mod two_step;
pub mod user_agent;
pub mod verification;
