//! The identity endpoints. Handlers stay thin: parse, call, answer.

use super::accounts::{self, Account};
use super::device;
use super::factors::password;
use super::session::{self, SignedIn};
use super::throttle::{self, Window};
use super::verification;
use crate::http::client::Client;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::mail::templates;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{
    Locale, Me, RegisterRequest, RegisterResponse, SecondFactorRequired, SignInRequest,
    StatusResponse, VerifyEmailRequest,
};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::rules::{DisplayName, Email};

/// New verification links one account may ask for per throttle window (each is a mail).
const VERIFY_MAILS_PER_WINDOW: u32 = 5;

/// Create an account. The answer is the same whether or not the address already has one;
/// the mailbox owner learns which.
#[utoipa::path(post, path = "/api/register", operation_id = "register", tag = "identity",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "A verification mail is on its way", body = RegisterResponse),
        (status = 400, description = "Malformed JSON or wrong types", body = ErrorBody),
        (status = 422, description = "A field breaks a rule; `field` names it", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, axum::Json<RegisterResponse>)> {
    let email = Email::parse(&req.email)?;
    let display_name = DisplayName::parse(req.display_name.as_deref())?;
    let new_password = password::check_new(
        &req.password,
        email.as_str(),
        display_name.as_ref().map(DisplayName::as_str),
        &state.pwned,
    )
    .await?;
    let locale = req.locale.unwrap_or_else(|| accept_language(&headers));

    let now = crate::clock::now();
    let key = format!("register:ip:{}", client.network());
    let limit = state.config.throttle.register_per_address;
    throttle::take(&state.db, &Window::of(&state), &key, limit, now).await?;

    // Hashed whether or not the address is taken, so both cases take the same time.
    let phc = state.hasher.hash(new_password.as_str()).await?;
    let mut tx = state.db.pool.begin().await?;
    let new = accounts::NewAccount {
        id: &crate::token::id(),
        email: email.as_str(),
        email_key: &email.key(),
        password_hash: &phc,
        display_name: display_name.as_ref().map(DisplayName::as_str),
        locale: locale.as_str(),
        created_at: now,
    };
    match accounts::insert_customer(&mut *tx, &new).await? {
        Some(id) => verification::issue(&state, &mut tx, &id, email.as_str(), locale).await?,
        None => {
            let (to, their_locale): (String, String) =
                sqlx::query_as("SELECT email, locale FROM accounts WHERE email_key = $1")
                    .bind(email.key())
                    .fetch_one(&mut *tx)
                    .await?;
            let link = format!("{}/sign-in", state.config.public_url.base);
            let mail = templates::already_registered(
                Locale::from_tag(&their_locale).unwrap_or_default(),
                &to,
                &link,
            );
            state.outbox.queue(&mut tx, &mail).await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(RegisterResponse {
            status: "verification_sent".into(),
        }),
    ))
}

/// Confirm an email address with the token from the link in the mail.
#[utoipa::path(post, path = "/api/verify-email", operation_id = "verify_email", tag = "identity",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The address is verified", body = StatusResponse),
        (status = 400, description = "Unknown, used or expired token (`token_invalid`), or malformed JSON", body = ErrorBody),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(req): Json<VerifyEmailRequest>,
) -> ApiResult<axum::Json<StatusResponse>> {
    if req.token.len() > 128 || !verification::consume(&state, &req.token).await? {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TokenInvalid,
            "This link is invalid or has expired. Sign in to send a new one.",
        ));
    }
    Ok(axum::Json(StatusResponse {
        status: "verified".into(),
    }))
}

/// Send a new verification link to the signed-in customer's unverified address.
#[utoipa::path(post, path = "/api/me/verification-email", operation_id = "resend_verification", tag = "identity",
    responses(
        (status = 202, description = "A new link is on its way (or the address is already verified)", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 429, description = "Too many requests for new links", body = ErrorBody),
    ))]
pub async fn resend_verification(
    State(state): State<AppState>,
    SignedIn { account, .. }: SignedIn,
) -> ApiResult<(StatusCode, axum::Json<StatusResponse>)> {
    if account.email_verified_at.is_none() {
        let key = format!("verify-mail:{}", account.id);
        let now = crate::clock::now();
        throttle::take(
            &state.db,
            &Window::of(&state),
            &key,
            VERIFY_MAILS_PER_WINDOW,
            now,
        )
        .await?;
        let mut tx = state.db.pool.begin().await?;
        verification::issue(
            &state,
            &mut tx,
            &account.id,
            &account.email,
            account.locale(),
        )
        .await?;
        tx.commit().await?;
        state.outbox.wake();
    }
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(StatusResponse {
            status: "verification_sent".into(),
        }),
    ))
}

/// Sign in with email and password. Wrong email and wrong password get the same answer in
/// the same time; failures are throttled per account, per source address and overall. With
/// two-step verification on, a right password only starts a pending sign-in (202 and its own
/// short-lived cookie) that `sign_in_second_factor` finishes: no session before that.
#[utoipa::path(post, path = "/api/sign-in", operation_id = "sign_in", tag = "identity",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 202, description = "Password right, two-step verification on: give a code to `sign_in_second_factor` within `expires_at` (the `pending-sign-in` cookie is set; no session yet)", body = SecondFactorRequired),
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
    let keys = sign_in_keys(&state, &client, &email_key, device.as_deref());
    let slots = throttle::reserve(&state.db, &window, &keys, now).await?;

    let found = accounts::find_for_sign_in(&state.db, &email_key).await?;
    let matched = state
        .hasher
        .verify(&req.password, found.as_ref().map(|(_, h)| h.as_str()))
        .await?;
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
        return super::pending::start(&state, &headers, &account).await;
    }
    throttle::clear(&state.db, &keys[0].0).await?;
    complete_sign_in(&state, &client, &account, device.is_some()).await
}

/// The throttle counters a sign-in attempt for `email_key` is held to: the remembered device's
/// own, or else the account's, the source address's and the global one. The first is cleared
/// by a sign-in that completes.
pub fn sign_in_keys(
    state: &AppState,
    client: &Client,
    email_key: &str,
    device: Option<&str>,
) -> Vec<(String, u32)> {
    let limits = state.config.throttle;
    match device {
        Some(nonce) => vec![(format!("sign-in:device:{nonce}"), limits.per_account)],
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

/// Every factor passed: voids outstanding reset links, starts the session and remembers the
/// device (a new device cookie unless this browser already had a valid one for the account).
/// A browser without one gets the customer a "new device" mail, except on the account's very
/// first sign-in, when there is no earlier device to compare with.
pub async fn complete_sign_in(
    state: &AppState,
    client: &Client,
    account: &Account,
    known_device: bool,
) -> ApiResult<Response> {
    super::reset::void_links(state, &account.id).await?;
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    let first = accounts::mark_first_sign_in(&mut *tx, &account.id, now).await?;
    if !known_device && !first {
        let ua = client.user_agent.as_deref().unwrap_or("");
        let address = client.ip.to_string();
        let facts = templates::SignInFacts {
            at: now,
            address: &address,
            browser: super::user_agent::browser(ua),
            os: super::user_agent::os(ua),
        };
        let link = format!("{}/account/sessions", state.config.public_url.base);
        let mail = templates::new_device(account.locale(), &account.email, &facts, &link);
        state.outbox.queue(&mut tx, &mail).await?;
        crate::events::count(&mut tx, crate::events::NEW_DEVICE_SIGN_IN, now).await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    let mut response = axum::Json(account.to_me(state, None).await?).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        session::create(state, &account.id, client).await?,
    );
    if !known_device {
        cookies.append(
            header::SET_COOKIE,
            device::issue(state, &account.email_key()),
        );
    }
    Ok(response)
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

/// The signed-in customer.
#[utoipa::path(get, path = "/api/me", operation_id = "get_me", tag = "identity",
    responses(
        (status = 200, description = "The signed-in customer", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn get_me(State(state): State<AppState>, me: SignedIn) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(me.me(&state).await?))
}

fn accept_language(headers: &HeaderMap) -> Locale {
    let value = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Locale::negotiate(value.split(','))
}
