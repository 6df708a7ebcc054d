//! The audit log: every agent view of customer data and every agent or admin action, who, what,
//! which customer, when and from where. Append-only (the store refuses UPDATE and DELETE, see
//! migration 18) and chained by hash like the evidence: each entry's text names the SHA-256 of
//! the entry before, and its own hash is the SHA-256 of its exact text, so a changed, removed or
//! reordered entry is found by [`verify`] (`portal-server audit verify`).

use super::agent::Admin;
use crate::db::Db;
use crate::evidence::store::sha256_hex;
use crate::http::error::ApiResult;
use crate::http::query::{filter_invalid, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_api::agent::{AuditEntry, AuditPage, AuditQuery, AUDIT_PAGE_MAX};
use portal_api::error::ErrorBody;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

/// Names the format of every entry.
pub const FORMAT: &str = "mamoru-audit/1";

/// Who did it and from where.
pub struct Actor<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub ip: String,
    pub user_agent: Option<&'a str>,
}

/// What was seen or done.
pub struct Event<'a> {
    /// e.g. `view_case`, `refund`.
    pub action: &'a str,
    pub customer_id: Option<&'a str>,
    pub case_id: Option<&'a str>,
    /// Anything else worth keeping (amounts, filters): never the customer's data itself.
    pub detail: serde_json::Value,
}

/// One entry's text, parsed. Field order is the order written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub format: String,
    pub seq: i64,
    pub at: i64,
    pub at_utc: String,
    pub prev_sha256: Option<String>,
    pub actor_id: String,
    pub actor_email: String,
    pub action: String,
    pub customer_id: Option<String>,
    pub case_id: Option<String>,
    pub ip: String,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

impl Body {
    fn text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("an entry serialises");
        text.push('\n');
        text
    }
}

/// Appends an entry in the caller's transaction, which commits it with whatever it records.
/// Writers take turns on the chain's head row, so no two entries share a place.
pub async fn record(
    conn: &mut AnyConnection,
    actor: &Actor<'_>,
    event: Event<'_>,
) -> Result<i64, sqlx::Error> {
    let (seq, prev): (i64, Option<String>) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, sha256")
            .fetch_one(&mut *conn)
            .await?;
    let at = crate::clock::now();
    let body = Body {
        format: FORMAT.to_owned(),
        seq,
        at,
        at_utc: crate::clock::iso8601_utc(at),
        prev_sha256: prev,
        actor_id: actor.id.to_owned(),
        actor_email: actor.email.to_owned(),
        action: event.action.to_owned(),
        customer_id: event.customer_id.map(str::to_owned),
        case_id: event.case_id.map(str::to_owned),
        ip: actor.ip.clone(),
        user_agent: actor.user_agent.map(str::to_owned),
        detail: event.detail,
    };
    let text = body.text();
    let sha256 = sha256_hex(text.as_bytes());
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, action, customer_id, case_id, body, sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(&body.actor_id)
    .bind(&body.action)
    .bind(body.customer_id.as_deref())
    .bind(body.case_id.as_deref())
    .bind(&text)
    .bind(&sha256)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET sha256 = $1 WHERE id = 1")
        .bind(&sha256)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

/// Records a view on its own: the data is not answered unless its view is on record.
pub async fn record_view(db: &Db, actor: &Actor<'_>, event: Event<'_>) -> ApiResult<()> {
    let mut tx = db.pool.begin().await?;
    record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

fn entry(body: &str, sha256: String) -> Result<AuditEntry, sqlx::Error> {
    let b: Body = serde_json::from_str(body)
        .map_err(|e| sqlx::Error::Decode(format!("audit entry: {e}").into()))?;
    Ok(AuditEntry {
        seq: b.seq,
        at: b.at,
        actor_id: b.actor_id,
        actor_email: b.actor_email,
        action: b.action,
        customer_id: b.customer_id,
        case_id: b.case_id,
        ip: b.ip,
        user_agent: b.user_agent,
        detail: b.detail.to_string(),
        prev_sha256: b.prev_sha256,
        sha256,
    })
}

/// What [`verify`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    pub entries: u64,
    /// The first entry that is not what the chain says, and why.
    pub broken: Option<(i64, String)>,
}

/// Reads the whole log in order and checks every link: numbering without gaps, each entry's hash
/// of its own text, each entry naming the hash of the one before, and the head naming the last.
pub async fn verify(db: &Db) -> Result<Verdict, sqlx::Error> {
    const CHUNK: i64 = 1_000;
    let mut after = 0i64;
    let mut prev: Option<String> = None;
    let mut entries = 0u64;
    loop {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, body, sha256 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(CHUNK)
        .fetch_all(&db.pool)
        .await?;
        for (seq, body, sha256) in &rows {
            let broken = |why: &str| Verdict {
                entries,
                broken: Some((*seq, why.to_owned())),
            };
            if *seq != after + 1 {
                return Ok(broken("an entry is missing before this one"));
            }
            if sha256_hex(body.as_bytes()) != *sha256 {
                return Ok(broken("its text does not match its hash"));
            }
            let Ok(parsed) = serde_json::from_str::<Body>(body) else {
                return Ok(broken("its text is not an audit entry"));
            };
            if parsed.seq != *seq || parsed.prev_sha256 != prev {
                return Ok(broken("it does not name the entry before it"));
            }
            prev = Some(sha256.clone());
            after = *seq;
            entries += 1;
        }
        if (rows.len() as i64) < CHUNK {
            break;
        }
    }
    let (head_seq, head_sha): (i64, Option<String>) =
        sqlx::query_as("SELECT seq, sha256 FROM audit_head WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
    if head_seq != after || head_sha != prev {
        return Ok(Verdict {
            entries,
            broken: Some((after + 1, "the log ends before its head".to_owned())),
        });
    }
    Ok(Verdict {
        entries,
        broken: None,
    })
}

const DEFAULT_PAGE: u32 = 100;

/// The audit log, oldest first, a page at a time after `after`; with `format=csv`, every
/// matching entry as CSV. Admins only. Reading it is itself recorded.
#[utoipa::path(get, path = "/api/admin/audit-log", operation_id = "admin_audit_log", tag = "support",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the log (JSON), or with `format=csv` every matching entry", body = AuditPage),
        (status = 400, description = "A bad filter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin (`not_permitted`), or two-step verification is off (`agent_two_step_required`)", body = ErrorBody),
    ))]
pub async fn admin_audit_log(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(filter_invalid(Some("format"), "format is json or csv.")),
    };
    if csv && (q.after.is_some() || q.limit.is_some()) {
        return Err(filter_invalid(
            Some("after"),
            "The CSV has every matching entry: it takes no after or limit.",
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(filter_invalid(
            Some("limit"),
            format!("limit must be 1 to {AUDIT_PAGE_MAX}."),
        ));
    }
    if let Some(customer) = &q.customer {
        if !crate::db::codec::could_be_id(customer) {
            return Err(filter_invalid(Some("customer"), "Not a customer id."));
        }
    }
    let after = q.after.unwrap_or(0).max(0);
    record_view(
        &state.db,
        &admin.actor(),
        Event {
            action: if csv {
                "export_audit_log"
            } else {
                "view_audit_log"
            },
            customer_id: q.customer.as_deref(),
            case_id: None,
            detail: serde_json::json!({ "after": after }),
        },
    )
    .await?;
    let read = |after: i64, limit: i64| {
        let state = state.clone();
        let customer = q.customer.clone();
        async move {
            let (sql, bind_customer) = match &customer {
                Some(_) => (
                    "SELECT body, sha256 FROM audit_log WHERE customer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    true,
                ),
                None => (
                    "SELECT body, sha256 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                    false,
                ),
            };
            let mut query = sqlx::query_as::<_, (String, String)>(sql);
            if bind_customer {
                query = query.bind(customer.unwrap_or_default());
            }
            let rows = query
                .bind(after)
                .bind(limit)
                .fetch_all(&state.db.pool)
                .await?;
            rows.into_iter()
                .map(|(body, sha)| entry(&body, sha))
                .collect::<Result<Vec<_>, _>>()
        }
    };
    if !csv {
        let mut items = read(after, i64::from(limit) + 1).await?;
        let next_after = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|e| e.seq)
        } else {
            None
        };
        return Ok(axum::Json(AuditPage { items, next_after }).into_response());
    }
    let mut text = String::from("\u{feff}");
    text.push_str(&crate::wallet::csv::line(&[
        "seq",
        "at",
        "actor_id",
        "actor_email",
        "action",
        "customer_id",
        "case_id",
        "ip",
        "user_agent",
        "detail",
        "prev_sha256",
        "sha256",
    ]));
    let mut after = 0;
    loop {
        let items = read(after, 1_000).await?;
        for e in &items {
            text.push_str(&crate::wallet::csv::line(&[
                &e.seq.to_string(),
                &crate::clock::iso8601_utc(e.at),
                &e.actor_id,
                &e.actor_email,
                &e.action,
                e.customer_id.as_deref().unwrap_or(""),
                e.case_id.as_deref().unwrap_or(""),
                &e.ip,
                e.user_agent.as_deref().unwrap_or(""),
                &e.detail,
                e.prev_sha256.as_deref().unwrap_or(""),
                &e.sha256,
            ]));
        }
        match items.last() {
            Some(last) if items.len() == 1_000 => after = last.seq,
            _ => break,
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"".to_owned(),
            ),
        ],
        text,
    )
        .into_response())
}
