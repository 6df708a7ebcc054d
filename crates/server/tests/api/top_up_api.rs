//! Cards, top-ups and idempotency, attacked straight at the API
//! (docs/threat-model.md#t7, #t9, #t10, #t13): a verified email and a fresh step-up for every card
//! and top-up, limits the server enforces, a mail for each top-up, a card network that declines,
//! times out and calls back twice, and the same request twice moving money once.

use crate::common::wallet::{
    new_key, yen, DECLINES, TIMES_OUT_THEN_APPROVED, TIMES_OUT_THEN_DECLINED, VISA,
};
use crate::common::{error_code, read, unique_email, Backend, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    a_card_needs_a_verified_email_and_a_step_up,
    only_token_brand_last_four_and_expiry_are_kept,
    bad_card_details_get_a_clean_answer_naming_the_field,
    adding_cards_is_throttled,
    a_customer_cannot_see_use_or_remove_anothers_card,
    a_removed_card_no_longer_tops_up,
    a_top_up_adds_money_and_mails_the_customer,
    the_top_up_mail_is_in_the_customers_language,
    a_declined_top_up_moves_nothing_and_leaves_a_declined_row,
    a_top_up_needs_a_verified_email_and_a_fresh_step_up,
    money_takes_a_second_factor_never_the_password_or_a_mailed_code,
    limits_per_top_up_and_per_day_are_the_servers,
    top_ups_at_once_cannot_squeeze_past_the_daily_limit,
    amounts_must_be_positive_yen,
    bad_input_to_the_top_up_endpoint_is_a_clean_4xx,
    the_same_key_answers_the_first_answer_and_moves_money_once,
    a_declined_answer_is_given_again_too,
    a_key_belongs_to_one_customer,
    missing_or_malformed_keys_are_refused,
    identical_requests_at_once_move_money_once,
    the_wallet_shows_the_journal_balance_and_the_limits,
);

/// A customer who registered and signed in but never opened the verification link.
async fn unverified_customer(app: &TestApp, email: &str) {
    let (status, _) = app.register(email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.sign_in_new_browser(&app.client, email, STRONG_PASSWORD)
        .await;
}

/// Ends the step-up of every session, as if `PORTAL_STEP_UP_SECS` had passed.
async fn expire_step_up(app: &TestApp) {
    sqlx::query("UPDATE sessions SET stepped_up_at = stepped_up_at - 100000")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

async fn journal_entries(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM journal_entries").await
}

async fn a_card_needs_a_verified_email_and_a_step_up(app: TestApp) {
    let (status, body) = app.add_card_with(&reqwest::Client::new(), VISA).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let email = unique_email("unverified");
    unverified_customer(&app, &email).await;
    let (status, body) = app.add_card_with(&app.client, VISA).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "email_not_verified");
    app.step_up_with_password().await;
    let (status, body) = app.add_card_with(&app.client, VISA).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_code(&body),
        "email_not_verified",
        "a step-up is no verified address"
    );

    // T9: without two-step verification no card, even after a password step-up.
    let email = unique_email("nostep");
    let app2 = app.another_browser();
    app2.signed_in_customer(&email, STRONG_PASSWORD).await;
    let (status, body) = app2.add_card_with(&app2.client, VISA).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "money_two_step_required");
    app2.step_up_with_password().await;
    let (_, me) = app2.get("/api/me").await;
    assert!(
        me["step_up_until"].is_i64() && me["money_step_up_until"].is_null(),
        "{me}"
    );
    let (status, body) = app2.add_card_with(&app2.client, VISA).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "money_two_step_required");
    // Two-step verification on (its confirming code is a fresh second factor): a card.
    app2.step_up_for_money().await;
    let (_, me) = app2.get("/api/me").await;
    assert!(me["money_step_up_until"].is_i64(), "{me}");
    let (status, card) = app2.add_card_with(&app2.client, VISA).await;
    assert_eq!(status, StatusCode::CREATED, "{card}");
    expire_step_up(&app2).await;
    let (status, body) = app2.add_card_with(&app2.client, VISA).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_code(&body),
        "step_up_required",
        "the step-up wears off"
    );
    assert_eq!(app2.scalar("SELECT COUNT(*) FROM cards").await, 1);
}

async fn only_token_brand_last_four_and_expiry_are_kept(app: TestApp) {
    app.wallet_customer(&unique_email("card")).await;
    let r = app
        .client
        .post(app.url("/api/cards"))
        .json(&json!({"number": "5555-5555-5555-4444", "exp_month": 7, "exp_year": 2031, "cvc": "739"}))
        .send()
        .await
        .unwrap();
    let (status, card) = read(r).await;
    assert_eq!(status, StatusCode::CREATED, "{card}");
    assert_eq!(card["brand"], "mastercard");
    assert_eq!(card["last4"], "4444");
    assert_eq!(
        (card["exp_month"].as_i64(), card["exp_year"].as_i64()),
        (Some(7), Some(2031))
    );
    let (status, amex) = app
        .post(
            "/api/cards",
            json!({"number": "3782 822463 10005", "exp_month": 1, "exp_year": 2032, "cvc": "7391"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{amex}");
    assert_eq!(
        (amex["brand"].as_str(), amex["last4"].as_str()),
        (Some("amex"), Some("0005"))
    );
    let (status, cards) = app.get("/api/cards").await;
    assert_eq!(status, StatusCode::OK);
    let cards = cards.as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert!(
        cards.iter().all(|c| c.as_object().unwrap().len() == 6),
        "{cards:?}"
    );
    // Nothing anywhere in the store holds the number or the security code.
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT processor_token, brand, last4 FROM cards")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    for (token, _, _) in &rows {
        // The processor's token: its own opaque id, nothing of the card.
        let id = token.strip_prefix("sim_approve_").expect(token);
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{token}"
        );
    }
    let mut last4: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    last4.sort();
    assert_eq!(last4, ["0005", "4444"]);
    let columns: Vec<(String,)> = sqlx::query_as(
        "SELECT body_text FROM mail_outbox UNION ALL SELECT COALESCE(body, '') FROM idempotency_keys",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(columns.iter().all(|(t,)| !t.contains("5555555555554444")));
}

async fn bad_card_details_get_a_clean_answer_naming_the_field(app: TestApp) {
    app.wallet_customer(&unique_email("badcard")).await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"number": "4242 4242 4242 4241", "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "number",
        ),
        (
            json!({"number": "", "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "number",
        ),
        (
            json!({"number": "4242\n4242 4242 4242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "number",
        ),
        (
            json!({"number": "💳💳💳💳", "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "number",
        ),
        (
            json!({"number": "4".repeat(5000), "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "number",
        ),
        (
            json!({"number": VISA, "exp_month": 0, "exp_year": 2034, "cvc": "123"}),
            "exp_month",
        ),
        (
            json!({"number": VISA, "exp_month": 13, "exp_year": 2034, "cvc": "123"}),
            "exp_month",
        ),
        (
            json!({"number": VISA, "exp_month": 12, "exp_year": 2001, "cvc": "123"}),
            "exp_year",
        ),
        (
            json!({"number": VISA, "exp_month": 12, "exp_year": 34, "cvc": "123"}),
            "exp_year",
        ),
        (
            json!({"number": VISA, "exp_month": 12, "exp_year": 2034, "cvc": "12"}),
            "cvc",
        ),
        (
            json!({"number": VISA, "exp_month": 12, "exp_year": 2034, "cvc": "1\u{0}3"}),
            "cvc",
        ),
        (
            json!({"number": "3782 822463 10005", "exp_month": 12, "exp_year": 2034, "cvc": "123"}),
            "cvc",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post("/api/cards", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(error_code(&answer), "card_invalid");
        assert_eq!(answer["error"]["field"], field, "{body}");
    }
    let shapes: Vec<(&str, String, StatusCode, &str)> = vec![
        ("application/json", String::new(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "{".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "[]".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"number":"4242424242424242","exp_month":"12","exp_year":2034,"cvc":"123"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"number":"4242424242424242","exp_month":300,"exp_year":2034,"cvc":"123"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"number":4242424242424242,"exp_month":12,"exp_year":2034,"cvc":"123"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"number":"4242424242424242","exp_month":12,"exp_year":2034,"cvc":"123","pin":"0000"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("text/plain", r#"{"number":"4242424242424242","exp_month":12,"exp_year":2034,"cvc":"123"}"#.into(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("application/json", format!(r#"{{"number":"{}","exp_month":12,"exp_year":2034,"cvc":"123"}}"#, "4".repeat(portal_api::rules::MAX_JSON_BODY_BYTES + 1024)), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ];
    for (content_type, body, status, code) in shapes {
        let (got, answer) = app.post_raw("/api/cards", content_type, body.clone()).await;
        assert_eq!(got, status, "{} -> {answer}", &body[..body.len().min(80)]);
        assert_eq!(error_code(&answer), code);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cards").await, 0);
}

async fn adding_cards_is_throttled(app: TestApp) {
    app.wallet_customer(&unique_email("many")).await;
    for _ in 0..10 {
        app.add_card(VISA).await;
    }
    let (status, body) = app.add_card_with(&app.client, VISA).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "too_many_attempts");
    // A typo is still told as a typo, and costs nothing.
    let (status, body) = app.add_card_with(&app.client, "4242 4242 4242 4241").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "card_invalid")
    );
    assert_eq!(app.get("/api/cards").await.1.as_array().unwrap().len(), 10);
}

async fn a_customer_cannot_see_use_or_remove_anothers_card(app: TestApp) {
    app.wallet_customer(&unique_email("owner")).await;
    let card = app.add_card(VISA).await;
    let other = app.another_browser();
    other.wallet_customer(&unique_email("other")).await;
    let (status, cards) = other.get("/api/cards").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cards, json!([]));
    let r = other
        .client
        .delete(other.url(&format!("/api/cards/{card}")))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let (status, body) = other.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["field"], "card_id");
    assert_eq!(other.balance().await, 0);
    assert_eq!(journal_entries(&other).await, 0);
    // A made-up or malformed id is the same answer.
    for id in ["0000", "%00", "🙂", &"x".repeat(500)] {
        let r = other
            .client
            .delete(other.url(&format!("/api/cards/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{id}");
    }
    let owner_cards: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM cards WHERE removed_at IS NULL")
            .fetch_all(&other.state.db.pool)
            .await
            .unwrap();
    assert_eq!(owner_cards, vec![(card,)]);
}

async fn a_removed_card_no_longer_tops_up(app: TestApp) {
    app.wallet_customer(&unique_email("remove")).await;
    let card = app.add_card(VISA).await;
    expire_step_up(&app).await;
    let delete = || async {
        read(
            app.client
                .delete(app.url(&format!("/api/cards/{card}")))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (status, body) = delete().await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "step_up_required");
    app.step_up_for_money().await;
    let (status, body) = delete().await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(app.get("/api/cards").await.1, json!([]));
    assert_eq!(delete().await.0, StatusCode::NOT_FOUND);
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(app.balance().await, 0);
}

async fn a_top_up_adds_money_and_mails_the_customer(app: TestApp) {
    let email = unique_email("topup");
    app.wallet_customer(&email).await;
    let card = app.add_card(VISA).await;
    let (status, tx) = app.top_up(&card, 5_000, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{tx}");
    assert_eq!(tx["kind"], "top_up");
    assert_eq!(tx["status"], "completed");
    assert_eq!(tx["amount"], yen(5_000));
    assert_eq!(tx["memo"], "Visa •••• 4242");
    assert!(tx["merchant"].is_null() && tx["dispute"].is_null());
    assert_eq!(app.balance().await, 5_000);
    let (_, wallet) = app.get("/api/wallet").await;
    assert_eq!(wallet["limits"]["used_today"], yen(5_000));
    let (kind, status, amount, _, _, entry) = app.history_row(tx["id"].as_str().unwrap()).await;
    assert_eq!(
        (kind.as_str(), status.as_str(), amount),
        ("top_up", "completed", 5_000)
    );
    assert!(entry.is_some());
    let mail = app.mail_with_subject(&email, "added to your wallet").await;
    assert!(mail.subject.contains("¥5,000"), "{}", mail.subject);
    assert!(mail.body.contains("ending in 4242"), "{}", mail.body);
    assert_eq!(
        app.count_mails_settled(&email, "added to your wallet")
            .await,
        1
    );
    app.assert_ledger_consistent().await;
}

async fn the_top_up_mail_is_in_the_customers_language(app: TestApp) {
    let email = unique_email("ja");
    let (status, _) = app
        .post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "locale": "ja"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = app.mailbox.verification_token(&email).await;
    app.post("/api/verify-email", json!({"token": token})).await;
    app.sign_in(&email, STRONG_PASSWORD).await;
    app.step_up_for_money().await;
    let card = app.add_card("3530 1113 3330 0000").await;
    let (status, body) = app.top_up(&card, 12_345, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mail = app.mail_with_subject(&email, "チャージしました").await;
    assert!(mail.subject.contains("￥12,345"), "{}", mail.subject);
    assert!(mail.body.contains("末尾0000のJCBカード"), "{}", mail.body);
    let declining = app.add_card(DECLINES).await;
    let (status, _) = app.top_up(&declining, 2_000, &new_key()).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let mail = app
        .mail_with_subject(&email, "チャージができませんでした")
        .await;
    assert!(mail.subject.contains("￥2,000") && mail.body.contains("末尾0002"));
}

async fn a_declined_top_up_moves_nothing_and_leaves_a_declined_row(app: TestApp) {
    let email = unique_email("declined");
    app.wallet_customer(&email).await;
    let card = app.add_card(DECLINES).await;
    let (status, body) = app.top_up(&card, 3_000, &new_key()).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(error_code(&body), "card_declined");
    assert_eq!(app.balance().await, 0);
    let (_, wallet) = app.get("/api/wallet").await;
    assert_eq!(
        wallet["limits"]["used_today"],
        yen(0),
        "a decline gives the limit back"
    );
    let rows: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT status, amount_minor, entry_id FROM wallet_transactions")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![("declined".to_owned(), 3_000, None)]);
    assert_eq!(journal_entries(&app).await, 0);
    let mail = app.mail_with_subject(&email, "was declined").await;
    assert!(mail.subject.contains("¥3,000") && mail.body.contains("ending in 0002"));
}

async fn a_top_up_needs_a_verified_email_and_a_fresh_step_up(app: TestApp) {
    app.wallet_customer(&unique_email("stepped")).await;
    let card = app.add_card(VISA).await;
    expire_step_up(&app).await;
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "step_up_required");
    // T9: with 2FA on, only a code steps up, never the password.
    let (status, body) = app
        .post("/api/me/step-up", json!({"password": STRONG_PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // A code steps up (and so would a recovery code).
    app.step_up_for_money().await;
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let unverified = app.another_browser();
    unverified_customer(&unverified, &unique_email("unverified")).await;
    unverified.step_up_with_password().await;
    let (status, body) = unverified.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "email_not_verified");
    let (status, _) = unverified
        .top_up_with(&reqwest::Client::new(), &card, 1_000, &new_key())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(journal_entries(&unverified).await, 1);
}

/// T9: money takes a real second factor, never the login password nor a code mailed to the
/// address (which proves the mailbox, not the customer).
async fn money_takes_a_second_factor_never_the_password_or_a_mailed_code(app: TestApp) {
    let email = unique_email("money-factor");
    app.register(&email, STRONG_PASSWORD).await;
    let token = app.mailbox.verification_token(&email).await;
    app.another_browser()
        .post("/api/verify-email", json!({ "token": token }))
        .await;
    // A browser new to the account: in with the mailed code.
    app.sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
    let (mailed, _) = app.mailbox.device_code(&email, 1).await;
    let (status, body) = app.post("/api/me/step-up", json!({ "code": mailed })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    app.step_up_with_password().await;
    let (status, body) = app.add_card_with(&app.client, VISA).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "money_two_step_required")
    );
    let (status, body) = app.top_up("no-such-card", 1_000, &new_key()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "money_two_step_required")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cards").await, 0);

    // Two-step verification on: its confirming code lets the card in.
    let (_, recovery_codes) = app.enrol().await;
    // A step-up recorded as made with the password (as a session stepped up before two-step
    // verification was, or by a factor that is not one) is no step-up for money.
    sqlx::query("UPDATE sessions SET step_up_factor = 'password'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, body) = app.add_card_with(&app.client, VISA).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "step_up_required")
    );
    let (_, me) = app.get("/api/me").await;
    assert!(
        me["step_up_until"].is_i64() && me["money_step_up_until"].is_null(),
        "{me}"
    );
    sqlx::query("UPDATE sessions SET step_up_factor = 'second_factor'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let card = app.add_card(VISA).await;
    // Worn off, a recovery code steps up for money too; the mailed code still does not.
    expire_step_up(&app).await;
    let (status, body) = app.post("/api/me/step-up", json!({ "code": mailed })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "code_invalid");
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "step_up_required")
    );
    let (status, body) = app
        .post("/api/me/step-up", json!({ "code": recovery_codes[0] }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["money"], true);
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.balance().await, 1_000);
}

async fn limits_per_top_up_and_per_day_are_the_servers(app: TestApp) {
    let app = TestApp::spawn_with(
        backend_of(&app),
        &[
            ("PORTAL_TOP_UP_MAX_MINOR", "10000"),
            ("PORTAL_TOP_UP_DAILY_MINOR", "25000"),
        ],
    )
    .await
    .unwrap();
    app.wallet_customer(&unique_email("limits")).await;
    let card = app.add_card(VISA).await;
    let (_, wallet) = app.get("/api/wallet").await;
    assert_eq!(wallet["limits"]["per_top_up"], yen(10_000));
    assert_eq!(wallet["limits"]["daily"], yen(25_000));
    let (status, body) = app.top_up(&card, 10_001, &new_key()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "limit_exceeded");
    assert_eq!(body["error"]["field"], "amount");
    for _ in 0..2 {
        let (status, body) = app.top_up(&card, 10_000, &new_key()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app.top_up(&card, 10_000, &new_key()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "limit_exceeded");
    let (status, body) = app.top_up(&card, 5_000, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app.top_up(&card, 1, &new_key()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, wallet) = app.get("/api/wallet").await;
    assert_eq!(wallet["limits"]["used_today"], yen(25_000));
    assert_eq!(wallet["balance"], yen(25_000));
    // Tomorrow (UTC) the limit starts again: move today's use into yesterday.
    sqlx::query("UPDATE top_up_usage SET day = day - 1")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, body) = app.top_up(&card, 10_000, &new_key()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.balance().await, 35_000);
}

fn backend_of(app: &TestApp) -> Backend {
    if app.state.db.backend == portal_server::db::Backend::Postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

async fn top_ups_at_once_cannot_squeeze_past_the_daily_limit(app: TestApp) {
    let app = TestApp::spawn_with(
        backend_of(&app),
        &[
            ("PORTAL_TOP_UP_MAX_MINOR", "5000"),
            ("PORTAL_TOP_UP_DAILY_MINOR", "25000"),
        ],
    )
    .await
    .unwrap();
    app.wallet_customer(&unique_email("squeeze")).await;
    let card = app.add_card(VISA).await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = app.client.clone();
        let url = app.url("/api/top-ups");
        let card = card.clone();
        tasks.push(tokio::spawn(async move {
            read(
                client
                    .post(url)
                    .header("idempotency-key", new_key())
                    .json(&json!({"card_id": card, "amount": yen(5_000)}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => assert_eq!(error_code(&body), "limit_exceeded"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created, 5);
    assert_eq!(app.balance().await, 25_000);
    app.assert_ledger_consistent().await;
}

async fn amounts_must_be_positive_yen(app: TestApp) {
    app.wallet_customer(&unique_email("amounts")).await;
    let card = app.add_card(VISA).await;
    for amount in [
        json!({"minor": 0, "currency": "JPY"}),
        json!({"minor": -5000, "currency": "JPY"}),
        json!({"minor": i64::MIN, "currency": "JPY"}),
        json!({"minor": 500, "currency": "USD"}),
        json!({"minor": 500, "currency": "EUR"}),
    ] {
        let r = app
            .client
            .post(app.url("/api/top-ups"))
            .header("idempotency-key", new_key())
            .json(&json!({"card_id": card, "amount": amount}))
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{amount} -> {body}"
        );
        assert_eq!(error_code(&body), "amount_invalid");
        assert_eq!(body["error"]["field"], "amount");
    }
    let (status, body) = app.top_up(&card, i64::MAX, &new_key()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "limit_exceeded");
    for amount in [
        json!({"minor": 1.5, "currency": "JPY"}),
        json!({"minor": "500", "currency": "JPY"}),
        json!({"minor": 500}),
        json!({"minor": 500, "currency": "GBP"}),
        json!({"minor": 500, "currency": "jpy"}),
        json!(500),
        json!({"minor": 18446744073709551615u64, "currency": "JPY"}),
    ] {
        let r = app
            .client
            .post(app.url("/api/top-ups"))
            .header("idempotency-key", new_key())
            .json(&json!({"card_id": card, "amount": amount}))
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{amount} -> {body}");
        assert_eq!(error_code(&body), "invalid_json");
    }
    assert_eq!(journal_entries(&app).await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM wallet_transactions").await,
        0
    );
}

async fn bad_input_to_the_top_up_endpoint_is_a_clean_4xx(app: TestApp) {
    app.wallet_customer(&unique_email("badtopup")).await;
    let card = app.add_card(VISA).await;
    let post = |content_type: &'static str, body: String| {
        let app = &app;
        async move {
            read(
                app.client
                    .post(app.url("/api/top-ups"))
                    .header("idempotency-key", new_key())
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        ("application/json", String::new(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "{\"card_id\":".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "null".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"card_id": 5, "amount": yen(100)}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"amount": yen(100)}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"card_id": card, "amount": yen(100), "to": "someone else"}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("text/plain", json!({"card_id": card, "amount": yen(100)}).to_string(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("application/json", json!({"card_id": "x".repeat(portal_api::rules::MAX_JSON_BODY_BYTES + 1024), "amount": yen(100)}).to_string(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("application/json", json!({"card_id": "\u{0}\u{1b}[31m\r\n", "amount": yen(100)}).to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("application/json", json!({"card_id": "مرحبا 🙂", "amount": yen(100)}).to_string(), StatusCode::NOT_FOUND, "not_found"),
    ];
    for (content_type, body, status, code) in cases {
        let (got, answer) = post(content_type, body.clone()).await;
        assert_eq!(got, status, "{} -> {answer}", &body[..body.len().min(80)]);
        assert_eq!(error_code(&answer), code);
    }
    assert_eq!(app.balance().await, 0);
    assert_eq!(journal_entries(&app).await, 0);
    // A request from another site is refused before anything else.
    let r = app
        .client
        .post(app.url("/api/top-ups"))
        .header("origin", "https://evil.example")
        .header("idempotency-key", new_key())
        .json(&json!({"card_id": card, "amount": yen(100)}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "cross_site_request");
}

async fn the_same_key_answers_the_first_answer_and_moves_money_once(app: TestApp) {
    app.wallet_customer(&unique_email("idem")).await;
    let card = app.add_card(VISA).await;
    let key = new_key();
    let (status, first) = app.top_up(&card, 4_000, &key).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let r = app
        .client
        .post(app.url("/api/top-ups"))
        .header("idempotency-key", &key)
        // The same request, written differently.
        .header("content-type", "application/json")
        .body(format!(
            r#"{{ "amount": {{"currency":"JPY", "minor":4000}}, "card_id": "{card}" }}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (status, again) = read(r).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, first, "the first answer, exactly");
    assert_eq!(app.balance().await, 4_000);
    assert_eq!(journal_entries(&app).await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM wallet_transactions").await,
        1
    );
    // The same key for another request is refused and moves nothing.
    let (status, body) = app.top_up(&card, 4_001, &key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "idempotency_key_reused");
    let other_card = app.add_card("5555 5555 5555 4444").await;
    let (status, body) = app.top_up(&other_card, 4_000, &key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.balance().await, 4_000);
    // Even after the card is gone, the key still answers what it answered.
    let r = app
        .client
        .delete(app.url(&format!("/api/cards/{card}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, again) = app.top_up(&card, 4_000, &key).await;
    assert_eq!((status, again), (StatusCode::CREATED, first));
    // A refusal after the key was claimed is an answer too.
    let key = new_key();
    let (status, refused) = app.top_up("no-such-card", 100, &key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.top_up("no-such-card", 100, &key).await,
        (status, refused)
    );
}

async fn a_declined_answer_is_given_again_too(app: TestApp) {
    let email = unique_email("idemdecl");
    app.wallet_customer(&email).await;
    let card = app.add_card(DECLINES).await;
    let key = new_key();
    let (status, first) = app.top_up(&card, 2_500, &key).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let (status, again) = app.top_up(&card, 2_500, &key).await;
    assert_eq!((status, &again), (StatusCode::PAYMENT_REQUIRED, &first));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM wallet_transactions").await,
        1
    );
    assert_eq!(app.count_mails_settled(&email, "was declined").await, 1);
}

async fn a_key_belongs_to_one_customer(app: TestApp) {
    app.wallet_customer(&unique_email("keya")).await;
    let card_a = app.add_card(VISA).await;
    let b = app.another_browser();
    b.wallet_customer(&unique_email("keyb")).await;
    let card_b = b.add_card(VISA).await;
    let (status, first) = app.top_up(&card_a, 1_000, "order-1").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // Another customer with the same key string makes another request altogether.
    let (status, theirs) = b.top_up(&card_b, 3_000, "order-1").await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_ne!(first["id"], theirs["id"]);
    assert_eq!(app.balance().await, 1_000);
    assert_eq!(b.balance().await, 3_000);
}

async fn missing_or_malformed_keys_are_refused(app: TestApp) {
    app.wallet_customer(&unique_email("nokey")).await;
    let card = app.add_card(VISA).await;
    let body = json!({"card_id": card, "amount": yen(1_000)});
    let r = app
        .client
        .post(app.url("/api/top-ups"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, answer) = read(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&answer), "idempotency_key_required");
    let long = "k".repeat(101);
    for key in [
        &b""[..],
        long.as_bytes(),
        "ключ".as_bytes(),
        b"a\tb",
        b"\xff",
    ] {
        let r = app
            .client
            .post(app.url("/api/top-ups"))
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, answer) = read(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}");
        assert_eq!(error_code(&answer), "idempotency_key_required");
    }
    let r = app
        .client
        .post(app.url("/api/top-ups"))
        .header("idempotency-key", "one")
        .header("idempotency-key", "two")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (status, _) = app.top_up(&card, 1_000, &"k".repeat(100)).await;
    assert_eq!(status, StatusCode::CREATED, "100 bytes is the longest key");
    assert_eq!(app.balance().await, 1_000);
}

async fn identical_requests_at_once_move_money_once(app: TestApp) {
    let email = unique_email("twice");
    app.wallet_customer(&email).await;
    let card = app.add_card(VISA).await;
    let key = new_key();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = app.client.clone();
        let url = app.url("/api/top-ups");
        let (card, key) = (card.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            read(
                client
                    .post(url)
                    .header("idempotency-key", key)
                    .json(&json!({"card_id": card, "amount": yen(7_000)}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
        assert_eq!(body, &answers[0].1);
    }
    assert_eq!(app.balance().await, 7_000);
    assert_eq!(journal_entries(&app).await, 1);
    assert_eq!(
        app.count_mails_settled(&email, "added to your wallet")
            .await,
        1
    );
}

async fn the_wallet_shows_the_journal_balance_and_the_limits(app: TestApp) {
    assert_eq!(app.get("/api/wallet").await.0, StatusCode::UNAUTHORIZED);
    // An unverified customer sees an empty wallet (and cannot fill it).
    unverified_customer(&app, &unique_email("empty")).await;
    let (status, wallet) = app.get("/api/wallet").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        wallet,
        json!({"balance": yen(0), "limits": {"per_top_up": yen(50_000), "daily": yen(200_000), "used_today": yen(0)}, "freeze": null})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_top_up_is_pending_until_a_callback_settles_it_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) =
            TestApp::spawn_with(backend, &[("PORTAL_PROCESSOR_SETTLE_SECS", "0")]).await
        else {
            continue;
        };
        let email = unique_email("pending");
        app.wallet_customer(&email).await;
        let card = app.add_card(TIMES_OUT_THEN_APPROVED).await;
        let key = new_key();
        let (status, tx) = app.top_up(&card, 8_000, &key).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{tx}");
        assert_eq!(tx["status"], "pending");
        assert_eq!(app.balance().await, 0);
        let (_, wallet) = app.get("/api/wallet").await;
        assert_eq!(wallet["limits"]["used_today"], yen(8_000), "pending counts");
        let reference = tx["id"].as_str().unwrap();
        let (status, body) = app.processor_callback(reference, "approved").await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("settled"))
        );
        for outcome in ["approved", "declined"] {
            let (status, body) = app.processor_callback(reference, outcome).await;
            assert_eq!(
                (status, body["status"].as_str()),
                (StatusCode::OK, Some("already_settled"))
            );
        }
        assert_eq!(app.balance().await, 8_000);
        assert_eq!(journal_entries(&app).await, 1);
        let (_, status, _, _, _, entry) = app.history_row(reference).await;
        assert_eq!(status, "completed");
        assert!(entry.is_some());
        assert_eq!(
            app.count_mails_settled(&email, "added to your wallet")
                .await,
            1
        );
        // The key still answers its first answer: pending.
        let (status, again) = app.top_up(&card, 8_000, &key).await;
        assert_eq!((status, again), (StatusCode::ACCEPTED, tx));

        let card = app.add_card(TIMES_OUT_THEN_DECLINED).await;
        let (status, tx) = app.top_up(&card, 9_000, &new_key()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let reference = tx["id"].as_str().unwrap();
        let (status, _) = app.processor_callback(reference, "declined").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.history_row(reference).await.1, "declined");
        let (_, wallet) = app.get("/api/wallet").await;
        assert_eq!(wallet["limits"]["used_today"], yen(8_000));
        assert_eq!(wallet["balance"], yen(8_000));
        app.mail_with_subject(&email, "was declined").await;
        app.assert_ledger_consistent().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_forged_callbacks_are_refused_and_change_nothing() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) =
            TestApp::spawn_with(backend, &[("PORTAL_PROCESSOR_SETTLE_SECS", "0")]).await
        else {
            continue;
        };
        app.wallet_customer(&unique_email("forged")).await;
        let card = app.add_card(TIMES_OUT_THEN_APPROVED).await;
        let (status, tx) = app.top_up(&card, 6_000, &new_key()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let reference = tx["id"].as_str().unwrap();
        let body = json!({"reference": reference, "outcome": "approved"}).to_string();
        let now = portal_server::clock::now();
        let key = &app.state.secret_key;
        use portal_server::wallet::processor::sign_callback;
        let other_body = json!({"reference": reference, "outcome": "declined"}).to_string();
        let forgeries: Vec<Option<String>> = vec![
            None,
            Some(String::new()),
            Some("t=1,v1=00".into()),
            Some(sign_callback(&[0; 32], now, body.as_bytes())),
            // The device-cookie key itself is not the callback key.
            Some(format!(
                "t={now},v1={}",
                hex::encode(hmac_of(key, &format!("{now}.{body}")))
            )),
            Some(sign_callback(key, now - 3_600, body.as_bytes())),
            Some(sign_callback(key, now, other_body.as_bytes())),
            Some(sign_callback(key, now, body.as_bytes()).replace("t=", "t=1")),
        ];
        for signature in forgeries {
            let (status, answer) = app.raw_callback(&body, signature.as_deref()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}");
            assert_eq!(error_code(&answer), "signature_invalid");
        }
        assert_eq!(app.history_row(reference).await.1, "pending");
        assert_eq!(app.balance().await, 0);
        // Signed but not a settlement, or about no top-up.
        let junk = r#"{"reference": 5}"#;
        let (status, answer) = app
            .raw_callback(junk, Some(&sign_callback(key, now, junk.as_bytes())))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&answer), "invalid_json");
        for unknown in ["nope", "\u{0}", "🙂"] {
            let (status, answer) = app.processor_callback(unknown, "approved").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{unknown:?}");
            assert_eq!(error_code(&answer), "not_found");
        }
        let (status, _) = app.processor_callback(reference, "approved").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.balance().await, 6_000);
    }
}

fn hmac_of(key: &[u8; 32], message: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_network_settles_by_itself_and_its_repeat_is_harmless() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) =
            TestApp::spawn_with(backend, &[("PORTAL_PROCESSOR_SETTLE_SECS", "1")]).await
        else {
            continue;
        };
        let email = unique_email("auto");
        app.wallet_customer(&email).await;
        let card = app.add_card(TIMES_OUT_THEN_APPROVED).await;
        let (status, tx) = app.top_up(&card, 2_000, &new_key()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{tx}");
        let reference = tx["id"].as_str().unwrap().to_owned();
        let mut settled = false;
        for _ in 0..100 {
            if app.history_row(&reference).await.1 == "completed" {
                settled = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(settled, "settled within five seconds");
        // The network delivers every settlement twice; give the second time to arrive.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(app.balance().await, 2_000);
        assert_eq!(journal_entries(&app).await, 1);
        assert_eq!(
            app.count_mails_settled(&email, "added to your wallet")
                .await,
            1
        );
    }
}
