//! Who someone is: accounts, passwords, sessions, email verification and sign-in throttling.

pub mod accounts;
pub mod device;
pub mod email_change;
pub mod factors;
pub mod pending;
pub mod reset;
pub mod routes;
pub mod session;
pub mod sessions;
pub mod throttle;
pub mod two_step;
pub mod user_agent;
pub mod verification;
