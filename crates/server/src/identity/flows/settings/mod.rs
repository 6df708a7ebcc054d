//! Settings, flows of a signed-in customer on their own account: what it is (`get_me`), its
//! address (`email_change`), its password (`password_change`), two-step verification and
//! recovery codes (`two_step`), the browsers signed in to it (`session_list`) and every sign-in
//! attempt on it (`sign_in_history`). Each change needs a recent step-up (`flows::step_up`).

pub mod email_change;
pub mod password_change;
pub mod session_list;
pub mod sign_in_history;
pub mod two_step;

use crate::http::error::ApiResult;
use crate::identity::session::SignedIn;
use crate::AppState;
use axum::extract::State;
use portal_api::dto::Me;
use portal_api::error::ErrorBody;

/// The signed-in customer.
#[utoipa::path(get, path = "/api/me", operation_id = "get_me", tag = "identity",
    responses(
        (status = 200, description = "The signed-in customer", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn get_me(State(state): State<AppState>, me: SignedIn) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(me.me(&state).await?))
}
