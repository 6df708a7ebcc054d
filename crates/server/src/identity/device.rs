//! Remembered devices (OWASP's "device cookie"): a browser that has signed in to an account
//! before carries a signed cookie naming that account, and its attempts are counted apart from
//! everyone else's. Someone guessing passwords from elsewhere can lock out strangers'
//! attempts at an account, but never its owner on their own device.

use crate::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.https {
        "__Host-device"
    } else {
        "device"
    }
}

fn mac(key: &[u8], email_key: &str, nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(email_key.as_bytes());
    mac.update(b"\n");
    mac.update(nonce.as_bytes());
    mac
}

/// The device's nonce, when the request carries a genuine device cookie for this account.
pub fn recognised(state: &AppState, headers: &HeaderMap, email_key: &str) -> Option<String> {
    let name = cookie_name(state);
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)?
        .1;
    let (nonce, sig) = value.split_once('.')?;
    // `verify_slice` compares in constant time, so a signature cannot be found a byte at a time.
    mac(&state.secret_key[..], email_key, nonce)
        .verify_slice(&hex::decode(sig).ok()?)
        .ok()?;
    Some(nonce.to_owned())
}

pub fn issue(state: &AppState, email_key: &str) -> HeaderValue {
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let sig = hex::encode(
        mac(&state.secret_key[..], email_key, &nonce)
            .finalize()
            .into_bytes(),
    );
    let secure = if state.config.public_url.https {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={nonce}.{sig}; Path=/; HttpOnly; SameSite=Strict; Max-Age={MAX_AGE_SECS}{secure}",
        cookie_name(state)
    ))
    .expect("cookie of token characters")
}
