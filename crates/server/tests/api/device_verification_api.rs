//! Device verification: a right password from a browser that has not proved itself, on an
//! account without a second factor, opens nothing until the code mailed to the account comes
//! back from that same browser (docs/threat-model.md#t16).

use crate::common::factor::{get_with, post_with};
use crate::common::{error_code, read, unique_email, TestApp, STRONG_PASSWORD};
use hmac::{Hmac, Mac};
use reqwest::cookie::CookieStore;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Sha256;

on_both_backends!(
    a_new_browser_needs_the_mailed_code_once,
    a_code_finishes_only_the_attempt_it_was_mailed_for,
    wrong_expired_and_reused_codes_are_refused,
    wrong_codes_are_throttled_like_passwords,
    the_not_me_link_ends_the_attempt,
    a_payment_code_is_shown_only_in_a_verified_browser,
    signing_every_other_device_out_forgets_them,
    a_device_cookie_is_trusted_for_the_configured_days_only,
    device_code_mails_are_limited,
    malformed_codes_are_clean_errors,
);

/// The code mailed for the `n`th device verification of `email`.
async fn code(app: &TestApp, email: &str, n: usize) -> String {
    app.mailbox.device_code(email, n).await.0
}

async fn give_code(
    app: &TestApp,
    browser: &reqwest::Client,
    code: &str,
) -> (StatusCode, serde_json::Value) {
    post_with(
        app,
        browser,
        "/api/sign-in/device-code",
        json!({ "code": code }),
    )
    .await
}

/// A customer whose own browser (`app.client`) is verified.
async fn customer(app: &TestApp, tag: &str) -> String {
    let email = unique_email(tag);
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    email
}

/// A six-digit code that is not `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn a_new_browser_needs_the_mailed_code_once(app: TestApp) {
    let email = customer(&app, "new-browser").await;
    let laptop = app.new_client();
    let before = portal_server::clock::now();
    let (status, body) = app.sign_in_with(&laptop, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "device_verification_required");
    let expires_at = body["expires_at"].as_i64().unwrap();
    assert!(
        (before + 600..=before + 602).contains(&expires_at),
        "{body}"
    );
    // No session yet: the password alone opened nothing.
    let (status, _) = get_with(&app, &laptop, "/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post_with(&app, &laptop, "/api/payment-codes", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, me) = give_code(&app, &laptop, &code(&app, &email, 1).await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], email);
    let (status, _) = post_with(&app, &laptop, "/api/payment-codes", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // Remembered: the next sign-in there is direct and mails nothing.
    post_with(&app, &laptop, "/api/sign-out", json!({})).await;
    let (status, _) = app.sign_in_with(&laptop, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.mailbox.device_code_mails(&email).len(), 1);
    // The customer's own browser, verified by the link in the first mail, never was asked.
    post_with(&app, &app.client, "/api/sign-out", json!({})).await;
    let (status, _) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

async fn a_code_finishes_only_the_attempt_it_was_mailed_for(app: TestApp) {
    let email = customer(&app, "two-attempts").await;
    let (mine, thief) = (app.new_client(), app.new_client());
    app.sign_in_with(&mine, &email, STRONG_PASSWORD).await;
    let my_code = code(&app, &email, 1).await;
    app.sign_in_with(&thief, &email, STRONG_PASSWORD).await;
    let thief_code = code(&app, &email, 2).await;
    assert_ne!(my_code, thief_code);

    let (status, body) = give_code(&app, &thief, &my_code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "code_invalid");
    let (status, body) = give_code(&app, &mine, &thief_code).await;
    assert_eq!(error_code(&body), "code_invalid", "{status}");
    let (status, _) = give_code(&app, &mine, &my_code).await;
    assert_eq!(status, StatusCode::OK);
    // A browser without any pending sign-in cannot use a code either.
    let (status, body) = give_code(&app, &app.new_client(), &thief_code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "sign_in_expired");
}

async fn wrong_expired_and_reused_codes_are_refused(app: TestApp) {
    let email = customer(&app, "bad-codes").await;

    // Five wrong codes end the attempt: the right one no longer works.
    let browser = app.new_client();
    app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    let right = code(&app, &email, 1).await;
    for _ in 0..4 {
        let (_, body) = give_code(&app, &browser, &other_than(&right)).await;
        assert_eq!(error_code(&body), "code_invalid");
    }
    let (_, body) = give_code(&app, &browser, &other_than(&right)).await;
    assert_eq!(error_code(&body), "code_invalid");
    let (_, body) = give_code(&app, &browser, &right).await;
    assert_eq!(error_code(&body), "sign_in_expired");
    // Those five wrong codes also filled the account's throttle window; start a new one.
    sqlx::query("DELETE FROM throttle_counters")
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    // Expired after ten minutes.
    let (browser, jar) = app.new_browser();
    app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    let right = code(&app, &email, 2).await;
    sqlx::query("UPDATE pending_sign_ins SET expires_at = expires_at - 601")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, body) = give_code(&app, &browser, &right).await;
    assert_eq!(error_code(&body), "sign_in_expired");

    // Used once: the same cookie and code again, sent by hand after the browser cleared it.
    app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    let right = code(&app, &email, 3).await;
    let pending = jar.cookies(&app.base.parse().unwrap()).unwrap();
    let (status, _) = give_code(&app, &browser, &right).await;
    assert_eq!(status, StatusCode::OK);
    let replay = reqwest::Client::new()
        .post(app.url("/api/sign-in/device-code"))
        .header("origin", &app.base)
        .header("cookie", pending)
        .json(&json!({ "code": right }))
        .send()
        .await
        .unwrap();
    let (status, body) = read(replay).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "sign_in_expired");
}

async fn wrong_codes_are_throttled_like_passwords(app: TestApp) {
    let email = customer(&app, "guessing").await;
    let limit = app.state.config.throttle.per_account as usize;
    let browser = app.new_client();
    app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    let right = code(&app, &email, 1).await;
    // Junk could never be a code: it costs no guess.
    for junk in ["abcdef", "12345", "", "１２３４５６"] {
        let (_, body) = give_code(&app, &browser, junk).await;
        assert_eq!(error_code(&body), "code_invalid", "{junk:?}");
    }
    for _ in 0..limit - 1 {
        let (_, body) = give_code(&app, &browser, &other_than(&right)).await;
        assert_eq!(error_code(&body), "code_invalid");
    }
    let (status, _) = give_code(&app, &browser, &right).await;
    assert_eq!(status, StatusCode::OK, "junk did not use up the guesses");

    // Wrong codes and wrong passwords add up for the account, from any new browser.
    for n in 0..limit - 1 {
        let other = app.new_client();
        let (status, _) = app.sign_in_with(&other, &email, STRONG_PASSWORD).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let right = code(&app, &email, n + 2).await;
        let (_, body) = give_code(&app, &other, &other_than(&right)).await;
        assert_eq!(error_code(&body), "code_invalid");
    }
    let (status, _) = app
        .sign_in_with(&app.new_client(), &email, "not the password 1234")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .sign_in_with(&app.new_client(), &email, STRONG_PASSWORD)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // The owner's own browser is counted apart and still gets in.
    post_with(&app, &app.client, "/api/sign-out", json!({})).await;
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
}

async fn the_not_me_link_ends_the_attempt(app: TestApp) {
    let email = customer(&app, "not-me").await;
    let thief = app.new_client();
    app.sign_in_with(&thief, &email, STRONG_PASSWORD).await;
    let (code, not_me) = app.mailbox.device_code(&email, 1).await;

    let (status, body) = app
        .post("/api/sign-in/not-me", json!({ "token": not_me }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"status": "sign_in_ended"}));
    let (status, body) = give_code(&app, &thief, &code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "sign_in_expired");
    assert_eq!(
        get_with(&app, &thief, "/api/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    // Used once; junk and forged links are the same one answer.
    for token in [not_me.as_str(), "", "forged", &"x".repeat(10_000)] {
        let (status, body) = app
            .post("/api/sign-in/not-me", json!({ "token": token }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{token:.20}");
        assert_eq!(error_code(&body), "token_invalid");
    }
    // The customer's own session is untouched.
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
}

async fn a_payment_code_is_shown_only_in_a_verified_browser(app: TestApp) {
    let c = app.customer("pay-device", "en").await;
    assert_eq!(
        c.post("/api/payment-codes", json!({})).await.0,
        StatusCode::OK
    );
    // The same session without the device cookie: a stolen session cookie, say.
    let header = c.cookie_header();
    let session_only: Vec<&str> = header
        .split("; ")
        .filter(|kv| kv.starts_with("session="))
        .collect();
    assert_eq!(session_only.len(), 1, "{header}");
    let bare = reqwest::Client::new();
    let r = bare
        .get(c.url("/api/me"))
        .header("cookie", session_only[0])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the session itself is valid");
    let r = bare
        .post(c.url("/api/payment-codes"))
        .header("origin", &app.base)
        .header("cookie", session_only[0])
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "device_not_verified");
}

async fn signing_every_other_device_out_forgets_them(app: TestApp) {
    let email = customer(&app, "forget").await;
    let laptop = app.new_client();
    app.sign_in_new_browser(&laptop, &email, STRONG_PASSWORD)
        .await;
    let (status, body) = app.post("/api/sessions/revoke-others", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked"], 1);
    // The laptop's device cookie is no longer trusted: a mailed code again.
    let (status, body) = app.sign_in_with(&laptop, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    // The browser that signed the others out stays trusted.
    post_with(&app, &app.client, "/api/sign-out", json!({})).await;
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
    assert_eq!(
        app.post("/api/payment-codes", json!({})).await.0,
        StatusCode::OK
    );
}

/// A device cookie as the server signs it (`generation.issued_at.nonce.signature`, the HMAC of
/// the email key and the rest under the secret key), issued at `issued_at`.
fn device_cookie(app: &TestApp, email: &str, issued_at: i64) -> String {
    let nonce = "test-nonce";
    let mut mac = Hmac::<Sha256>::new_from_slice(&app.state.secret_key[..]).unwrap();
    for part in [
        email.to_lowercase(),
        "0".into(),
        issued_at.to_string(),
        nonce.into(),
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    let sig = hex::encode(mac.finalize().into_bytes());
    format!("device=0.{issued_at}.{nonce}.{sig}")
}

async fn a_device_cookie_is_trusted_for_the_configured_days_only(app: TestApp) {
    assert_eq!(app.state.config.device_trust.as_secs(), 90 * 86_400);
    let email = customer(&app, "old-cookie").await;
    let now = portal_server::clock::now();
    let sign_in_carrying = |cookie: String| {
        let request = reqwest::Client::new()
            .post(app.url("/api/sign-in"))
            .header("origin", &app.base)
            .header("cookie", cookie)
            .json(&json!({"email": email, "password": STRONG_PASSWORD}));
        async move { request.send().await.unwrap().status() }
    };
    // The forged-here cookie is the genuine article: issued a day ago, it is trusted...
    assert_eq!(
        sign_in_carrying(device_cookie(&app, &email, now - 86_400)).await,
        StatusCode::OK
    );
    // ...90 days ago, it is not, whatever Max-Age the browser kept it for.
    assert_eq!(
        sign_in_carrying(device_cookie(&app, &email, now - 90 * 86_400)).await,
        StatusCode::ACCEPTED
    );
    // Nor is one for another account, or with a signature changed.
    assert_eq!(
        sign_in_carrying(device_cookie(&app, "someone@example.com", now)).await,
        StatusCode::ACCEPTED
    );
    let mut tampered = device_cookie(&app, &email, now);
    tampered.replace_range(tampered.len() - 1.., "0");
    if tampered == device_cookie(&app, &email, now) {
        tampered.replace_range(tampered.len() - 1.., "1");
    }
    assert_eq!(sign_in_carrying(tampered).await, StatusCode::ACCEPTED);
}

async fn device_code_mails_are_limited(app: TestApp) {
    let email = customer(&app, "flood").await;
    let limit = app.state.config.throttle.per_account as usize;
    for _ in 0..limit {
        let (status, _) = app
            .sign_in_with(&app.new_client(), &email, STRONG_PASSWORD)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, body) = app
        .sign_in_with(&app.new_client(), &email, STRONG_PASSWORD)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "too_many_attempts");
    app.mailbox.device_code(&email, limit).await;
    assert_eq!(app.count_mails_settled(&email, "sign-in code").await, limit);
}

async fn malformed_codes_are_clean_errors(app: TestApp) {
    let email = customer(&app, "malformed").await;
    let browser = app.new_client();
    app.sign_in_with(&browser, &email, STRONG_PASSWORD).await;
    let right = code(&app, &email, 1).await;
    for body in [
        json!({}),
        json!({ "code": 123456 }),
        json!({ "code": null }),
        json!({ "code": right, "extra": 1 }),
    ] {
        let (status, answer) =
            post_with(&app, &browser, "/api/sign-in/device-code", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid_json");
    }
    for code in [
        "<b>1</b>",
        "1\n2\n3",
        "😀😀😀😀😀😀",
        "123456' OR '1'='1",
        &"9".repeat(100_000),
    ] {
        let (status, answer) = give_code(&app, &browser, code).await;
        assert!(status.is_client_error(), "{status}");
        assert!(
            ["code_invalid", "payload_too_large"].contains(&error_code(&answer)),
            "{answer}"
        );
    }
    // None of that cost the attempt: the right code still works.
    let (status, _) = give_code(&app, &browser, &right).await;
    assert_eq!(status, StatusCode::OK);
}
