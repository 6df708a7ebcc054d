//! Payment codes and the merchant API, attacked straight at the API
//! (docs/threat-model.md#t7, #t10, #t13): a code is single use, short-lived, bound to one wallet
//! and voided by the next; a store needs its key; wrong codes are throttled; nobody spends money
//! that is not there, even fifty at once; memos keep every character.

use crate::common::wallet::{new_key, yen, VISA};
use crate::common::{error_code, read, unique_email, TestApp, STRONG_PASSWORD};
use portal_server::wallet::payment_code;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    a_payment_code_needs_a_verified_email_and_is_stored_hashed,
    a_store_redeems_a_code_once,
    a_new_code_voids_the_older_ones,
    expired_unknown_used_and_voided_codes_get_one_answer,
    too_little_money_leaves_the_code_valid,
    a_store_needs_its_key,
    wrong_codes_are_throttled_per_merchant,
    memos_round_trip_exactly_or_get_a_clean_answer,
    bad_input_to_the_merchant_api_is_a_clean_4xx,
    the_same_redemption_twice_pays_once,
    fifty_payments_at_once_through_the_merchant_api,
    only_the_merchant_api_skips_the_same_origin_check,
    a_code_pays_only_from_its_own_wallet,
    endpoints_without_input_ignore_whatever_is_sent,
);

async fn customer_with(app: &TestApp, minor: i64) -> String {
    let email = unique_email("payer");
    app.wallet_customer(&email).await;
    if minor > 0 {
        app.funded(minor).await;
    }
    email
}

fn pay(code: &str, minor: i64) -> Value {
    json!({"code": code, "amount": yen(minor)})
}

async fn code_used(app: &TestApp, code: &str) -> bool {
    let (used,): (Option<i64>,) =
        sqlx::query_as("SELECT used_at FROM payment_codes WHERE code_hash = $1")
            .bind(payment_code::hash(&app.state.secret_key, code))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    used.is_some()
}

async fn a_payment_code_needs_a_verified_email_and_is_stored_hashed(app: TestApp) {
    let r = reqwest::Client::new()
        .post(app.url("/api/payment-codes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let email = unique_email("unverified");
    app.register(&email, STRONG_PASSWORD).await;
    app.sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
    let (status, body) = app.post("/api/payment-codes", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "email_not_verified");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payment_codes").await, 0);

    // No step-up needed: showing a code moves nothing by itself.
    let other = app.another_browser();
    other
        .signed_in_customer(&unique_email("verified"), STRONG_PASSWORD)
        .await;
    let before = portal_server::clock::now();
    let (status, code) = other.post("/api/payment-codes", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{code}");
    let digits = code["code"].as_str().unwrap();
    assert!(
        digits.len() >= 12 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    let expires = code["expires_at"].as_i64().unwrap();
    let refresh = code["refresh_at"].as_i64().unwrap();
    assert!((before + 60..=before + 61).contains(&expires), "{code}");
    assert_eq!(expires - refresh, 30);
    let stored: Vec<(String,)> = sqlx::query_as("SELECT code_hash FROM payment_codes")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, digits);
    assert!(!stored[0].0.contains(digits));
    // A wallet without money still gets a code (and the store then hears insufficient_funds).
    let (_, next) = other.post("/api/payment-codes", json!({})).await;
    assert_ne!(next["code"], code["code"]);
}

async fn a_store_redeems_a_code_once(app: TestApp) {
    customer_with(&app, 10_000).await;
    let key = app.merchant("ファミリーマート 渋谷店").await;
    let code = app.payment_code().await;
    let before = portal_server::clock::now();
    let (status, paid) = app
        .redeem(
            &key,
            &new_key(),
            json!({"code": code, "amount": yen(1_200), "memo": "おにぎり 2点"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!(paid["amount"], yen(1_200));
    assert!(paid["created_at"].as_i64().unwrap() >= before);
    let id = paid["id"].as_str().unwrap();
    let (kind, status, amount, merchant, memo, entry) = app.history_row(id).await;
    assert_eq!(
        (kind.as_str(), status.as_str(), amount),
        ("payment", "completed", -1_200)
    );
    assert_eq!(merchant.as_deref(), Some("ファミリーマート 渋谷店"));
    assert_eq!(memo.as_deref(), Some("おにぎり 2点"));
    assert!(entry.is_some());
    let (merchant_id, search): (Option<String>, String) =
        sqlx::query_as("SELECT merchant_id, search_text FROM wallet_transactions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(merchant_id.is_some());
    assert_eq!(search, "ファミリーマート 渋谷店\nおにぎり 2点");
    assert_eq!(app.balance().await, 8_800);
    assert!(code_used(&app, &code).await);
    // Replayed after it was used: refused, and nothing moves.
    let (status, body) = app.redeem(&key, &new_key(), pay(&code, 1_200)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "payment_code_invalid");
    assert_eq!(app.balance().await, 8_800);
    app.assert_ledger_consistent().await;
    let merchant_balance = app
        .scalar(
            "SELECT p.balance_after FROM postings p JOIN ledger_accounts a ON a.id = p.ledger_account_id
             WHERE a.kind = 'merchant' ORDER BY p.seq DESC LIMIT 1",
        )
        .await;
    assert_eq!(merchant_balance, 1_200);
}

async fn a_new_code_voids_the_older_ones(app: TestApp) {
    customer_with(&app, 5_000).await;
    let key = app.merchant("Voided Store").await;
    let first = app.payment_code().await;
    let second = app.payment_code().await;
    let (status, body) = app.redeem(&key, &new_key(), pay(&first, 100)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "payment_code_invalid");
    let (status, body) = app.redeem(&key, &new_key(), pay(&second, 100)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.balance().await, 4_900);
}

async fn expired_unknown_used_and_voided_codes_get_one_answer(app: TestApp) {
    customer_with(&app, 5_000).await;
    let key = app.merchant("Expiry Store").await;
    let expired = app.payment_code().await;
    sqlx::query("UPDATE payment_codes SET expires_at = $1")
        .bind(portal_server::clock::now() - 1)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let voided = app.payment_code().await;
    let used = app.payment_code().await;
    assert_eq!(
        app.redeem(&key, &new_key(), pay(&used, 10)).await.0,
        StatusCode::CREATED
    );
    let unknown = "1234567890123456".to_owned();
    let mut answers = Vec::new();
    for code in [&expired, &voided, &used, &unknown] {
        let (status, body) = app.redeem(&key, &new_key(), pay(code, 10)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        answers.push(body);
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(error_code(&answers[0]), "payment_code_invalid");
    assert_eq!(answers[0]["error"]["field"], "code");
    assert_eq!(app.balance().await, 4_990);
}

async fn too_little_money_leaves_the_code_valid(app: TestApp) {
    customer_with(&app, 500).await;
    let key = app.merchant("Short Store").await;
    let code = app.payment_code().await;
    let (status, body) = app.redeem(&key, &new_key(), pay(&code, 1_000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "insufficient_funds");
    assert!(!code_used(&app, &code).await, "the code is not spent");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM wallet_transactions WHERE kind = 'payment'")
            .await,
        0
    );
    let (status, body) = app.redeem(&key, &new_key(), pay(&code, 500)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.balance().await, 0);
}

async fn a_store_needs_its_key(app: TestApp) {
    customer_with(&app, 1_000).await;
    let key = app.merchant("Keyed Store").await;
    let code = app.payment_code().await;
    let url = app.url("/api/merchant/redemptions");
    let client = reqwest::Client::new();
    let attempts = vec![
        None,
        Some("Bearer ".to_owned()),
        Some(format!("Bearer {key}x")),
        Some(format!("Basic {key}")),
        Some(key.clone()),
        Some(format!("Bearer {}", "k".repeat(10_000))),
        Some(format!("Bearer {}", &key[..key.len() - 1])),
    ];
    for auth in attempts {
        let mut r = client
            .post(&url)
            .header("idempotency-key", new_key())
            .json(&pay(&code, 100));
        if let Some(a) = &auth {
            r = r.header("authorization", a);
        }
        let (status, body) = read(r.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(error_code(&body), "merchant_key_invalid");
    }
    // A customer's session is no merchant key either.
    let r = app
        .client
        .post(&url)
        .header("idempotency-key", new_key())
        .json(&pay(&code, 100))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!code_used(&app, &code).await);
    assert_eq!(app.balance().await, 1_000);
    let stored: Vec<(String,)> = sqlx::query_as("SELECT api_key_hash FROM merchants")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|(h,)| !h.contains(&key[3..])),
        "only a hash is kept"
    );
    let (status, _) = app.redeem(&key, &new_key(), pay(&code, 100)).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn wrong_codes_are_throttled_per_merchant(app: TestApp) {
    customer_with(&app, 1_000).await;
    let guesser = app.merchant("Guessing Store").await;
    let honest = app.merchant("Honest Store").await;
    for i in 0..portal_server::wallet::merchant::GUESSES_PER_WINDOW {
        let guess = format!("{:016}", 1_000_000_000_000_000u64 + u64::from(i));
        let (status, body) = app.redeem(&guesser, &new_key(), pay(&guess, 10)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let code = app.payment_code().await;
    let r = reqwest::Client::new()
        .post(app.url("/api/merchant/redemptions"))
        .bearer_auth(&guesser)
        .header("idempotency-key", new_key())
        .json(&pay(&code, 10))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_attempts");
    assert!(!code_used(&app, &code).await);
    let (status, body) = app.redeem(&honest, &new_key(), pay(&code, 10)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "another merchant is not held up: {body}"
    );
}

async fn memos_round_trip_exactly_or_get_a_clean_answer(app: TestApp) {
    customer_with(&app, 50_000).await;
    let key = app.merchant("Memo Store 🏪").await;
    let memos = [
        "Receipt #42\r\nThank you!\n",
        "متجر القهوة — فاتورة ١٢",
        "\u{202e}evil.exe\u{202c} \u{202e}RTL override",
        "👩‍👩‍👧‍👦🇯🇵☕️ x3",
        "<script>alert(1)</script>&amp;'\"",
        "e\u{301}te\u{301} (combining accents)",
        "\u{1b}[31mred\u{1b}[0m\t\u{7}",
        "ｶﾌｪﾗﾃ（Ｍ）",
        "   ",
        &"語".repeat(portal_api::wallet::MEMO_MAX_CHARS),
        "\u{10ffff}\u{fffd}",
    ];
    for memo in memos {
        let code = app.payment_code().await;
        let (status, paid) = app
            .redeem(
                &key,
                &new_key(),
                json!({"code": code, "amount": yen(10), "memo": memo}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{memo:?}: {paid}");
        let row = app.history_row(paid["id"].as_str().unwrap()).await;
        assert_eq!(row.4.as_deref(), Some(memo), "stored exactly");
        assert_eq!(row.3.as_deref(), Some("Memo Store 🏪"));
    }
    let too_long = "語".repeat(portal_api::wallet::MEMO_MAX_CHARS + 1);
    for (memo, code) in [
        (too_long.as_str(), "details_too_long"),
        ("a\u{0}b", "details_invalid"),
    ] {
        let payment = app.payment_code().await;
        let (status, body) = app
            .redeem(
                &key,
                &new_key(),
                json!({"code": payment, "amount": yen(10), "memo": memo}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&body), code);
        assert_eq!(body["error"]["field"], "memo");
        assert!(!code_used(&app, &payment).await);
    }
    // No memo and an empty memo are both no memo.
    for body in [json!({}), json!({"memo": null}), json!({"memo": ""})] {
        let code = app.payment_code().await;
        let mut request = pay(&code, 10);
        request
            .as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let (status, paid) = app.redeem(&key, &new_key(), request).await;
        assert_eq!(status, StatusCode::CREATED, "{paid}");
        assert_eq!(app.history_row(paid["id"].as_str().unwrap()).await.4, None);
    }
}

async fn bad_input_to_the_merchant_api_is_a_clean_4xx(app: TestApp) {
    customer_with(&app, 5_000).await;
    let key = app.merchant("Strict Store").await;
    let code = app.payment_code().await;
    let send = |content_type: &'static str, body: String| {
        let (app, key) = (&app, &key);
        async move {
            read(
                reqwest::Client::new()
                    .post(app.url("/api/merchant/redemptions"))
                    .bearer_auth(key)
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
        ("application/json", "{\"code\":\"1".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "[1,2]".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"code": 1234567890123456u64, "amount": yen(10)}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"code": code, "amount": "10"}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"code": code, "amount": yen(10), "memo": 5}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", json!({"code": code, "amount": yen(10), "customer": "someone"}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"code":"x","amount":{"minor":10,"currency":"JPY"},"memo":"\ud800"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("text/plain", pay(&code, 10).to_string(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("application/json", json!({"code": code, "amount": yen(10), "memo": "m".repeat(portal_api::rules::MAX_JSON_BODY_BYTES + 1024)}).to_string(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("application/json", json!({"code": code, "amount": yen(0)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "amount_invalid"),
        ("application/json", json!({"code": code, "amount": yen(-10)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "amount_invalid"),
        ("application/json", json!({"code": code, "amount": {"minor": 10, "currency": "USD"}}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "amount_invalid"),
        ("application/json", json!({"code": "", "amount": yen(10)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "payment_code_invalid"),
        ("application/json", json!({"code": "\u{0}", "amount": yen(10)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "payment_code_invalid"),
        ("application/json", json!({"code": "１２３４５６７８９０１２３４５６", "amount": yen(10)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "payment_code_invalid"),
        ("application/json", json!({"code": "9".repeat(10_000), "amount": yen(10)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "payment_code_invalid"),
    ];
    for (content_type, body, status, code_expected) in cases {
        let (got, answer) = send(content_type, body.clone()).await;
        assert_eq!(got, status, "{} -> {answer}", &body[..body.len().min(80)]);
        assert_eq!(error_code(&answer), code_expected);
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/merchant/redemptions"))
        .bearer_auth(&key)
        .json(&pay(&code, 10))
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "idempotency_key_required");
    assert!(!code_used(&app, &code).await);
    assert_eq!(app.balance().await, 5_000);
    // Spaces or dashes from a till are fine.
    let spaced: String = code
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let (status, body) = app.redeem(&key, &new_key(), pay(&spaced, 10)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn the_same_redemption_twice_pays_once(app: TestApp) {
    customer_with(&app, 5_000).await;
    let key = app.merchant("Retry Store").await;
    let code = app.payment_code().await;
    let idem = new_key();
    let (status, first) = app.redeem(&key, &idem, pay(&code, 700)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = app.redeem(&key, &idem, pay(&code, 700)).await;
    assert_eq!((status, &again), (StatusCode::CREATED, &first));
    assert_eq!(app.balance().await, 4_300);
    let (status, body) = app.redeem(&key, &idem, pay(&code, 701)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "idempotency_key_reused");
    // Another merchant's key space is its own.
    let other = app.merchant("Other Store").await;
    let (status, body) = app.redeem(&other, &idem, pay(&code, 700)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_code(&body),
        "payment_code_invalid",
        "the code is spent"
    );

    // The same request sent five times at once pays once, and all five hear the same.
    let code = app.payment_code().await;
    let idem = new_key();
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (url, key, idem, body) = (
            app.url("/api/merchant/redemptions"),
            key.clone(),
            idem.clone(),
            pay(&code, 300),
        );
        tasks.push(tokio::spawn(async move {
            read(
                reqwest::Client::new()
                    .post(url)
                    .bearer_auth(key)
                    .header("idempotency-key", idem)
                    .json(&body)
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
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::CREATED);
    assert_eq!(app.balance().await, 4_000);
    app.assert_ledger_consistent().await;
}

async fn fifty_payments_at_once_through_the_merchant_api(app: TestApp) {
    customer_with(&app, 10_000).await;
    let key = app.merchant("Busy Store").await;
    let account_id: String = app.scalar_text("SELECT id FROM accounts").await;
    let wallet_id = app
        .scalar_text("SELECT id FROM ledger_accounts WHERE kind = 'wallet'")
        .await;
    // Fifty codes live at once (the issuing endpoint would void all but the newest).
    let mut codes = Vec::new();
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    for _ in 0..50 {
        let code = payment_code::generate();
        payment_code::store(
            &mut conn,
            &app.state.secret_key,
            &account_id,
            &wallet_id,
            &code,
            portal_server::clock::now(),
        )
        .await
        .unwrap();
        codes.push(code);
    }
    drop(conn);
    let mut tasks = Vec::new();
    for code in &codes {
        let (url, key, body) = (
            app.url("/api/merchant/redemptions"),
            key.clone(),
            pay(code, 300),
        );
        tasks.push(tokio::spawn(async move {
            read(
                reqwest::Client::new()
                    .post(url)
                    .bearer_auth(key)
                    .header("idempotency-key", new_key())
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }));
    }
    let (mut paid, mut refused) = (0, 0);
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => paid += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(error_code(&body), "insufficient_funds");
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((paid, refused), (33, 17));
    assert_eq!(app.balance().await, 100);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM payment_codes WHERE used_at IS NOT NULL")
            .await,
        33,
        "refused payments leave their codes unspent"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM wallet_transactions WHERE kind = 'payment'")
            .await,
        33
    );
    app.assert_ledger_consistent().await;
}

async fn only_the_merchant_api_skips_the_same_origin_check(app: TestApp) {
    customer_with(&app, 1_000).await;
    let key = app.merchant("Web Till").await;
    let code = app.payment_code().await;
    // A till that happens to be a web page elsewhere.
    let r = reqwest::Client::new()
        .post(app.url("/api/merchant/redemptions"))
        .header("origin", "https://till.example")
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(&key)
        .header("idempotency-key", new_key())
        .json(&pay(&code, 100))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // The customer's own endpoints are still locked to the page's origin.
    let r = app
        .client
        .post(app.url("/api/payment-codes"))
        .header("origin", "https://till.example")
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "cross_site_request");
}

async fn a_code_pays_only_from_its_own_wallet(app: TestApp) {
    customer_with(&app, 3_000).await;
    let alice_code = app.payment_code().await;
    let bob = app.another_browser();
    customer_with(&bob, 3_000).await;
    let bob_code = bob.payment_code().await;
    // Bob's new code does not void Alice's.
    let key = app.merchant("Shared Store").await;
    let (status, body) = app.redeem(&key, &new_key(), pay(&alice_code, 1_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.balance().await, 2_000);
    assert_eq!(
        bob.balance().await,
        3_000,
        "Alice's code pays from Alice's wallet only"
    );
    let (status, _) = app.redeem(&key, &new_key(), pay(&bob_code, 3_000)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!((app.balance().await, bob.balance().await), (2_000, 0));
    // Each sees only their own card list.
    let (_, cards) = bob.get("/api/cards").await;
    assert_eq!(cards.as_array().unwrap().len(), 1);
    let _ = VISA;
}

/// The wallet, the card list and a new payment code take no input: junk query strings and bodies
/// (malformed, huge, of another type) change nothing, crash nothing and answer as usual.
async fn endpoints_without_input_ignore_whatever_is_sent(app: TestApp) {
    customer_with(&app, 1_000).await;
    let (_, wallet) = app.get("/api/wallet").await;
    let (_, cards) = app.get("/api/cards").await;
    for query in [
        "?x=1",
        "?balance=999999",
        "?%00=%00",
        "?q=%3Cscript%3E",
        "?a=1&a=2",
    ] {
        assert_eq!(
            app.get(&format!("/api/wallet{query}")).await,
            (StatusCode::OK, wallet.clone())
        );
        assert_eq!(
            app.get(&format!("/api/cards{query}")).await,
            (StatusCode::OK, cards.clone())
        );
    }
    let huge = "x".repeat(64 * 1024);
    for (content_type, body) in [
        ("application/json", "{not json".to_owned()),
        (
            "application/json",
            r#"{"code":"1234567890123456","minor":-5}"#.to_owned(),
        ),
        ("text/plain", huge.clone()),
        ("application/json", format!(r#"{{"pad":"{huge}"}}"#)),
    ] {
        let (status, body) = app.post_raw("/api/payment-codes", content_type, body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["code"].as_str().unwrap().len(), 16, "{body}");
    }
    // Four codes were made; only the last is live, and nothing moved.
    let live = app
        .scalar("SELECT COUNT(*) FROM payment_codes WHERE used_at IS NULL AND voided_at IS NULL")
        .await;
    assert_eq!(live, 1);
    assert_eq!(app.balance().await, 1_000);
    app.assert_ledger_consistent().await;
}
