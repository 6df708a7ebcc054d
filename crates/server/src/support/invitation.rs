//! Staff invitations: a new agent or admin (`portal-server agent create`) chooses their first
//! password with a mailed link, the same one-use link as a password reset
//! (`identity::flows::recovery::issue_link`), valid for a day.

use crate::http::error::ApiResult;
use crate::identity::accounts::Account;
use crate::identity::flows::recovery;
use crate::mail::templates;
use crate::AppState;

const VALID_SECS: i64 = 24 * 3600;

/// Mails the invitation, in the caller's transaction.
pub async fn send(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    account: &Account,
    now: i64,
) -> ApiResult<()> {
    recovery::issue_link(state, tx, account, now, VALID_SECS, |link| {
        templates::agent_invite(account.locale(), &account.email, link)
    })
    .await
}
