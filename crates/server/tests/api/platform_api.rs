//! What every client relies on: health, the OpenAPI document, the range API, security headers,
//! cookies, and serving the built app.

use crate::common;
use crate::common::{error_code, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    health_answers_once_the_database_does,
    sessions_are_stored_hashed_and_cookies_locked_down,
    sessions_expire_when_idle,
    an_applied_migration_that_was_edited_is_refused,
    a_database_of_the_hand_rolled_migrator_is_adopted
);

async fn health_answers_once_the_database_does(app: TestApp) {
    let (status, body) = app.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
    app.state.db.pool.close().await;
    let (status, body) = app.get("/api/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&body), "service_unavailable");
}

async fn sessions_are_stored_hashed_and_cookies_locked_down(app: TestApp) {
    let email = unique_email("cookie");
    app.register(&email, STRONG_PASSWORD).await;
    // A new browser: the password, then the mailed code, whose answer sets the cookies.
    let browser = app.new_client();
    let (status, _) = app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (code, _) = app.mailbox.device_code(&email, 1).await;
    let r = browser
        .post(app.url("/api/sign-in/device-code"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    for name in ["session=", "device=", "pending-sign-in="] {
        let cookie = set
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {set:?}"));
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(
            !cookie.contains("Secure"),
            "plain-HTTP localhost cannot keep a Secure cookie"
        );
    }
    let cookie = set.iter().find(|c| c.starts_with("session=")).unwrap();
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(token.len() >= 43);
    let rows: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].0, token, "the store holds a hash, not the token");
    // A guessed or tampered cookie is nobody.
    let r = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("cookie", "session=AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("cookie", format!("session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the real token works from anywhere it is sent"
    );
}

async fn sessions_expire_when_idle(app: TestApp) {
    let email = unique_email("idle");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
    let idle = app.state.config.session_idle.as_secs() as i64;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(idle + 1)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_at_the_absolute_limit_however_active() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    app.signed_in_customer(&unique_email("abs"), STRONG_PASSWORD)
        .await;
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(portal_server::clock::now())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_operation() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut ids: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    for expected in [
        "get_me",
        "health",
        "pwned_range",
        "register",
        "sign_in",
        "sign_out",
        "verify_email",
        "list_sessions",
        "revoke_session",
        "revoke_other_sessions",
        "resend_verification",
        "password_reset_request",
        "password_reset_complete",
        "password_change",
        "step_up",
        "totp_enroll_start",
        "totp_enroll_confirm",
        "totp_disable",
        "recovery_codes_regenerate",
        "sign_in_second_factor",
        "email_change",
        "email_change_confirm",
        "get_wallet",
        "list_cards",
        "add_card",
        "remove_card",
        "top_up",
        "processor_callback",
        "payment_code",
        "merchant_redeem",
        "list_transactions",
        "get_transaction",
        "export_transactions_csv",
        "transaction_stats",
        "create_dispute",
        "list_disputes",
        "get_dispute",
        "add_dispute_evidence",
        "upload_evidence",
        "get_evidence_file",
        "delete_upload",
        "create_fraud_report",
        "get_fraud_report",
        "list_fraud_reports",
        "add_fraud_evidence",
        "download_evidence_bundle",
        "agent_list_cases",
        "agent_get_case",
        "agent_get_case_file",
        "agent_case_transactions",
        "agent_claim_case",
        "agent_unassign_case",
        "agent_add_note",
        "agent_request_info",
        "agent_refund",
        "agent_approve_refund",
        "agent_decline",
        "agent_unfreeze",
        "agent_case_stats",
        "admin_audit_log",
    ] {
        assert!(
            ids.contains(&expected.to_owned()),
            "{expected} missing from {ids:?}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    for schema in [
        "SecondFactorRequired",
        "CodeRequest",
        "StepUpRequest",
        "StepUpAnswer",
        "TotpEnrollment",
        "RecoveryCodes",
        "TotpDisableRequest",
        "EmailChangeRequest",
        "EmailChangeConfirm",
        "Wallet",
        "Card",
        "AddCardRequest",
        "TopUpRequest",
        "Transaction",
        "PaymentCode",
        "RedeemRequest",
        "Redemption",
        "Settlement",
        "TransactionPage",
        "MonthlySpending",
        "CreateDisputeRequest",
        "Dispute",
        "DisputeEvent",
        "DisputeSummary",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    let sign_in = &doc["paths"]["/api/sign-in"]["post"]["responses"];
    assert!(sign_in["202"].is_object(), "{sign_in}");
    let top_up = &doc["paths"]["/api/top-ups"]["post"];
    for status in ["201", "202", "402", "403", "422"] {
        assert!(
            top_up["responses"][status].is_object(),
            "{status}: {top_up}"
        );
    }
    assert!(
        top_up["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{top_up}"
    );
    let redeem = &doc["paths"]["/api/merchant/redemptions"]["post"];
    assert_eq!(redeem["security"], json!([{"merchant_key": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["merchant_key"]["scheme"],
        "bearer"
    );
    // The history's filters are documented as query parameters.
    let params: Vec<&str> = doc["paths"]["/api/transactions"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "kind",
        "status",
        "from",
        "to",
        "min_minor",
        "max_minor",
        "merchant",
        "q",
        "cursor",
        "limit",
    ] {
        assert!(params.contains(&name), "{name} missing from {params:?}");
    }
    let export = &doc["paths"]["/api/transactions/export.csv"]["get"]["responses"]["200"];
    assert!(export["content"]["text/csv"].is_object(), "{export}");
    assert!(
        doc["paths"]["/api/transactions/{id}/disputes"]["post"]["responses"]["201"].is_object()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_range_api_speaks_the_published_format() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
    for prefix in ["5BAA6", "5baa6"] {
        let r = app
            .client
            .get(app.url(&format!("/api/pwned/range/{prefix}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let body = r.text().await.unwrap();
        assert!(
            portal_api::pwned::count_in_range(&body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8") > 0,
            "{body}"
        );
        for line in body.lines() {
            let (suffix, count) = line.split_once(':').unwrap();
            assert_eq!(suffix.len(), 35);
            assert!(
                suffix
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
                "{line}"
            );
            count.parse::<u64>().unwrap();
        }
    }
    let padded = app
        .client
        .get(app.url("/api/pwned/range/5BAA6"))
        .header("Add-Padding", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = padded.lines().collect();
    assert!((800..=1000).contains(&lines.len()), "{} lines", lines.len());
    let real = lines.iter().filter(|l| !l.ends_with(":0")).count();
    assert!(
        (1..100).contains(&real),
        "padding lines carry count 0: {real} real"
    );
    assert!(portal_api::pwned::count_in_range(&padded, "1E4C9B93F3F0682250B6CF8331B7EE68FD8") > 0);
    for bad in ["5BAA", "5BAA61", "GGGGG", "%2e%2e%2f", "5BAA6%00"] {
        let (status, body) = app.get(&format!("/api/pwned/range/{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_code(&body), "invalid_prefix");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    for path in ["/api/health", "/api/me", "/sign-in", "/api/nope"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        if path.starts_with("/api/") {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_deployments_get_secure_host_only_cookies() {
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[("PORTAL_PUBLIC_URL", "https://wallet.example")],
    )
    .await
    .unwrap();
    let email = unique_email("tls");
    let client = reqwest::Client::new();
    let origin = ("origin", "https://wallet.example");
    client
        .post(app.url("/api/register"))
        .header(origin.0, origin.1)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    let sign_in = |cookie: Option<String>| {
        let mut request = client
            .post(app.url("/api/sign-in"))
            .header(origin.0, origin.1)
            .json(&json!({"email": email, "password": STRONG_PASSWORD}));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    // A new browser: a pending sign-in's cookie, no session.
    let r = sign_in(None).await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-pending-sign-in=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    // The verification link makes this the account's device...
    let token = app.mailbox.verification_token(&email).await;
    let r = client
        .post(app.url("/api/verify-email"))
        .header(origin.0, origin.1)
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let device = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        device.starts_with("__Host-device=") && device.contains("; Secure"),
        "{device}"
    );
    // ...and with its cookie the password signs in.
    let r = sign_in(Some(device.split(';').next().unwrap().to_owned()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled_per_address_and_overall() {
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[
            ("PORTAL_THROTTLE_PER_ADDRESS", "4"),
            ("PORTAL_THROTTLE_PER_ACCOUNT", "100"),
        ],
    )
    .await
    .unwrap();
    // A stuffing run: one wrong guess each at many different accounts from one address.
    for i in 0..4 {
        let (status, _) = app
            .post(
                "/api/sign-in",
                json!({"email": format!("victim{i}@example.com"), "password": "hunter2hunter2"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .post(
            "/api/sign-in",
            json!({"email": "victim9@example.com", "password": "hunter2hunter2"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_attempts");

    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[
            ("PORTAL_THROTTLE_GLOBAL", "3"),
            ("PORTAL_THROTTLE_PER_ADDRESS", "100"),
        ],
    )
    .await
    .unwrap();
    for i in 0..3 {
        app.post(
            "/api/sign-in",
            json!({"email": format!("v{i}@example.com"), "password": "hunter2hunter2"}),
        )
        .await;
    }
    let (status, _) = app
        .post(
            "/api/sign-in",
            json!({"email": "v3@example.com", "password": "hunter2hunter2"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the global ceiling holds across addresses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_app_is_served_with_history_fallback_caching_and_compression() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><script type=\"module\">import('/app-0123456789abcdef.js')</script>",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef.js"),
        "export const x = 1;\n".repeat(200),
    )
    .unwrap();
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[("PORTAL_DIST_DIR", dist.path().to_str().unwrap())],
    )
    .await
    .unwrap();
    let plain = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();

    let r = plain
        .get(app.url("/account/deep/link"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(r.text().await.unwrap().starts_with("<!doctype html>"));
    assert!(
        csp.contains("'sha256-"),
        "the inline loader is allowed by its hash: {csp}"
    );

    let r = plain
        .get(app.url("/app-0123456789abcdef.js"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let etag = r.headers()["etag"].clone();
    let compressed = r.bytes().await.unwrap();
    assert!(compressed.len() < 200, "{} bytes", compressed.len());
    let r = plain
        .get(app.url("/app-0123456789abcdef.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = plain
        .get(app.url("/app-0123456789abcdef.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        plain
            .get(app.url("/missing.js"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_verification_link_voids_the_old_one() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let email = unique_email("resend");
    app.register(&email, STRONG_PASSWORD).await;
    let first = app.mailbox.verification_token(&email).await;
    let (status, _) = app.post("/api/me/verification-email", json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "only a signed-in customer can ask"
    );
    app.sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
    let (status, _) = app.post("/api/me/verification-email", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The verification link, the device code, the new link.
    let mails = app.mailbox.wait_for(&email, 3).await;
    let second = common::mailbox::token_in(&mails[2].body).unwrap();
    assert_ne!(first, second);
    assert_eq!(
        app.post("/api/verify-email", json!({"token": first}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post("/api/verify-email", json!({"token": second}))
            .await
            .0,
        StatusCode::OK
    );
}

/// A client that promises a body and never sends it gets an answer instead of holding a
/// request open for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_answered_not_waited_on_for_ever() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[("PORTAL_REQUEST_TIMEOUT_SECS", "1")],
    )
    .await
    .unwrap();
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/sign-in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // Bounded, so a regression fails the test instead of hanging the suite.
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("}}") {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the server answered");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"service_unavailable\""), "{answer}");
}

/// Actions that cost a mail or an account are limited per source address whether or not they
/// succeed: sign-ups and reset requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_and_reset_requests_are_limited_per_address() {
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[
            ("PORTAL_REGISTER_PER_ADDRESS", "2"),
            ("PORTAL_THROTTLE_PER_ADDRESS", "2"),
        ],
    )
    .await
    .unwrap();
    for _ in 0..2 {
        assert_eq!(
            app.register(&unique_email("many"), STRONG_PASSWORD).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, body) = app.register(&unique_email("many"), STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_attempts");
    assert_eq!(
        app.account_count().await,
        2,
        "the refused sign-up made nothing"
    );

    for _ in 0..2 {
        let (status, _) = app
            .post("/api/password-reset", json!({"email": unique_email("r")}))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, body) = app
        .post("/api/password-reset", json!({"email": unique_email("r")}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_attempts");
}

/// The migrator keeps each applied migration's checksum: a file edited after a database applied
/// it would leave that database different from a new one, so the server refuses to start.
async fn an_applied_migration_that_was_edited_is_refused(app: TestApp) {
    app.state
        .db
        .migrate()
        .await
        .expect("a second run changes nothing");
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1")
        .bind(vec![0u8; 48])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let refused = app.state.db.migrate().await.unwrap_err();
    assert!(
        matches!(refused, sqlx::migrate::MigrateError::VersionMismatch(1)),
        "{refused}"
    );
}

/// A database the earlier, hand-rolled migrator made (its versions in `schema_migrations`, no
/// checksums) keeps its data and is carried over to sqlx's record, once.
async fn a_database_of_the_hand_rolled_migrator_is_adopted(app: TestApp) {
    let pool = &app.state.db.pool;
    app.register(&unique_email("adopted"), STRONG_PASSWORD)
        .await;
    let accounts = app.account_count().await;
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap();
    assert!(applied.len() >= 20, "{}", applied.len());
    sqlx::raw_sql(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
         DROP TABLE _sqlx_migrations",
    )
    .execute(pool)
    .await
    .unwrap();
    for (version, _) in &applied {
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'x', 0)",
        )
        .bind(version)
        .execute(pool)
        .await
        .unwrap();
    }

    app.state.db.migrate().await.expect("adopted");
    let adopted: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(adopted, applied);
    assert!(
        sqlx::query("SELECT 1 FROM schema_migrations")
            .fetch_all(pool)
            .await
            .is_err(),
        "the old record is gone"
    );
    assert_eq!(app.account_count().await, accounts);
    app.state
        .db
        .migrate()
        .await
        .expect("and then nothing to do");
    let (status, _) = app.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
}
