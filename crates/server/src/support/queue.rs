//! The queue: every dispute and fraud report in one list, filtered, sorted by age or amount, a
//! page at a time by keyset over `cases` (never OFFSET), so it stays fast at a million cases.

use super::agent::Agent;
use super::audit::{self, Event};
use crate::db::codec::{enum_str, parse_enum};
use crate::db::cursor::{self, Key};
use crate::db::sql::{Arg, Sql};
use crate::http::error::ApiResult;
use crate::http::query::{filter_invalid, Query};
use crate::AppState;
use axum::extract::State;
use portal_api::agent::{
    AgentRef, CaseKind, CasePage, CaseQuery, CaseSort, CaseStatusFilter, CaseSummary,
    QUEUE_PAGE_MAX,
};
use portal_api::error::ErrorBody;
use portal_api::money::Money;
use sqlx::any::AnyRow;
use sqlx::Row;

const DEFAULT_PAGE: u32 = 50;
/// Longest age filter: ten years.
const MAX_AGE_HOURS: u32 = 24 * 366 * 10;

/// The columns of a queue row, with the customer's and the assignee's addresses.
pub const SUMMARY_SQL: &str = "SELECT c.id, c.kind, c.status, c.amount_minor, c.currency,
        c.assignee_id, c.created_at, c.updated_at, c.is_open, c.account_id,
        a.email AS customer_email, g.email AS assignee_email
    FROM cases c
    JOIN accounts a ON a.id = c.account_id
    LEFT JOIN accounts g ON g.id = c.assignee_id";

pub fn summary(row: &AnyRow, now: i64, target: i64) -> Result<CaseSummary, sqlx::Error> {
    let created_at: i64 = row.try_get("created_at")?;
    let is_open: i64 = row.try_get("is_open")?;
    let assignee_id: Option<String> = row.try_get("assignee_id")?;
    let assignee_email: Option<String> = row.try_get("assignee_email")?;
    Ok(CaseSummary {
        id: row.try_get("id")?,
        kind: parse_enum(&row.try_get::<String, _>("kind")?)?,
        status: parse_enum(&row.try_get::<String, _>("status")?)?,
        customer_email: row.try_get("customer_email")?,
        amount: Money {
            minor: row.try_get("amount_minor")?,
            currency: parse_enum(&row.try_get::<String, _>("currency")?)?,
        },
        assignee: assignee_id.map(|id| AgentRef {
            id,
            email: assignee_email.unwrap_or_default(),
        }),
        created_at,
        updated_at: row.try_get("updated_at")?,
        overdue: is_open == 1 && now - created_at > target,
    })
}

/// The cursor of a sort binds it to that sort: a page of one order cannot continue another.
fn cursor_scope(sort: CaseSort) -> String {
    format!("queue:{}", enum_str(&sort))
}

/// The queue, a page at a time. Every filter combines with the others; `status` defaults to
/// open cases and `sort` to the oldest first. The view is recorded in the audit log.
#[utoipa::path(get, path = "/api/agent/cases", operation_id = "agent_list_cases", tag = "support",
    params(CaseQuery),
    responses(
        (status = 200, description = "One page of the queue", body = CasePage),
        (status = 400, description = "A bad filter, limit or cursor (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent (`not_permitted`), or two-step verification is off (`agent_two_step_required`)", body = ErrorBody),
    ))]
pub async fn agent_list_cases(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<CaseQuery>,
) -> ApiResult<axum::Json<CasePage>> {
    let now = crate::clock::now();
    let filter = Filter::parse(&q, &agent.account.id, &state.secret_key[..], now)?;
    audit::record_view(
        &state.db,
        &agent.actor(),
        Event {
            action: "list_cases",
            customer_id: None,
            case_id: None,
            detail: serde_json::json!({
                "kind": q.kind, "status": q.status, "assignee": q.assignee, "sort": filter.sort,
                "min_age_hours": q.min_age_hours, "max_age_hours": q.max_age_hours,
                "min_minor": q.min_minor, "max_minor": q.max_minor,
            }),
        },
    )
    .await?;
    Ok(axum::Json(page(&state, &filter, now).await?))
}

/// A queue request, checked: what `select_page` asks the store for.
struct Filter {
    status: CaseStatusFilter,
    kind: Option<CaseKind>,
    /// `Some(None)`: unassigned cases only.
    assignee: Option<Option<String>>,
    created_from: Option<i64>,
    created_to: Option<i64>,
    min_minor: Option<i64>,
    max_minor: Option<i64>,
    sort: CaseSort,
    after: Option<Key>,
    limit: u32,
}

impl Filter {
    /// The query's filters as times and amounts, or which of them is wrong. `me` is the agent
    /// asking, for `assignee=me`.
    fn parse(q: &CaseQuery, me: &str, key: &[u8], now: i64) -> ApiResult<Self> {
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=QUEUE_PAGE_MAX).contains(&limit) {
            return Err(filter_invalid(
                Some("limit"),
                format!("limit must be 1 to {QUEUE_PAGE_MAX}."),
            ));
        }
        for (value, field) in [(q.min_minor, "min_minor"), (q.max_minor, "max_minor")] {
            if value.is_some_and(|v| v < 0) {
                return Err(filter_invalid(
                    Some(field),
                    format!("{field} cannot be negative."),
                ));
            }
        }
        if let (Some(min), Some(max)) = (q.min_minor, q.max_minor) {
            if min > max {
                return Err(filter_invalid(
                    Some("min_minor"),
                    "min_minor is more than max_minor.",
                ));
            }
        }
        for (value, field) in [
            (q.min_age_hours, "min_age_hours"),
            (q.max_age_hours, "max_age_hours"),
        ] {
            if value.is_some_and(|v| v > MAX_AGE_HOURS) {
                return Err(filter_invalid(
                    Some(field),
                    format!("{field} is at most {MAX_AGE_HOURS}."),
                ));
            }
        }
        if let (Some(min), Some(max)) = (q.min_age_hours, q.max_age_hours) {
            if min > max {
                return Err(filter_invalid(
                    Some("min_age_hours"),
                    "min_age_hours is more than max_age_hours.",
                ));
            }
        }
        let assignee = match q.assignee.as_deref() {
            None => None,
            Some("me") => Some(Some(me.to_owned())),
            Some("none") => Some(None),
            Some(id) if crate::db::codec::could_be_id(id) => Some(Some(id.to_owned())),
            Some(_) => {
                return Err(filter_invalid(
                    Some("assignee"),
                    "assignee is me, none or an agent's id.",
                ))
            }
        };
        let sort = q.sort.unwrap_or_default();
        let after = match &q.cursor {
            None => None,
            Some(text) => Some(cursor::decode(key, &cursor_scope(sort), text).ok_or_else(|| {
                filter_invalid(
                    Some("cursor"),
                    "The cursor is not one this server gave for this sort. Start from the first page.",
                )
            })?),
        };
        let hours_ago = |h: u32| now - i64::from(h) * 3600;
        Ok(Self {
            status: q.status.unwrap_or_default(),
            kind: q.kind,
            assignee,
            // At least `min_age_hours` old: made at or before that many hours ago.
            created_to: q.min_age_hours.map(hours_ago),
            created_from: q.max_age_hours.map(hours_ago),
            min_minor: q.min_minor,
            max_minor: q.max_minor,
            sort,
            after,
            limit,
        })
    }

    /// The column the sort orders by, and whether it runs downwards.
    fn order(&self) -> (&'static str, bool) {
        match self.sort {
            CaseSort::Oldest => ("c.created_at", false),
            CaseSort::Newest => ("c.created_at", true),
            CaseSort::LargestAmount => ("c.amount_minor", true),
            CaseSort::SmallestAmount => ("c.amount_minor", false),
        }
    }
}

/// One page of the queue, with the cursor of the next when there is one.
async fn page(state: &AppState, filter: &Filter, now: i64) -> Result<CasePage, sqlx::Error> {
    let rows = select_page(&state.db, filter).await?;
    let target = state.config.support.case_target.as_secs() as i64;
    let mut items = rows
        .iter()
        .map(|r| summary(r, now, target))
        .collect::<Result<Vec<_>, _>>()?;
    let limit = filter.limit as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| {
            let value = match filter.sort {
                CaseSort::Oldest | CaseSort::Newest => last.created_at,
                CaseSort::LargestAmount | CaseSort::SmallestAmount => last.amount.minor,
            };
            cursor::encode(
                &state.secret_key[..],
                &cursor_scope(filter.sort),
                &Key {
                    created_at: value,
                    id: last.id.clone(),
                },
            )
        })
    } else {
        None
    };
    Ok(CasePage {
        items,
        next_cursor,
        target_seconds: target,
        now,
    })
}

/// The queue's rows for `filter`: one more than its limit, so the caller knows whether a next
/// page exists. Keyset paging: the cursor's sort value and id, never OFFSET.
async fn select_page(db: &crate::db::Db, filter: &Filter) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut sql = Sql::default();
    let mut clauses: Vec<String> = Vec::new();
    match filter.status {
        CaseStatusFilter::Open => clauses.push("c.is_open = 1".into()),
        CaseStatusFilter::Closed => clauses.push("c.is_open = 0".into()),
        CaseStatusFilter::Any => {}
        one => {
            let x = sql.arg(Arg::Text(enum_str(&one)));
            clauses.push(format!("c.status = {x}"));
        }
    }
    if let Some(kind) = filter.kind {
        let x = sql.arg(Arg::Text(enum_str(&kind)));
        clauses.push(format!("c.kind = {x}"));
    }
    match &filter.assignee {
        None => {}
        Some(None) => clauses.push("c.assignee_id IS NULL".into()),
        Some(Some(id)) => {
            let x = sql.arg(Arg::Text(id.clone()));
            clauses.push(format!("c.assignee_id = {x}"));
        }
    }
    for (bound, clause) in [
        (filter.created_to, "c.created_at <="),
        (filter.created_from, "c.created_at >="),
        (filter.min_minor, "c.amount_minor >="),
        (filter.max_minor, "c.amount_minor <="),
    ] {
        if let Some(bound) = bound {
            let x = sql.arg(Arg::Int(bound));
            clauses.push(format!("{clause} {x}"));
        }
    }
    let (column, descending) = filter.order();
    if let Some(key) = &filter.after {
        let v = sql.arg(Arg::Int(key.created_at));
        let id = sql.arg(Arg::Text(key.id.clone()));
        let op = if descending { "<" } else { ">" };
        clauses.push(format!("({column}, c.id) {op} ({v}, {id})"));
    }
    sql.text.push_str(SUMMARY_SQL);
    if !clauses.is_empty() {
        sql.text.push_str(" WHERE ");
        sql.text.push_str(&clauses.join(" AND "));
    }
    let dir = if descending { "DESC" } else { "ASC" };
    let l = sql.arg(Arg::Int(i64::from(filter.limit) + 1));
    sql.text
        .push_str(&format!(" ORDER BY {column} {dir}, c.id {dir} LIMIT {l}"));
    sql.query().fetch_all(&db.pool).await
}

/// Whether `id` could be a case number (`D-…` or `F-…`): anything else is answered 404 unread.
pub fn plausible_case_id(id: &str) -> bool {
    (id.starts_with("D-") || id.starts_with("F-")) && crate::db::codec::plausible_id(id)
}

/// The kind a case number names.
pub fn kind_of(id: &str) -> CaseKind {
    if id.starts_with('F') {
        CaseKind::FraudReport
    } else {
        CaseKind::Dispute
    }
}
