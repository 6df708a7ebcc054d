//! A browser new to the account is reported to the customer, in their language, with when,
//! from where and on what: in the device-code mail it must answer first, or, with two-step
//! verification, in the "new device" mail once the second factor let it in.

use crate::common::factor::{get_with, post_with};
use crate::common::{unique_email, TestApp, STRONG_PASSWORD};
use portal_api::dto::Locale;
use portal_server::mail::templates::utc_time;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    the_first_sign_in_and_a_known_browser_send_no_mail,
    a_new_browser_is_reported_with_time_address_and_device,
    the_report_is_in_the_customers_language,
    with_2fa_the_report_waits_for_the_second_factor,
    a_wrong_password_from_a_new_browser_is_not_a_sign_in,
);

const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";
const SUBJECT: &str = "New sign-in";
const CODE_SUBJECT: &str = "sign-in code";

async fn the_first_sign_in_and_a_known_browser_send_no_mail(app: TestApp) {
    let email = unique_email("first");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    // The same browser again: it carries the device cookie from the first time.
    assert_eq!(app.sign_in(&email, STRONG_PASSWORD).await.0, StatusCode::OK);
    assert_eq!(app.count_mails_settled(&email, SUBJECT).await, 0);
    let first: Option<i64> = app.account_column(&email, "first_sign_in_at").await;
    assert!(first.is_some());
}

/// Without a second factor, a new browser is told about in the device-code mail, which comes
/// before any session: the "new device" mail would only repeat it.
async fn a_new_browser_is_reported_with_time_address_and_device(app: TestApp) {
    let email = unique_email("reported");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let laptop = app.browser_with(FIREFOX_LINUX);
    let before = portal_server::clock::now();
    let (status, body) = app.sign_in_with(&laptop, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let after = portal_server::clock::now();
    let mail = app.mail_with_subject(&email, CODE_SUBJECT).await;
    let body = &mail.body;
    let times: Vec<String> = (before..=after).map(|t| utc_time(Locale::En, t)).collect();
    assert!(
        times.iter().any(|t| body.contains(&format!("When: {t}"))),
        "{times:?} in {body}"
    );
    assert!(body.contains(" UTC"), "{body}");
    assert!(body.contains("From address: 127.0.0.1"), "{body}");
    assert!(body.contains("Device: Firefox on Linux"), "{body}");
    assert!(
        body.contains(&format!("{}/sign-in/not-me?token=", app.base)),
        "{body}"
    );
    let code = crate::common::mailbox::device_code_in(body).unwrap();
    assert!(mail.subject.contains(&code), "{}", mail.subject);
    let (status, _) = post_with(
        &app,
        &laptop,
        "/api/sign-in/device-code",
        json!({ "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.count_mails_settled(&email, SUBJECT).await, 0);

    // That browser is known from now on; yet another one is new again, even unnamed.
    post_with(&app, &laptop, "/api/sign-out", json!({})).await;
    let (status, _) = app.sign_in_with(&laptop, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.mailbox.device_code_mails(&email).len(), 1);
    let script = app.browser_with("curl/8.5.0");
    let (status, _) = app.sign_in_with(&script, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.mailbox.device_code(&email, 2).await;
    let last = app.mailbox.device_code_mails(&email).pop().unwrap();
    assert!(
        last.body
            .contains("Device: an unrecognised browser on an unrecognised system"),
        "{}",
        last.body
    );
}

async fn the_report_is_in_the_customers_language(app: TestApp) {
    let email = unique_email("yuki");
    let (status, _) = app
        .post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "locale": "ja"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
    let phone = app.browser_with("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    );
    let before = portal_server::clock::now();
    let (status, _) = app.sign_in_with(&phone, &email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let after = portal_server::clock::now();
    app.mailbox.device_code(&email, 2).await;
    let mail = app.mailbox.device_code_mails(&email).pop().unwrap();
    assert!(
        mail.subject.contains("ログイン確認コード"),
        "{}",
        mail.subject
    );
    let times: Vec<String> = (before..=after).map(|t| utc_time(Locale::Ja, t)).collect();
    assert!(
        times
            .iter()
            .any(|t| mail.body.contains(&format!("日時：{t}"))),
        "{times:?} in {}",
        mail.body
    );
    assert!(mail.body.contains("（UTC）"));
    assert!(
        mail.body.contains("接続元アドレス：127.0.0.1"),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("端末：Safari（iOS）"), "{}", mail.body);
    assert!(mail.body.contains("お心当たりのない場合"), "{}", mail.body);
    assert!(mail.body.contains("/sign-in/not-me?token="));
}

async fn with_2fa_the_report_waits_for_the_second_factor(app: TestApp) {
    let email = unique_email("2fa-device");
    let (mut phone, _) = app.customer_with_2fa(&email).await;
    let laptop = app.browser_with(FIREFOX_LINUX);
    let (status, _) = post_with(
        &app,
        &laptop,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        app.count_mails_settled(&email, SUBJECT).await,
        0,
        "no sign-in yet, only a password"
    );
    let (status, _) = post_with(
        &app,
        &laptop,
        "/api/sign-in/second-factor",
        json!({"code": phone.next_code().await}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mail = app.mail_with_subject(&email, SUBJECT).await;
    assert!(
        mail.body.contains("Device: Firefox on Linux"),
        "{}",
        mail.body
    );
    // That browser now holds a device cookie: next time, no report.
    post_with(&app, &laptop, "/api/sign-out", json!({})).await;
    post_with(
        &app,
        &laptop,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    let (status, _) = post_with(
        &app,
        &laptop,
        "/api/sign-in/second-factor",
        json!({"code": phone.next_code().await}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(get_with(&app, &laptop, "/api/me").await.0, StatusCode::OK);
    assert_eq!(app.count_mails_settled(&email, SUBJECT).await, 1);
}

async fn a_wrong_password_from_a_new_browser_is_not_a_sign_in(app: TestApp) {
    let email = unique_email("guessed");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let stranger = app.browser_with(FIREFOX_LINUX);
    let (status, _) = post_with(
        &app,
        &stranger,
        "/api/sign-in",
        json!({"email": email, "password": "guess-guess-guess"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count_mails_settled(&email, SUBJECT).await, 0);
    assert_eq!(app.count_mails_settled(&email, CODE_SUBJECT).await, 0);
}
