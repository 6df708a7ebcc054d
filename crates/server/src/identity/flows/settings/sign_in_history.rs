//! The customer's sign-in history, a settings flow: every attempt on the account in the last
//! 90 days (`identity::attempts`), so the customer sees an attack on it as it happens.

use crate::db::cursor::{self, Key};
use crate::http::error::ApiResult;
use crate::http::query::Query;
use crate::identity::attempts;
use crate::identity::session::SignedIn;
use crate::identity::user_agent;
use crate::AppState;
use axum::extract::State;
use portal_api::dto::{SignInAttempt, SignInHistoryPage, SignInHistoryQuery};
use portal_api::error::ErrorBody;

const PAGE: i64 = 50;

/// Every sign-in attempt on the account in the last 90 days, newest first, 50 a page: successes,
/// wrong passwords, wrong codes, mailed codes asked for and given back, and attempts ended from
/// the mail, each with the time, the address and the browser.
#[utoipa::path(get, path = "/api/me/sign-ins", operation_id = "sign_in_history", tag = "identity",
    params(SignInHistoryQuery),
    responses(
        (status = 200, description = "A page of attempts", body = SignInHistoryPage),
        (status = 400, description = "An unknown parameter, or a cursor this server did not make for this customer (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn sign_in_history(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SignInHistoryQuery>,
) -> ApiResult<axum::Json<SignInHistoryPage>> {
    let account_id = &me.account.id;
    let before = cursor::from_param(&state.secret_key[..], account_id, q.cursor.as_deref())?;
    let since = crate::clock::now() - attempts::KEPT_SECS;
    // One more than a page says whether there is a next one.
    let mut rows = attempts::page(&state.db, account_id, since, before.as_ref(), PAGE + 1).await?;
    let next_cursor = if rows.len() as i64 > PAGE {
        rows.truncate(PAGE as usize);
        rows.last().map(|(id, at, ..)| {
            let key = Key {
                created_at: *at,
                id: id.clone(),
            };
            cursor::encode(&state.secret_key[..], account_id, &key)
        })
    } else {
        None
    };
    let mut list = Vec::with_capacity(rows.len());
    for (_, at, outcome, address, ua) in rows {
        let ua = ua.unwrap_or_default();
        list.push(SignInAttempt {
            at,
            outcome: crate::db::codec::parse_enum(&outcome)?,
            address,
            browser: user_agent::browser(&ua).map(str::to_owned),
            os: user_agent::os(&ua).map(str::to_owned),
        });
    }
    Ok(axum::Json(SignInHistoryPage {
        attempts: list,
        next_cursor,
    }))
}
