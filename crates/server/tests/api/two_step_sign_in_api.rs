//! Signing in to an account with two-step verification, attacked straight at the API
//! (docs/threat-model.md#t1, #t2): the password alone never makes a session.

use crate::common;
use crate::common::factor::{get_with, post_with};
use crate::common::{error_code, read, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    the_password_alone_never_makes_a_session,
    no_forged_or_expired_pending_sign_in_is_finished,
    a_pending_sign_in_dies_after_five_wrong_codes,
    a_code_used_once_does_not_sign_in_again,
    a_recovery_code_signs_in_once,
    one_pending_sign_in_makes_one_session,
    wrong_codes_are_throttled_like_passwords,
    junk_codes_for_a_live_pending_sign_in_are_clean_refusals,
);

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value<'a>(cookies: &'a [String], name: &str) -> Option<&'a str> {
    cookies.iter().find_map(|c| {
        c.split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
    })
}

/// A 2FA customer whose own browser (`app.client`, with its device cookie) is signed out.
async fn signed_out_2fa_customer(app: &TestApp, email: &str) -> common::factor::Authenticator {
    let (phone, _) = app.customer_with_2fa(email).await;
    let r = app
        .client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    phone
}

/// Password, then a session-less 202 with only the pending cookie: its value.
async fn password_step(app: &TestApp, email: &str) -> String {
    let r = reqwest::Client::new()
        .post(app.url("/api/sign-in"))
        .header("origin", &app.base)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let cookies = set_cookies(&r);
    cookie_value(&cookies, "pending-sign-in")
        .unwrap()
        .to_owned()
}

async fn second_factor(app: &TestApp, cookie: Option<&str>, code: &str) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/sign-in/second-factor"))
        .header("origin", &app.base)
        .json(&json!({"code": code}));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn the_password_alone_never_makes_a_session(app: TestApp) {
    let email = unique_email("2fa-sign-in");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let browser = reqwest::Client::new();
    let before = portal_server::clock::now();
    let r = browser
        .post(app.url("/api/sign-in"))
        .header("origin", &app.base)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let cookies = set_cookies(&r);
    assert_eq!(cookies.len(), 1, "only the pending cookie: {cookies:?}");
    let pending = &cookies[0];
    assert!(pending.starts_with("pending-sign-in="), "{pending}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=300"] {
        assert!(pending.contains(attribute), "{pending}");
    }
    let token = cookie_value(&cookies, "pending-sign-in")
        .unwrap()
        .to_owned();
    assert!(token.len() >= 43);
    let (_, body) = read(r).await;
    assert_eq!(body["status"], "second_factor_required");
    let expires = body["expires_at"].as_i64().unwrap();
    assert!(expires >= before + 300 && expires <= portal_server::clock::now() + 300);
    assert!(
        body.get("id").is_none() && body.get("email").is_none(),
        "{body}"
    );

    // No session anywhere: not for the pending cookie, not in the store.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    for cookie in [
        format!("session={token}"),
        format!("pending-sign-in={token}"),
    ] {
        let r = browser
            .get(app.url("/api/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{cookie}");
    }
    let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM pending_sign_ins")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "stored hashed");

    let cookie = format!("pending-sign-in={token}");
    let r = second_factor(&app, Some(&cookie), &phone.next_code().await).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookies = set_cookies(&r);
    let session = cookie_value(&cookies, "session").expect("a session now");
    assert!(cookie_value(&cookies, "device").is_some(), "{cookies:?}");
    assert_eq!(
        cookie_value(&cookies, "pending-sign-in"),
        Some(""),
        "cleared"
    );
    let (_, me) = read(r).await;
    assert_eq!(me["email"], email);
    assert_eq!(me["totp_enabled"], true);
    let r = browser
        .get(app.url("/api/me"))
        .header("cookie", format!("session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The pending sign-in is spent.
    let r = second_factor(&app, Some(&cookie), &phone.next_code().await).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&read(r).await.1), "sign_in_expired");
}

async fn no_forged_or_expired_pending_sign_in_is_finished(app: TestApp) {
    let email = unique_email("forged");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let code = phone.next_code().await;
    let token = password_step(&app, &email).await;
    let forged = [
        None,
        Some("pending-sign-in=".to_owned()),
        Some("pending-sign-in=AAAA".to_owned()),
        Some(format!("pending-sign-in={}", "A".repeat(43))),
        Some(format!("pending-sign-in={}", "A".repeat(5000))),
        Some(format!("pending-sign-in={}x", token)),
        Some(format!("session={token}")),
        Some(format!("Pending-Sign-In={token}")),
    ];
    for cookie in &forged {
        let r = second_factor(&app, cookie.as_deref(), &code).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{cookie:?}");
        let clears = set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("pending-sign-in=;"));
        assert!(clears, "{cookie:?}");
        assert_eq!(error_code(&read(r).await.1), "sign_in_expired");
    }
    // Five minutes later (moved back in the store rather than waited for).
    sqlx::query("UPDATE pending_sign_ins SET expires_at = $1")
        .bind(portal_server::clock::now())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = second_factor(&app, Some(&format!("pending-sign-in={token}")), &code).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&read(r).await.1), "sign_in_expired");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // The code was not used up by any of that.
    let token = password_step(&app, &email).await;
    let r = second_factor(&app, Some(&format!("pending-sign-in={token}")), &code).await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn a_pending_sign_in_dies_after_five_wrong_codes(app: TestApp) {
    let email = unique_email("five");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let token = password_step(&app, &email).await;
    let cookie = format!("pending-sign-in={token}");
    for guess in ["000000", "111111", "222222", "AAAAA-AAAAA", "333333"] {
        let r = second_factor(&app, Some(&cookie), guess).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&read(r).await.1), "code_invalid");
    }
    let r = second_factor(&app, Some(&cookie), &phone.next_code().await).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&read(r).await.1), "sign_in_expired");
    // And the account's sign-in counter took the five as it takes wrong passwords: a new
    // browser waits, even with the right password.
    let r = reqwest::Client::new()
        .post(app.url("/api/sign-in"))
        .header("origin", &app.base)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // The owner's remembered browser is counted apart, and still signs in.
    let (status, body) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = phone.next_code().await;
    let (status, me) = app
        .post("/api/sign-in/second-factor", json!({"code": code}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
}

async fn a_code_used_once_does_not_sign_in_again(app: TestApp) {
    let email = unique_email("replayed");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let code = phone.next_code().await;
    let first = password_step(&app, &email).await;
    let r = second_factor(&app, Some(&format!("pending-sign-in={first}")), &code).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Someone who watched the code being typed, with the password, in another browser.
    let second = password_step(&app, &email).await;
    let cookie = format!("pending-sign-in={second}");
    let r = second_factor(&app, Some(&cookie), &code).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&read(r).await.1), "code_invalid");
    let r = second_factor(&app, Some(&cookie), &phone.next_code().await).await;
    assert_eq!(r.status(), StatusCode::OK, "a fresh code does");
}

async fn a_recovery_code_signs_in_once(app: TestApp) {
    let email = unique_email("lost-phone");
    let (_, codes) = app.customer_with_2fa(&email).await;
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    let (status, _) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, me) = app
        .post(
            "/api/sign-in/second-factor",
            json!({"code": codes[5].to_lowercase()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["recovery_codes_left"], 9);
    let mail = app
        .mail_with_subject(&email, "A recovery code was used")
        .await;
    assert!(mail.body.contains("9 unused"), "{}", mail.body);

    let other = app.new_client();
    let (status, _) = post_with(
        &app,
        &other,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = post_with(
        &app,
        &other,
        "/api/sign-in/second-factor",
        json!({"code": codes[5]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "code_invalid");
    assert_eq!(
        get_with(&app, &other, "/api/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn one_pending_sign_in_makes_one_session(app: TestApp) {
    let email = unique_email("twice");
    let (mut phone, codes) = app.customer_with_2fa(&email).await;
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    let token = password_step(&app, &email).await;
    let cookie = format!("pending-sign-in={token}");
    let code = phone.next_code().await;
    // Two right codes at once with the same pending cookie: one session, not two.
    let (a, b) = tokio::join!(
        second_factor(&app, Some(&cookie), &code),
        second_factor(&app, Some(&cookie), &codes[0]),
    );
    let statuses = [a.status(), b.status()];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

async fn wrong_codes_are_throttled_like_passwords(app: TestApp) {
    let email = unique_email("stuffed");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let limit = app.state.config.throttle.per_account;
    // Each attempt from a fresh pending sign-in, so the per-row limit does not end it first.
    let mut last = String::new();
    for _ in 0..limit {
        last = password_step(&app, &email).await;
        let r = second_factor(&app, Some(&format!("pending-sign-in={last}")), "123456").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/sign-in"))
        .header("origin", &app.base)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a right password does not reset the count"
    );
    // A pending sign-in still alive cannot go on guessing either, even with the right code.
    let r = second_factor(
        &app,
        Some(&format!("pending-sign-in={last}")),
        &phone.next_code().await,
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&read(r).await.1), "too_many_attempts");
}

/// On https the pending cookie is `__Host-` and `Secure`, like the session cookie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_pending_cookies_are_host_only_and_secure() {
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[("PORTAL_PUBLIC_URL", "https://wallet.example")],
    )
    .await
    .unwrap();
    let email = unique_email("tls-2fa");
    let origin = ("origin", "https://wallet.example");
    let client = reqwest::Client::new();
    client
        .post(app.url("/api/register"))
        .header(origin.0, origin.1)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    // Two-step verification switched on in the store, as totp_enroll_confirm would.
    let secret = portal_server::identity::factors::totp::Secret::generate();
    let (id,): (String,) = sqlx::query_as("SELECT id FROM accounts WHERE email_key = $1")
        .bind(email.to_lowercase())
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let sealed = portal_server::secret_box::SecretBox::new(&app.state.secret_key)
        .seal(secret.as_bytes(), id.as_bytes());
    sqlx::query("UPDATE accounts SET totp_secret = $1, totp_enabled_at = 1 WHERE id = $2")
        .bind(&sealed)
        .bind(&id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let r = client
        .post(app.url("/api/sign-in"))
        .header(origin.0, origin.1)
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let cookies = set_cookies(&r);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(
        cookies[0].starts_with("__Host-pending-sign-in=") && cookies[0].contains("; Secure"),
        "{cookies:?}"
    );
    let token = cookie_value(&cookies, "__Host-pending-sign-in").unwrap();
    // The unprefixed name means nothing on https.
    let now = common::factor::steady_now().await;
    let code = portal_server::identity::factors::totp::code_at(&secret, now);
    let r = client
        .post(app.url("/api/sign-in/second-factor"))
        .header(origin.0, origin.1)
        .header("cookie", format!("pending-sign-in={token}"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = client
        .post(app.url("/api/sign-in/second-factor"))
        .header(origin.0, origin.1)
        .header("cookie", format!("__Host-pending-sign-in={token}"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookies = set_cookies(&r);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-session=") && c.contains("; Secure")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-pending-sign-in=;") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
}

async fn junk_codes_for_a_live_pending_sign_in_are_clean_refusals(app: TestApp) {
    let email = unique_email("junk-code");
    let mut phone = signed_out_2fa_customer(&app, &email).await;
    let token = password_step(&app, &email).await;
    let cookie = format!("pending-sign-in={token}");
    let bodies: Vec<String> = vec![
        "".into(),
        "{".into(),
        "[]".into(),
        r#"{"code": 123456}"#.into(),
        r#"{"code": null}"#.into(),
        r#"{"code": "123456", "password": "x"}"#.into(),
        json!({"code": "x".repeat(20_000)}).to_string(),
    ];
    for body in &bodies {
        let r = reqwest::Client::new()
            .post(app.url("/api/sign-in/second-factor"))
            .header("origin", &app.base)
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let (_, answer) = read(r).await;
        assert!(status.is_client_error(), "{body:?}: {status} {answer}");
        assert_eq!(
            error_code(&answer),
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_json"
            },
            "{body:?}"
        );
    }
    // Well-formed JSON, junk codes: refused as codes, and not counted as guesses.
    for junk in [
        "",
        "\u{0}\u{7}",
        "１２３４５６",
        "'; DROP TABLE accounts;--",
        &"9".repeat(5000),
    ] {
        let r = second_factor(&app, Some(&cookie), junk).await;
        let status = r.status();
        let (_, answer) = read(r).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{junk:?}: {answer}");
        assert!(["code_invalid", "sign_in_expired"].contains(&error_code(&answer)));
    }
    let (n,): (i64,) = sqlx::query_as(
        // A slot taken and given back leaves its row at 0.
        "SELECT COUNT(*) FROM throttle_counters
         WHERE (key LIKE 'sign-in:%' OR key LIKE 'reauth:%') AND count > 0",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 0, "junk is not a guess");
    // Five of those used up that pending sign-in; a fresh one with a real code works.
    let token = password_step(&app, &email).await;
    let r = second_factor(
        &app,
        Some(&format!("pending-sign-in={token}")),
        &phone.next_code().await,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}
