//! The card network, behind a trait: the portal asks a processor to tokenize a card and to charge
//! a token, and the processor tells the portal later how a charge it could not answer in time
//! settled (callbacks, which may arrive more than once). The portal keeps only the token, never
//! the card number or the security code.
//!
//! [`Simulated`] is the processor of the tests and the demo. The card number decides what it does
//! (all Luhn-valid; any expiry in the future, any security code of the right length):
//!
//! | number                | brand      | charge                                                  |
//! |-----------------------|------------|---------------------------------------------------------|
//! | `4242 4242 4242 4242` | visa       | approved                                                |
//! | `5555 5555 5555 4444` | mastercard | approved                                                |
//! | `3530 1113 3330 0000` | jcb        | approved                                                |
//! | `3782 822463 10005`   | amex       | approved (4-digit security code)                        |
//! | `4000 0000 0000 0002` | visa       | declined                                                |
//! | `4000 0000 0000 0101` | visa       | times out; settles **approved** later, by callback      |
//! | `4000 0000 0000 0200` | visa       | times out; settles **declined** later, by callback      |
//! | any other valid number|            | approved                                                |
//!
//! A timed-out charge is settled `PORTAL_PROCESSOR_SETTLE_SECS` later (never when 0), and the
//! settlement is delivered twice, as a real network may do. Tests send their own callbacks to
//! `POST /api/processor/callback`, signed with [`sign_callback`].

use hmac::{Hmac, Mac};
use portal_api::money::Money;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A card as typed, checked by [`super::cards::parse_card`]: goes to the processor, never to the
/// store or the log.
pub struct CardDetails {
    /// Digits only.
    pub number: String,
    pub exp_month: u8,
    pub exp_year: u16,
    pub cvc: String,
}

impl std::fmt::Debug for CardDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardDetails")
            .field("last4", &super::cards::last4(&self.number))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved,
    Declined,
    /// No answer in time: the charge may or may not go through; a settlement callback will say.
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettlementOutcome {
    Approved,
    Declined,
}

/// How a charge finally went, as the processor reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Settlement {
    /// The reference the charge was made with (the top-up's id).
    pub reference: String,
    pub outcome: SettlementOutcome,
}

#[derive(Debug)]
pub struct TokenizeError;

pub trait CardProcessor: Send + Sync {
    /// A token that charges this card from now on.
    fn tokenize<'a>(
        &'a self,
        card: &'a CardDetails,
    ) -> BoxFuture<'a, Result<String, TokenizeError>>;

    /// Charges `amount` to the card behind `token`. `reference` is unique per charge; a
    /// settlement for a timed-out charge names it.
    fn charge<'a>(
        &'a self,
        token: &'a str,
        amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, ChargeOutcome>;
}

/// What a simulated card does, kept in its token (so that tokens survive a restart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Approve,
    Decline,
    TimeoutApprove,
    TimeoutDecline,
}

impl Behaviour {
    fn of(number: &str) -> Self {
        match number {
            "4000000000000002" => Behaviour::Decline,
            "4000000000000101" => Behaviour::TimeoutApprove,
            "4000000000000200" => Behaviour::TimeoutDecline,
            _ => Behaviour::Approve,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Behaviour::Approve => "approve",
            Behaviour::Decline => "decline",
            Behaviour::TimeoutApprove => "timeout-approve",
            Behaviour::TimeoutDecline => "timeout-decline",
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        let rest = token.strip_prefix("sim_")?;
        let (tag, _) = rest.rsplit_once('_')?;
        [
            Behaviour::Approve,
            Behaviour::Decline,
            Behaviour::TimeoutApprove,
            Behaviour::TimeoutDecline,
        ]
        .into_iter()
        .find(|b| b.tag() == tag)
    }
}

/// The local card network of the tests and the demo; see the module documentation.
pub struct Simulated {
    settle_after: Option<Duration>,
    settlements: mpsc::UnboundedSender<Settlement>,
}

impl Simulated {
    /// Settlements of timed-out charges go to `settlements`, `settle_after` later (never when
    /// `None`), each twice.
    pub fn new(
        settle_after: Option<Duration>,
        settlements: mpsc::UnboundedSender<Settlement>,
    ) -> Self {
        Self {
            settle_after,
            settlements,
        }
    }
}

impl CardProcessor for Simulated {
    fn tokenize<'a>(
        &'a self,
        card: &'a CardDetails,
    ) -> BoxFuture<'a, Result<String, TokenizeError>> {
        let behaviour = Behaviour::of(&card.number);
        Box::pin(async move { Ok(format!("sim_{}_{}", behaviour.tag(), crate::token::id())) })
    }

    fn charge<'a>(
        &'a self,
        token: &'a str,
        _amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, ChargeOutcome> {
        Box::pin(async move {
            let outcome = match Behaviour::from_token(token) {
                Some(Behaviour::Approve) => return ChargeOutcome::Approved,
                // A token this network never issued.
                Some(Behaviour::Decline) | None => return ChargeOutcome::Declined,
                Some(Behaviour::TimeoutApprove) => SettlementOutcome::Approved,
                Some(Behaviour::TimeoutDecline) => SettlementOutcome::Declined,
            };
            if let Some(delay) = self.settle_after {
                let sender = self.settlements.clone();
                let settlement = Settlement {
                    reference: reference.to_owned(),
                    outcome,
                };
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    // Twice: a real network may repeat a callback, and the portal must not care.
                    let _ = sender.send(settlement.clone());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let _ = sender.send(settlement);
                });
            }
            ChargeOutcome::TimedOut
        })
    }
}

/// The header a settlement callback is signed in: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "processor-signature";
/// A callback signed longer ago than this (or this far in the future) is refused, so a recorded
/// callback cannot be replayed later.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;
/// The callback key's purpose, apart from every other use of the configured key.
const CALLBACK_PURPOSE: &str = "processor-callback v1";

fn callback_mac(secret_key: &[u8; 32], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let key = crate::secret_box::subkey(secret_key, CALLBACK_PURPOSE);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header value for `body` sent at `timestamp`: what the processor computes with
/// the shared secret (a sub-key of `PORTAL_SECRET_KEY`).
pub fn sign_callback(secret_key: &[u8; 32], timestamp: i64, body: &[u8]) -> String {
    let tag = callback_mac(secret_key, timestamp, body)
        .finalize()
        .into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Whether `header` is a valid signature of `body`, made within the tolerance of `now`. The
/// comparison takes the same time wherever the tags differ.
pub fn verify_callback(secret_key: &[u8; 32], header: &str, body: &[u8], now: i64) -> bool {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => tags.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECS {
        return false;
    }
    tags.iter().any(|tag| {
        callback_mac(secret_key, timestamp, body)
            .verify_slice(tag)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [9; 32];

    #[test]
    fn signatures_verify_only_for_the_same_body_key_and_time() {
        let body = br#"{"reference":"abc","outcome":"approved"}"#;
        let header = sign_callback(&KEY, 1_000_000, body);
        assert!(verify_callback(&KEY, &header, body, 1_000_000));
        assert!(verify_callback(&KEY, &header, body, 1_000_000 + 300));
        assert!(!verify_callback(&KEY, &header, body, 1_000_000 + 301));
        assert!(!verify_callback(&KEY, &header, b"{}", 1_000_000));
        assert!(!verify_callback(&[8; 32], &header, body, 1_000_000));
        let other_time = header.replace("t=1000000", "t=1000001");
        assert!(!verify_callback(&KEY, &other_time, body, 1_000_000));
        for junk in ["", "t=", "v1=00", "t=1000000", "t=x,v1=zz", "t=1000000,v1="] {
            assert!(!verify_callback(&KEY, junk, body, 1_000_000), "{junk:?}");
        }
    }

    #[test]
    fn tokens_carry_the_behaviour_not_the_number() {
        for (number, behaviour) in [
            ("4242424242424242", Behaviour::Approve),
            ("4000000000000002", Behaviour::Decline),
            ("4000000000000101", Behaviour::TimeoutApprove),
            ("4000000000000200", Behaviour::TimeoutDecline),
        ] {
            let token = format!("sim_{}_{}", Behaviour::of(number).tag(), "0af3");
            assert_eq!(Behaviour::from_token(&token), Some(behaviour));
            assert!(!token.contains(&number[6..]));
        }
        assert_eq!(Behaviour::from_token("tok_live_123"), None);
        assert_eq!(Behaviour::from_token("sim_unknown_1"), None);
    }
}
