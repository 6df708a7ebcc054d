//! Who someone is, in the shape of Ory Kratos: the account (`accounts`, the one owner of the
//! `accounts` table), the flows a person goes through (`flows`: registration, verification,
//! sign-in, recovery, settings, step-up), the factors those flows ask for (`factors`: password,
//! TOTP, recovery codes), and what every flow shares: the session and its `SignedIn` extractor
//! (`session`), remembered devices (`device`), attempt throttles (`throttle`), the record of
//! sign-in attempts the customer reads back (`attempts`) and the reading of a `User-Agent`
//! (`user_agent`).

pub mod accounts;
pub mod attempts;
pub mod device;
pub mod factors;
pub mod flows;
pub mod session;
pub mod throttle;
pub mod user_agent;
