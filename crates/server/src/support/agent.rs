//! Who may use the support console: an account whose role is agent or admin, signed in, with
//! two-step verification on. Agents are made by `portal-server agent create`, never by sign-up.

use super::audit;
use crate::http::client::Client;
use crate::http::error::ApiError;
use crate::identity::accounts::{self, Account};
use crate::identity::session::SignedIn;
use crate::token;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::{request::Parts, StatusCode};
use portal_api::agent::Role;
use portal_api::error::ErrorCode;

/// A signed-in agent or admin with two-step verification on; extracting it answers 401 for
/// nobody, 403 `not_permitted` for a customer and 403 `agent_two_step_required` for an agent
/// without two-step verification.
pub struct Agent {
    pub account: Account,
    pub client: Client,
}

impl Agent {
    pub fn actor(&self) -> audit::Actor<'_> {
        audit::Actor {
            id: &self.account.id,
            email: &self.account.email,
            ip: self.client.ip.to_string(),
            user_agent: self.client.user_agent.as_deref(),
        }
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let me = SignedIn::from_request_parts(parts, state).await?;
        let Ok(client) = Client::from_request_parts(parts, state).await;
        if !me.account.role.is_staff() {
            return Err(not_permitted());
        }
        if !me.account.totp_enabled() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::AgentTwoStepRequired,
                "Turn on two-step verification before working on cases.",
            ));
        }
        Ok(Agent {
            account: me.account,
            client,
        })
    }
}

/// An admin: an agent who may also read the audit log.
pub struct Admin(pub Agent);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let agent = Agent::from_request_parts(parts, state).await?;
        if agent.account.role != Role::Admin {
            return Err(not_permitted());
        }
        Ok(Admin(agent))
    }
}

pub fn not_permitted() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::NotPermitted,
        "Your account may not do this.",
    )
}

/// What `agent create` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Made {
    /// A new account; a link to choose its password was mailed.
    New { id: String },
    /// An existing account was given the role. Its password, second factors and sessions were
    /// taken away and, as for a new account, a link to choose a password was mailed.
    Promoted { id: String },
}

/// Makes `email` an agent (or an admin), for `portal-server agent create`. Either way the only
/// way into the account afterwards is the invitation mailed to the address.
pub async fn create(state: &AppState, email: &str, role: Role) -> Result<Made, String> {
    let db_error = |e: sqlx::Error| format!("database: {e}");
    let api_error = |e: ApiError| e.message;
    let email = email.trim();
    portal_api::rules::Email::parse(email).map_err(|e| e.message().to_owned())?;
    let email_key = email.to_lowercase();
    let role_text = crate::db::codec::enum_str(&role);
    let now = crate::clock::now();
    // Nobody knows this password: the agent chooses theirs with the mailed link.
    let unusable = state
        .hasher
        .hash(&token::new().secret)
        .await
        .map_err(api_error)?;
    let mut tx = state.db.pool.begin().await.map_err(db_error)?;
    // A write first, so that on SQLite the transaction holds the write lock from its start (a
    // read first could meet another writer's newer snapshot when it comes to write). The admin
    // names the address and the invitation proves the mailbox, hence verified.
    let existing = accounts::promote(&mut *tx, &email_key, &role_text, now)
        .await
        .map_err(db_error)?;
    let made = match existing {
        Some(id) => {
            // The address may have been registered by anyone who guessed it would be staff's.
            accounts::revoke_every_credential(&mut tx, &id, &unusable)
                .await
                .map_err(api_error)?;
            Made::Promoted { id }
        }
        None => {
            let id = token::id();
            accounts::insert_staff(&mut *tx, &id, email, &email_key, &unusable, &role_text, now)
                .await
                .map_err(db_error)?;
            Made::New { id }
        }
    };
    let (Made::New { id } | Made::Promoted { id }) = &made;
    let sql = format!("SELECT {} FROM accounts WHERE id = $1", accounts::COLUMNS);
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
    let account = Account::from_row(&row).map_err(db_error)?;
    super::invitation::send(state, &mut tx, &account, now)
        .await
        .map_err(api_error)?;
    tx.commit().await.map_err(db_error)?;
    state.outbox.wake();
    Ok(made)
}
