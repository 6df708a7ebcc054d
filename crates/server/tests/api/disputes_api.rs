//! Disputes: free text kept exactly as typed (T13), one open dispute per transaction under any
//! concurrency, a timeline the customer always sees (T15), a mail with the dispute's number, and
//! nothing at all about another customer's transactions or disputes.

use crate::common;
use crate::common::evidence as fixtures;

use crate::common::ledger::{self, NewTransaction};
use crate::common::{error_code, Customer, TestApp};
use portal_api::wallet::{DisputeStatus, DISPUTE_DETAILS_MAX_CHARS};
use portal_server::evidence::disputes::{record_status, TimelineError};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    a_dispute_keeps_its_text_exactly_and_mails_its_number,
    the_mail_speaks_the_customers_language,
    one_open_dispute_per_transaction_even_when_requests_race,
    the_timeline_shows_every_step_with_notes,
    support_status_changes_follow_the_rules,
    bad_dispute_input_is_refused_cleanly,
    another_customers_transactions_and_disputes_are_not_found,
    an_answer_is_taken_only_while_support_waits_and_only_from_the_customer,
    an_answer_keeps_its_text_and_screenshots_and_returns_the_dispute_to_review,
);

const T0: i64 = 1_790_000_000;

async fn payment(app: &TestApp, c: &Customer, amount: i64, merchant: &str) -> String {
    ledger::insert(
        &app.state.db,
        &c.id,
        "JPY",
        &[NewTransaction::payment(amount, merchant, Some("memo"), T0)],
    )
    .await
    .remove(0)
}

async fn dispute(c: &Customer, transaction: &str, details: &str) -> (StatusCode, Value) {
    c.post(
        &format!("/api/transactions/{transaction}/disputes"),
        json!({"reason": "not_recognised", "details": details}),
    )
    .await
}

async fn a_dispute_keeps_its_text_exactly_and_mails_its_number(app: TestApp) {
    let c = app.customer("dispute", "en").await;
    let t = payment(&app, &c, 55_000, "7-Eleven Shinjuku").await;
    let details = "I don't know this shop.\r\nI was at home\n\n\tall day.\n\
        絵文字 🤔👨‍👩‍👧 and צילום מסך ومتجر غير معروف \u{202E}reversed\u{202C}\n\
        <script>alert(1)</script> <b>bold</b> &amp;\n\
        '; DROP TABLE disputes; -- \"quoted\" \\ back\\slash\n\
        bell\u{7} escape\u{1b}[31m zero\u{200B}width  trailing spaces   ";
    let (status, d) = dispute(&c, &t, details).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("D-") && id.len() == 16, "{id}");
    assert_eq!(d["details"], details);
    assert_eq!(d["reason"], "not_recognised");
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["transaction"]["id"], t.as_str());
    assert_eq!(d["transaction"]["amount"]["minor"], -55_000);
    assert_eq!(d["transaction"]["merchant"], "7-Eleven Shinjuku");
    assert_eq!(
        d["transaction"]["dispute"],
        json!({"id": id, "status": "submitted"})
    );
    let timeline = d["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0]["status"], "submitted");
    assert!(timeline[0]["note"].is_null());
    let now = portal_server::clock::now();
    assert!((now - d["created_at"].as_i64().unwrap()).abs() < 60);

    let (status, again) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, d, "read back exactly as created");
    let (status, list) = c.get("/api/disputes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([d]));
    let (_, page) = c.get("/api/transactions").await;
    assert_eq!(
        page["items"][0]["dispute"],
        json!({"id": id, "status": "submitted"})
    );
    let (stored,): (String,) = sqlx::query_as("SELECT details FROM disputes WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, details, "stored byte for byte");

    let mail = app.mailbox.wait_for(&c.email, 2).await.pop().unwrap();
    assert!(mail.subject.contains(&id), "{}", mail.subject);
    assert!(
        mail.body.contains(&format!("Dispute number: {id}")),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("¥55,000"), "{}", mail.body);
    assert!(mail.body.contains("7-Eleven Shinjuku"));
    assert!(mail.body.contains(&format!("/wallet/disputes/{id}")));
    assert!(
        !mail.body.contains("DROP TABLE"),
        "the mail does not echo the text"
    );

    // Newest first, ordered within one second too.
    let t2 = payment(&app, &c, 100, "Lawson").await;
    let t3 = payment(&app, &c, 200, "Lawson").await;
    let (_, d2) = dispute(&c, &t2, "second").await;
    let (_, d3) = dispute(&c, &t3, "third").await;
    let (_, list) = c.get("/api/disputes").await;
    let order: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            d3["id"].as_str().unwrap(),
            d2["id"].as_str().unwrap(),
            id.as_str()
        ]
    );
}

async fn the_mail_speaks_the_customers_language(app: TestApp) {
    let c = app.customer("dispute-ja", "ja").await;
    let t = payment(&app, &c, 1_234, "ローソン 渋谷店").await;
    let (status, d) = c
        .post(
            &format!("/api/transactions/{t}/disputes"),
            json!({"reason": "charged_twice", "details": "二重に請求されました。\n確認をお願いします。"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["reason"], "charged_twice");
    let id = d["id"].as_str().unwrap();
    let mail = app.mailbox.wait_for(&c.email, 2).await.pop().unwrap();
    assert!(mail.subject.contains("異議申し立て"), "{}", mail.subject);
    assert!(mail.subject.contains(id));
    assert!(
        mail.body.contains(&format!("受付番号：{id}")),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("￥1,234"), "{}", mail.body);
    assert!(mail.body.contains("ローソン 渋谷店"));
}

async fn one_open_dispute_per_transaction_even_when_requests_race(app: TestApp) {
    let c = app.customer("race", "en").await;
    let t = payment(&app, &c, 900, "Lawson").await;
    let attempts = 12;
    let mut tasks = Vec::new();
    for i in 0..attempts {
        let client = c.client.clone();
        let url = c.url(&format!("/api/transactions/{t}/disputes"));
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"reason": "wrong_amount", "details": format!("attempt {i}")}))
                .send()
                .await
                .unwrap();
            common::read(r).await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(error_code(&body), "dispute_exists"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created, 1, "exactly one of {attempts} racing requests wins");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM disputes WHERE transaction_id = $1")
        .bind(&t)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Still refused while under review or waiting for information.
    let (_, list) = c.get("/api/disputes").await;
    let first = list[0]["id"].as_str().unwrap().to_owned();
    record_status(&app.state.db, &first, DisputeStatus::UnderReview, None)
        .await
        .unwrap();
    let (status, body) = dispute(&c, &t, "again").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "dispute_exists");
    record_status(
        &app.state.db,
        &first,
        DisputeStatus::MoreInfoNeeded,
        Some("Which store?"),
    )
    .await
    .unwrap();
    assert_eq!(dispute(&c, &t, "again").await.0, StatusCode::CONFLICT);

    // Once closed, the transaction can be disputed again; the summary shows the open one.
    record_status(
        &app.state.db,
        &first,
        DisputeStatus::Declined,
        Some("The receipt shows your card."),
    )
    .await
    .unwrap();
    let (_, page) = c.get("/api/transactions").await;
    assert_eq!(
        page["items"][0]["dispute"],
        json!({"id": first, "status": "declined"}),
        "the last dispute when none is open"
    );
    let (status, second) = dispute(&c, &t, "I still do not recognise it.").await;
    assert_eq!(status, StatusCode::CREATED);
    let second = second["id"].as_str().unwrap().to_owned();
    let (_, page) = c.get("/api/transactions").await;
    assert_eq!(
        page["items"][0]["dispute"],
        json!({"id": second, "status": "submitted"})
    );
    let (_, old) = c.get(&format!("/api/disputes/{first}")).await;
    assert_eq!(old["status"], "declined");
    assert_eq!(
        old["transaction"]["dispute"],
        json!({"id": second, "status": "submitted"})
    );
    // Racing support agents: only one closing status wins.
    let db = app.state.db.clone();
    let (a, b) = tokio::join!(
        record_status(&db, &second, DisputeStatus::Refunded, None),
        record_status(&app.state.db, &second, DisputeStatus::Declined, Some("No."))
    );
    assert!(
        matches!(
            (&a, &b),
            (Ok(_), Err(TimelineError::Closed)) | (Err(TimelineError::Closed), Ok(_))
        ),
        "{a:?} {b:?}"
    );
    let (_, d) = c.get(&format!("/api/disputes/{second}")).await;
    assert_eq!(d["timeline"].as_array().unwrap().len(), 2, "{d}");
}

async fn the_timeline_shows_every_step_with_notes(app: TestApp) {
    let c = app.customer("timeline", "en").await;
    let t = payment(&app, &c, 5_000, "Lawson").await;
    let (_, d) = dispute(&c, &t, "Not me.").await;
    let id = d["id"].as_str().unwrap().to_owned();
    let ask = "Please send the receipt.\nAny Unicode: 領収書 🧾 مرحبا";
    record_status(&app.state.db, &id, DisputeStatus::UnderReview, None)
        .await
        .unwrap();
    let event = record_status(&app.state.db, &id, DisputeStatus::MoreInfoNeeded, Some(ask))
        .await
        .unwrap();
    assert_eq!(event.note.as_deref(), Some(ask));
    record_status(&app.state.db, &id, DisputeStatus::UnderReview, None)
        .await
        .unwrap();
    record_status(&app.state.db, &id, DisputeStatus::Refunded, None)
        .await
        .unwrap();

    let (status, d) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["status"], "refunded");
    let steps: Vec<(&str, Option<&str>)> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["note"].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", None),
            ("under_review", None),
            ("more_info_needed", Some(ask)),
            ("under_review", None),
            ("refunded", None),
        ]
    );
    let times: Vec<i64> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let (_, list) = c.get("/api/disputes").await;
    assert_eq!(list[0], d);
    let (_, page) = c.get("/api/transactions").await;
    assert_eq!(page["items"][0]["dispute"]["status"], "refunded");

    // Declined carries its reason.
    let t2 = payment(&app, &c, 100, "FamilyMart").await;
    let (_, d2) = dispute(&c, &t2, "Wrong amount.").await;
    let id2 = d2["id"].as_str().unwrap();
    let reason = "The store's records show ¥100.\r\nNo refund.";
    record_status(&app.state.db, id2, DisputeStatus::Declined, Some(reason))
        .await
        .unwrap();
    let (_, d2) = c.get(&format!("/api/disputes/{id2}")).await;
    assert_eq!(d2["status"], "declined");
    assert_eq!(d2["timeline"][1]["status"], "declined");
    assert_eq!(d2["timeline"][1]["note"], reason);
}

async fn support_status_changes_follow_the_rules(app: TestApp) {
    let c = app.customer("rules", "en").await;
    let t = payment(&app, &c, 100, "Lawson").await;
    let (_, d) = dispute(&c, &t, "x").await;
    let id = d["id"].as_str().unwrap().to_owned();
    let db = &app.state.db;
    use DisputeStatus::*;
    assert!(matches!(
        record_status(db, &id, Submitted, None).await,
        Err(TimelineError::NotAStep)
    ));
    assert!(matches!(
        record_status(db, &id, MoreInfoNeeded, None).await,
        Err(TimelineError::NoteRequired)
    ));
    assert!(matches!(
        record_status(db, &id, Declined, None).await,
        Err(TimelineError::NoteRequired)
    ));
    assert!(matches!(
        record_status(db, &id, UnderReview, Some("hm")).await,
        Err(TimelineError::NoteNotAllowed)
    ));
    for bad in ["", "  \n", "a\0b"] {
        assert!(
            matches!(
                record_status(db, &id, Declined, Some(bad)).await,
                Err(TimelineError::Note(_))
            ),
            "{bad:?}"
        );
    }
    let long = "x".repeat(4_001);
    assert!(matches!(
        record_status(db, &id, MoreInfoNeeded, Some(&long)).await,
        Err(TimelineError::Note(_))
    ));
    assert!(matches!(
        record_status(db, "D-NONE-NONE-NONE", UnderReview, None).await,
        Err(TimelineError::NotFound)
    ));
    // Nothing refused left a trace.
    let (_, d) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(d["timeline"].as_array().unwrap().len(), 1);
    record_status(db, &id, Refunded, None).await.unwrap();
    for status in [UnderReview, Refunded] {
        assert!(matches!(
            record_status(db, &id, status, None).await,
            Err(TimelineError::Closed)
        ));
    }
    assert!(matches!(
        record_status(db, &id, Declined, Some("late")).await,
        Err(TimelineError::Closed)
    ));
    let (_, d) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(d["status"], "refunded");
    assert_eq!(d["timeline"].as_array().unwrap().len(), 2);
}

async fn bad_dispute_input_is_refused_cleanly(app: TestApp) {
    let c = app.customer("bad-dispute", "en").await;
    let t = payment(&app, &c, 100, "Lawson").await;
    let path = format!("/api/transactions/{t}/disputes");
    let expect = |status: StatusCode, code: &'static str| (status, code);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let bad_request = StatusCode::BAD_REQUEST;
    let cases: Vec<(Value, (StatusCode, &str))> = vec![
        (
            json!({"reason": "other", "details": ""}),
            expect(unprocessable, "details_required"),
        ),
        (
            json!({"reason": "other", "details": " \r\n\t "}),
            expect(unprocessable, "details_required"),
        ),
        (
            json!({"reason": "other", "details": "x".repeat(4_001)}),
            expect(unprocessable, "details_too_long"),
        ),
        (
            json!({"reason": "other", "details": "🙂".repeat(4_001)}),
            expect(unprocessable, "details_too_long"),
        ),
        (
            json!({"reason": "other", "details": "a\u{0}b"}),
            expect(unprocessable, "details_invalid"),
        ),
        (
            json!({"reason": "because", "details": "x"}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "Other", "details": "x"}),
            expect(bad_request, "invalid_json"),
        ),
        (json!({"details": "x"}), expect(bad_request, "invalid_json")),
        (
            json!({"reason": "other"}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "other", "details": 42}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "other", "details": null}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "other", "details": ["x"]}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "other", "details": "x", "status": "refunded"}),
            expect(bad_request, "invalid_json"),
        ),
        (
            json!({"reason": "other", "details": "x", "transaction_id": "y"}),
            expect(bad_request, "invalid_json"),
        ),
        (json!("other"), expect(bad_request, "invalid_json")),
    ];
    for (body, (status, code)) in &cases {
        let (got, answer) = c.post(&path, body.clone()).await;
        assert_eq!(got, *status, "{body}: {answer}");
        assert_eq!(error_code(&answer), *code, "{body}");
        if *status == unprocessable {
            assert_eq!(answer["error"]["field"], "details");
        }
    }
    for (content_type, body, status, code) in [
        (
            "application/json",
            "{\"reason\": \"other\", \"details\": ",
            bad_request,
            "invalid_json",
        ),
        (
            "application/json",
            "{\"reason\": \"other\", \"details\": \"x\"} trailing",
            bad_request,
            "invalid_json",
        ),
        ("application/json", "", bad_request, "invalid_json"),
        (
            "application/json",
            "{\"reason\":\"other\",\"details\":\"\\ud800\"}",
            bad_request,
            "invalid_json",
        ),
        (
            "text/plain",
            "{\"reason\": \"other\", \"details\": \"x\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "application/x-www-form-urlencoded",
            "reason=other&details=x",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ] {
        let (got, answer) = c.post_raw(&path, content_type, body.to_owned()).await;
        assert_eq!(got, status, "{content_type} {body:?}: {answer}");
        assert_eq!(error_code(&answer), code);
    }
    // A body far over the limit is refused before it is read.
    let huge = format!(
        "{{\"reason\":\"other\",\"details\":\"{}\"}}",
        "x".repeat(portal_api::rules::MAX_JSON_BODY_BYTES + 1)
    );
    let (got, answer) = c.post_raw(&path, "application/json", huge).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&answer), "payload_too_large");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM disputes")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing refused was stored");

    // The longest text, counted in characters, and every kind of character but NUL.
    for text in [
        "語".repeat(4_000),
        "👨‍👩‍👧".chars().cycle().take(4_000).collect::<String>(),
        (1u32..=0x7f)
            .filter_map(char::from_u32)
            .chain("\u{85}\u{2028}\u{2029}\u{feff}\u{fffd}\u{10ffff}".chars())
            .collect::<String>(),
    ] {
        let t = payment(&app, &c, 100, "Lawson").await;
        let (status, d) = dispute(&c, &t, &text).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        assert_eq!(d["details"], text.as_str());
        let (_, again) = c
            .get(&format!("/api/disputes/{}", d["id"].as_str().unwrap()))
            .await;
        assert_eq!(again["details"], text.as_str());
    }
    // No query parameters anywhere: a filter that does not exist is refused, not ignored.
    let (_, list) = c.get("/api/disputes").await;
    let some = list[0]["id"].as_str().unwrap().to_owned();
    for path in [
        "/api/disputes?status=open".to_owned(),
        "/api/disputes?limit=1".to_owned(),
        format!("/api/disputes/{some}?expand=all"),
    ] {
        let (status, body) = c.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(error_code(&body), "filter_invalid");
    }
    let (status, body) = c
        .post(
            &format!("{path}?reason=other"),
            json!({"reason": "other", "details": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "filter_invalid");
    // Wrong methods and odd ids.
    let r = c
        .client
        .put(c.url(&path))
        .json(&json!({"reason": "other", "details": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    for odd in [
        "x".repeat(65),
        "x".repeat(5_000),
        "%00".to_owned(),
        "..%2F..%2Fetc".to_owned(),
        "'%20OR%20'1'%3D'1".to_owned(),
        "%F0%9F%99%82".to_owned(),
    ] {
        let (status, body) = c
            .post(
                &format!("/api/transactions/{odd}/disputes"),
                json!({"reason": "other", "details": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{odd}: {body}");
        let (status, _) = c.get(&format!("/api/disputes/{odd}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{odd}");
    }
}

async fn another_customers_transactions_and_disputes_are_not_found(app: TestApp) {
    let alice = app.customer("victim", "en").await;
    let mallory = app.customer("mallory", "en").await;
    let alices = payment(&app, &alice, 3_000, "Lawson").await;
    let (_, d) = dispute(&alice, &alices, "Alice's private words").await;
    let alices_dispute = d["id"].as_str().unwrap().to_owned();
    let mallorys = payment(&app, &mallory, 1, "Mallory Mart").await;
    let unknown_t = ledger::new_id();

    // Disputing Alice's transaction: exactly what an unknown id gets.
    let (status, theirs) = dispute(&mallory, &alices, "mine now").await;
    let (unknown_status, unknown) = dispute(&mallory, &unknown_t, "mine now").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((status, &theirs), (unknown_status, &unknown));
    assert_eq!(error_code(&theirs), "not_found");
    // Even when Alice's transaction already has an open dispute (no 409 to give it away).
    let (status, _) = c_dispute_other_reason(&mallory, &alices).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Reading Alice's dispute: exactly what an unknown id gets.
    let (status, theirs) = mallory
        .get(&format!("/api/disputes/{alices_dispute}"))
        .await;
    let (unknown_status, unknown) = mallory.get("/api/disputes/D-0000-0000-0000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((status, &theirs), (unknown_status, &unknown));
    assert!(!theirs.to_string().contains("Alice"));

    // Mallory's own lists hold only Mallory's.
    let (_, list) = mallory.get("/api/disputes").await;
    assert_eq!(list, json!([]));
    let (_, mine) = dispute(&mallory, &mallorys, "mine").await;
    let (_, list) = mallory.get("/api/disputes").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], mine["id"]);
    let (_, list) = alice.get("/api/disputes").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], alices_dispute.as_str());
    let (_, page) = mallory.get("/api/transactions").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], mallorys.as_str());

    // Nothing Mallory did touched Alice's dispute or made one on her transaction.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM disputes WHERE transaction_id = $1")
        .bind(&alices)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (_, d) = alice.get(&format!("/api/disputes/{alices_dispute}")).await;
    assert_eq!(d["details"], "Alice's private words");
    assert_eq!(d["timeline"].as_array().unwrap().len(), 1);
    // Mallory got one mail for her own dispute only; Alice's mails are hers.
    let mails = app.mailbox.wait_for(&mallory.email, 2).await;
    assert!(mails.iter().all(|m| !m.body.contains(&alices_dispute)));
}

async fn c_dispute_other_reason(c: &Customer, transaction: &str) -> (StatusCode, Value) {
    c.post(
        &format!("/api/transactions/{transaction}/disputes"),
        json!({"reason": "other", "details": "x"}),
    )
    .await
}

async fn upload(c: &Customer, name: &str, seed: u32) -> Value {
    let r = c
        .client
        .post(c.url("/api/evidence"))
        .query(&[("name", name)])
        .header("content-type", "application/octet-stream")
        .body(fixtures::png(24, 16, seed))
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(r).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn answer(c: &Customer, id: &str, body: Value) -> (StatusCode, Value) {
    c.post(&format!("/api/disputes/{id}/evidence"), body).await
}

async fn an_answer_is_taken_only_while_support_waits_and_only_from_the_customer(app: TestApp) {
    let db = &app.state.db;
    let c = app.customer("answer-rules", "en").await;
    let other = app.customer("answer-other", "en").await;
    let t = payment(&app, &c, 4_800, "Lawson").await;
    let (_, d) = dispute(&c, &t, "Wrong amount.").await;
    let id = d["id"].as_str().unwrap().to_owned();
    let note = json!({"note": "Here it is."});
    let refused = |(status, body): (StatusCode, Value)| {
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::CONFLICT, "info_not_requested"),
            "{body}"
        );
    };

    // Support has not asked: submitted, then under review.
    refused(answer(&c, &id, note.clone()).await);
    record_status(db, &id, DisputeStatus::UnderReview, None)
        .await
        .unwrap();
    refused(answer(&c, &id, note.clone()).await);

    record_status(db, &id, DisputeStatus::MoreInfoNeeded, Some("The receipt?"))
        .await
        .unwrap();
    let (_, asked) = c.get(&format!("/api/disputes/{id}")).await;

    // Another customer's dispute answers exactly like one that does not exist.
    let (status, theirs) = answer(&other, &id, note.clone()).await;
    let (_, unknown) = answer(&other, "D-NONE-NONE-NONE", note.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(theirs, unknown);

    // Bad input is refused in the one error shape, and changes nothing.
    let others_shot = upload(&other, "theirs.png", 1).await;
    let long = "語".repeat(DISPUTE_DETAILS_MAX_CHARS + 1);
    for (body, status, code, field) in [
        (json!({}), 422, "evidence_required", Some("screenshots")),
        (
            json!({"note": " \n\t"}),
            422,
            "details_required",
            Some("note"),
        ),
        (json!({"note": long}), 422, "details_too_long", Some("note")),
        (
            json!({"note": "a\u{0}b"}),
            422,
            "details_invalid",
            Some("note"),
        ),
        (
            json!({"note": "x", "status": "refunded"}),
            400,
            "invalid_json",
            None,
        ),
        (json!({"note": 5}), 400, "invalid_json", None),
        (
            json!({"screenshots": [others_shot["id"]]}),
            404,
            "not_found",
            Some("screenshots"),
        ),
    ] {
        let (got, answered) = answer(&c, &id, body.clone()).await;
        assert_eq!(
            (got.as_u16(), error_code(&answered)),
            (status, code),
            "{body} -> {answered}"
        );
        assert_eq!(answered["error"]["field"].as_str(), field, "{answered}");
    }
    let (_, still) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(still, asked, "nothing changed");
    let attached = app
        .scalar("SELECT COUNT(*) FROM uploads WHERE dispute_id IS NOT NULL")
        .await;
    assert_eq!(attached, 0, "the other customer's screenshot stays theirs");

    // Answered once, it waits for support again; closed, it takes nothing.
    let (status, answered) = answer(&c, &id, note.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    refused(answer(&c, &id, note.clone()).await);
    record_status(db, &id, DisputeStatus::Declined, Some("No."))
        .await
        .unwrap();
    refused(answer(&c, &id, note.clone()).await);
    let (_, closed) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(closed["status"], "declined");
    assert_eq!(closed["timeline"].as_array().unwrap().len(), 5, "{closed}");
}

async fn an_answer_keeps_its_text_and_screenshots_and_returns_the_dispute_to_review(app: TestApp) {
    let db = &app.state.db;
    let c = app.customer("answer", "en").await;
    let t = payment(&app, &c, 4_800, "Lawson").await;
    let (_, d) = dispute(&c, &t, "Wrong amount.").await;
    let id = d["id"].as_str().unwrap().to_owned();
    let ask = "Please send the receipt.";
    record_status(db, &id, DisputeStatus::MoreInfoNeeded, Some(ask))
        .await
        .unwrap();
    let a = upload(&c, "receipt.png", 2).await;
    let b = upload(&c, "レシート <2>.png", 3).await;
    let text = "Here is the receipt.\r\nIt says ¥480, not ¥4,800 🧾\n\n\tمرحبا \u{202E}x\u{202C} \
        <b>bold</b> '; DROP TABLE disputes;-- trailing   ";
    let (status, answered) = answer(
        &c,
        &id,
        json!({"note": text, "screenshots": [a["id"], b["id"]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["status"], "under_review");
    assert_eq!(
        answered["transaction"]["dispute"],
        json!({"id": id, "status": "under_review"})
    );
    let steps: Vec<(&str, &str, Option<&str>)> = answered["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["note"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", "submitted", None),
            ("status_changed", "more_info_needed", Some(ask)),
            ("evidence_added", "under_review", Some(text)),
        ]
    );
    assert_eq!(
        answered["timeline"][2]["screenshots"],
        json!([a["id"], b["id"]])
    );
    assert_eq!(answered["timeline"][1]["screenshots"], json!([]));
    let names: Vec<&str> = answered["screenshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["receipt.png", "レシート <2>.png"]);
    let (_, again) = c.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(again, answered, "read back as answered");
    let stored = app
        .scalar_text(&format!(
            "SELECT note FROM dispute_events WHERE dispute_id = '{id}' AND kind = 'evidence_added'"
        ))
        .await;
    assert_eq!(stored, text, "stored byte for byte");
    let queued = app
        .scalar_text(&format!("SELECT status FROM cases WHERE id = '{id}'"))
        .await;
    assert_eq!(queued, "under_review", "back in the queue for review");

    // Asked again: the longest answer there may be, then screenshots alone.
    record_status(
        db,
        &id,
        DisputeStatus::MoreInfoNeeded,
        Some("And the card?"),
    )
    .await
    .unwrap();
    let longest = "語".repeat(DISPUTE_DETAILS_MAX_CHARS);
    let (status, answered) = answer(&c, &id, json!({"note": longest})).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["timeline"][4]["note"], longest.as_str());
    record_status(db, &id, DisputeStatus::MoreInfoNeeded, Some("A photo?"))
        .await
        .unwrap();
    let photo = upload(&c, "card.png", 4).await;
    let (status, answered) = answer(&c, &id, json!({"screenshots": [photo["id"]]})).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let last = &answered["timeline"][6];
    assert_eq!(last["kind"], "evidence_added");
    assert!(last["note"].is_null());
    assert_eq!(last["screenshots"], json!([photo["id"]]));
    assert_eq!(answered["screenshots"].as_array().unwrap().len(), 3);
}
