//! The customer's sign-in history: every attempt on the account in the last 90 days, each kind
//! of outcome, with time, address and browser, newest first, paged, and only their own.

use crate::common::factor::{get_with, post_with};
use crate::common::{error_code, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    every_kind_of_attempt_is_listed_with_address_and_browser,
    a_wrong_code_at_the_second_step_is_listed,
    the_history_pages_through_ninety_days_and_only_ones_own,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";

async fn history(app: &TestApp) -> Vec<Value> {
    let (status, page) = app.get("/api/me/sign-ins").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["attempts"].as_array().unwrap().clone()
}

fn outcomes(attempts: &[Value]) -> Vec<&str> {
    attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect()
}

/// Waits until the history holds `n` attempts (a wrong password is recorded after its answer).
async fn history_of(app: &TestApp, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let attempts = history(app).await;
        if attempts.len() >= n {
            return attempts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} attempts: {:?}", history(app).await);
}

async fn every_kind_of_attempt_is_listed_with_address_and_browser(app: TestApp) {
    let email = unique_email("history");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let before = portal_server::clock::now();

    // Someone with a list of passwords, then with the right one, from Firefox.
    let thief = app.browser_with(FIREFOX);
    for _ in 0..2 {
        let (status, _) = app.sign_in_with(&thief, &email, "not the password 1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app.sign_in_with(&thief, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (code, not_me) = app.mailbox.device_code(&email, 1).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, _) = post_with(
        &app,
        &thief,
        "/api/sign-in/device-code",
        json!({ "code": wrong }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The owner stops it from the mail.
    let (status, _) = app
        .post("/api/sign-in/not-me", json!({ "token": not_me }))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The owner's new laptop, through the mailed code.
    let laptop = app.new_client();
    app.sign_in_new_browser(&laptop, &email, STRONG_PASSWORD)
        .await;

    let attempts = history_of(&app, 9).await;
    assert_eq!(
        outcomes(&attempts),
        [
            "signed_in",
            "device_verified",
            "device_code_sent",
            "not_me",
            "wrong_code",
            "device_code_sent",
            "wrong_password",
            "wrong_password",
            "signed_in",
        ],
        "{attempts:?}"
    );
    let after = portal_server::clock::now();
    for attempt in &attempts {
        assert_eq!(attempt["address"], "127.0.0.1");
        let at = attempt["at"].as_i64().unwrap();
        assert!(at <= after && at >= before - 60, "{attempt}");
    }
    // The thief's attempts name the thief's browser.
    for attempt in &attempts[3..8] {
        if attempt["outcome"] != "not_me" {
            assert_eq!(attempt["browser"], "Firefox", "{attempt}");
            assert_eq!(attempt["os"], "Linux", "{attempt}");
        }
    }
    // The laptop sees the same history.
    let (status, page) = get_with(&app, &laptop, "/api/me/sign-ins").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["attempts"].as_array().unwrap().len(), 9);
    assert!(page["next_cursor"].is_null());
}

async fn a_wrong_code_at_the_second_step_is_listed(app: TestApp) {
    let email = unique_email("history-2fa");
    let (mut phone, _) = app.customer_with_2fa(&email).await;
    let other = app.new_client();
    let (status, _) = app.sign_in_with(&other, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = post_with(
        &app,
        &other,
        "/api/sign-in/second-factor",
        json!({"code": "000000"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let code = phone.next_code().await;
    let (status, _) = post_with(
        &app,
        &other,
        "/api/sign-in/second-factor",
        json!({ "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let attempts = history_of(&app, 3).await;
    assert_eq!(
        outcomes(&attempts)[..2],
        ["signed_in", "wrong_code"],
        "{attempts:?}"
    );
}

async fn the_history_pages_through_ninety_days_and_only_ones_own(app: TestApp) {
    let email = unique_email("history-pages");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let id: String = app.account_column(&email, "id").await;
    let now = portal_server::clock::now();
    // 120 wrong passwords over the last days, and one from before the 90 days.
    for i in 0..121i64 {
        let at = if i == 120 {
            now - 91 * 86_400
        } else {
            now - 3_600 - i * 600
        };
        sqlx::query(
            "INSERT INTO sign_in_attempts (id, account_id, at, outcome, address, user_agent)
             VALUES ($1, $2, $3, 'wrong_password', '203.0.113.9', NULL)",
        )
        .bind(format!("{i:032x}"))
        .bind(&id)
        .bind(at)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/me/sign-ins?cursor={c}"),
            None => "/api/me/sign-ins".to_owned(),
        };
        let (status, page) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let attempts = page["attempts"].as_array().unwrap();
        assert!(attempts.len() <= 50);
        seen.extend(attempts.iter().map(|a| a["at"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // The customer's own sign-in, and the 120 within 90 days, newest first, none twice.
    assert_eq!(seen.len(), 121, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "{seen:?}");
    assert!(seen.iter().all(|at| *at > now - 90 * 86_400));

    // Nobody else's: another customer sees only their own, and cannot use this one's cursor.
    let other = app.another_browser();
    other
        .signed_in_customer(&unique_email("history-other"), STRONG_PASSWORD)
        .await;
    let (_, page) = other.get("/api/me/sign-ins").await;
    assert_eq!(
        outcomes(page["attempts"].as_array().unwrap()),
        ["signed_in"]
    );
    let (_, first) = app.get("/api/me/sign-ins").await;
    let mine = first["next_cursor"].as_str().unwrap();
    for path in [
        format!("/api/me/sign-ins?cursor={mine}"),
        "/api/me/sign-ins?cursor=forged".to_owned(),
        "/api/me/sign-ins?limit=5".to_owned(),
    ] {
        let (status, body) = other.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(
            ["filter_invalid", "invalid_json"].contains(&error_code(&body)),
            "{body}"
        );
    }
    let (status, _) = app.another_browser().get("/api/me/sign-ins").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
