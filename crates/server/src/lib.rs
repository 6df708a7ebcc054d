//! The portal's HTTP API and static-file server.

pub mod breach;
pub mod cases;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod events;
pub mod evidence;
pub mod health;
pub mod http;
pub mod identity;
#[cfg(test)]
mod layering;
pub mod mail;
pub mod maintenance;
pub mod openapi;
pub mod secret_box;
pub mod support;
pub mod token;
pub mod wallet;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use config::Config;
use db::Db;
use http::assets::Assets;
use http::error::ApiError;
use portal_api::error::ErrorCode;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every handler can reach. Cheap to clone: all shared.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub hasher: identity::factors::password::Hasher,
    pub pwned: Arc<pwned::Pwned>,
    pub outbox: mail::Outbox,
    pub assets: Arc<Assets>,
    pub csp: Arc<str>,
    pub origins: Arc<Vec<String>>,
    /// Signs device cookies.
    pub secret_key: Arc<[u8; 32]>,
    /// Screenshots and sealed snapshots, by content (`evidence::store`).
    pub evidence: Arc<dyn evidence::store::EvidenceStore>,
    /// Screenshot uploads on their way in (`evidence::incoming`).
    pub incoming: Arc<evidence::incoming::Incoming>,
    /// The card network (simulated: see `wallet::processor`).
    pub processor: Arc<dyn wallet::processor::CardProcessor>,
    /// Settlements the simulated processor delivers in-process; taken by `start_background`.
    settlements: Arc<
        std::sync::Mutex<
            Option<tokio::sync::mpsc::UnboundedReceiver<wallet::processor::Settlement>>,
        >,
    >,
}

impl AppState {
    /// Connects, migrates and loads everything the server needs; starts no background work.
    pub async fn new(config: Config) -> Result<Self, String> {
        config::check_production(&config)?;
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
        let secret_key = config::secret_key(&config)?;
        let db = Db::connect(&config.database_url)
            .await
            .map_err(|e| format!("database: {e}"))?;
        db.migrate().await.map_err(|e| format!("migrations: {e}"))?;
        let corpus = match &config.pwned_corpus {
            Some(path) => {
                pwned::Corpus::open(path).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => pwned::Corpus::embedded(),
        };
        let upstream = config
            .pwned_upstream
            .clone()
            .map(pwned::UpstreamConfig::new);
        let pwned =
            pwned::Pwned::new(corpus, upstream).map_err(|e| format!("breach corpus: {e}"))?;
        let assets = Assets::load(&config.dist_dir)
            .map_err(|e| format!("{}: {e}", config.dist_dir.display()))?;
        if assets.is_empty() {
            tracing::warn!(dir = %config.dist_dir.display(), "no built app found: serving the API only");
        }
        let csp = http::security::content_security_policy(&assets.inline_script_hashes);
        let evidence_dir = config.data_dir.join("evidence");
        let evidence = evidence::store::DiskStore::open(&evidence_dir)
            .and_then(|store| store.clear_unfinished().map(|()| store))
            .map_err(|e| format!("{}: {e}", evidence_dir.display()))?;
        let incoming_dir = config.data_dir.join("incoming");
        let incoming = evidence::incoming::Incoming::open(&incoming_dir, config.uploads_at_once)
            .map_err(|e| format!("{}: {e}", incoming_dir.display()))?;
        let (settlement_tx, settlement_rx) = tokio::sync::mpsc::unbounded_channel();
        let processor = wallet::processor::Simulated::new(config.processor_settle, settlement_tx);
        Ok(Self {
            evidence: Arc::new(evidence),
            incoming: Arc::new(incoming),
            processor: Arc::new(processor),
            settlements: Arc::new(std::sync::Mutex::new(Some(settlement_rx))),
            origins: Arc::new(config.public_url.origins()),
            config: Arc::new(config),
            db,
            hasher: identity::factors::password::Hasher::new(),
            pwned: Arc::new(pwned),
            outbox: mail::Outbox::default(),
            assets: Arc::new(assets),
            csp: csp.into(),
            secret_key: Arc::new(secret_key),
        })
    }

    /// Starts mail delivery, the expiry sweep and compression of the app's files.
    pub fn start_background(&self) -> Result<(), String> {
        mail::start_delivery(&self.config, self.db.clone(), self.outbox.clone())?;
        maintenance::start(
            self.db.clone(),
            self.evidence.clone(),
            self.config.throttle.window,
            self.config.session_idle,
        );
        self.assets.warm();
        let settlements = self
            .settlements
            .lock()
            .map_err(|_| "settlement receiver poisoned".to_owned())?
            .take();
        if let Some(settlements) = settlements {
            wallet::top_up::start_settlements(self.clone(), settlements);
        }
        Ok(())
    }
}

/// The API routes with their OpenAPI description.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(health::health))
        .routes(routes!(identity::flows::registration::register))
        .routes(routes!(identity::flows::verification::verify_email))
        .routes(routes!(identity::flows::sign_in::sign_in))
        .routes(routes!(
            identity::flows::sign_in::second_step::sign_in_second_factor
        ))
        .routes(routes!(
            identity::flows::sign_in::device_step::sign_in_device_code
        ))
        .routes(routes!(
            identity::flows::sign_in::device_step::sign_in_not_me
        ))
        .routes(routes!(
            identity::flows::settings::sign_in_history::sign_in_history
        ))
        .routes(routes!(identity::flows::sign_in::sign_out))
        .routes(routes!(identity::flows::settings::get_me))
        .routes(routes!(identity::flows::verification::resend_verification))
        .routes(routes!(identity::flows::recovery::password_reset_request))
        .routes(routes!(identity::flows::recovery::password_reset_complete))
        .routes(routes!(
            identity::flows::settings::password_change::password_change
        ))
        .routes(routes!(identity::flows::step_up::step_up))
        .routes(routes!(
            identity::flows::settings::two_step::totp_enroll_start
        ))
        .routes(routes!(
            identity::flows::settings::two_step::totp_enroll_confirm
        ))
        .routes(routes!(identity::flows::settings::two_step::totp_disable))
        .routes(routes!(
            identity::flows::settings::two_step::recovery_codes_regenerate
        ))
        .routes(routes!(
            identity::flows::settings::email_change::email_change
        ))
        .routes(routes!(
            identity::flows::settings::email_change::email_change_confirm
        ))
        .routes(routes!(
            identity::flows::settings::session_list::list_sessions
        ))
        .routes(routes!(
            identity::flows::settings::session_list::revoke_session
        ))
        .routes(routes!(
            identity::flows::settings::session_list::revoke_other_sessions
        ))
        .routes(routes!(wallet::top_up::get_wallet))
        .routes(routes!(wallet::cards::list_cards, wallet::cards::add_card))
        .routes(routes!(wallet::cards::remove_card))
        .routes(routes!(wallet::top_up::top_up))
        .routes(routes!(wallet::top_up::processor_callback))
        .routes(routes!(wallet::payment_code::payment_code))
        .routes(routes!(wallet::merchant::merchant_redeem))
        .routes(routes!(breach::pwned_range))
        .routes(routes!(wallet::history::list_transactions))
        .routes(routes!(wallet::history::export_transactions_csv))
        .routes(routes!(wallet::history::get_transaction))
        .routes(routes!(wallet::spending::transaction_stats))
        .routes(routes!(evidence::disputes::create_dispute))
        .routes(routes!(evidence::disputes::list_disputes))
        .routes(routes!(evidence::disputes::get_dispute))
        .routes(routes!(evidence::disputes::add_dispute_evidence))
        .routes(routes!(evidence::uploads::upload_evidence))
        .routes(routes!(
            evidence::uploads::get_evidence_file,
            evidence::uploads::delete_upload
        ))
        .routes(routes!(
            evidence::reports::create_fraud_report,
            evidence::reports::list_fraud_reports
        ))
        .routes(routes!(evidence::reports::get_fraud_report))
        .routes(routes!(evidence::reports::add_fraud_evidence))
        .routes(routes!(evidence::bundle::download_evidence_bundle))
        .routes(routes!(support::queue::agent_list_cases))
        .routes(routes!(support::stats::agent_case_stats))
        .routes(routes!(support::case_detail::agent_get_case))
        .routes(routes!(support::case_detail::agent_get_case_file))
        .routes(routes!(support::case_detail::agent_case_transactions))
        .routes(routes!(
            support::actions::agent_claim_case,
            support::actions::agent_unassign_case
        ))
        .routes(routes!(support::actions::agent_add_note))
        .routes(routes!(support::actions::agent_request_info))
        .routes(routes!(support::actions::agent_refund))
        .routes(routes!(support::actions::agent_approve_refund))
        .routes(routes!(support::actions::agent_decline))
        .routes(routes!(support::actions::agent_unfreeze))
        .routes(routes!(support::audit::admin_audit_log))
}

pub fn app(state: AppState) -> Router {
    let (api, mut doc) = api_routes().split_for_parts();
    openapi::finish(&mut doc);
    let doc = Arc::new(doc.to_pretty_json().expect("OpenAPI document serialises"));
    let api = api
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = Arc::clone(&doc);
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*doc).clone(),
                    )
                }
            }),
        )
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
        .layer(DefaultBodyLimit::max(
            portal_api::rules::MAX_JSON_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::security::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::security::deadline,
        ));
    Router::new()
        .merge(api)
        .fallback(spa)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::security::headers,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked").into_response()
        }))
        .with_state(state)
}

async fn api_not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") || req.uri().path() == "/api" {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No such endpoint.",
        )
        .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

async fn api_method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This endpoint does not take that method.",
    )
}

async fn spa(State(state): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return api_not_found(req).await;
    }
    state.assets.respond(req.method(), req.uri(), req.headers())
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
