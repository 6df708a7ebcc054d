//! Forgotten and changed passwords, attacked straight at the API
//! (docs/threat-model.md#t3, #t4, #t5, #t7, #t8).

use crate::common;
use crate::common::{error_code, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

const NEW_PASSWORD: &str = "amber-lighthouse-quilt-62-marmot";

on_both_backends!(
    the_link_goes_only_to_the_address_on_file,
    every_address_gets_the_same_answer,
    a_reset_ends_every_session_and_the_token_works_once,
    an_older_link_dies_when_a_newer_one_is_sent,
    signing_in_voids_an_outstanding_link,
    expired_links_do_not_work,
    knowledge_facts_are_never_enough,
    a_weak_new_password_keeps_the_link_alive,
    changing_the_password_signs_out_every_other_browser,
    a_reset_while_2fa_is_on_without_a_code,
    a_reset_while_2fa_is_on_with_a_wrong_code,
    a_reset_while_2fa_is_on_with_a_recovery_code,
    wrong_reset_codes_are_throttled_and_keep_the_link,
);

fn reset_token_in(body: &str) -> String {
    let start =
        body.find("/reset-password?token=").expect("a reset link") + "/reset-password?token=".len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn complete(
    app: &TestApp,
    token: &str,
    new_password: &str,
) -> (StatusCode, serde_json::Value) {
    app.post(
        "/api/password-reset/complete",
        json!({"token": token, "new_password": new_password}),
    )
    .await
}

/// Asks for a reset link for `email` and returns the token from the mail that arrives.
async fn request_reset_link(app: &TestApp, email: &str) -> String {
    let before = app.mailbox.all_for(email).len();
    let (status, _) = app
        .post("/api/password-reset", json!({"email": email}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Other mail (a security notice) may arrive meanwhile: take the first new reset link.
    for n in before + 1.. {
        let mails = app.mailbox.wait_for(email, n).await;
        if let Some(m) = mails[before..]
            .iter()
            .find(|m| m.body.contains("/reset-password?token="))
        {
            return reset_token_in(&m.body);
        }
    }
    unreachable!()
}

/// A verified customer who has signed in once (so has a device) and signed out again.
async fn signed_out_customer(app: &TestApp, email: &str) {
    app.signed_in_customer(email, STRONG_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

/// T3/T4: 7pay mailed the link to any address the client named. Here every such field is
/// ignored: the victim's own mailbox gets the link and the attacker's gets nothing.
async fn the_link_goes_only_to_the_address_on_file(app: TestApp) {
    let victim = unique_email("victim");
    app.signed_in_customer(&victim, STRONG_PASSWORD).await;
    let attacker = unique_email("attacker");
    let (status, body) = app
        .post(
            "/api/password-reset",
            json!({
                "email": victim, "send_to": attacker, "to": attacker, "destination": attacker,
                "email_to": attacker, "recipient": attacker, "phone": "+81-90-0000-0000",
                "birth_date": "1990-01-01", "member_id": "0000001"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mails = app.mailbox.wait_for(&victim, 2).await;
    assert!(mails[1].subject.contains("Reset your"), "{:?}", mails[1]);
    assert!(
        app.mailbox.all_for(&attacker).is_empty(),
        "nothing reaches the attacker"
    );
}

/// T7: an unverified address is not sent a link; nobody learns which case applied.
async fn every_address_gets_the_same_answer(app: TestApp) {
    let verified = unique_email("verified");
    app.signed_in_customer(&verified, STRONG_PASSWORD).await;
    let unverified = unique_email("unverified");
    app.register(&unverified, STRONG_PASSWORD).await;
    let nobody = unique_email("nobody");
    let answers = [
        app.post("/api/password-reset", json!({"email": verified}))
            .await,
        app.post("/api/password-reset", json!({"email": unverified}))
            .await,
        app.post("/api/password-reset", json!({"email": nobody}))
            .await,
    ];
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    app.mailbox.wait_for(&verified, 2).await;
    // Give the outbox time to deliver anything it wrongly queued, then look.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        app.mailbox.all_for(&unverified).len(),
        1,
        "only the sign-up mail"
    );
    let (queued,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE recipient = $1")
        .bind(&unverified)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1);
}

/// T8: a finished reset ends every session at once; the token is single-use and stored hashed.
async fn a_reset_ends_every_session_and_the_token_works_once(app: TestApp) {
    let email = unique_email("reset");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let other_browser = app.new_client();
    other_browser
        .post(app.url("/api/sign-in"))
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = request_reset_link(&app, &email).await;
    assert!(token.len() >= 43, "at least 256 bits");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM password_resets WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "stored hashed");

    let (status, body) = complete(&app, &token, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.get("/api/me").await.0,
        StatusCode::UNAUTHORIZED,
        "this browser is signed out"
    );
    let r = other_browser.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "and so is every other"
    );
    // (The other browser's sign-in was reported as a new device too, so look by subject.)
    let mail = app.mail_with_subject(&email, "password was changed").await;
    assert!(mail.body.contains("signed out"), "{mail:?}");

    let (status, body) = complete(&app, &token, "x-another-long-one-99").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid", "used twice");
    assert_eq!(
        app.sign_in(&email, STRONG_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.sign_in(&email, NEW_PASSWORD).await.0, StatusCode::OK);
}

async fn an_older_link_dies_when_a_newer_one_is_sent(app: TestApp) {
    let email = unique_email("twice");
    signed_out_customer(&app, &email).await;
    let old = request_reset_link(&app, &email).await;
    let new = request_reset_link(&app, &email).await;
    let (status, body) = complete(&app, &old, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid");
    let (status, _) = complete(&app, &new, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

async fn signing_in_voids_an_outstanding_link(app: TestApp) {
    let email = unique_email("remembered");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let token = request_reset_link(&app, &email).await;
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
    let (status, body) = complete(&app, &token, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid");
}

async fn expired_links_do_not_work(app: TestApp) {
    let email = unique_email("late");
    signed_out_customer(&app, &email).await;
    let token = request_reset_link(&app, &email).await;
    let (expires, created): (i64, i64) =
        sqlx::query_as("SELECT expires_at, created_at FROM password_resets")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(expires - created, 30 * 60, "valid for 30 minutes");
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(portal_server::clock::now())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, _) = complete(&app, &token, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// T5: 7pay reset a password for anyone who knew a birth date, phone number and member ID.
async fn knowledge_facts_are_never_enough(app: TestApp) {
    let email = unique_email("facts");
    signed_out_customer(&app, &email).await;
    let facts =
        json!({"birth_date": "1990-01-01", "phone": "+81-90-0000-0000", "member_id": "0000001"});
    for body in [
        json!({"email": email, "new_password": NEW_PASSWORD, "birth_date": "1990-01-01", "phone": "+81-90-0000-0000", "member_id": "0000001"}),
        json!({"token": "", "new_password": NEW_PASSWORD}),
        json!({"token": email, "new_password": NEW_PASSWORD}),
        facts,
    ] {
        let (status, answer) = app.post("/api/password-reset/complete", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(["invalid_json", "token_invalid"].contains(&error_code(&answer)));
    }
    assert_eq!(
        app.sign_in(&email, STRONG_PASSWORD).await.0,
        StatusCode::OK,
        "the password is unchanged"
    );
}

async fn a_weak_new_password_keeps_the_link_alive(app: TestApp) {
    let email = unique_email("weak");
    signed_out_customer(&app, &email).await;
    let token = request_reset_link(&app, &email).await;
    for (password, code) in [
        ("short", "password_too_short"),
        ("password1234", "password_breached"),
        (&email[..], "password_weak"),
    ] {
        let (status, body) = complete(&app, &token, password).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&body), code);
        assert_eq!(body["error"]["field"], "new_password");
    }
    let (status, _) = complete(&app, &token, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

/// T8: 7pay's web password change left the app signed in. Here every other session ends.
async fn changing_the_password_signs_out_every_other_browser(app: TestApp) {
    let email = unique_email("change");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let phone = app.new_client();
    app.sign_in_new_browser(&phone, &email, STRONG_PASSWORD)
        .await;
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::OK
    );

    // A session that has not just proved it is the customer cannot change the password, even
    // with the right current password.
    let (status, body) = app
        .post(
            "/api/me/password",
            json!({"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "step_up_required");
    let (status, body) = app
        .post("/api/me/step-up", json!({"password": STRONG_PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = app
        .post(
            "/api/me/password",
            json!({"current_password": "not-it-at-all-1", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "invalid_credentials");
    assert_eq!(body["error"]["field"], "current_password");
    let (status, body) = app
        .post(
            "/api/me/password",
            json!({"current_password": STRONG_PASSWORD, "new_password": "password1234"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "new_password");
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::OK,
        "refusals change nothing"
    );

    let (status, body) = app
        .post(
            "/api/me/password",
            json!({"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the other browser is out at once"
    );
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK, "this one stays");
    app.mail_with_subject(&email, "password was changed").await;
    assert_eq!(app.sign_in(&email, NEW_PASSWORD).await.0, StatusCode::OK);

    let anon = reqwest::Client::new();
    let r = anon
        .post(app.url("/api/me/password"))
        .json(&json!({"current_password": NEW_PASSWORD, "new_password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn complete_with_code(
    app: &TestApp,
    token: &str,
    new_password: &str,
    code: &str,
) -> (StatusCode, serde_json::Value) {
    app.post(
        "/api/password-reset/complete",
        json!({"token": token, "new_password": new_password, "code": code}),
    )
    .await
}

/// A 2FA customer, signed out, with a reset link from the mail.
async fn signed_out_2fa_customer_with_link(
    app: &TestApp,
    email: &str,
) -> (common::factor::Authenticator, Vec<String>, String) {
    let (phone, codes) = app.customer_with_2fa(email).await;
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    let token = request_reset_link(app, email).await;
    (phone, codes, token)
}

/// T2/T3: with two-step verification on, the mailbox alone does not reset the password: the
/// link needs a code too, and asking without one does not spend the link.
async fn a_reset_while_2fa_is_on_without_a_code(app: TestApp) {
    let email = unique_email("reset-2fa");
    let (mut phone, _, token) = signed_out_2fa_customer_with_link(&app, &email).await;
    for body in [
        json!({"token": token, "new_password": NEW_PASSWORD}),
        json!({"token": token, "new_password": NEW_PASSWORD, "code": null}),
    ] {
        let (status, answer) = app.post("/api/password-reset/complete", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(error_code(&answer), "second_factor_required");
    }
    assert_eq!(
        app.sign_in(&email, NEW_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED,
        "the password is unchanged"
    );
    // The link still works, with a code.
    let (status, body) =
        complete_with_code(&app, &token, NEW_PASSWORD, &phone.next_code().await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = app.mail_with_subject(&email, "password was changed").await;
    assert!(mail.body.contains("/sign-in"));
    let (status, body) = app.sign_in(&email, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED, "2FA stays on: {body}");
    let (status, _) = complete_with_code(
        &app,
        &token,
        "x-another-long-one-99",
        &phone.next_code().await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link worked once");
}

async fn a_reset_while_2fa_is_on_with_a_wrong_code(app: TestApp) {
    let email = unique_email("reset-wrong");
    let (mut phone, codes, token) = signed_out_2fa_customer_with_link(&app, &email).await;
    let used = phone.next_code().await;
    // A code that is then used to sign in, so that it is a used code by the time of the reset.
    let (status, _) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .post("/api/sign-in/second-factor", json!({"code": used}))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    // Signing in voided that link; ask again.
    let token = {
        let (status, body) = complete_with_code(&app, &token, NEW_PASSWORD, &codes[0]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&body), "token_invalid");
        request_reset_link(&app, &email).await
    };
    for wrong in ["000000", &used[..], "ZZZZZ-ZZZZZ", "", "not a code"] {
        let (status, body) = complete_with_code(&app, &token, NEW_PASSWORD, wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong:?}: {body}");
        assert_eq!(error_code(&body), "code_invalid");
    }
    // Another customer's recovery code is no code for this account.
    let other = unique_email("other");
    let browser = app.new_client();
    let (_, other_codes) = app.customer_with_2fa_on(&browser, &other).await;
    let (status, _) = complete_with_code(&app, &token, NEW_PASSWORD, &other_codes[0]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.sign_in(&email, NEW_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, me) = read_me_with_recovery(&app, &email).await;
    assert_eq!(me, 10, "no recovery code was used up");
    let (status, body) =
        complete_with_code(&app, &token, NEW_PASSWORD, &phone.next_code().await).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the link survived every refusal: {body}"
    );
}

async fn read_me_with_recovery(app: &TestApp, email: &str) -> (String, i64) {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes JOIN accounts ON accounts.id = recovery_codes.account_id
         WHERE accounts.email_key = $1 AND recovery_codes.used_at IS NULL",
    )
    .bind(email.to_lowercase())
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    (email.to_owned(), n)
}

async fn a_reset_while_2fa_is_on_with_a_recovery_code(app: TestApp) {
    let email = unique_email("reset-recovery");
    let (_, codes, token) = signed_out_2fa_customer_with_link(&app, &email).await;
    let (status, body) = complete_with_code(&app, &token, NEW_PASSWORD, &codes[7]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = app
        .mail_with_subject(&email, "A recovery code was used")
        .await;
    assert!(mail.body.contains("9 unused"), "{}", mail.body);
    assert_eq!(read_me_with_recovery(&app, &email).await.1, 9);
    // The same recovery code does not serve a second reset.
    let token = request_reset_link(&app, &email).await;
    let (status, body) = complete_with_code(&app, &token, STRONG_PASSWORD, &codes[7]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "code_invalid");
    let (status, _) = complete_with_code(&app, &token, STRONG_PASSWORD, &codes[8]).await;
    assert_eq!(status, StatusCode::OK);
}

async fn wrong_reset_codes_are_throttled_and_keep_the_link(app: TestApp) {
    let email = unique_email("reset-guess");
    let (mut phone, _, token) = signed_out_2fa_customer_with_link(&app, &email).await;
    for _ in 0..app.state.config.throttle.per_account {
        let (status, _) = complete_with_code(&app, &token, NEW_PASSWORD, "123456").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/password-reset/complete"))
        .json(
            &json!({"token": token, "new_password": NEW_PASSWORD, "code": phone.next_code().await}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // After the window (cleared in the store rather than waited for) the same link works.
    sqlx::query("DELETE FROM throttle_counters")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, body) =
        complete_with_code(&app, &token, NEW_PASSWORD, &phone.next_code().await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
