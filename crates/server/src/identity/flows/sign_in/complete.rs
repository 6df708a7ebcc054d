//! The end of every sign-in, whichever factors it took: the counters to clear by, and the
//! session, the device cookie and the new-device mail.

use crate::http::client::Client;
use crate::http::error::ApiResult;
use crate::identity::accounts::{self, Account};
use crate::identity::device::{self, DeviceCookie};
use crate::identity::session;
use crate::mail::templates;
use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The throttle counters a sign-in attempt for `email_key` is held to: the remembered device's
/// own, or else the account's, the source address's and the global one. The first is cleared
/// by a sign-in that completes.
pub fn sign_in_keys(
    state: &AppState,
    client: &Client,
    email_key: &str,
    device: Option<&DeviceCookie>,
) -> Vec<(String, u32)> {
    let limits = state.config.throttle;
    match device {
        Some(cookie) => vec![(
            format!("sign-in:device:{}", cookie.nonce),
            limits.per_account,
        )],
        None => vec![
            (format!("sign-in:account:{email_key}"), limits.per_account),
            (
                format!("sign-in:address:{}", client.network()),
                limits.per_address,
            ),
            ("sign-in:all".to_owned(), limits.global),
        ],
    }
}

/// What the browser finishing a sign-in is to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// It carries a trusted device cookie for the account.
    Trusted,
    /// It just proved itself with the code mailed to the account (that mail told the customer).
    Mailed,
    /// Neither: a second factor let it in.
    New,
}

/// Every factor passed: voids outstanding reset links, starts the session and remembers the
/// device (a new device cookie unless this browser was trusted already). A new browser gets
/// the customer a "new device" mail, except on the account's very first sign-in, when there is
/// no earlier device to compare with, and when the device-code mail has just told them.
pub async fn complete_sign_in(
    state: &AppState,
    client: &Client,
    account: &Account,
    device: Device,
) -> ApiResult<Response> {
    crate::identity::flows::recovery::void_links(state, &account.id).await?;
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    let first = accounts::mark_first_sign_in(&mut *tx, &account.id, now).await?;
    if device != Device::Trusted && !first {
        crate::events::count(&mut tx, crate::events::NEW_DEVICE_SIGN_IN, now).await?;
    }
    if device == Device::New && !first {
        let ua = client.user_agent.as_deref().unwrap_or("");
        let address = client.ip.to_string();
        let facts = templates::SignInFacts {
            at: now,
            address: &address,
            browser: crate::identity::user_agent::browser(ua),
            os: crate::identity::user_agent::os(ua),
        };
        let link = format!("{}/account/sessions", state.config.public_url.base);
        let mail = templates::new_device(account.locale(), &account.email, &facts, &link);
        state.outbox.queue(&mut tx, &mail).await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    crate::identity::attempts::record(
        &state.db,
        &account.id,
        portal_api::dto::SignInOutcome::SignedIn,
        client,
    )
    .await;
    let mut response = axum::Json(account.to_me(state, None).await?).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        session::create(state, &account.id, client).await?,
    );
    if device != Device::Trusted {
        cookies.append(header::SET_COOKIE, device::issue_for(state, account));
    }
    Ok(response)
}
