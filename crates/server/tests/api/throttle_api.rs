//! Every throttle holds under attempts that arrive together, on two server processes sharing
//! one database: an attempt takes its slot before the slow work it guards, in one statement
//! that counts and decides, so N concurrent attempts never get more than the limit's worth of
//! real checks (a check that came after the work let 32 of 40 wrong passwords through).

use crate::common::factor::post_with;
use crate::common::wallet::{new_key, yen};
use crate::common::{read, unique_email, TestApp, STRONG_PASSWORD};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    concurrent_wrong_passwords_get_no_more_checks_than_the_limit,
    concurrent_wrong_codes_at_the_second_step_get_no_more_checks_than_the_limit,
    concurrent_wrong_step_ups_get_no_more_checks_than_the_limit,
    concurrent_sign_ups_and_reset_requests_stop_at_their_limits,
    concurrent_code_guesses_by_a_store_stop_at_the_limit,
    a_success_gives_its_slot_back,
);

const ATTEMPTS: usize = 40;

/// Sends `body` to `path` `ATTEMPTS` times at once, half to each server, each from its own
/// browser (`browser` when given, else a fresh one); answers every (status, error code).
async fn at_once(
    apps: &[&TestApp; 2],
    browser: Option<&reqwest::Client>,
    path: &str,
    body: impl Fn(usize) -> Value,
) -> Vec<(StatusCode, String)> {
    let requests = (0..ATTEMPTS).map(|i| {
        let app = apps[i % 2];
        // Every browser is on the first server's origin, which both servers serve.
        let client = browser.cloned().unwrap_or_else(|| apps[0].new_client());
        let request = client.post(app.url(path)).json(&body(i));
        async move {
            let (status, body) = read(request.send().await.unwrap()).await;
            (status, code_of(&body))
        }
    });
    join_all(requests).await
}

fn code_of(body: &Value) -> String {
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn count(answers: &[(StatusCode, String)], status: StatusCode) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

/// Only `judged` and 429 `too_many_attempts` answers, and exactly `limit` of the first.
fn assert_limited(answers: &[(StatusCode, String)], judged: StatusCode, limit: u32, what: &str) {
    assert_eq!(
        count(answers, judged),
        limit as usize,
        "{what}: {answers:?}"
    );
    assert_eq!(
        count(answers, StatusCode::TOO_MANY_REQUESTS),
        ATTEMPTS - limit as usize,
        "{what}: {answers:?}"
    );
    assert!(answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .all(|(_, code)| code == "too_many_attempts"));
}

async fn concurrent_wrong_passwords_get_no_more_checks_than_the_limit(app: TestApp) {
    let email = unique_email("stuffed");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let other = app.another_server().await;
    let answers = at_once(
        &[&app, &other],
        None,
        "/api/sign-in",
        |i| json!({"email": email, "password": format!("wrong-guess-{i}")}),
    )
    .await;
    let limit = app.state.config.throttle.per_account;
    assert_limited(&answers, StatusCode::UNAUTHORIZED, limit, "sign-in");
    // The slots stay taken: the right password from a new browser waits for the window too.
    let (status, _) = post_with(
        &app,
        &app.new_client(),
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn concurrent_wrong_codes_at_the_second_step_get_no_more_checks_than_the_limit(app: TestApp) {
    let email = unique_email("second-step");
    let (authenticator, _) = app.customer_with_2fa(&email).await;
    let now = portal_server::clock::now();
    let live: Vec<String> = [now - 30, now, now + 30, now + 60]
        .into_iter()
        .map(|t| authenticator.code_at(t))
        .collect();
    let wrong: Vec<String> = (100_000..)
        .map(|n: u32| n.to_string())
        .filter(|c| !live.contains(c))
        .take(ATTEMPTS)
        .collect();
    let browser = app.new_client();
    let (status, body) = post_with(
        &app,
        &browser,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let other = app.another_server().await;
    let answers = at_once(
        &[&app, &other],
        Some(&browser),
        "/api/sign-in/second-factor",
        |i| json!({"code": wrong[i]}),
    )
    .await;
    // Wrong codes answer 401 until the pending sign-in is used up, then it is gone (401
    // `sign_in_expired`); either way a code was judged at most the per-account limit of times.
    let judged = answers
        .iter()
        .filter(|(_, code)| code == "code_invalid")
        .count();
    let limit = app.state.config.throttle.per_account as usize;
    assert!(
        (1..=limit).contains(&judged),
        "{judged} codes judged: {answers:?}"
    );
    assert!(
        answers.iter().all(
            |(_, code)| ["code_invalid", "sign_in_expired", "too_many_attempts"]
                .contains(&code.as_str())
        ),
        "{answers:?}"
    );
}

async fn concurrent_wrong_step_ups_get_no_more_checks_than_the_limit(app: TestApp) {
    let email = unique_email("step-up");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let other = app.another_server().await;
    let answers = at_once(
        &[&app, &other],
        Some(&app.client),
        "/api/me/step-up",
        |i| json!({"password": format!("wrong-guess-{i}")}),
    )
    .await;
    let limit = app.state.config.throttle.per_account;
    assert_limited(&answers, StatusCode::UNAUTHORIZED, limit, "step-up");
}

async fn concurrent_sign_ups_and_reset_requests_stop_at_their_limits(app: TestApp) {
    let other = app.another_server().await;
    let before = app.account_count().await;
    let answers = at_once(
        &[&app, &other],
        None,
        "/api/register",
        |i| json!({"email": unique_email(&format!("burst-{i}")), "password": STRONG_PASSWORD}),
    )
    .await;
    let limit = app.state.config.throttle.register_per_address;
    assert_limited(&answers, StatusCode::ACCEPTED, limit, "sign-up");
    assert_eq!(app.account_count().await - before, i64::from(limit));

    let answers = at_once(
        &[&app, &other],
        None,
        "/api/password-reset",
        |i| json!({"email": unique_email(&format!("nobody-{i}"))}),
    )
    .await;
    let limit = app.state.config.throttle.per_address;
    assert_limited(&answers, StatusCode::ACCEPTED, limit, "reset requests");
}

async fn concurrent_code_guesses_by_a_store_stop_at_the_limit(app: TestApp) {
    let api_key = app.merchant("Guessing Till").await;
    let other = app.another_server().await;
    let limit = portal_server::wallet::merchant::GUESSES_PER_WINDOW as usize;
    let attempts = limit + ATTEMPTS;
    let guesses = (0..attempts).map(|i| {
        let server = [&app, &other][i % 2];
        let api_key = api_key.clone();
        async move {
            let body = json!({"code": format!("{:016}", 1_000_000 + i), "amount": yen(100)});
            let (status, body) = server.redeem(&api_key, &new_key(), body).await;
            (status, code_of(&body))
        }
    });
    let answers = join_all(guesses).await;
    let wrong = count(&answers, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = count(&answers, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((wrong, refused), (limit, ATTEMPTS), "{answers:?}");
}

/// Taking the slot first must not turn successes into failures: a right password, many times
/// over, never locks anyone out.
async fn a_success_gives_its_slot_back(app: TestApp) {
    let email = unique_email("regular");
    app.signed_in_customer(&email, STRONG_PASSWORD).await;
    let limit = app.state.config.throttle.per_account;
    // Signed in again and again in the customer's own browser (a new one would be asked for
    // a mailed code each time, and those mails are limited on their own).
    for _ in 0..limit * 2 {
        let (status, body) = app.sign_in(&email, STRONG_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for _ in 0..limit * 2 {
        let (status, body) = app
            .post("/api/me/step-up", json!({"password": STRONG_PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}
