//! The support console's API (docs/threat-model.md#t12, #t14, #t15): who may call it, a case with
//! everything about it, the actions on it (four eyes, no self-dealing, a refund once), and the
//! audit log of every view and action, chained and append-only; the queue's filters, sorts and
//! pages, and the hourly counts that flag a spike.

use crate::common;
use crate::common::evidence as fixtures;

use crate::common::factor::{get_with, post_with};
use crate::common::mailbox::link_token;
use crate::common::wallet::{new_key, yen};
use crate::common::{error_code, read, unique_email, TestApp, STRONG_PASSWORD};
use portal_api::agent::Role;
use portal_server::support::{agent, audit};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    every_support_endpoint_refuses_nobody_customers_and_agents_without_two_step,
    an_agent_works_a_fraud_report_and_every_view_and_action_is_audited,
    a_large_refund_needs_a_second_agent_and_no_agent_acts_on_their_own_case,
    a_refund_is_posted_once_however_often_it_is_asked_for,
    a_refund_outside_the_amount_in_question_is_refused_and_moves_nothing,
    a_refunded_transaction_is_not_disputed_reported_or_refunded_again,
    two_refunds_of_one_transaction_at_once_move_the_money_once,
    refunds_split_under_the_four_eyes_amount_still_need_a_second_agent,
    the_audit_log_cannot_be_changed_and_a_change_is_found,
    a_new_agent_chooses_a_password_by_mail_and_must_turn_on_two_step,
    promoting_an_account_leaves_its_registrant_no_way_in,
    the_queue_filters_sorts_and_pages_without_gaps,
    the_counts_show_each_kind_of_event_and_flag_a_spike,
    an_agents_session_ends_sooner_than_a_customers,
    the_customer_answers_a_question_on_a_dispute_and_the_agent_sees_it,
    lifting_the_freeze_mails_the_customer_in_their_language,
);

/// A browser signed in as a staff member of `role` with two-step verification on (or off).
struct Staff {
    id: String,
    client: Client,
}

async fn staff(app: &TestApp, tag: &str, role: Role, two_step: bool) -> Staff {
    let email = unique_email(tag);
    let made = agent::create(&app.state, &email, role).await.unwrap();
    let agent::Made::New { id } = made else {
        panic!("a new account: {made:?}")
    };
    let client = app.new_client();
    accept_invitation(app, &client, &email).await;
    if two_step {
        app.enrol_on(&client).await;
    }
    Staff { id, client }
}

/// Chooses the password with the link of the latest invitation to `email`, and signs in with it
/// in `browser`: the one way into a staff account.
async fn accept_invitation(app: &TestApp, browser: &Client, email: &str) {
    let mail = app.mail_with_subject(email, "support account").await;
    let token = link_token(&mail.body, "/reset-password").expect("a link in the invitation");
    let (status, body) = post_with(
        app,
        browser,
        "/api/password-reset/complete",
        json!({"token": token, "new_password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_with(
        app,
        browser,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn call(
    app: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = client.request(method, app.url(path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    read(r.send().await.unwrap()).await
}

async fn get(app: &TestApp, s: &Staff, path: &str) -> (StatusCode, Value) {
    call(app, &s.client, Method::GET, path, None).await
}

async fn post(app: &TestApp, s: &Staff, path: &str, body: Value) -> (StatusCode, Value) {
    call(app, &s.client, Method::POST, path, Some(body)).await
}

/// A customer (signed in on `app.client`) with money and a payment of `amount` at a store,
/// disputed; answers the dispute's number.
async fn disputed_payment(app: &TestApp, tag: &str, amount: i64) -> String {
    app.wallet_customer(&unique_email(tag)).await;
    app.funded(50_000).await;
    let key = app.merchant("Kissa Midori 喫茶みどり").await;
    let code = app.payment_code().await;
    let (status, paid) = app
        .redeem(
            &key,
            &new_key(),
            json!({"code": code, "amount": yen(amount)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    let (status, dispute) = app
        .post(
            &format!(
                "/api/transactions/{}/disputes",
                paid["id"].as_str().unwrap()
            ),
            json!({"reason": "not_recognised", "details": "Not me.\n知らない店です 🤔"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    dispute["id"].as_str().unwrap().to_owned()
}

/// A payment of `amount` from the customer on `app.client` at the store with API key `store`;
/// answers its history row's id.
async fn pay(app: &TestApp, store: &str, amount: i64) -> String {
    let code = app.payment_code().await;
    let (status, paid) = app
        .redeem(
            store,
            &new_key(),
            json!({"code": code, "amount": yen(amount)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    paid["id"].as_str().unwrap().to_owned()
}

/// The customer on `app.client` disputes their row `transaction`.
async fn dispute(app: &TestApp, transaction: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/api/transactions/{transaction}/disputes"),
        json!({"reason": "not_recognised", "details": "Not me."}),
    )
    .await
}

async fn disputed(app: &TestApp, transaction: &str) -> String {
    let (status, dispute) = dispute(app, transaction).await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    dispute["id"].as_str().unwrap().to_owned()
}

async fn refund(app: &TestApp, agent: &Staff, case: &str, amount: i64) -> (StatusCode, Value) {
    post(
        app,
        agent,
        &format!("/api/agent/cases/{case}/refund"),
        json!({"amount": yen(amount)}),
    )
    .await
}

/// What refunds paid back of the row `transaction`, as its allocations say.
async fn refunded_of(app: &TestApp, transaction: &str) -> i64 {
    app.scalar(&format!(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM refund_allocations
         WHERE transaction_id = '{transaction}'"
    ))
    .await
}

/// Every support and admin endpoint, with a body where it takes one.
fn endpoints(case: &str) -> Vec<(Method, String, Option<Value>, bool)> {
    let text = Some(json!({"text": "x"}));
    let c = |rest: &str| format!("/api/agent/cases/{case}{rest}");
    vec![
        (Method::GET, "/api/agent/cases".into(), None, false),
        (Method::GET, "/api/agent/stats".into(), None, false),
        (Method::GET, c(""), None, false),
        (
            Method::GET,
            c("/files/0123456789abcdef0123456789abcdef"),
            None,
            false,
        ),
        (Method::GET, c("/transactions"), None, false),
        (Method::POST, c("/claim"), None, false),
        (Method::DELETE, c("/claim"), None, false),
        (Method::POST, c("/notes"), text.clone(), false),
        (Method::POST, c("/request-info"), text.clone(), false),
        (
            Method::POST,
            c("/refund"),
            Some(json!({"amount": yen(1)})),
            false,
        ),
        (Method::POST, c("/refund/approve"), None, false),
        (Method::POST, c("/decline"), text, false),
        (Method::POST, c("/unfreeze"), None, false),
        (Method::GET, "/api/admin/audit-log".into(), None, true),
    ]
}

async fn every_support_endpoint_refuses_nobody_customers_and_agents_without_two_step(app: TestApp) {
    let case = disputed_payment(&app, "acl-customer", 500).await;
    let nobody = app.new_client();
    let no_two_step = staff(&app, "acl-agent-no2fa", Role::Agent, false).await;
    let admin_no_two_step = staff(&app, "acl-admin-no2fa", Role::Admin, false).await;
    let agent = staff(&app, "acl-agent", Role::Agent, true).await;
    let admin = staff(&app, "acl-admin", Role::Admin, true).await;
    let before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    for (method, path, body, admin_only) in endpoints(&case) {
        let what = format!("{method} {path}");
        let (status, answer) = call(&app, &nobody, method.clone(), &path, body.clone()).await;
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::UNAUTHORIZED, "not_signed_in"),
            "nobody: {what}"
        );
        let (status, answer) = call(&app, &app.client, method.clone(), &path, body.clone()).await;
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::FORBIDDEN, "not_permitted"),
            "customer: {what}"
        );
        for s in [&no_two_step, &admin_no_two_step] {
            let (status, answer) = call(&app, &s.client, method.clone(), &path, body.clone()).await;
            assert_eq!(
                (status, error_code(&answer)),
                (StatusCode::FORBIDDEN, "agent_two_step_required"),
                "staff without 2FA: {what}"
            );
        }
        let (status, answer) = call(&app, &agent.client, method.clone(), &path, body.clone()).await;
        if admin_only {
            assert_eq!(
                (status, error_code(&answer)),
                (StatusCode::FORBIDDEN, "not_permitted"),
                "agent: {what}"
            );
        } else {
            assert!(
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                "agent: {what}: {status} {answer}"
            );
        }
        let (status, answer) = call(&app, &admin.client, method.clone(), &path, body).await;
        assert!(
            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            "admin: {what}: {status} {answer}"
        );
    }
    // Nothing refused left a trace as if it had been seen; what was let through did.
    let after = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let refused_actors = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id IN ('{}', '{}')",
            no_two_step.id, admin_no_two_step.id
        ))
        .await;
    assert_eq!(refused_actors, 0);
    assert!(after > before);
    // Agents' sessions end sooner than customers'.
    let expires = |id: &str| {
        format!("SELECT MAX(expires_at - created_at) FROM sessions WHERE account_id = '{id}'")
    };
    assert_eq!(app.scalar(&expires(&agent.id)).await, 28_800);
    let customer_id = app
        .scalar_text("SELECT account_id FROM cases LIMIT 1")
        .await;
    assert_eq!(app.scalar(&expires(&customer_id)).await, 43_200);
}

async fn an_agent_works_a_fraud_report_and_every_view_and_action_is_audited(app: TestApp) {
    // The customer, on app.client: two payments, a screenshot, a report that freezes the wallet.
    let email = unique_email("victim");
    app.wallet_customer(&email).await;
    app.funded(20_000).await;
    let key = app.merchant("Kissa Midori 喫茶みどり").await;
    let mut paid = Vec::new();
    for amount in [1_200, 3_400] {
        let code = app.payment_code().await;
        let (_, p) = app
            .redeem(
                &key,
                &new_key(),
                json!({"code": code, "amount": yen(amount)}),
            )
            .await;
        paid.push(p["id"].as_str().unwrap().to_owned());
    }
    let shot_bytes = fixtures::png(40, 30, 7);
    let r = app
        .client
        .post(app.url("/api/evidence"))
        .query(&[("name", "receipt.png")])
        .header("content-type", "application/octet-stream")
        .body(shot_bytes.clone())
        .send()
        .await
        .unwrap();
    let (status, shot) = read(r).await;
    assert_eq!(status, StatusCode::CREATED, "{shot}");
    let (status, report) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": paid, "description": "Not me.\nمتجر 🤔", "screenshots": [shot["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let id = report["id"].as_str().unwrap();
    let customer_id = app
        .scalar_text("SELECT account_id FROM cases WHERE kind = 'fraud_report'")
        .await;

    let agent = staff(&app, "worker", Role::Agent, true).await;
    let (status, queue) = get(
        &app,
        &agent,
        "/api/agent/cases?kind=fraud_report&sort=newest",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    let first = &queue["items"][0];
    assert_eq!(first["id"], id);
    assert_eq!(first["customer_email"], email.as_str());
    assert_eq!(first["amount"], yen(4_600));
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["overdue"], false);

    let (status, case) = get(&app, &agent, &format!("/api/agent/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["text"], "Not me.\nمتجر 🤔");
    assert_eq!(case["customer"]["freeze"]["report_id"], id);
    assert_eq!(case["transactions"].as_array().unwrap().len(), 2);
    let snapshot = case["snapshot"].as_array().unwrap();
    assert!(
        snapshot.len() >= 3,
        "top-up and both payments: {snapshot:?}"
    );
    let url = case["screenshots"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/api/agent/cases/{id}/files/")),
        "{url}"
    );
    let r = agent.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert_eq!(
        fixtures::sha256_hex(&r.bytes().await.unwrap()),
        shot["sha256"].as_str().unwrap()
    );
    // The customer's own screenshot id under another case is not found.
    let other = disputed_payment(&app.another_browser(), "other", 100).await;
    let (status, _) = get(
        &app,
        &agent,
        &format!(
            "/api/agent/cases/{other}/files/{}",
            shot["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, live) = get(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/transactions?limit=2"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{live}");
    assert_eq!(live["items"].as_array().unwrap().len(), 2);

    let note = "Looks like card testing.\n<b>check</b> 🤔";
    let (status, case) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/notes"),
        json!({"text": note}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["notes"][0]["text"], note);
    let (status, _) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/notes"),
        json!({"text": " \n"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/notes"),
        json!({"text": "x".repeat(4_001)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, claimed) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/claim"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["summary"]["assignee"]["id"], agent.id.as_str());

    let question = "Which of these shops have you used?\n本当に？";
    let (status, asked) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/request-info"),
        json!({"text": question}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let mail = app.mail_with_subject(&email, "more information").await;
    assert!(mail.body.contains(question), "{}", mail.body);
    // The customer sees the question, never the note; their answer puts it back in review.
    let (_, seen) = app.get(&format!("/api/fraud-reports/{id}")).await;
    assert_eq!(seen["status"], "more_info_needed");
    assert!(
        seen.to_string().contains("Which of these shops")
            && !seen.to_string().contains("card testing")
    );
    let (status, answered) = app
        .post(
            &format!("/api/fraud-reports/{id}/evidence"),
            json!({"note": "Neither."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["status"], "under_review");

    let balance = app.balance().await;
    let (status, refunded) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/refund"),
        json!({"amount": yen(4_600)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{refunded}");
    assert_eq!(refunded["refund"]["state"], "posted");
    assert_eq!(app.balance().await, balance + 4_600);
    let (status, unfrozen) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/unfreeze"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unfrozen}");
    assert!(unfrozen["customer"]["freeze"].is_null());
    let (status, again) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/unfreeze"),
        json!(null),
    )
    .await;
    assert_eq!(
        (status, error_code(&again)),
        (StatusCode::CONFLICT, "not_frozen")
    );

    // The customer's timeline has both; the wallet moves money again; the refund is in history.
    let (_, seen) = app.get(&format!("/api/fraud-reports/{id}")).await;
    assert_eq!(seen["status"], "refunded");
    let kinds: Vec<&str> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "status_changed",
            "evidence_added",
            "status_changed",
            "freeze_lifted"
        ]
    );
    let lifted = app.mail_with_subject(&email, "no longer frozen").await;
    assert!(lifted.body.contains(id), "{}", lifted.body);
    assert!(
        lifted.body.contains(&format!("/wallet/fraud-reports/{id}")),
        "{}",
        lifted.body
    );
    let (_, wallet) = app.get("/api/wallet").await;
    assert!(wallet["freeze"].is_null(), "{wallet}");
    let (_, refunds) = app.get("/api/transactions?kind=refund").await;
    assert_eq!(refunds["items"][0]["amount"], yen(4_600));
    app.mail_with_subject(&email, "refunded").await;
    app.assert_ledger_consistent().await;

    // Every view and action is on record, about the right customer, from the agent's address.
    let actions: Vec<String> = sqlx::query_as::<_, (String,)>(
        "SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY seq",
    )
    .bind(&agent.id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(a,)| a)
    .collect();
    for expected in [
        "list_cases",
        "view_case",
        "view_file",
        "view_history",
        "add_note",
        "claim",
        "request_info",
        "refund",
        "unfreeze",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
    let about_customer = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = '{}' AND customer_id = '{customer_id}'",
            agent.id
        ))
        .await;
    assert!(about_customer >= 8, "{about_customer}");
    let admin = staff(&app, "auditor", Role::Admin, true).await;
    let (status, page) = get(
        &app,
        &admin,
        &format!("/api/admin/audit-log?customer={customer_id}&limit=3"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let entry = &page["items"][0];
    assert_eq!(entry["customer_id"], customer_id.as_str());
    assert_eq!(entry["ip"], "127.0.0.1");
    let after = page["next_after"].as_i64().unwrap();
    let (_, next) = get(
        &app,
        &admin,
        &format!("/api/admin/audit-log?customer={customer_id}&after={after}"),
    )
    .await;
    assert!(next["items"][0]["seq"].as_i64().unwrap() > after);
    let r = admin
        .client
        .get(app.url("/api/admin/audit-log?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("\u{feff}seq,at,actor_id,actor_email,action,"),
        "{csv}"
    );
    assert!(csv.contains(",unfreeze,"), "{csv}");
    let verdict = audit::verify(&app.state.db).await.unwrap();
    assert_eq!(verdict.broken, None);
    assert!(verdict.entries as i64 >= app.scalar("SELECT COUNT(*) FROM audit_log").await);
}

async fn a_large_refund_needs_a_second_agent_and_no_agent_acts_on_their_own_case(app: TestApp) {
    let case = disputed_payment(&app, "big", 15_000).await;
    let first = staff(&app, "first", Role::Agent, true).await;
    let second = staff(&app, "second", Role::Agent, true).await;
    let balance = app.balance().await;
    let path = format!("/api/agent/cases/{case}/refund");
    let (status, asked) = post(&app, &first, &path, json!({"amount": yen(15_000)})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    assert_eq!(asked["refund"]["state"], "awaiting_approval");
    assert_eq!(
        app.balance().await,
        balance,
        "nothing moves before the second agent"
    );
    let (status, answer) = post(&app, &first, &format!("{path}/approve"), json!(null)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::FORBIDDEN, "second_agent_required")
    );
    let (status, answer) = post(
        &app,
        &first,
        &format!("/api/agent/cases/{case}/decline"),
        json!({"text": "No."}),
    )
    .await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "refund_exists")
    );
    let (status, approved) = post(&app, &second, &format!("{path}/approve"), json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["refund"]["approved_by"]["id"], second.id.as_str());
    assert_eq!(approved["summary"]["status"], "refunded");
    assert_eq!(app.balance().await, balance + 15_000);
    let (_, dispute) = app.get(&format!("/api/disputes/{case}")).await;
    assert_eq!(dispute["status"], "refunded");
    let (status, answer) = post(&app, &second, &format!("{path}/approve"), json!(null)).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "case_closed")
    );
    let (status, _) = post(&app, &first, &path, json!({"amount": yen(15_001)})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than the amount in question"
    );

    // An agent who is also a customer: their own case is another agent's.
    let own = app.another_browser();
    let own_case = disputed_payment(&own, "self", 700).await;
    let owner_email = app.scalar_text(&format!(
        "SELECT a.email FROM accounts a JOIN cases c ON c.account_id = a.id WHERE c.id = '{own_case}'"
    )).await;
    agent::create(&app.state, &owner_email, Role::Agent)
        .await
        .unwrap();
    accept_invitation(&own, &own.client, &owner_email).await;
    own.enrol().await;
    let me = Staff {
        id: String::new(),
        client: own.client.clone(),
    };
    for (method, path, body, _) in endpoints(&own_case) {
        if path.starts_with(&format!("/api/agent/cases/{own_case}")) {
            let (status, answer) = call(&app, &me.client, method.clone(), &path, body).await;
            assert_eq!(
                (status, error_code(&answer)),
                (StatusCode::FORBIDDEN, "self_dealing"),
                "{method} {path}"
            );
        }
    }
    let (status, _) = get(&app, &first, &format!("/api/agent/cases/{own_case}")).await;
    assert_eq!(status, StatusCode::OK, "another agent may");
}

/// The case page refuses these at the field; the server refuses them again, called directly.
async fn a_refund_outside_the_amount_in_question_is_refused_and_moves_nothing(app: TestApp) {
    let case = disputed_payment(&app, "bounds", 3_000).await;
    let agent = staff(&app, "careful", Role::Agent, true).await;
    let balance = app.balance().await;
    let path = format!("/api/agent/cases/{case}/refund");
    for amount in [
        yen(0),
        yen(-500),
        yen(3_001),
        yen(i64::MAX),
        json!({"minor": 3_000, "currency": "USD"}),
    ] {
        let (status, answer) = post(&app, &agent, &path, json!({ "amount": amount })).await;
        assert_eq!(
            (
                status,
                error_code(&answer),
                answer["error"]["field"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount_invalid",
                Some("amount")
            ),
            "{amount}"
        );
    }
    for body in [
        json!({"amount": {"minor": "3000", "currency": "JPY"}}),
        json!({"amount": 3000}),
        json!({}),
    ] {
        let (status, _) = post(&app, &agent, &path, body.clone()).await;
        assert!(status.is_client_error(), "{body}: {status}");
    }
    assert_eq!(app.balance().await, balance);
    let refunds = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM case_refunds WHERE case_id = '{case}'"
        ))
        .await;
    assert_eq!(refunds, 0);
    // The whole amount is still there to refund.
    let (status, answer) = post(&app, &agent, &path, json!({"amount": yen(3_000)})).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(app.balance().await, balance + 3_000);
}

/// The attack of the security review: a ¥640 payment disputed, refunded, disputed again and
/// refunded again (three times over, each under the four-eyes amount), or named in a fraud report
/// after its refund. Refunds of one row, over every case, never add up to more than the row.
async fn a_refunded_transaction_is_not_disputed_reported_or_refunded_again(app: TestApp) {
    app.wallet_customer(&unique_email("twice")).await;
    app.funded(20_000).await;
    let store = app.merchant("Kissa Midori 喫茶みどり").await;
    let agent = staff(&app, "generous", Role::Agent, true).await;
    let start = app.balance().await;
    let t = pay(&app, &store, 640).await;
    let partly = pay(&app, &store, 640).await;
    let older = pay(&app, &store, 1_000).await;
    let newer = pay(&app, &store, 500).await;
    let paid = start - app.balance().await;

    let first = disputed(&app, &t).await;
    assert_eq!(
        refund(&app, &agent, &first, 640).await.0,
        StatusCode::CREATED
    );
    let (status, answer) = dispute(&app, &t).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "transaction_refunded"),
        "{answer}"
    );
    let disputes = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM disputes WHERE transaction_id = '{t}'"
        ))
        .await;
    assert_eq!(disputes, 1, "the refused dispute left nothing");

    // Partly refunded: disputed again, and refunded only up to what is left.
    let case = disputed(&app, &partly).await;
    assert_eq!(
        refund(&app, &agent, &case, 300).await.0,
        StatusCode::CREATED
    );
    let again = disputed(&app, &partly).await;
    for over in [640, 341] {
        let (status, answer) = refund(&app, &agent, &again, over).await;
        assert_eq!(
            (
                status,
                error_code(&answer),
                answer["error"]["field"].as_str()
            ),
            (
                StatusCode::CONFLICT,
                "refund_exceeds_remaining",
                Some("amount")
            ),
            "{over}: {answer}"
        );
    }
    let (_, case_now) = get(&app, &agent, &format!("/api/agent/cases/{again}")).await;
    assert_eq!(case_now["summary"]["status"], "submitted", "still open");
    assert!(case_now["refund"].is_null(), "{case_now}");
    assert_eq!(
        refund(&app, &agent, &again, 340).await.0,
        StatusCode::CREATED
    );
    let (status, answer) = dispute(&app, &partly).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "transaction_refunded")
    );

    // A report naming a refunded row is refused, and freezes nothing.
    let (status, answer) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": [older, t], "description": "Not me."}),
        )
        .await;
    assert_eq!(
        (
            status,
            error_code(&answer),
            answer["error"]["field"].as_str()
        ),
        (
            StatusCode::CONFLICT,
            "transaction_refunded",
            Some("transaction_ids")
        ),
        "{answer}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM fraud_reports").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM wallet_freezes").await, 0);

    // A report of a partly refunded row is refunded up to what is left of its rows, oldest first.
    let case = disputed(&app, &older).await;
    assert_eq!(
        refund(&app, &agent, &case, 400).await.0,
        StatusCode::CREATED
    );
    let (status, report) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": [older, newer], "description": "Not me."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let report = report["id"].as_str().unwrap().to_owned();
    let (status, answer) = refund(&app, &agent, &report, 1_500).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "refund_exceeds_remaining"),
        "{answer}"
    );
    assert_eq!(
        refund(&app, &agent, &report, 1_100).await.0,
        StatusCode::CREATED
    );
    for row in [&older, &newer] {
        let (status, answer) = dispute(&app, row).await;
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::CONFLICT, "transaction_refunded")
        );
    }

    assert_eq!(app.balance().await, start - paid + 640 + 640 + 1_000 + 500);
    for (row, amount) in [(&t, 640), (&partly, 640), (&older, 1_000), (&newer, 500)] {
        assert_eq!(refunded_of(&app, row).await, amount);
    }
    app.assert_ledger_consistent().await;
}

/// A dispute and a fraud report of the same row, refunded by two agents at the same moment:
/// only one refund moves money; the other finds nothing left.
async fn two_refunds_of_one_transaction_at_once_move_the_money_once(app: TestApp) {
    let (a, b) = (
        staff(&app, "quick", Role::Agent, true).await,
        staff(&app, "quicker", Role::Agent, true).await,
    );
    for round in 0..3 {
        let customer = app.another_browser();
        customer
            .wallet_customer(&unique_email(&format!("race{round}")))
            .await;
        customer.funded(5_000).await;
        let store = customer.merchant("Lawson ローソン").await;
        let t = pay(&customer, &store, 640).await;
        let balance = customer.balance().await;
        let case = disputed(&customer, &t).await;
        let (status, report) = customer
            .post(
                "/api/fraud-reports",
                json!({"transaction_ids": [t], "description": "Not me."}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let report = report["id"].as_str().unwrap().to_owned();
        let (one, other) =
            tokio::join!(refund(&app, &a, &case, 640), refund(&app, &b, &report, 640));
        let mut answers = [&one, &other].map(|(status, body)| {
            (
                *status,
                body["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        });
        answers.sort();
        assert_eq!(
            answers,
            [
                (StatusCode::CREATED, String::new()),
                (StatusCode::CONFLICT, "refund_exceeds_remaining".to_owned()),
            ],
            "{one:?} {other:?}"
        );
        assert_eq!(customer.balance().await, balance + 640);
        assert_eq!(refunded_of(&app, &t).await, 640);
    }
    let refunds = app
        .scalar("SELECT COUNT(*) FROM journal_entries WHERE kind = 'refund'")
        .await;
    assert_eq!(refunds, 3);
    app.assert_ledger_consistent().await;
}

/// ¥6,000 refunds under the ¥10,000 four-eyes amount, one after another or at once, to one
/// customer by one agent: what that agent refunded alone to them in the window counts too.
async fn refunds_split_under_the_four_eyes_amount_still_need_a_second_agent(app: TestApp) {
    app.wallet_customer(&unique_email("split")).await;
    app.funded(40_000).await;
    let store = app.merchant("Kissa Midori 喫茶みどり").await;
    let mut cases = Vec::new();
    for amount in [6_000, 6_000, 4_000, 6_000, 6_000] {
        let t = pay(&app, &store, amount).await;
        cases.push(disputed(&app, &t).await);
    }
    let first = staff(&app, "splitter", Role::Agent, true).await;
    let second = staff(&app, "checker", Role::Agent, true).await;
    let start = app.balance().await;

    // Two at once: one is posted, the other waits, whichever comes first.
    let (one, other) = tokio::join!(
        refund(&app, &first, &cases[0], 6_000),
        refund(&app, &first, &cases[1], 6_000)
    );
    let mut statuses = [one.0, other.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::ACCEPTED],
        "{one:?} {other:?}"
    );
    assert_eq!(app.balance().await, start + 6_000);
    let waiting = if one.0 == StatusCode::ACCEPTED {
        &cases[0]
    } else {
        &cases[1]
    };
    let (status, answer) = post(
        &app,
        &first,
        &format!("/api/agent/cases/{waiting}/refund/approve"),
        json!(null),
    )
    .await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::FORBIDDEN, "second_agent_required")
    );
    let (status, approved) = post(
        &app,
        &second,
        &format!("/api/agent/cases/{waiting}/refund/approve"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(app.balance().await, start + 12_000);

    // Up to the amount in all is the agent's alone; a yen more is not. What a second agent
    // approved is not counted as the first agent's own.
    assert_eq!(
        refund(&app, &first, &cases[2], 4_000).await.0,
        StatusCode::CREATED
    );
    let (status, answer) = refund(&app, &first, &cases[3], 6_000).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["refund"]["state"], "awaiting_approval");
    assert_eq!(app.balance().await, start + 16_000);
    // Another agent, or another customer, starts from nothing.
    assert_eq!(
        refund(&app, &second, &cases[4], 6_000).await.0,
        StatusCode::CREATED
    );
    let elsewhere = disputed_payment(&app.another_browser(), "elsewhere", 6_000).await;
    assert_eq!(
        refund(&app, &first, &elsewhere, 6_000).await.0,
        StatusCode::CREATED
    );

    // Refunds older than the window (24 hours) no longer count.
    let mut rest = Vec::new();
    for _ in 0..2 {
        let t = pay(&app, &store, 6_000).await;
        rest.push(disputed(&app, &t).await);
    }
    assert_eq!(
        refund(&app, &first, &rest[0], 6_000).await.0,
        StatusCode::ACCEPTED
    );
    sqlx::query("UPDATE case_refunds SET posted_at = posted_at - 86401 WHERE requested_by = $1")
        .bind(&first.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        refund(&app, &first, &rest[1], 6_000).await.0,
        StatusCode::CREATED
    );
    app.assert_ledger_consistent().await;
}

async fn a_refund_is_posted_once_however_often_it_is_asked_for(app: TestApp) {
    let case = disputed_payment(&app, "once", 3_000).await;
    let agent = staff(&app, "eager", Role::Agent, true).await;
    let balance = app.balance().await;
    let path = format!("/api/agent/cases/{case}/refund");
    let tries = (0..8).map(|_| {
        let (client, url) = (agent.client.clone(), app.url(&path));
        async move {
            let r = client
                .post(url)
                .json(&json!({"amount": yen(3_000)}))
                .send()
                .await
                .unwrap();
            read(r).await
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let repeated = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!((created, repeated), (1, 7), "{answers:?}");
    assert_eq!(app.balance().await, balance + 3_000);
    let entries = app
        .scalar(&format!("SELECT COUNT(*) FROM journal_entries WHERE idempotency_scope = 'case_refund' AND idempotency_key = '{case}'"))
        .await;
    assert_eq!(entries, 1);
    let (status, answer) = post(&app, &agent, &path, json!({"amount": yen(2_000)})).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "refund_exists")
    );
    let (status, answer) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{case}/decline"),
        json!({"text": "No."}),
    )
    .await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::CONFLICT, "case_closed")
    );
    app.assert_ledger_consistent().await;
}

async fn the_audit_log_cannot_be_changed_and_a_change_is_found(app: TestApp) {
    disputed_payment(&app, "audited", 100).await;
    let agent = staff(&app, "watched", Role::Agent, true).await;
    for _ in 0..3 {
        let (status, _) = get(&app, &agent, "/api/agent/cases").await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(audit::verify(&app.state.db).await.unwrap().broken, None);
    for sql in [
        "UPDATE audit_log SET action = 'nothing' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
    ] {
        let refused = sqlx::query(sql).execute(&app.state.db.pool).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    // Someone with the power to drop the guard: the chain still tells.
    let drop = match app.state.db.backend {
        portal_server::db::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        portal_server::db::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    sqlx::query(drop).execute(&app.state.db.pool).await.unwrap();
    sqlx::query(
        "UPDATE audit_log SET body = replace(body, 'list_cases', 'view_stats') WHERE seq = 2",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let verdict = audit::verify(&app.state.db).await.unwrap();
    assert_eq!(verdict.broken.map(|(seq, _)| seq), Some(2));
}

async fn a_new_agent_chooses_a_password_by_mail_and_must_turn_on_two_step(app: TestApp) {
    let email = unique_email("new-agent");
    let made = agent::create(&app.state, &email, Role::Agent)
        .await
        .unwrap();
    assert!(matches!(made, agent::Made::New { .. }), "{made:?}");
    let (status, _) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no password until they choose one"
    );
    accept_invitation(&app, &app.client, &email).await;
    let (status, me) = app.sign_in(&email, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], "agent");
    let (status, answer) = app.get("/api/agent/cases").await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::FORBIDDEN, "agent_two_step_required")
    );
    app.enrol().await;
    let (status, _) = app.get("/api/agent/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert!(agent::create(&app.state, "not an address", Role::Agent)
        .await
        .is_err());
}

const HOUR: i64 = 3600;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of the queue for `query`, following next_cursor.
async fn all(app: &TestApp, agent: &Staff, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/agent/cases?{query}&cursor={c}"),
            None => format!("/api/agent/cases?{query}"),
        };
        let (status, page) = get(app, agent, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        out.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

struct Case {
    id: String,
    kind: &'static str,
    status: &'static str,
    amount: i64,
    age_hours: i64,
    mine: bool,
}

async fn the_queue_filters_sorts_and_pages_without_gaps(app: TestApp) {
    let customer = app.customer("queue-customer", "en").await;
    let agent = staff(&app, "counts-agent", Role::Agent, true).await;
    let me = app
        .scalar_text("SELECT id FROM accounts WHERE role = 'agent'")
        .await;
    let now = portal_server::clock::now();
    let statuses = [
        "submitted",
        "under_review",
        "more_info_needed",
        "refunded",
        "declined",
    ];
    let cases: Vec<Case> = (0..40)
        .map(|i| Case {
            id: format!("{}-Q{:03}-TEST-CASE", if i % 3 == 0 { "F" } else { "D" }, i),
            kind: if i % 3 == 0 {
                "fraud_report"
            } else {
                "dispute"
            },
            status: statuses[i % 5],
            // Ties on purpose: paging must break them by id.
            amount: 100 * (i as i64 % 7),
            age_hours: (i as i64 * 5) % 60,
            mine: i % 4 == 0,
        })
        .collect();
    for c in &cases {
        let open = matches!(c.status, "submitted" | "under_review" | "more_info_needed");
        sqlx::query(
            "INSERT INTO cases (id, kind, account_id, status, is_open, amount_minor, currency, assignee_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'JPY', $7, $8, $8)",
        )
        .bind(&c.id)
        .bind(c.kind)
        .bind(&customer.id)
        .bind(c.status)
        .bind(i64::from(open))
        .bind(c.amount)
        .bind(c.mine.then_some(me.as_str()))
        .bind(now - c.age_hours * HOUR)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let open = |c: &&Case| matches!(c.status, "submitted" | "under_review" | "more_info_needed");
    let expect = |keep: &dyn Fn(&&Case) -> bool, by_amount: bool, descending: bool| {
        let mut chosen: Vec<&Case> = cases.iter().filter(|c| keep(c)).collect();
        chosen.sort_by(|a, b| {
            let key = |c: &Case| {
                (
                    if by_amount {
                        c.amount
                    } else {
                        now - c.age_hours * HOUR
                    },
                    c.id.clone(),
                )
            };
            if descending {
                key(b).cmp(&key(a))
            } else {
                key(a).cmp(&key(b))
            }
        });
        chosen.into_iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };

    assert_eq!(
        all(&app, &agent, "limit=7").await,
        expect(&open, false, false),
        "open, oldest first"
    );
    assert_eq!(
        all(&app, &agent, "limit=7&sort=newest&status=any").await,
        expect(&|_| true, false, true)
    );
    assert_eq!(
        all(&app, &agent, "limit=3&sort=largest_amount").await,
        expect(&open, true, true)
    );
    assert_eq!(
        all(&app, &agent, "limit=5&sort=smallest_amount&status=closed").await,
        expect(&|c| !open(c), true, false)
    );
    assert_eq!(
        all(&app, &agent, "limit=4&kind=fraud_report&status=declined").await,
        expect(
            &|c| c.kind == "fraud_report" && c.status == "declined",
            false,
            false
        )
    );
    assert_eq!(
        all(&app, &agent, "assignee=me&status=any").await,
        expect(&|c| c.mine, false, false)
    );
    assert_eq!(
        all(&app, &agent, "assignee=none").await,
        expect(&|c| open(c) && !c.mine, false, false)
    );
    // Ages are whole multiples of five hours, so the bounds sit between them: a second passing
    // between the test's clock and the server's cannot move a case across one.
    assert_eq!(
        all(
            &app,
            &agent,
            "min_age_hours=8&max_age_hours=32&min_minor=200&max_minor=400&status=any"
        )
        .await,
        expect(
            &|c| (10..=30).contains(&c.age_hours) && (200..=400).contains(&c.amount),
            false,
            false
        )
    );

    // Overdue: open and older than the 24-hour target.
    let (_, page) = get(&app, &agent, "/api/agent/cases?status=any&limit=100").await;
    assert_eq!(page["target_seconds"], 24 * HOUR);
    for item in page["items"].as_array().unwrap() {
        let c = cases.iter().find(|c| c.id == item["id"]).unwrap();
        assert_eq!(item["overdue"], open(&c) && c.age_hours > 24, "{item}");
        assert_eq!(item["customer_email"], customer.email.as_str());
        assert_eq!(item["assignee"].is_object(), c.mine);
    }

    // A cursor is the server's, for one sort.
    let (_, first) = get(&app, &agent, "/api/agent/cases?limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (status, body) = get(
        &app,
        &agent,
        &format!("/api/agent/cases?limit=2&sort=largest_amount&cursor={cursor}"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "filter_invalid")
    );
    let mut edited = cursor.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for bad in [
        format!("cursor={edited}"),
        "cursor=%00".to_owned(),
        "limit=0".to_owned(),
        "limit=101".to_owned(),
        "limit=x".to_owned(),
        "min_minor=-1".to_owned(),
        "min_minor=5&max_minor=4".to_owned(),
        "min_age_hours=5&max_age_hours=4".to_owned(),
        "kind=refund".to_owned(),
        "status=closing".to_owned(),
        "sort=random".to_owned(),
        "assignee=%27%3B%20DROP%20TABLE%20cases%3B--".to_owned(),
        "unknown=1".to_owned(),
    ] {
        let (status, body) = get(&app, &agent, &format!("/api/agent/cases?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cases").await, 40);
}

/// Each watched count over the last two hours (an event of this test is in one of them).
async fn recent_counts(app: &TestApp, agent: &Staff) -> Value {
    let (status, stats) = get(app, agent, "/api/agent/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let hours = stats["hours"].as_array().unwrap();
    let mut sums = serde_json::Map::new();
    for kind in [
        "disputes",
        "fraud_reports",
        "sign_in_failures",
        "new_device_sign_ins",
        "password_resets",
        "top_ups",
    ] {
        let n = hours[166][kind].as_u64().unwrap() + hours[167][kind].as_u64().unwrap();
        sums.insert(kind.to_owned(), n.into());
    }
    Value::Object(sums)
}

/// Waits out the last seconds of an hour, so that what a test writes and reads for "this hour"
/// is one hour.
async fn steady_hour() -> i64 {
    loop {
        let now = portal_server::clock::now();
        if now.rem_euclid(HOUR) < HOUR - 30 {
            return now - now.rem_euclid(HOUR);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn the_counts_show_each_kind_of_event_and_flag_a_spike(app: TestApp) {
    let agent = staff(&app, "counts-agent", Role::Agent, true).await;
    // Each watched event is counted where it happens.
    steady_hour().await;
    let before = recent_counts(&app, &agent).await;
    let email = unique_email("counted");
    app.wallet_customer(&email).await;
    app.funded(5_000).await;
    let key = app.merchant("Kissa Midori").await;
    let code = app.payment_code().await;
    let (_, paid) = app
        .redeem(&key, &new_key(), json!({"code": code, "amount": yen(500)}))
        .await;
    let (status, _) = app
        .post(
            &format!(
                "/api/transactions/{}/disputes",
                paid["id"].as_str().unwrap()
            ),
            json!({"reason": "other", "details": "?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": [paid["id"]], "description": "Not me."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.sign_in(&email, "a wrong password 1234").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.sign_in_with_totp(&app.new_client(), &email).await;
    let (status, _) = app
        .post("/api/password-reset", json!({"email": email}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let after = recent_counts(&app, &agent).await;
    for kind in [
        "disputes",
        "fraud_reports",
        "sign_in_failures",
        "new_device_sign_ins",
        "password_resets",
        "top_ups",
    ] {
        assert_eq!(
            after[kind].as_u64().unwrap(),
            before[kind].as_u64().unwrap() + 1,
            "{kind}: {before} then {after}"
        );
    }

    // A quiet week (one dispute every other hour), then a busy hour.
    let current = steady_hour().await;
    sqlx::query("DELETE FROM event_counts")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for k in (2..=168).step_by(2) {
        sqlx::query("INSERT INTO event_counts (hour, kind, count) VALUES ($1, 'dispute', 1)")
            .bind(current - k * HOUR)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    let (status, stats) = get(&app, &agent, "/api/agent/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let hours = stats["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 168);
    assert_eq!(hours[167]["hour"], current);
    assert_eq!(hours[0]["hour"], current - 167 * HOUR);
    assert_eq!(stats["spike"], false);
    assert!((stats["usual_per_hour"].as_f64().unwrap() - 84.0 / 168.0).abs() < 1e-9);
    assert_eq!(stats["open"], 2, "the dispute and the report");
    // Four new reports this hour: busy, but not yet a spike; five is.
    for n in [4, 5] {
        sqlx::query(
            "INSERT INTO event_counts (hour, kind, count) VALUES ($1, 'fraud_report', $2)
             ON CONFLICT (hour, kind) DO UPDATE SET count = $2",
        )
        .bind(current)
        .bind(n)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
        let (_, stats) = get(&app, &agent, "/api/agent/stats").await;
        assert_eq!(stats["hours"][167]["fraud_reports"], n);
        assert_eq!(stats["spike"], n >= 5, "{n}");
    }
}

async fn an_agents_session_ends_sooner_than_a_customers(app: TestApp) {
    let agent = staff(&app, "idle-agent", Role::Agent, true).await;
    app.customer("idle-customer", "en").await;
    let customer = app.another_browser();
    let email = unique_email("idle-customer-2");
    customer.signed_in_customer(&email, STRONG_PASSWORD).await;
    // Eleven minutes without a request: past an agent's 10, well within a customer's 30.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 660")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, _) = customer.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = get(&app, &agent, "/api/me").await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::UNAUTHORIZED, "not_signed_in")
    );
    let (status, _) = get(&app, &agent, "/api/agent/cases").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_cli_makes_agents_and_checks_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portal-server"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PORTAL_DATA_DIR", dir.path())
            .env("PORTAL_DIST_DIR", dir.path().join("no-dist"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = run(&["agent", "create", "--email", "Ayumi@Support.example"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("agent: Ayumi@Support.example") && out.contains("a new account"),
        "{out}"
    );
    let (code, out) = run(&[
        "agent",
        "create",
        "--email",
        "ayumi@support.example",
        "--admin",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("admin:") && out.contains("an existing account"),
        "{out}"
    );
    let (code, out) = run(&["agent", "create", "--email", "not an address"]);
    assert_eq!(code, Some(1), "{out}");
    let (code, out) = run(&["agent", "create", "--email"]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = run(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 entries, chain intact"), "{out}");
    // The invitations wait in the outbox for the running server: one for the new account and
    // one for its promotion to admin (which voids the first link).
    let db = portal_server::db::Db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("portal.db").display()
    ))
    .await
    .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'Ayumi@Support.example' AND body_text LIKE '%/reset-password?token=%'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

/// Someone registers an address they expect to become staff's, verified or not, and keeps every
/// way in they can: a session, two-step verification with recovery codes, a reset link, a
/// pending change of address to their own. Once an admin makes the address an agent, none of it
/// opens the account; only the invitation mailed to the address does.
async fn promoting_an_account_leaves_its_registrant_no_way_in(app: TestApp) {
    let email = unique_email("future-staff");
    let squatter = app.another_browser();
    let (_, recovery_codes) = squatter.customer_with_2fa(&email).await;
    let (status, _) = squatter
        .post("/api/password-reset", json!({"email": email}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reset_link = app.mail_with_subject(&email, "eset").await;
    let reset_token = link_token(&reset_link.body, "/reset-password").unwrap();
    let theirs = unique_email("squatter-own");
    let (status, body) = squatter
        .post("/api/me/step-up", json!({"code": recovery_codes[0]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = squatter
        .post("/api/me/email", json!({"new_email": theirs}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let change = app.mailbox.wait_for(&theirs, 1).await.pop().unwrap();
    let change_token = link_token(&change.body, "/confirm-email").unwrap();
    // Registered and never verified: a second way to hold an address in advance.
    let unverified = unique_email("future-staff-unverified");
    let (status, _) = app.register(&unverified, STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    for address in [&email, &unverified] {
        let made = agent::create(&app.state, address, Role::Agent)
            .await
            .unwrap();
        assert!(matches!(made, agent::Made::Promoted { .. }), "{made:?}");
    }

    let (status, _) = squatter.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their session ended");
    for address in [&email, &unverified] {
        let (status, body) = post_with(
            &app,
            &app.new_client(),
            "/api/sign-in",
            json!({"email": address, "password": STRONG_PASSWORD}),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            "{address}: their password is gone"
        );
    }
    let (status, body) = app
        .post(
            "/api/password-reset/complete",
            json!({"token": reset_token, "new_password": STRONG_PASSWORD, "code": recovery_codes[1]}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "token_invalid"),
        "their reset link is void: {body}"
    );
    let (status, body) = app
        .post("/api/email-change/confirm", json!({"token": change_token}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "token_invalid"),
        "their change of address is void: {body}"
    );
    assert_eq!(
        app.account_column::<String>(&email, "email").await,
        email,
        "the address is the one the admin named"
    );

    // The invitation opens it, with no second step of theirs: their authenticator and recovery
    // codes are gone with the password.
    for address in [&email, &unverified] {
        let staff = app.new_client();
        accept_invitation(&app, &staff, address).await;
        let (status, me) = get_with(&app, &staff, "/api/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["role"], "agent");
        assert_eq!(me["totp_enabled"], false, "{me}");
        assert_eq!(me["recovery_codes_left"], 0, "{me}");
        assert!(me["email_verified"].as_bool().unwrap(), "{me}");
    }
}

/// Support asks about a dispute; the mail leads to the dispute's page, which takes the answer
/// (text and a screenshot); the case is back in review and the agent sees the answer as typed.
async fn the_customer_answers_a_question_on_a_dispute_and_the_agent_sees_it(app: TestApp) {
    let id = disputed_payment(&app, "answers", 700).await;
    let email = app
        .scalar_text(&format!(
            "SELECT a.email FROM accounts a JOIN disputes d ON d.account_id = a.id WHERE d.id = '{id}'"
        ))
        .await;
    let agent = staff(&app, "asker", Role::Agent, true).await;
    let question = "Which receipt do you have?\nレシートはありますか？";
    let (status, asked) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/request-info"),
        json!({"text": question}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let mail = app.mail_with_subject(&email, "more information").await;
    assert!(mail.body.contains(question), "{}", mail.body);
    assert!(
        mail.body.contains(&format!("/wallet/disputes/{id}")),
        "{}",
        mail.body
    );

    let r = app
        .client
        .post(app.url("/api/evidence"))
        .query(&[("name", "receipt.png")])
        .header("content-type", "application/octet-stream")
        .body(fixtures::png(30, 20, 5))
        .send()
        .await
        .unwrap();
    let (status, shot) = read(r).await;
    assert_eq!(status, StatusCode::CREATED, "{shot}");
    let text = "This one.\r\n領収書 🧾 <b>¥70</b>";
    let (status, answered) = app
        .post(
            &format!("/api/disputes/{id}/evidence"),
            json!({"note": text, "screenshots": [shot["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");

    let (status, case) = get(&app, &agent, &format!("/api/agent/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["summary"]["status"], "under_review");
    let steps: Vec<(&str, &str, &str, Option<&str>)> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["by"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["note"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", "customer", "submitted", None),
            (
                "status_changed",
                "support",
                "more_info_needed",
                Some(question)
            ),
            ("evidence_added", "customer", "under_review", Some(text)),
        ]
    );
    assert_eq!(case["screenshots"][0]["id"], shot["id"]);
    let url = case["screenshots"][0]["url"].as_str().unwrap();
    let r = agent.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    let (_, queue) = get(&app, &agent, "/api/agent/cases?status=under_review").await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "{queue}"
    );
}

/// The customer whose wallet is frozen learns by mail, in their language, that money can move
/// again, with the report that froze it.
async fn lifting_the_freeze_mails_the_customer_in_their_language(app: TestApp) {
    let c = app.customer("freeze-ja", "ja").await;
    let paid = common::ledger::insert(
        &app.state.db,
        &c.id,
        "JPY",
        &[common::ledger::NewTransaction::payment(
            1_000,
            "Lawson",
            None,
            portal_server::clock::now() - 3_600,
        )],
    )
    .await;
    let (status, report) = c
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": paid, "description": "私ではありません。"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let id = report["id"].as_str().unwrap();
    let agent = staff(&app, "lifter", Role::Agent, true).await;
    let (status, case) = post(
        &app,
        &agent,
        &format!("/api/agent/cases/{id}/unfreeze"),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let mail = app.mail_with_subject(&c.email, "凍結を解除").await;
    for needle in [
        id.to_owned(),
        format!("/wallet/fraud-reports/{id}"),
        "チャージ".to_owned(),
    ] {
        assert!(mail.body.contains(&needle), "{needle} in {}", mail.body);
    }
    assert_eq!(app.count_mails_settled(&c.email, "凍結を解除").await, 1);
}
