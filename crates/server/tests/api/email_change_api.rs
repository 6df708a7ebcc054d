//! Changing the email address, attacked straight at the API (docs/threat-model.md#t2, #t4, #t7): a
//! step-up first, the new address proves itself with a link, the old one is told, and nobody learns
//! which addresses have accounts.

use crate::common;
use crate::common::{error_code, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    an_email_change_needs_a_step_up,
    the_link_goes_only_to_the_new_address_and_the_old_one_is_told,
    a_newer_request_voids_the_older_link,
    a_taken_address_gets_a_note_and_the_same_answer,
    an_address_taken_before_the_link_is_opened_changes_nothing,
    the_current_address_is_no_change,
    expired_and_forged_links_do_nothing,
    the_mails_are_in_the_customers_language,
    change_requests_are_limited,
    with_2fa_the_step_up_is_a_code,
    bad_input_to_the_email_change_endpoints_is_a_clean_4xx,
    a_password_reset_or_change_or_two_step_cancels_a_pending_change,
    a_changed_address_ends_every_other_session,
);

fn confirm_token_in(body: &str) -> Option<String> {
    let start = body.find("/confirm-email?token=")? + "/confirm-email?token=".len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

/// Asks for the change (the session must have stepped up); returns the status and body.
async fn request_change(app: &TestApp, new_email: &str) -> (StatusCode, serde_json::Value) {
    app.post("/api/me/email", json!({"new_email": new_email}))
        .await
}

/// The token from the newest confirmation link mailed to `to`.
async fn link_sent_to(app: &TestApp, to: &str) -> String {
    let mail = app
        .mail_with_subject(to, "Confirm your new email address")
        .await;
    confirm_token_in(&mail.body).expect("a confirmation link")
}

async fn confirm(app: &TestApp, token: &str) -> (StatusCode, serde_json::Value) {
    app.post("/api/email-change/confirm", json!({"token": token}))
        .await
}

async fn an_email_change_needs_a_step_up(app: TestApp) {
    let email = unique_email("nostep");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let new = unique_email("new");
    let (status, body) = request_change(&app, &new).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "step_up_required");
    assert_eq!(app.count_mails_settled(&new, "").await, 0, "nothing sent");
    let (_, me) = app.get("/api/me").await;
    assert!(me["pending_email"].is_null());
    let anonymous = reqwest::Client::new();
    let r = anonymous
        .post(app.url("/api/me/email"))
        .header("origin", &app.base)
        .json(&json!({"new_email": new}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn the_link_goes_only_to_the_new_address_and_the_old_one_is_told(app: TestApp) {
    let old = unique_email("old");
    app.signed_in_customer(&old, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let new = unique_email("new");
    let (status, body) = request_change(&app, &new).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, json!({"status": "confirmation_sent"}));

    let token = link_sent_to(&app, &new).await;
    assert!(token.len() >= 43, "at least 256 bits");
    let link_mail = app
        .mail_with_subject(&new, "Confirm your new email address")
        .await;
    assert!(link_mail
        .body
        .contains(&format!("{}/confirm-email?token=", app.base)));
    let told = app
        .mail_with_subject(&old, "email address was requested")
        .await;
    let masked = format!("n…@{}", new.split_once('@').unwrap().1);
    assert!(told.body.contains(&masked), "{}", told.body);
    assert!(
        !told.body.contains(&new),
        "the full new address is not in it"
    );
    assert!(told.body.contains("/account/sessions"));
    assert!(
        app.mailbox
            .all_for(&old)
            .iter()
            .all(|m| confirm_token_in(&m.body).is_none()),
        "the old address never gets the link"
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM email_changes WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "stored hashed");

    // Nothing has changed yet.
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], old);
    assert_eq!(me["pending_email"], new);
    assert_eq!(
        app.sign_in(&new, STRONG_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );

    // The link, opened anywhere (no session needed), makes the change.
    let stranger = reqwest::Client::new();
    let r = stranger
        .post(app.url("/api/email-change/confirm"))
        .header("origin", &app.base)
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(common::read(r).await.1, json!({"status": "email_changed"}));
    // Every session but the one the link was opened in (here none) has ended.
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    let changed = app
        .mail_with_subject(&old, "email address was changed")
        .await;
    assert!(changed.body.contains(&masked), "{}", changed.body);
    assert_eq!(
        app.sign_in(&old, STRONG_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.sign_in_new_browser(&app.client, &new, STRONG_PASSWORD)
        .await;
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], new);
    assert_eq!(me["email_verified"], true);
    assert!(me["pending_email"].is_null());
    // A reset now goes to the new address.
    let (status, _) = app.post("/api/password-reset", json!({"email": new})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.mail_with_subject(&new, "Reset your").await;

    // The link works once.
    let (status, body) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid");
}

async fn a_newer_request_voids_the_older_link(app: TestApp) {
    let email = unique_email("twice");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let first = unique_email("first");
    let second = unique_email("second");
    request_change(&app, &first).await;
    let old_token = link_sent_to(&app, &first).await;
    request_change(&app, &second).await;
    let new_token = link_sent_to(&app, &second).await;
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["pending_email"], second);
    let (status, body) = confirm(&app, &old_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid");
    // Opened in the customer's own browser, which stays a remembered device under the new
    // address: signing in there again is no "new device".
    let (status, _) = confirm(&app, &new_token).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], second);
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.sign_in(&second, STRONG_PASSWORD).await.0,
        StatusCode::OK
    );
    assert_eq!(app.count_mails_settled(&second, "New sign-in").await, 0);
}

/// No account enumeration: asking for an address that has an account answers, mails the old
/// address and shows as pending exactly like a free one; its owner gets a note, not a link.
async fn a_taken_address_gets_a_note_and_the_same_answer(app: TestApp) {
    let taken = unique_email("taken");
    let (status, _) = app
        .post(
            "/api/register",
            json!({"email": taken, "password": STRONG_PASSWORD, "locale": "ja"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let email = unique_email("prober");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let free = unique_email("free");
    let answer_free = request_change(&app, &free).await;
    let (_, me_free) = app.get("/api/me").await;
    let answer_taken = request_change(&app, &taken).await;
    let (_, me_taken) = app.get("/api/me").await;
    assert_eq!(answer_free, answer_taken);
    assert_eq!(answer_taken.0, StatusCode::ACCEPTED);
    assert_eq!(me_free["pending_email"], free);
    assert_eq!(me_taken["pending_email"], taken);

    // The taken address's owner gets a note (in their language), with no link in it.
    let note = app
        .mail_with_subject(&taken, "お使いのアドレスへの変更が申請されました")
        .await;
    assert!(confirm_token_in(&note.body).is_none(), "{}", note.body);
    assert!(app
        .mailbox
        .all_for(&taken)
        .iter()
        .all(|m| confirm_token_in(&m.body).is_none()));
    // The requester's own address was told both times.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        app.count_mails_settled(&email, "email address was requested")
            .await,
        2
    );
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], email, "nothing changed");

    // An English-speaking owner gets the note in English.
    let taken_en = unique_email("taken-en");
    app.register(&taken_en, STRONG_PASSWORD).await;
    let (status, _) = request_change(&app, &taken_en).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let note = app
        .mail_with_subject(
            &taken_en,
            "Someone tried to move a Mamoru Wallet account to your address",
        )
        .await;
    assert!(note.body.contains("nothing was changed"), "{}", note.body);
    assert!(confirm_token_in(&note.body).is_none());
}

async fn an_address_taken_before_the_link_is_opened_changes_nothing(app: TestApp) {
    let email = unique_email("slow");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let new = unique_email("contested");
    request_change(&app, &new).await;
    let token = link_sent_to(&app, &new).await;
    // Someone signs up with that address before the link is opened.
    let (status, _) = app
        .new_client()
        .post(app.url("/api/register"))
        .header("origin", &app.base)
        .json(&json!({"email": new.to_uppercase(), "password": STRONG_PASSWORD}))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "token_invalid");
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], email);
    assert_eq!(me["email_verified"], true);
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
    assert_eq!(
        app.count_mails_settled(&email, "email address was changed")
            .await,
        0
    );
}

async fn the_current_address_is_no_change(app: TestApp) {
    let email = unique_email("Same");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    for same in [email.clone(), email.to_uppercase(), format!("  {email} ")] {
        let (status, body) = request_change(&app, &same).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{same}: {body}");
        assert_eq!(error_code(&body), "email_unchanged");
        assert_eq!(body["error"]["field"], "new_email");
    }
    let (_, me) = app.get("/api/me").await;
    assert!(me["pending_email"].is_null());
}

async fn expired_and_forged_links_do_nothing(app: TestApp) {
    let email = unique_email("late");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let new = unique_email("later");
    request_change(&app, &new).await;
    let token = link_sent_to(&app, &new).await;
    let (created, expires): (i64, i64) =
        sqlx::query_as("SELECT created_at, expires_at FROM email_changes")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(expires - created, 24 * 60 * 60, "valid for a day");
    for forged in [
        String::new(),
        "x".into(),
        "A".repeat(43),
        format!("{token}x"),
        token[..token.len() - 1].to_owned(),
        "A".repeat(10_000),
    ] {
        let (status, body) = confirm(&app, &forged).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&body), "token_invalid");
    }
    sqlx::query("UPDATE email_changes SET expires_at = $1")
        .bind(portal_server::clock::now())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, _) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], email);
    assert!(
        me["pending_email"].is_null(),
        "an expired request is not pending"
    );
}

async fn the_mails_are_in_the_customers_language(app: TestApp) {
    let email = unique_email("hanako");
    let (status, _) = app
        .post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "locale": "ja"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = app.mailbox.verification_token(&email).await;
    app.post("/api/verify-email", json!({"token": token})).await;
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
    app.step_up_with_password().await;
    let new = unique_email("atarashii");
    request_change(&app, &new).await;
    let link = app
        .mail_with_subject(&new, "新しいメールアドレスの確認")
        .await;
    let token = confirm_token_in(&link.body).unwrap();
    assert!(link.body.contains("24時間以内"), "{}", link.body);
    let told = app
        .mail_with_subject(&email, "メールアドレスの変更が申請されました")
        .await;
    assert!(told.body.contains("a…@example.com"), "{}", told.body);
    let (status, _) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    let changed = app
        .mail_with_subject(&email, "メールアドレスが変更されました")
        .await;
    assert!(changed.body.contains("a…@example.com"), "{}", changed.body);
}

async fn change_requests_are_limited(app: TestApp) {
    let email = unique_email("flood");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    for _ in 0..5 {
        let (status, _) = request_change(&app, &unique_email("target")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let victim = unique_email("victim");
    let r = app
        .client
        .post(app.url("/api/me/email"))
        .json(&json!({"new_email": victim}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(app.count_mails_settled(&victim, "").await, 0);
}

async fn with_2fa_the_step_up_is_a_code(app: TestApp) {
    let email = unique_email("2fa-mail");
    let (mut phone, _) = app.customer_with_2fa(&email).await;
    sqlx::query("UPDATE sessions SET stepped_up_at = NULL")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let new = unique_email("2fa-new");
    let (status, body) = request_change(&app, &new).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "step_up_required");
    let (status, _) = app
        .post("/api/me/step-up", json!({"password": STRONG_PASSWORD}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the password is not enough"
    );
    let (status, _) = request_change(&app, &new).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post("/api/me/step-up", json!({"code": phone.next_code().await}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = request_change(&app, &new).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_sent_to(&app, &new).await;
    assert_eq!(confirm(&app, &token).await.0, StatusCode::OK);
    // Signing in with the new address still needs the second factor.
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.sign_in(&new, STRONG_PASSWORD).await.0,
        StatusCode::ACCEPTED
    );
}

async fn bad_input_to_the_email_change_endpoints_is_a_clean_4xx(app: TestApp) {
    let email = unique_email("junk-mail");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.step_up_with_password().await;
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "/api/me/email",
            "".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            "{".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            "null".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            "{}".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            r#"{"new_email": 5}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            r#"{"new_email": ["a@b.cd"]}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            r#"{"new_email": "a@b.cd", "send_to": "x@evil.example"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            r#"{"email": "a@b.cd"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/me/email",
            json!({"new_email": ""}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email_invalid",
        ),
        (
            "/api/me/email",
            json!({"new_email": "not an address"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email_invalid",
        ),
        (
            "/api/me/email",
            json!({"new_email": "a@b.cd\r\nBcc: x@evil.example"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email_invalid",
        ),
        (
            "/api/me/email",
            json!({"new_email": "a\u{0}@b.cd"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email_invalid",
        ),
        (
            "/api/me/email",
            json!({"new_email": format!("{}@example.com", "a".repeat(300))}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email_too_long",
        ),
        (
            "/api/me/email",
            json!({"new_email": "x".repeat(20_000)}).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "/api/email-change/confirm",
            "".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/email-change/confirm",
            "[]".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/email-change/confirm",
            r#"{"token": 1}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/email-change/confirm",
            r#"{"token": "x", "email": "a@b.cd"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/email-change/confirm",
            json!({"token": "\u{0}\n"}).to_string(),
            StatusCode::BAD_REQUEST,
            "token_invalid",
        ),
        (
            "/api/email-change/confirm",
            json!({"token": "'; DROP TABLE accounts;--"}).to_string(),
            StatusCode::BAD_REQUEST,
            "token_invalid",
        ),
    ];
    for (path, body, status, code) in cases {
        let shown: String = body.chars().take(60).collect();
        let (got, answer) = app.post_raw(path, "application/json", body).await;
        assert_eq!(got, status, "{path} {shown:?}: {answer}");
        assert_eq!(error_code(&answer), code, "{path} {shown:?}");
        if code == "email_invalid" || code == "email_too_long" {
            assert_eq!(answer["error"]["field"], "new_email");
        }
    }
    for path in ["/api/me/email", "/api/email-change/confirm"] {
        let (status, answer) = app
            .post_raw(path, "text/plain", r#"{"new_email":"a@b.cd"}"#)
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    }
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], email);
    assert!(me["pending_email"].is_null());
}

/// Someone who knows the password asks to move the account to their own address; the owner,
/// alerted, resets or changes the password or turns on two-step verification. The thief's
/// confirmation link must not work afterwards.
async fn a_password_reset_or_change_or_two_step_cancels_a_pending_change(app: TestApp) {
    for defence in ["reset", "change", "two-step"] {
        let email = unique_email(&format!("owner-{defence}"));
        app.signed_in_customer(&email, STRONG_PASSWORD).await;
        // A thief who has the password and, for now, the mailbox too.
        let thief = app.another_browser();
        app.sign_in_new_browser(&thief.client, &email, STRONG_PASSWORD)
            .await;
        thief.step_up_with_password().await;
        let theirs = unique_email(&format!("thief-{defence}"));
        let (status, _) = request_change(&thief, &theirs).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let token = link_sent_to(&app, &theirs).await;

        match defence {
            "reset" => {
                let (status, _) = app
                    .post("/api/password-reset", json!({"email": email}))
                    .await;
                assert_eq!(status, StatusCode::ACCEPTED);
                let mail = app.mail_with_subject(&email, "Reset your").await;
                let reset = common::mailbox::link_token(&mail.body, "/reset-password").unwrap();
                let (status, body) = app
                    .post(
                        "/api/password-reset/complete",
                        json!({"token": reset, "new_password": format!("{STRONG_PASSWORD}-new")}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            "change" => {
                app.step_up_with_password().await;
                let (status, body) = app
                    .post(
                        "/api/me/password",
                        json!({"current_password": STRONG_PASSWORD, "new_password": format!("{STRONG_PASSWORD}-new")}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            _ => {
                app.enrol().await;
            }
        }
        let (status, body) = confirm(&app, &token).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "token_invalid"),
            "{defence}: {body}"
        );
        assert_eq!(
            app.account_column::<String>(&email, "email").await,
            email,
            "{defence}"
        );
    }
}

async fn a_changed_address_ends_every_other_session(app: TestApp) {
    let email = unique_email("moving");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let laptop = app.another_browser();
    app.sign_in_new_browser(&laptop.client, &email, STRONG_PASSWORD)
        .await;
    app.step_up_with_password().await;
    let new = unique_email("moved");
    assert_eq!(request_change(&app, &new).await.0, StatusCode::ACCEPTED);
    let token = link_sent_to(&app, &new).await;
    // Opened in the browser that asked: that session stays, every other one ends.
    assert_eq!(confirm(&app, &token).await.0, StatusCode::OK);
    let (status, me) = app.get("/api/me").await;
    assert_eq!(
        (status, me["email"].as_str()),
        (StatusCode::OK, Some(new.as_str()))
    );
    assert_eq!(laptop.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
}
