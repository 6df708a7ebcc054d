//! Registration, a flow: a new account with its password, and the link that proves its address
//! (`verification`). An address that already has an account is told so by mail, and the
//! requester sees the same answer either way.

use super::verification;
use crate::http::client::Client;
use crate::http::error::ApiResult;
use crate::http::json::Json;
use crate::identity::accounts;
use crate::identity::factors::password;
use crate::identity::throttle::{self, Window};
use crate::mail::templates;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use portal_api::dto::{Locale, RegisterRequest, RegisterResponse};
use portal_api::error::ErrorBody;
use portal_api::rules::{DisplayName, Email};

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
    let locale = req.locale.unwrap_or_else(|| accept_language(&headers));
    let form = Registration {
        email: &email,
        display_name: display_name.as_ref().map(DisplayName::as_str),
        password: &req.password,
        locale,
    };
    start(&state, &client, &form).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(RegisterResponse {
            status: "verification_sent".into(),
        }),
    ))
}

/// A sign-up whose address and name passed their rules.
struct Registration<'a> {
    email: &'a Email,
    display_name: Option<&'a str>,
    password: &'a str,
    locale: Locale,
}

/// Checks the password, takes from the client's sign-up allowance, and mails either the link that
/// proves the address or, if the address has an account already, a note to its owner.
async fn start(state: &AppState, client: &Client, form: &Registration<'_>) -> ApiResult<()> {
    let email = form.email;
    let new_password = password::check_new(
        form.password,
        email.as_str(),
        form.display_name,
        &state.pwned,
    )
    .await?;
    let now = crate::clock::now();
    let key = format!("register:ip:{}", client.network());
    let limit = state.config.throttle.register_per_address;
    throttle::take(&state.db, &Window::of(state), &key, limit, now).await?;

    // Hashed whether or not the address is taken, so both cases take the same time.
    let phc = state.hasher.hash(new_password.as_str()).await?;
    let mut tx = state.db.pool.begin().await?;
    let new = accounts::NewAccount {
        id: &crate::token::id(),
        email: email.as_str(),
        email_key: &email.key(),
        password_hash: &phc,
        display_name: form.display_name,
        locale: form.locale.as_str(),
        created_at: now,
    };
    match accounts::insert_customer(&mut *tx, &new).await? {
        Some(id) => verification::issue(state, &mut tx, &id, email.as_str(), form.locale).await?,
        None => {
            let (to, their_locale) = accounts::mail_target(&mut tx, &email.key()).await?;
            let link = format!("{}/sign-in", state.config.public_url.base);
            let mail = templates::already_registered(their_locale, &to, &link);
            state.outbox.queue(&mut tx, &mail).await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    Ok(())
}

fn accept_language(headers: &HeaderMap) -> Locale {
    let value = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Locale::negotiate(value.split(','))
}
