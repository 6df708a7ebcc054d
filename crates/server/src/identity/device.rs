//! Remembered devices (OWASP's "device cookie"): a browser that has proved itself for an
//! account carries a signed cookie naming that account. It does two things:
//!
//! - its attempts are counted apart from everyone else's, so someone guessing passwords from
//!   elsewhere can lock out strangers' attempts at an account, but never its owner on their own
//!   device ([`recognised`]: the signature and the age are enough);
//! - it is what device verification asks for (docs/threat-model.md#t16): a right password from a
//!   browser without a [`trusted`] cookie, on an account without a second factor, needs the code
//!   mailed to the account's address. Trusted means also issued in the account's current device
//!   generation, which signing every other device out moves on.
//!
//! The cookie is `generation.issued_at.nonce.signature`, the HMAC over the account's email key
//! and the rest; the browser's Max-Age is checked again here, since a client can keep a cookie
//! as long as it likes.

use crate::identity::accounts::Account;
use crate::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.https {
        "__Host-device"
    } else {
        "device"
    }
}

fn mac(key: &[u8], email_key: &str, generation: i64, issued_at: i64, nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in [
        email_key,
        &generation.to_string(),
        &issued_at.to_string(),
        nonce,
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    mac
}

/// A genuine, unexpired device cookie for one account.
pub struct DeviceCookie {
    pub nonce: String,
    pub generation: i64,
}

/// The device cookie this request carries for `email_key`, when it is genuine and not older
/// than `PORTAL_DEVICE_TRUST_DAYS`.
pub fn recognised(state: &AppState, headers: &HeaderMap, email_key: &str) -> Option<DeviceCookie> {
    let name = cookie_name(state);
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)?
        .1;
    let mut parts = value.splitn(4, '.');
    let generation: i64 = parts.next()?.parse().ok()?;
    let issued_at: i64 = parts.next()?.parse().ok()?;
    let (nonce, sig) = (parts.next()?, parts.next()?);
    // `verify_slice` compares in constant time, so a signature cannot be found a byte at a time.
    mac(
        &state.secret_key[..],
        email_key,
        generation,
        issued_at,
        nonce,
    )
    .verify_slice(&hex::decode(sig).ok()?)
    .ok()?;
    let max_age = state.config.device_trust.as_secs() as i64;
    if crate::clock::now() - issued_at >= max_age {
        return None;
    }
    Some(DeviceCookie {
        nonce: nonce.to_owned(),
        generation,
    })
}

/// Whether this request comes from a browser that proved itself for `account` and has not been
/// signed out since: device verification is not asked of it, and it may show a payment code.
pub fn trusted(state: &AppState, headers: &HeaderMap, account: &Account) -> bool {
    recognised(state, headers, &account.email_key())
        .is_some_and(|cookie| cookie.generation == account.device_generation)
}

/// A new device cookie for `email_key` in `generation`.
pub fn issue(state: &AppState, email_key: &str, generation: i64) -> HeaderValue {
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let issued_at = crate::clock::now();
    let sig = hex::encode(
        mac(
            &state.secret_key[..],
            email_key,
            generation,
            issued_at,
            &nonce,
        )
        .finalize()
        .into_bytes(),
    );
    let secure = if state.config.public_url.https {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={generation}.{issued_at}.{nonce}.{sig}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        cookie_name(state),
        state.config.device_trust.as_secs()
    ))
    .expect("cookie of token characters")
}

/// A device cookie for `account` in its current generation.
pub fn issue_for(state: &AppState, account: &Account) -> HeaderValue {
    issue(state, &account.email_key(), account.device_generation)
}
