//! The customer's history: filtered, newest first, a page at a time by keyset (created_at, id),
//! never OFFSET; the same filters export every matching row as CSV.
//!
//! Every query here starts `WHERE account_id = <the signed-in customer>`: no filter, cursor or
//! id can reach another wallet's rows.

use super::{csv, search};
use crate::db::codec::parse_enum;
use crate::db::cursor::{self, Key};
use crate::db::sql::{Arg, Sql};
use crate::db::{Backend, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::{filter_invalid, NoParams, Query};
use crate::identity::session::SignedIn;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_api::error::ErrorBody;
use portal_api::money::Money;
use portal_api::wallet::{
    DisputeStatus, DisputeSummary, Transaction, TransactionKind, TransactionPage, TransactionQuery,
    TransactionStatus, HISTORY_PAGE_MAX,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Rows per page when the query does not say.
pub const DEFAULT_PAGE: u32 = 50;
/// Longest merchant name or search text accepted as a filter, in characters.
pub const FILTER_TEXT_MAX_CHARS: usize = 200;
/// Most words in one search.
pub const SEARCH_WORDS_MAX: usize = 10;
/// Rows the CSV export reads per query; no connection is held between two of them.
const EXPORT_CHUNK: i64 = 1_000;
/// The most rows of the wallet one request reads for a search that no index can narrow (every
/// word too short for trigrams): LIKE checks each, about 0.3 µs (SQLite) to 0.6 µs (PostgreSQL),
/// so a page that finds nothing still answers within a few ms. The page then says how far back
/// it searched, and its cursor goes on from there.
pub const UNINDEXED_SEARCH_ROWS: i64 = 5_000;

/// The filters of a history query, checked once.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<TransactionKind>,
    pub status: Option<TransactionStatus>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
    pub merchant: Option<String>,
    /// The words of the search (`search::words`), every one of which a row must contain.
    pub words: Vec<String>,
}

impl Filter {
    pub fn parse(q: &TransactionQuery) -> ApiResult<Self> {
        let not_negative = |value: Option<i64>, field: &'static str| match value {
            Some(v) if v < 0 => Err(filter_invalid(
                Some(field),
                format!("{field} cannot be negative."),
            )),
            _ => Ok(value),
        };
        let from = not_negative(q.from, "from")?;
        let to = not_negative(q.to, "to")?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(filter_invalid(Some("from"), "from is after to."));
            }
        }
        let min_minor = not_negative(q.min_minor, "min_minor")?;
        let max_minor = not_negative(q.max_minor, "max_minor")?;
        if let (Some(min), Some(max)) = (min_minor, max_minor) {
            if min > max {
                return Err(filter_invalid(
                    Some("min_minor"),
                    "min_minor is more than max_minor.",
                ));
            }
        }
        let merchant = match &q.merchant {
            Some(m) => Some(filter_text(m, "merchant")?.to_owned()),
            None => None,
        };
        let words = match &q.q {
            Some(text) => search_words(filter_text(text, "q")?)?,
            None => Vec::new(),
        };
        Ok(Self {
            kind: q.kind,
            status: q.status,
            from,
            to,
            min_minor,
            max_minor,
            merchant,
            words,
        })
    }
}

fn filter_text<'a>(text: &'a str, field: &'static str) -> ApiResult<&'a str> {
    if text.chars().count() > FILTER_TEXT_MAX_CHARS {
        return Err(filter_invalid(
            Some(field),
            format!("{field} is longer than {FILTER_TEXT_MAX_CHARS} characters."),
        ));
    }
    // Nothing stored contains NUL (PostgreSQL cannot store it in text), so it can match nothing.
    if text.contains('\0') {
        return Err(filter_invalid(
            Some(field),
            format!("{field} contains NUL."),
        ));
    }
    Ok(text)
}

/// The words of the search, at most [`SEARCH_WORDS_MAX`].
fn search_words(q: &str) -> ApiResult<Vec<String>> {
    let words = search::words(q);
    if words.len() > SEARCH_WORDS_MAX {
        return Err(filter_invalid(
            Some("q"),
            format!("Search for at most {SEARCH_WORDS_MAX} words."),
        ));
    }
    Ok(words)
}

pub const ROW_COLUMNS: &str =
    "id, kind, status, amount_minor, currency, merchant_name, memo, created_at";

/// One history row as stored.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: String,
    pub kind: TransactionKind,
    pub status: TransactionStatus,
    pub amount: Money,
    pub merchant: Option<String>,
    pub memo: Option<String>,
    pub created_at: i64,
}

impl HistoryRow {
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            kind: parse_enum(&row.try_get::<String, _>("kind")?)?,
            status: parse_enum(&row.try_get::<String, _>("status")?)?,
            amount: Money {
                minor: row.try_get("amount_minor")?,
                currency: parse_enum(&row.try_get::<String, _>("currency")?)?,
            },
            merchant: row.try_get("merchant_name")?,
            memo: row.try_get("memo")?,
            created_at: row.try_get("created_at")?,
        })
    }

    pub fn into_transaction(self, dispute: Option<DisputeSummary>) -> Transaction {
        Transaction {
            id: self.id,
            kind: self.kind,
            status: self.status,
            amount: self.amount,
            merchant: self.merchant,
            memo: self.memo,
            created_at: self.created_at,
            dispute,
        }
    }
}

/// Which of the history's indexes serves a filter: each yields rows newest first, so the best is
/// the one whose equality filter leaves the fewest rows to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterIndex {
    /// (account_id, created_at, id): every row, in order.
    History,
    /// (account_id, merchant_name, created_at, id).
    Merchant,
    /// (account_id, status, created_at, id, ...): worth it for the rare statuses.
    Status,
    /// (account_id, kind, created_at, id): worth it for top-ups and refunds.
    Kind,
}

fn choose_index(filter: &Filter) -> FilterIndex {
    if filter.merchant.is_some() {
        FilterIndex::Merchant
    } else if filter
        .status
        .is_some_and(|s| s != TransactionStatus::Completed)
    {
        FilterIndex::Status
    } else if filter.kind.is_some_and(|k| k != TransactionKind::Payment) {
        FilterIndex::Kind
    } else {
        // Completed payments are most of any history: reading in date order fills a page soonest.
        FilterIndex::History
    }
}

/// One read of the history.
#[derive(Debug)]
pub struct Fetched {
    /// Up to the limit asked for, newest first.
    pub rows: Vec<HistoryRow>,
    /// Where the next read starts, when there may be more.
    pub next: Option<Key>,
    /// Set when a search no index narrows stopped at [`UNINDEXED_SEARCH_ROWS`] before filling
    /// the page: the time it searched back to (the rows before it are still to be searched).
    pub searched_to: Option<i64>,
}

/// How the rows with the searched words are found.
enum Search {
    /// No words.
    None,
    /// SQLite reads its trigram index with this FTS5 query, and only it.
    Trigrams(String),
    /// PostgreSQL's planner may read its trigram index for at least one of the words.
    Planner,
    /// No index can narrow the words: LIKE checks the wallet's rows one by one.
    Unindexed,
}

async fn search_plan(db: &Db, filter: &Filter) -> Result<Search, sqlx::Error> {
    if filter.words.is_empty() {
        return Ok(Search::None);
    }
    Ok(match db.backend {
        Backend::Sqlite => match search::fts_query(&filter.words) {
            Some(fts) if search::rare_in_store(db, &fts).await? => Search::Trigrams(fts),
            _ => Search::Unindexed,
        },
        Backend::Postgres if filter.words.iter().any(|w| search::postgres_indexable(w)) => {
            Search::Planner
        }
        Backend::Postgres => Search::Unindexed,
    })
}

/// Up to `limit` of the customer's rows matching `filter`, newest first, after `after`.
pub async fn fetch(
    db: &Db,
    account_id: &str,
    filter: &Filter,
    after: Option<&Key>,
    limit: i64,
) -> Result<Fetched, sqlx::Error> {
    let plan = search_plan(db, filter).await?;
    // A search no index narrows reads the wallet newest first: bound that read, so that a word
    // found nowhere costs a few thousand rows and not the whole wallet.
    let bound = match plan {
        Search::Unindexed => oldest_to_search(db, account_id, filter, after).await?,
        _ => None,
    };
    let trigrams = match plan {
        Search::Trigrams(fts) => Some(fts),
        _ => None,
    };
    let mut rows = query_rows(
        db,
        account_id,
        filter,
        after,
        bound.as_ref(),
        trigrams,
        limit + 1,
    )
    .await?;
    let key = |r: &HistoryRow| Key {
        created_at: r.created_at,
        id: r.id.clone(),
    };
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        let next = rows.last().map(key);
        return Ok(Fetched {
            rows,
            next,
            searched_to: None,
        });
    }
    // Fewer than asked: the end of the history, or of the rows this read was allowed to search.
    let searched_to = bound.as_ref().map(|b| b.created_at);
    Ok(Fetched {
        rows,
        next: bound,
        searched_to,
    })
}

/// The oldest of the next [`UNINDEXED_SEARCH_ROWS`] rows of the wallet (within the date range,
/// after `after`), or `None` when fewer rows than that are left. Reads only the history index.
async fn oldest_to_search(
    db: &Db,
    account_id: &str,
    filter: &Filter,
    after: Option<&Key>,
) -> Result<Option<Key>, sqlx::Error> {
    let mut sql = Sql::default();
    let me = sql.arg(Arg::Text(account_id.to_owned()));
    let mut text =
        format!("SELECT created_at, id FROM wallet_transactions WHERE account_id = {me}");
    if let Some(from) = filter.from {
        let p = sql.arg(Arg::Int(from));
        text.push_str(&format!(" AND created_at >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = sql.arg(Arg::Int(to));
        text.push_str(&format!(" AND created_at <= {p}"));
    }
    if let Some(key) = after {
        let at = sql.arg(Arg::Int(key.created_at));
        let id = sql.arg(Arg::Text(key.id.clone()));
        text.push_str(&format!(" AND (created_at, id) < ({at}, {id})"));
    }
    // A bounded skip along one index range, not paging: it never reads past the bound.
    let skip = sql.arg(Arg::Int(UNINDEXED_SEARCH_ROWS - 1));
    text.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET {skip}"
    ));
    sql.text = text;
    let row = sql.query().fetch_optional(&db.pool).await?;
    row.map(|r| {
        Ok(Key {
            created_at: r.try_get("created_at")?,
            id: r.try_get("id")?,
        })
    })
    .transpose()
}

/// The rows matching `filter` after `after` and no older than `bound`, newest first.
async fn query_rows(
    db: &Db,
    account_id: &str,
    filter: &Filter,
    after: Option<&Key>,
    bound: Option<&Key>,
    trigrams: Option<String>,
    limit: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    let mut sql = Sql::default();
    // SQLite reads the trigram index when the searched words are rare in the whole store, and then
    // only it: `+account_id` keeps the wallet's indexes out of the running (see `search`).
    let me = sql.arg(Arg::Text(account_id.to_owned()));
    let account = if trigrams.is_some() {
        "+account_id"
    } else {
        "account_id"
    };
    let mut text = format!("SELECT {ROW_COLUMNS} FROM wallet_transactions WHERE {account} = {me}");
    let index = choose_index(filter);
    // SQLite has no statistics unless ANALYZE has run, and then guesses between the equally
    // shaped filter indexes; a unary `+` takes a column out of the running, so the index that
    // reads the fewest rows is the one used. PostgreSQL keeps statistics and plans well alone.
    let unindexed = |column: &str, used: bool| {
        if db.backend == Backend::Sqlite && !used {
            format!("+{column}")
        } else {
            column.to_owned()
        }
    };
    if let Some(kind) = filter.kind {
        let p = sql.arg(Arg::Text(crate::db::codec::enum_str(&kind)));
        let column = unindexed("kind", index == FilterIndex::Kind);
        text.push_str(&format!(" AND {column} = {p}"));
    }
    if let Some(status) = filter.status {
        let p = sql.arg(Arg::Text(crate::db::codec::enum_str(&status)));
        let column = unindexed("status", index == FilterIndex::Status);
        text.push_str(&format!(" AND {column} = {p}"));
    }
    if let Some(from) = filter.from {
        let p = sql.arg(Arg::Int(from));
        text.push_str(&format!(" AND created_at >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = sql.arg(Arg::Int(to));
        text.push_str(&format!(" AND created_at <= {p}"));
    }
    if let Some(min) = filter.min_minor {
        let p = sql.arg(Arg::Int(min));
        text.push_str(&format!(" AND abs(amount_minor) >= {p}"));
    }
    if let Some(max) = filter.max_minor {
        let p = sql.arg(Arg::Int(max));
        text.push_str(&format!(" AND abs(amount_minor) <= {p}"));
    }
    if let Some(merchant) = &filter.merchant {
        let p = sql.arg(Arg::Text(merchant.clone()));
        text.push_str(&format!(" AND merchant_name = {p}"));
    }
    for word in &filter.words {
        let p = sql.arg(Arg::Text(search::like_pattern(word)));
        // PostgreSQL may read the trigram index only for a word it finds trigrams in: the
        // expression `search_text || ''` is the same text, but no index is built on it.
        let column = if db.backend == Backend::Postgres && !search::postgres_indexable(word) {
            "(search_text || '')"
        } else {
            "search_text"
        };
        text.push_str(&format!(" AND {column} LIKE {p} ESCAPE '\\'"));
    }
    if let Some(fts) = trigrams {
        let p = sql.arg(Arg::Text(fts));
        text.push_str(&format!(
            " AND rowid IN (SELECT rowid FROM wallet_search WHERE wallet_search MATCH {p})"
        ));
    }
    if let Some(key) = after {
        let at = sql.arg(Arg::Int(key.created_at));
        let id = sql.arg(Arg::Text(key.id.clone()));
        // A row-value comparison, which both SQLite and PostgreSQL read as one index range
        // starting right after the cursor (an OR of the two cases makes PostgreSQL filter every
        // row from the newest down instead).
        text.push_str(&format!(" AND (created_at, id) < ({at}, {id})"));
    }
    if let Some(key) = bound {
        let at = sql.arg(Arg::Int(key.created_at));
        let id = sql.arg(Arg::Text(key.id.clone()));
        text.push_str(&format!(" AND (created_at, id) >= ({at}, {id})"));
    }
    let limit = sql.arg(Arg::Int(limit));
    text.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
    sql.text = text;
    let rows = sql.query().fetch_all(&db.pool).await?;
    rows.iter().map(HistoryRow::from_row).collect()
}

/// The open dispute of each of these transactions of the customer, or else its latest one.
pub async fn dispute_summaries(
    db: &Db,
    account_id: &str,
    transaction_ids: &[&str],
) -> Result<HashMap<String, DisputeSummary>, sqlx::Error> {
    let mut found: HashMap<String, (DisputeSummary, i64)> = HashMap::new();
    // Bounded IN lists: a page has at most 101 ids, an export chunk 1,000.
    for ids in transaction_ids.chunks(500) {
        if ids.is_empty() {
            continue;
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let text = format!(
            "SELECT transaction_id, id, status, created_micros FROM disputes
             WHERE account_id = $1 AND transaction_id IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&text).bind(account_id);
        for id in ids {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&db.pool).await? {
            let transaction_id: String = row.try_get("transaction_id")?;
            let status: DisputeStatus = parse_enum(&row.try_get::<String, _>("status")?)?;
            let created: i64 = row.try_get("created_micros")?;
            let summary = DisputeSummary {
                id: row.try_get("id")?,
                status,
            };
            let better = match found.get(&transaction_id) {
                None => true,
                Some((current, current_created)) => {
                    let rank = |s: &DisputeSummary, at: i64| (s.status.is_open(), at);
                    rank(&summary, created) > rank(current, *current_created)
                }
            };
            if better {
                found.insert(transaction_id, (summary, created));
            }
        }
    }
    Ok(found.into_iter().map(|(k, (s, _))| (k, s)).collect())
}

/// Rows with their dispute summaries.
pub async fn with_disputes(
    db: &Db,
    account_id: &str,
    rows: Vec<HistoryRow>,
) -> Result<Vec<Transaction>, sqlx::Error> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut disputes = dispute_summaries(db, account_id, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let d = disputes.remove(&r.id);
            r.into_transaction(d)
        })
        .collect())
}

/// One of the customer's transactions, or `None` for another customer's or an unknown id alike.
pub async fn find(db: &Db, account_id: &str, id: &str) -> Result<Option<HistoryRow>, sqlx::Error> {
    let text =
        format!("SELECT {ROW_COLUMNS} FROM wallet_transactions WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&text)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(HistoryRow::from_row).transpose()
}

/// Every row of the customer's wallet from `from` on, newest first, read on `conn` (inside a
/// caller's transaction, so what it reads is what that transaction seals).
pub async fn since(
    conn: &mut AnyConnection,
    account_id: &str,
    from: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    let text = format!(
        "SELECT {ROW_COLUMNS} FROM wallet_transactions
         WHERE account_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC"
    );
    let rows = sqlx::query(&text)
        .bind(account_id)
        .bind(from)
        .fetch_all(conn)
        .await?;
    rows.iter().map(HistoryRow::from_row).collect()
}

/// One of the customer's transactions, with its dispute summary.
#[utoipa::path(get, path = "/api/transactions/{id}", operation_id = "get_transaction", tag = "wallet",
    params(("id" = String, Path, description = "A transaction id from list_transactions")),
    responses(
        (status = 200, description = "The transaction", body = Transaction),
        (status = 400, description = "Any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such transaction of this customer: another customer's id answers exactly like an unknown one", body = ErrorBody),
    ))]
pub async fn get_transaction(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<Transaction>> {
    let account_id = &me.account.id;
    if !crate::db::codec::plausible_id(&id) {
        return Err(ApiError::not_found("transaction"));
    }
    let row = find(&state.db, account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("transaction"))?;
    let mut found = with_disputes(&state.db, account_id, vec![row]).await?;
    Ok(axum::Json(found.remove(0)))
}

/// The customer's history, newest first, a page at a time. Filters combine (all must match);
/// every bound is inclusive. `next_cursor`, given back as `cursor` with the same filters, reads
/// the next page; it is absent on the last page.
#[utoipa::path(get, path = "/api/transactions", operation_id = "list_transactions", tag = "wallet",
    params(TransactionQuery),
    responses(
        (status = 200, description = "One page of the customer's history, newest first", body = TransactionPage),
        (status = 400, description = "An unknown parameter, a value of the wrong type, a bound that cannot be right (negative, from after to, min over max), a limit outside 1 to 100, or a cursor this server did not make for this customer (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_transactions(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<TransactionQuery>,
) -> ApiResult<axum::Json<TransactionPage>> {
    page(&state, &me.account.id, &q).await.map(axum::Json)
}

/// One page of `account_id`'s history for the query `q` (the customer's own page, and the
/// support console's live history of a case's customer).
pub async fn page(
    state: &AppState,
    account_id: &str,
    q: &TransactionQuery,
) -> ApiResult<TransactionPage> {
    let filter = Filter::parse(q)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=HISTORY_PAGE_MAX).contains(&limit) {
        return Err(filter_invalid(
            Some("limit"),
            format!("limit must be 1 to {HISTORY_PAGE_MAX}."),
        ));
    }
    let after = cursor::from_param(&state.secret_key[..], account_id, q.cursor.as_deref())?;
    let page = fetch(
        &state.db,
        account_id,
        &filter,
        after.as_ref(),
        i64::from(limit),
    )
    .await?;
    let next_cursor = page
        .next
        .map(|key| cursor::encode(&state.secret_key[..], account_id, &key));
    let rows = page.rows;
    let items = with_disputes(&state.db, account_id, rows).await?;
    Ok(TransactionPage {
        items,
        next_cursor,
        searched_to: page.searched_to,
    })
}

/// Every row of the customer's history that matches the filters (those of `list_transactions`;
/// `cursor` and `limit` are refused), newest first, as CSV (RFC 4180, UTF-8 with a byte-order
/// mark, CRLF line ends). Streamed: read 1,000 rows at a time, so any size of history exports
/// without being held in memory.
#[utoipa::path(get, path = "/api/transactions/export.csv", operation_id = "export_transactions_csv", tag = "wallet",
    params(TransactionQuery),
    responses(
        (status = 200, description = "Columns: id, date (ISO 8601, UTC), kind, status, amount (a plain decimal with the currency's digits, negative for payments), currency, merchant, memo, dispute (status of the open or last dispute). Text cells starting with = + - @ tab or CR are prefixed with an apostrophe so that spreadsheets never run them as formulas.", content_type = "text/csv", body = String),
        (status = 400, description = "As for `list_transactions`, and `cursor` or `limit` given (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn export_transactions_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<TransactionQuery>,
) -> ApiResult<Response> {
    if q.cursor.is_some() {
        return Err(filter_invalid(
            Some("cursor"),
            "The export has every matching row: it takes no cursor.",
        ));
    }
    if q.limit.is_some() {
        return Err(filter_invalid(
            Some("limit"),
            "The export has every matching row: it takes no limit.",
        ));
    }
    let filter = Filter::parse(&q)?;
    let db = state.db.clone();
    let account_id = me.account.id.clone();
    let filename = format!(
        "transactions-{}.csv",
        &crate::clock::iso8601_utc(crate::clock::now())[..10]
    );

    enum Next {
        Header,
        After(Option<Key>),
        Done,
    }
    let body = futures_util::stream::unfold(Next::Header, move |next| {
        let db = db.clone();
        let account_id = account_id.clone();
        let filter = filter.clone();
        async move {
            match next {
                Next::Done => None,
                Next::Header => Some((Ok(Bytes::from(csv::header())), Next::After(None))),
                Next::After(after) => {
                    let chunk = async {
                        let read =
                            fetch(&db, &account_id, &filter, after.as_ref(), EXPORT_CHUNK).await?;
                        let items = with_disputes(&db, &account_id, read.rows).await?;
                        Ok::<_, sqlx::Error>((csv::rows(&items), read.next))
                    };
                    match chunk.await {
                        // A search's bounded read may find nothing yet have more to search.
                        Ok((text, Some(next))) => {
                            Some((Ok(Bytes::from(text)), Next::After(Some(next))))
                        }
                        Ok((text, None)) => Some((Ok(Bytes::from(text)), Next::Done)),
                        Err(e) => {
                            // The status line is long gone: the client sees a cut-off body.
                            tracing::error!(error = %e, "history export failed part-way");
                            Some((Err(e), Next::Done))
                        }
                    }
                }
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
