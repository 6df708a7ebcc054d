//! Signing in, a flow: the password step here; then, with two-step verification on, the code
//! step (`second_step`), or from a browser that has not proved itself, the mailed code
//! (`device_step`), both pending sign-ins (`pending`); each finishes in `complete`, the one
//! place a session is made. Also signing out.

pub mod complete;
pub mod device_step;
pub mod pending;
pub mod second_step;

use self::complete::{complete_sign_in, sign_in_keys, Device};
use crate::http::client::Client;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts;
use crate::identity::attempts;
use crate::identity::device;
use crate::identity::factors::password;
use crate::identity::session;
use crate::identity::throttle::{self, Window};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{Me, SecondFactorRequired, SignInOutcome, SignInRequest};
use portal_api::error::{ErrorBody, ErrorCode};

/// Sign in with email and password. Wrong email and wrong password get the same answer in
/// the same time; failures are throttled per account, per source address and overall. With
/// two-step verification on, a right password only starts a pending sign-in (202 and its own
/// short-lived cookie) that `sign_in_second_factor` finishes; without it, from a browser that
/// has not proved itself for the account, one that `sign_in_device_code` finishes with the code
/// mailed to the account's address. No session before that.
#[utoipa::path(post, path = "/api/sign-in", operation_id = "sign_in", tag = "identity",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 202, description = "Password right, and one more step (the `pending-sign-in` cookie is set; no session yet): with two-step verification on, `status` is `second_factor_required` and a code goes to `sign_in_second_factor` (SecondFactorRequired); from a browser that has not proved itself, `status` is `device_verification_required` and the mailed code goes to `sign_in_device_code` (DeviceVerificationRequired), each before `expires_at`", body = SecondFactorRequired),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Json(req): Json<SignInRequest>,
) -> ApiResult<Response> {
    let now = crate::clock::now();
    let window = Window::of(&state);
    let email_key: String = req.email.trim().to_lowercase().chars().take(300).collect();
    // A remembered device is counted on its own, so failures from elsewhere cannot lock it out.
    let device = device::recognised(&state, &headers, &email_key);
    let keys = sign_in_keys(&state, &client, &email_key, device.as_ref());
    let slots = throttle::reserve(&state.db, &window, &keys, now).await?;

    let found = accounts::find_for_sign_in(&state.db, &email_key).await?;
    let matched = state
        .hasher
        .verify(&req.password, found.as_ref().map(|(_, h)| h.as_str()))
        .await?;
    if !matched {
        if let Some((account, _)) = &found {
            attempts::record_later(
                &state.db,
                &account.id,
                SignInOutcome::WrongPassword,
                &client,
            );
        }
    }
    let Some((account, phc)) = found.filter(|_| matched) else {
        slots.keep();
        crate::events::count_now(&state.db, crate::events::SIGN_IN_FAILURE).await;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "The email address or password is not right.",
        ));
    };
    if password::needs_rehash(&phc) {
        let rehashed = state.hasher.hash(&req.password).await?;
        accounts::set_password_hash(&state.db.pool, &account.id, &rehashed).await?;
    }
    slots.give_back().await?;
    if account.totp_enabled() {
        // Half way: the failure counters are not cleared (a right password must not buy more
        // guesses at the code) and outstanding reset links stay until the sign-in completes.
        return second_step::start(&state, &headers, &account).await;
    }
    if !device::trusted(&state, &headers, &account) {
        // Half way too, for the same reasons (docs/threat-model.md#t16).
        return device_step::start(&state, &client, &headers, &account).await;
    }
    throttle::clear(&state.db, &keys[0].0).await?;
    complete_sign_in(&state, &client, &account, Device::Trusted).await
}

/// End this session.
#[utoipa::path(post, path = "/api/sign-out", operation_id = "sign_out", tag = "identity",
    responses((status = 204, description = "Signed out; the cookie is cleared")))]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    session::delete(&state, &headers).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear_cookie(&state))],
    )
        .into_response())
}
