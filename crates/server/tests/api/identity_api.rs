//! Sign-up, verification, sign-in and sign-out, called straight at the API, around the page.

use crate::common;
use crate::common::{error_code, unique_email, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    sign_up_verify_sign_in_sign_out,
    weak_breached_short_long_and_contextual_passwords_are_refused,
    duplicate_sign_up_reveals_nothing,
    wrong_email_and_wrong_password_get_one_answer,
    failed_sign_ins_are_throttled_per_account,
    verification_tokens_are_single_use,
    absent_display_name_stays_absent,
    display_names_round_trip_exactly,
    bad_input_gets_clean_errors_and_changes_nothing,
    cross_site_posts_are_refused,
    unknown_fields_are_refused_not_stored,
);

async fn sign_up_verify_sign_in_sign_out(app: TestApp) {
    let email = unique_email("hana");
    let (status, body) = app
        .post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "display_name": "Hana"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, json!({"status": "verification_sent"}));

    // Registration does not sign in: the answer must not differ from a duplicate's.
    let (status, body) = app.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "not_signed_in");

    let me = app
        .sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
    assert_eq!(
        me["email_verified"], false,
        "unverified until the link is opened"
    );
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email"], email);
    assert_eq!(me["email_verified"], false);

    let token = app.mailbox.verification_token(&email).await;
    let (status, body) = app.post("/api/verify-email", json!({"token": token})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["display_name"], "Hana");

    let r = app
        .client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = app.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn weak_breached_short_long_and_contextual_passwords_are_refused(app: TestApp) {
    let email = unique_email("kenji.watanabe");
    let cases = [
        ("short12", "password_too_short"),
        (&"x".repeat(257)[..], "password_too_long"),
        ("aaaaaaaaaaaa", "password_weak"),
        ("abcabcabcabc", "password_weak"),
        ("qwertyuiop", "password_breached"),
        // Strong to zxcvbn without context, weak with the person's own address as context.
        (&email[..], "password_weak"),
        ("MamoruWallet!", "password_weak"),
    ];
    for (password, code) in cases {
        let (status, body) = app.register(&email, password).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}: {body}"
        );
        assert_eq!(error_code(&body), code, "{password}");
        assert_eq!(body["error"]["field"], "password");
    }
    for breached in ["password1234", "iloveyou", "ｐａｓｓｗｏｒｄ１２３４"] {
        let (status, body) = app.register(&email, breached).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&body), "password_breached", "{breached}");
    }
    assert_eq!(app.account_count().await, 0);
}

/// A password zxcvbn scores as strong is still refused once it is in the corpus: the breach
/// check stands on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strong_password_in_the_corpus_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.bin");
    let leaked = "correct-horse-battery-staple-1492";
    let hash = pwned::hash_from_hex(&portal_api::pwned::sha1_hex(leaked)).unwrap();
    pwned::build([(hash, 7)], &corpus, &Default::default()).unwrap();
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[("PORTAL_PWNED_CORPUS", corpus.to_str().unwrap())],
    )
    .await
    .unwrap();
    assert!(portal_api::strength::estimate(leaked, &[]).score >= 3);
    let (status, body) = app.register(&unique_email("s"), leaked).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "password_breached");
    let (status, _) = app.register(&unique_email("s"), STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

async fn duplicate_sign_up_reveals_nothing(app: TestApp) {
    let email = unique_email("dup");
    let first = app.register(&email, STRONG_PASSWORD).await;
    let again = app
        .register(&email.to_uppercase(), "another-long-phrase-77-lantern")
        .await;
    assert_eq!(
        first, again,
        "a taken address must get the very same answer"
    );
    assert_eq!(app.account_count().await, 1);
    // The owner of the address learns what happened; nobody else does.
    let mails = app.mailbox.wait_for(&email, 2).await;
    assert!(
        mails[1].subject.contains("tried to sign up"),
        "{:?}",
        mails[1]
    );
    // The original password still works; the second one never took effect.
    app.sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
        .await;
}

async fn wrong_email_and_wrong_password_get_one_answer(app: TestApp) {
    let email = unique_email("real");
    app.register(&email, STRONG_PASSWORD).await;
    let wrong_password = app.sign_in(&email, "not-the-password-00").await;
    let no_account = app
        .sign_in(&unique_email("nobody"), "not-the-password-00")
        .await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, no_account);
    assert_eq!(error_code(&no_account.1), "invalid_credentials");
}

async fn failed_sign_ins_are_throttled_per_account(app: TestApp) {
    let email = unique_email("target");
    app.register(&email, STRONG_PASSWORD).await;
    let limit = app.state.config.throttle.per_account;
    for _ in 0..limit {
        let (status, _) = app.sign_in(&email, "guess-guess-guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/sign-in"))
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits out the window"
    );
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_eq!(error_code(&common::read(r).await.1), "too_many_attempts");
    // Another account from the same address is not locked by this one's failures.
    let other = unique_email("bystander");
    app.register(&other, STRONG_PASSWORD).await;
    app.sign_in_new_browser(&app.client, &other, STRONG_PASSWORD)
        .await;
}

async fn verification_tokens_are_single_use(app: TestApp) {
    let email = unique_email("once");
    app.register(&email, STRONG_PASSWORD).await;
    let token = app.mailbox.verification_token(&email).await;
    assert!(token.len() >= 43, "at least 256 bits: {token}");
    assert_eq!(
        app.post("/api/verify-email", json!({"token": token}))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = app.post("/api/verify-email", json!({"token": token})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "token_invalid");
    for bogus in ["", "x", &"A".repeat(43), &"A".repeat(10_000)] {
        let (status, body) = app.post("/api/verify-email", json!({"token": bogus})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&body), "token_invalid");
    }
    // Stored hashed: the secret from the mail is nowhere in the database.
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM email_verifications WHERE token_hash = $1")
            .bind(&token)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(n, 0);
}

async fn absent_display_name_stays_absent(app: TestApp) {
    let email = unique_email("noname");
    let me = app.signed_in_customer(&email, STRONG_PASSWORD).await;
    assert_eq!(me["display_name"], serde_json::Value::Null);
    let (name,): (Option<String>,) =
        sqlx::query_as("SELECT display_name FROM accounts WHERE email_key = $1")
            .bind(email.to_lowercase())
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(name, None, "no invented default");
}

async fn display_names_round_trip_exactly(app: TestApp) {
    for name in [
        "山田 花子",
        "محمد علي",
        "Zoë 🚀👩‍👩‍👧",
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE accounts;--",
        "  spaced  ",
    ] {
        let email = unique_email("name");
        app.post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "display_name": name}),
        )
        .await;
        let me = app
            .sign_in_new_browser(&app.client, &email, STRONG_PASSWORD)
            .await;
        assert_eq!(me["display_name"], name);
    }
}

async fn bad_input_gets_clean_errors_and_changes_nothing(app: TestApp) {
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        ("application/json", "{".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "null".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "[]".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"email": 5, "password": "x"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"email": "a@b.cd", "password": ["x"]}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", r#"{"email": "a@b.cd"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        // A key given twice is refused, not read as its last value.
        ("application/json", format!(r#"{{"email": "a@b.cd", "email": "c@d.ef", "password": "{STRONG_PASSWORD}"}}"#), StatusCode::BAD_REQUEST, "invalid_json"),
        ("application/json", "\u{0}\u{1}\u{2}".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("text/plain", r#"{"email":"a@b.cd","password":"x"}"#.into(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (
            "application/json",
            // Just over the limit: a megabyte would race the server closing the connection
            // after its 413 and fail now and then as a reset instead of an answer.
            format!(r#"{{"email":"a@b.cd","password":"{}"}}"#, "x".repeat(portal_api::rules::MAX_JSON_BODY_BYTES + 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        ("application/json", json!({"email": "a@b.cd\r\nBcc: x@evil.example", "password": STRONG_PASSWORD}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "email_invalid"),
        ("application/json", json!({"email": "", "password": STRONG_PASSWORD}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "email_invalid"),
        ("application/json", json!({"email": format!("{}@example.com", "a".repeat(300)), "password": STRONG_PASSWORD}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "email_too_long"),
        ("application/json", json!({"email": "'; DROP TABLE accounts;--@x.y", "password": STRONG_PASSWORD}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "email_invalid"),
        ("application/json", json!({"email": "a@b.cd", "password": STRONG_PASSWORD, "display_name": "line\nbreak"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "display_name_invalid"),
        ("application/json", json!({"email": "a@b.cd", "password": STRONG_PASSWORD, "display_name": "\u{0}"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "display_name_invalid"),
        ("application/json", json!({"email": "a@b.cd", "password": STRONG_PASSWORD, "display_name": "名".repeat(101)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "display_name_too_long"),
    ];
    for (content_type, body, status, code) in cases {
        let shown: String = body.chars().take(80).collect();
        let (got, answer) = app.post_raw("/api/register", content_type, body).await;
        assert_eq!(got, status, "{shown:?}: {answer}");
        assert_eq!(error_code(&answer), code, "{shown:?}");
    }
    for body in ["{", r#"{"email":[],"password":{}}"#] {
        let (status, answer) = app.post_raw("/api/sign-in", "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&answer), "invalid_json");
    }
    let (status, answer) = app.get("/api/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&answer), "not_found");
    let (status, answer) = app.post("/api/me", json!({})).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&answer), "method_not_allowed");
    assert_eq!(app.account_count().await, 0);
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let email = unique_email("csrf");
    let evil = reqwest::Client::new();
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = evil
            .post(app.url("/api/register"))
            .header(header, value)
            .json(&json!({"email": email, "password": STRONG_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{header}: {value}");
        assert_eq!(error_code(&common::read(r).await.1), "cross_site_request");
    }
    assert_eq!(app.account_count().await, 0);
}

async fn unknown_fields_are_refused_not_stored(app: TestApp) {
    // 7pay stored invented defaults for absent facts; here facts we do not ask for are refused.
    let email = unique_email("extra");
    let (status, body) = app
        .post(
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD, "birth_date": "2019-01-01", "gender": "female"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_json");
    assert_eq!(app.account_count().await, 0);
}

/// T1: an attacker's failed guesses lock out strangers, never the owner on a device they have
/// signed in from before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_device_signs_in_while_attackers_are_locked_out() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let email = unique_email("owner");
    app.signed_in_customer(&email, STRONG_PASSWORD).await; // app.client now holds a device cookie
    app.client
        .post(app.url("/api/sign-out"))
        .send()
        .await
        .unwrap();

    let attacker = app.new_client();
    for _ in 0..app.state.config.throttle.per_account {
        let r = attacker
            .post(app.url("/api/sign-in"))
            .json(&json!({"email": email, "password": "guess-guess-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attacker
        .post(app.url("/api/sign-in"))
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "an unknown device is throttled"
    );

    let (status, me) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "the owner's device is not: {me}");

    // The device cookie is bound to its account and signed: it does not help with another
    // account, and a forged one is ignored.
    let other = unique_email("other");
    app.register(&other, STRONG_PASSWORD).await;
    for _ in 0..app.state.config.throttle.per_account {
        attacker
            .post(app.url("/api/sign-in"))
            .json(&json!({"email": other, "password": "guess-guess-1"}))
            .send()
            .await
            .unwrap();
    }
    let (status, _) = app.sign_in(&other, STRONG_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a device cookie for one account is no key to another"
    );
    let forged = reqwest::Client::new()
        .post(app.url("/api/sign-in"))
        .header(
            "cookie",
            format!("device=AAAAAAAAAAAAAAAAAAAAAA.{}", "0".repeat(64)),
        )
        .json(&json!({"email": email, "password": STRONG_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
}

mod sessions {
    use crate::common::{self, error_code, unique_email, TestApp, STRONG_PASSWORD};
    use reqwest::StatusCode;
    use serde_json::Value;

    on_both_backends!(
        a_customer_sees_every_session_and_ends_one,
        ending_the_others_keeps_this_one,
        another_customers_session_cannot_be_named,
    );

    async fn sign_in_elsewhere(app: &TestApp, email: &str, user_agent: &str) -> reqwest::Client {
        let other = app.browser_with(user_agent);
        app.sign_in_new_browser(&other, email, STRONG_PASSWORD)
            .await;
        other
    }

    const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

    async fn a_customer_sees_every_session_and_ends_one(app: TestApp) {
        let email = unique_email("devices");
        app.signed_in_customer(&email, STRONG_PASSWORD).await;
        let phone = sign_in_elsewhere(&app, &email, PHONE).await;

        let (status, list) = app.get("/api/sessions").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 2, "{list:?}");
        let mine: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
        assert_eq!(mine.len(), 1, "exactly one is this browser");
        let theirs = list.iter().find(|s| s["current"] == false).unwrap();
        assert_eq!(theirs["browser"], "Chrome");
        assert_eq!(theirs["os"], "Android");
        assert_eq!(theirs["ip"], "127.0.0.1");
        assert!(theirs["created_at"].as_i64().unwrap() > 0);
        // The public id is not the stored hash of the cookie's secret.
        let (hash,): (String,) = sqlx::query_as("SELECT token_hash FROM sessions WHERE id = $1")
            .bind(theirs["id"].as_str().unwrap())
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert!(!hash.starts_with(theirs["id"].as_str().unwrap()));

        let r = app
            .client
            .delete(app.url(&format!("/api/sessions/{}", theirs["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = phone.get(app.url("/api/me")).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "the phone is signed out at once"
        );
        assert_eq!(
            app.get("/api/me").await.0,
            StatusCode::OK,
            "this browser is not"
        );
    }

    async fn ending_the_others_keeps_this_one(app: TestApp) {
        let email = unique_email("others");
        app.signed_in_customer(&email, STRONG_PASSWORD).await;
        let a = sign_in_elsewhere(&app, &email, PHONE).await;
        let b = sign_in_elsewhere(&app, &email, "curl/8").await;
        let (status, body) = app
            .post("/api/sessions/revoke-others", serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["revoked"], 2);
        for other in [a, b] {
            assert_eq!(
                other.get(app.url("/api/me")).send().await.unwrap().status(),
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
    }

    async fn another_customers_session_cannot_be_named(app: TestApp) {
        let victim = unique_email("victim");
        app.register(&victim, STRONG_PASSWORD).await;
        let victim_phone = sign_in_elsewhere(&app, &victim, PHONE).await;
        let (_, list) = common::read(
            victim_phone
                .get(app.url("/api/sessions"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let victim_session = list[0]["id"].as_str().unwrap().to_owned();

        app.signed_in_customer(&unique_email("attacker"), STRONG_PASSWORD)
            .await;
        let r = app
            .client
            .delete(app.url(&format!("/api/sessions/{victim_session}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(error_code(&common::read(r).await.1), "not_found");
        let (_, list) = app.get("/api/sessions").await;
        assert_eq!(
            list.as_array().unwrap().len(),
            1,
            "only the attacker's own session is listed"
        );
        let r = victim_phone.get(app.url("/api/me")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "the victim stays signed in");
        // Nobody signed in: no list, no revocation.
        let anon = reqwest::Client::new();
        let r = anon.get(app.url("/api/sessions")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = anon
            .delete(app.url(&format!("/api/sessions/{victim_session}")))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}
