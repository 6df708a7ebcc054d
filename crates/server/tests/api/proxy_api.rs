//! Behind a reverse proxy: the client's address comes from forwarded headers only through
//! `PORTAL_TRUSTED_PROXIES`, and the throttles count it (per /64 for IPv6). Every request in
//! these tests comes from 127.0.0.1, so trusting 127.0.0.0/8 makes the test the proxy.
//! Also the settings that refuse to serve anyone but this machine.

use crate::common;
use crate::common::{error_code, unique_email, Backend, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Runs each `async fn(Backend)` once against SQLite and once against PostgreSQL.
macro_rules! on_both_backends_with_settings {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_backends_with_settings!(
    wrong_passwords_from_one_forwarded_address_do_not_lock_out_another,
    ipv6_clients_are_counted_per_64,
    without_trusted_proxies_a_forged_header_changes_nothing,
);

/// `None`, after saying so, when PostgreSQL is wanted and no test database is configured.
async fn spawn(backend: Backend, overrides: &[(&str, &str)]) -> Option<TestApp> {
    let app = TestApp::spawn_with(backend, overrides).await;
    if app.is_none() {
        eprintln!("skipped: PORTAL_TEST_DATABASE_URL is not set");
    }
    app
}

/// A sign-in from a new browser with these extra headers.
async fn sign_in_with(
    app: &TestApp,
    headers: &[(&str, &str)],
    email: &str,
    password: &str,
) -> (StatusCode, Value, reqwest::Client) {
    let client = app.new_client();
    let mut request = client
        .post(app.url("/api/sign-in"))
        .json(&json!({"email": email, "password": password}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let before = app.mailbox.device_code_mails(email).len();
    let (status, body) = common::read(request.send().await.unwrap()).await;
    if status != StatusCode::ACCEPTED {
        return (status, body, client);
    }
    // A new browser: the mailed code finishes the sign-in, through the same proxy.
    let (code, _) = app.mailbox.device_code(email, before + 1).await;
    let mut request = client
        .post(app.url("/api/sign-in/device-code"))
        .json(&json!({ "code": code }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, body) = common::read(request.send().await.unwrap()).await;
    (status, body, client)
}

async fn wrong_guess(app: &TestApp, headers: &[(&str, &str)]) -> StatusCode {
    let email = unique_email("victim");
    sign_in_with(app, headers, &email, "hunter2hunter2").await.0
}

/// The address the session list shows for the session `client` holds.
async fn session_address(app: &TestApp, client: &reqwest::Client) -> String {
    let r = client.get(app.url("/api/sessions")).send().await.unwrap();
    let (status, sessions) = common::read(r).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap();
    current["ip"].as_str().unwrap().to_owned()
}

async fn wrong_passwords_from_one_forwarded_address_do_not_lock_out_another(backend: Backend) {
    let Some(app) = spawn(
        backend,
        &[
            ("PORTAL_TRUSTED_PROXIES", "127.0.0.0/8"),
            ("PORTAL_THROTTLE_PER_ADDRESS", "3"),
            ("PORTAL_THROTTLE_PER_ACCOUNT", "100"),
        ],
    )
    .await
    else {
        return;
    };
    let email = unique_email("owner");
    app.register(&email, STRONG_PASSWORD).await;
    // The attacker puts a new address in front of each guess; the proxy appends the real one.
    for forged in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let xff = format!("{forged}, 203.0.113.66");
        let status = wrong_guess(&app, &[("x-forwarded-for", &xff)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body, _) = sign_in_with(
        &app,
        &[("x-forwarded-for", "198.51.100.4, 203.0.113.66")],
        &email,
        STRONG_PASSWORD,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "too_many_attempts");

    // Another customer behind the same proxy, in a browser that never signed in here.
    for (header, client) in [
        (("x-forwarded-for", "203.0.113.7"), "203.0.113.7"),
        (("forwarded", "for=203.0.113.8;proto=https"), "203.0.113.8"),
    ] {
        let (status, body, browser) = sign_in_with(&app, &[header], &email, STRONG_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{header:?}: {body}");
        assert_eq!(session_address(&app, &browser).await, client);
    }
}

async fn ipv6_clients_are_counted_per_64(backend: Backend) {
    let Some(app) = spawn(
        backend,
        &[
            ("PORTAL_TRUSTED_PROXIES", "127.0.0.1"),
            ("PORTAL_THROTTLE_PER_ADDRESS", "2"),
            ("PORTAL_THROTTLE_PER_ACCOUNT", "100"),
            ("PORTAL_REGISTER_PER_ADDRESS", "1"),
        ],
    )
    .await
    else {
        return;
    };
    for address in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
        let status = wrong_guess(&app, &[("x-forwarded-for", address)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let same_line = [("forwarded", "for=\"[2001:db8:1:2:ffff::9]:4711\"")];
    assert_eq!(
        wrong_guess(&app, &same_line).await,
        StatusCode::TOO_MANY_REQUESTS,
        "another address in the same /64 is the same line"
    );
    let next_line = [("x-forwarded-for", "2001:db8:1:3::1")];
    assert_eq!(
        wrong_guess(&app, &next_line).await,
        StatusCode::UNAUTHORIZED
    );

    // Sign-ups are counted the same way.
    let register = |address: &'static str| {
        app.client
            .post(app.url("/api/register"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": unique_email("six"), "password": STRONG_PASSWORD}))
            .send()
    };
    assert_eq!(
        register("2001:db8:9:9::1").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        register("2001:db8:9:9::2").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.account_count().await,
        1,
        "the refused sign-up made nothing"
    );
}

async fn without_trusted_proxies_a_forged_header_changes_nothing(backend: Backend) {
    let Some(app) = spawn(
        backend,
        &[
            ("PORTAL_THROTTLE_PER_ADDRESS", "3"),
            ("PORTAL_THROTTLE_PER_ACCOUNT", "100"),
        ],
    )
    .await
    else {
        return;
    };
    let email = unique_email("owner");
    app.register(&email, STRONG_PASSWORD).await;
    for forged in ["198.51.100.1", "198.51.100.2", "2001:db8::1"] {
        let forwarded = format!("for=\"{forged}\"");
        let headers = [("x-forwarded-for", forged), ("forwarded", &forwarded)];
        assert_eq!(wrong_guess(&app, &headers).await, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = sign_in_with(
        &app,
        &[("x-forwarded-for", "203.0.113.7")],
        &email,
        STRONG_PASSWORD,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "every guess counted against 127.0.0.1, whatever the header said"
    );
}

fn production(data_dir: &std::path::Path, extra: &[(&str, &str)]) -> portal_server::config::Config {
    let mut env = vec![
        ("PORTAL_DATA_DIR", data_dir.to_str().unwrap().to_owned()),
        ("PORTAL_PUBLIC_URL", "https://wallet.example".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    portal_server::config::Config::from_lookup(|k| {
        env.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

async fn refusal(config: portal_server::config::Config) -> String {
    match portal_server::AppState::new(config).await {
        Ok(_) => panic!("started"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn off_this_machine_test_cards_and_logged_links_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = ("PORTAL_SMTP_URL", "smtp://127.0.0.1:1");
    let err = refusal(production(dir.path(), &[smtp])).await;
    assert!(err.contains("PORTAL_CARD_PROCESSOR=simulated"), "{err}");
    let err = refusal(production(
        dir.path(),
        &[("PORTAL_CARD_PROCESSOR", "simulated")],
    ))
    .await;
    assert!(err.contains("set PORTAL_SMTP_URL"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn off_this_machine_a_secret_key_others_can_read_refuses_to_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("secret.key");
    std::fs::write(&key, hex::encode([7u8; 32])).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let settings = [
        ("PORTAL_SMTP_URL", "smtp://127.0.0.1:1"),
        ("PORTAL_CARD_PROCESSOR", "simulated"),
    ];
    let err = refusal(production(dir.path(), &settings)).await;
    assert!(err.contains("chmod 600"), "{err}");
}
