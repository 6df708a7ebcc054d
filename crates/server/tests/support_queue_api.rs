//! The support queue and its counts (THREATS T12, T14): every filter and sort, keyset pages
//! without gaps, cursors that cannot be edited or reused across sorts, and the hourly counts
//! that flag a spike.

mod common;

use common::factor::post_with;
use common::{error_code, read, unique_email, TestApp, STRONG_PASSWORD};
use portal_api::agent::Role;
use portal_server::support::agent;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    the_queue_filters_sorts_and_pages_without_gaps,
    the_counts_show_each_kind_of_event_and_flag_a_spike,
);

const HOUR: i64 = 3600;

/// A signed-in agent with two-step verification, on a browser of their own.
async fn agent_browser(app: &TestApp) -> Client {
    let email = unique_email("queue-agent");
    let browser = app.new_client();
    let (mut authenticator, _) = app.customer_with_2fa_on(&browser, &email).await;
    agent::create(&app.state, &email, Role::Agent)
        .await
        .unwrap();
    let client = app.new_client();
    let (status, _) = post_with(
        app,
        &client,
        "/api/sign-in",
        json!({"email": email, "password": STRONG_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let code = authenticator.next_code().await;
    let (status, body) = post_with(
        app,
        &client,
        "/api/sign-in/second-factor",
        json!({"code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    client
}

async fn get(app: &TestApp, client: &Client, path: &str) -> (StatusCode, Value) {
    read(client.get(app.url(path)).send().await.unwrap()).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of the queue for `query`, following next_cursor.
async fn all(app: &TestApp, client: &Client, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/agent/cases?{query}&cursor={c}"),
            None => format!("/api/agent/cases?{query}"),
        };
        let (status, page) = get(app, client, &path).await;
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
    let client = agent_browser(&app).await;
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
        all(&app, &client, "limit=7").await,
        expect(&open, false, false),
        "open, oldest first"
    );
    assert_eq!(
        all(&app, &client, "limit=7&sort=newest&status=any").await,
        expect(&|_| true, false, true)
    );
    assert_eq!(
        all(&app, &client, "limit=3&sort=largest_amount").await,
        expect(&open, true, true)
    );
    assert_eq!(
        all(&app, &client, "limit=5&sort=smallest_amount&status=closed").await,
        expect(&|c| !open(c), true, false)
    );
    assert_eq!(
        all(&app, &client, "limit=4&kind=fraud_report&status=declined").await,
        expect(
            &|c| c.kind == "fraud_report" && c.status == "declined",
            false,
            false
        )
    );
    assert_eq!(
        all(&app, &client, "assignee=me&status=any").await,
        expect(&|c| c.mine, false, false)
    );
    assert_eq!(
        all(&app, &client, "assignee=none").await,
        expect(&|c| open(c) && !c.mine, false, false)
    );
    assert_eq!(
        all(
            &app,
            &client,
            "min_age_hours=10&max_age_hours=30&min_minor=200&max_minor=400&status=any"
        )
        .await,
        expect(
            &|c| (10..=30).contains(&c.age_hours) && (200..=400).contains(&c.amount),
            false,
            false
        )
    );

    // Overdue: open and older than the 24-hour target.
    let (_, page) = get(&app, &client, "/api/agent/cases?status=any&limit=100").await;
    assert_eq!(page["target_seconds"], 24 * HOUR);
    for item in page["items"].as_array().unwrap() {
        let c = cases.iter().find(|c| c.id == item["id"]).unwrap();
        assert_eq!(item["overdue"], open(&c) && c.age_hours > 24, "{item}");
        assert_eq!(item["customer_email"], customer.email.as_str());
        assert_eq!(item["assignee"].is_object(), c.mine);
    }

    // A cursor is the server's, for one sort.
    let (_, first) = get(&app, &client, "/api/agent/cases?limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (status, body) = get(
        &app,
        &client,
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
        let (status, body) = get(&app, &client, &format!("/api/agent/cases?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM cases").await, 40);
}

async fn the_counts_show_each_kind_of_event_and_flag_a_spike(app: TestApp) {
    let client = agent_browser(&app).await;
    let now = portal_server::clock::now();
    let current = now - now.rem_euclid(HOUR);
    // A quiet week: one dispute every other hour.
    for k in (2..=168).step_by(2) {
        sqlx::query("INSERT INTO event_counts (hour, kind, count) VALUES ($1, 'dispute', 1)")
            .bind(current - k * HOUR)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    let (status, stats) = get(&app, &client, "/api/agent/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let hours = stats["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 168);
    assert_eq!(hours[167]["hour"], current);
    assert_eq!(hours[0]["hour"], current - 167 * HOUR);
    assert_eq!(stats["spike"], false);
    assert!((stats["usual_per_hour"].as_f64().unwrap() - 84.0 / 168.0).abs() < 1e-9);
    // Each watched event counts where it happens, in the current hour.
    let (status, _) = app
        .sign_in(&unique_email("nobody-here"), "wrong password 1234")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, stats) = get(&app, &client, "/api/agent/stats").await;
    let last = &stats["hours"][167];
    assert!(last["sign_in_failures"].as_u64().unwrap() >= 1, "{last}");
    // Four disputes this hour: busy, but not yet a spike; five is.
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
        let (_, stats) = get(&app, &client, "/api/agent/stats").await;
        assert_eq!(stats["hours"][167]["fraud_reports"], n);
        assert_eq!(stats["spike"], n >= 5, "{n}");
    }
}
