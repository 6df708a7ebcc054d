//! Registered cards: checked here, tokenized by the processor, stored as token, brand, last four
//! digits and expiry. Adding or removing a card needs a fresh step-up
//! (docs/threat-model.md#t9, #t10); adding one needs a verified email address too (T7).

use super::processor::CardDetails;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::session::SignedIn;
use crate::identity::throttle::{self, Window};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::wallet::{AddCardRequest, Card};

/// Well-formed cards one customer may add per throttle window: plenty for a person, too few to
/// test a list of stolen numbers against the network.
const ADDS_PER_WINDOW: u32 = 10;
/// Cards further in the future than this are not real.
const MAX_YEARS_AHEAD: i64 = 20;

fn card_invalid(field: &'static str, message: &str) -> ApiError {
    ApiError {
        field: Some(field),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CardInvalid,
            message,
        )
    }
}

pub fn not_found(field: Option<&'static str>) -> ApiError {
    ApiError {
        field,
        ..ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "No such card.")
    }
}

/// The last four digits of a number (all of a shorter one).
pub fn last4(number: &str) -> &str {
    &number[number.len().saturating_sub(4)..]
}

/// The card network, from the number's issuer identification prefix.
pub fn brand(number: &str) -> &'static str {
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    match (prefix(1), prefix(2), prefix(4)) {
        (Some(4), _, _) => "visa",
        (_, Some(34 | 37), _) => "amex",
        (_, Some(51..=55), _) | (_, _, Some(2221..=2720)) => "mastercard",
        (_, _, Some(3528..=3589)) => "jcb",
        _ => "unknown",
    }
}

/// How the brand is written for people (mails, history memos).
pub fn brand_label(brand: &str) -> &'static str {
    match brand {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" => "American Express",
        "jcb" => "JCB",
        _ => "Card",
    }
}

/// The Luhn check digit holds.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Checks a card as typed. `now` decides what has expired: a card is good through the last day
/// of its expiry month (UTC).
pub fn parse_card(req: &AddCardRequest, now: i64) -> ApiResult<CardDetails> {
    // Bounded before any work: nothing real is longer.
    if req.number.len() > 64 {
        return Err(card_invalid("number", "That is not a card number."));
    }
    let number: String = req
        .number
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(card_invalid("number", "A card number has 12 to 19 digits."));
    }
    if !luhn_valid(&number) {
        return Err(card_invalid(
            "number",
            "That card number has a typo (its check digit does not match).",
        ));
    }
    if !(1..=12).contains(&req.exp_month) {
        return Err(card_invalid("exp_month", "The expiry month is 1 to 12."));
    }
    let (year, month, _) = crate::clock::civil_from_days(now.div_euclid(86_400));
    let exp_year = i64::from(req.exp_year);
    if !(1000..=9999).contains(&exp_year) || exp_year > year + MAX_YEARS_AHEAD {
        return Err(card_invalid(
            "exp_year",
            "The expiry year has four digits, e.g. 2030.",
        ));
    }
    if (exp_year, u32::from(req.exp_month)) < (year, month) {
        let field = if exp_year == year {
            "exp_month"
        } else {
            "exp_year"
        };
        return Err(card_invalid(field, "This card has expired."));
    }
    let cvc_len = if brand(&number) == "amex" { 4 } else { 3 };
    if req.cvc.len() != cvc_len || !req.cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(card_invalid(
            "cvc",
            if cvc_len == 4 {
                "The security code of this card has 4 digits."
            } else {
                "The security code has 3 digits."
            },
        ));
    }
    Ok(CardDetails {
        number,
        exp_month: req.exp_month,
        exp_year: req.exp_year,
        cvc: req.cvc.clone(),
    })
}

/// A registered card as the portal keeps it.
#[derive(Debug, Clone)]
pub struct StoredCard {
    pub card: Card,
    pub processor_token: String,
}

type CardRow = (String, String, String, String, i64, i64, i64);

fn from_row((id, token, brand, last4, exp_month, exp_year, created_at): CardRow) -> StoredCard {
    StoredCard {
        card: Card {
            id,
            brand,
            last4,
            exp_month: u8::try_from(exp_month).unwrap_or(0),
            exp_year: u16::try_from(exp_year).unwrap_or(0),
            created_at,
        },
        processor_token: token,
    }
}

const CARD_COLUMNS: &str = "id, processor_token, brand, last4, exp_month, exp_year, created_at";

/// The customer's card `id`, unless it is another customer's, removed or unknown.
pub async fn find(state: &AppState, account_id: &str, id: &str) -> ApiResult<Option<StoredCard>> {
    if !crate::db::codec::could_be_id(id) {
        return Ok(None);
    }
    let row: Option<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE id = $1 AND account_id = $2 AND removed_at IS NULL"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(row.map(from_row))
}

/// Registers a card that [`parse_card`] accepted: the processor tokenizes it, the portal keeps the
/// token. Used by `add_card` and by the demo data.
pub async fn register(
    state: &AppState,
    account_id: &str,
    details: &CardDetails,
) -> ApiResult<Card> {
    let token = state
        .processor
        .tokenize(details)
        .await
        .map_err(|_| ApiError {
            field: Some("number"),
            ..ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                ErrorCode::CardDeclined,
                "The card network refused this card.",
            )
        })?;
    let card = Card {
        id: crate::token::id(),
        brand: brand(&details.number).to_owned(),
        last4: last4(&details.number).to_owned(),
        exp_month: details.exp_month,
        exp_year: details.exp_year,
        created_at: crate::clock::now(),
    };
    sqlx::query(
        "INSERT INTO cards (id, account_id, processor_token, brand, last4, exp_month, exp_year, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&card.id)
    .bind(account_id)
    .bind(&token)
    .bind(&card.brand)
    .bind(&card.last4)
    .bind(i64::from(card.exp_month))
    .bind(i64::from(card.exp_year))
    .bind(card.created_at)
    .execute(&state.db.pool)
    .await?;
    Ok(card)
}

/// The signed-in customer's registered cards, newest first.
#[utoipa::path(get, path = "/api/cards", operation_id = "list_cards", tag = "wallet",
    responses(
        (status = 200, description = "The customer's cards (never the number: brand, last four digits, expiry)", body = Vec<Card>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_cards(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<axum::Json<Vec<Card>>> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE account_id = $1 AND removed_at IS NULL
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(&me.account.id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(axum::Json(
        rows.into_iter().map(|r| from_row(r).card).collect(),
    ))
}

/// Register a card for top-ups. The number and security code go to the card processor and are
/// never stored. Needs a fresh step-up and a verified email address.
#[utoipa::path(post, path = "/api/cards", operation_id = "add_card", tag = "wallet",
    request_body = AddCardRequest,
    responses(
        (status = 201, description = "Registered", body = Card),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 402, description = "The card network refused the card (`card_declined`)", body = ErrorBody),
        (status = 403, description = "Verify the email address first (`email_not_verified`), turn on two-step verification first (`money_two_step_required`), or step up with a TOTP or recovery code first (`step_up_required`; a password step-up is not enough)", body = ErrorBody),
        (status = 422, description = "The number, expiry or security code cannot be right (`card_invalid`; `field` says which)", body = ErrorBody),
        (status = 429, description = "Too many cards tried; see Retry-After", body = ErrorBody),
    ))]
pub async fn add_card(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<AddCardRequest>,
) -> ApiResult<(StatusCode, axum::Json<Card>)> {
    me.require_verified_email()?;
    me.require_money_step_up(&state)?;
    let now = crate::clock::now();
    let details = parse_card(&req, now)?;
    // Counted once the card could be real, i.e. whenever it would reach the network.
    throttle::take(
        &state.db,
        &Window::of(&state),
        &format!("add-card:{}", me.account.id),
        ADDS_PER_WINDOW,
        now,
    )
    .await?;
    let card = register(&state, &me.account.id, &details).await?;
    Ok((StatusCode::CREATED, axum::Json(card)))
}

/// Remove a registered card: it can no longer top up. Needs a fresh step-up.
#[utoipa::path(delete, path = "/api/cards/{id}", operation_id = "remove_card", tag = "wallet",
    params(("id" = String, Path, description = "The card's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`)", body = ErrorBody),
        (status = 404, description = "No such card among the customer's (`not_found`)", body = ErrorBody),
    ))]
pub async fn remove_card(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    me.require_step_up(&state)?;
    if !crate::db::codec::could_be_id(&id) {
        return Err(not_found(None));
    }
    let removed = sqlx::query(
        "UPDATE cards SET removed_at = $1 WHERE id = $2 AND account_id = $3 AND removed_at IS NULL",
    )
    .bind(crate::clock::now())
    .bind(&id)
    .bind(&me.account.id)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if removed != 1 {
        return Err(not_found(None));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-06-15.
    const NOW: i64 = 1_781_481_600;

    fn req(number: &str, m: u8, y: u16, cvc: &str) -> AddCardRequest {
        AddCardRequest {
            number: number.into(),
            exp_month: m,
            exp_year: y,
            cvc: cvc.into(),
        }
    }

    fn field_of(r: ApiResult<CardDetails>) -> &'static str {
        let e = r.unwrap_err();
        assert_eq!(e.code, ErrorCode::CardInvalid);
        e.field.unwrap()
    }

    #[test]
    fn the_test_cards_are_valid_and_branded() {
        for (number, b) in [
            ("4242 4242 4242 4242", "visa"),
            ("5555-5555-5555-4444", "mastercard"),
            ("2223003122003222", "mastercard"),
            ("3530111333300000", "jcb"),
            ("4000000000000002", "visa"),
            ("4000000000000101", "visa"),
            ("4000000000000200", "visa"),
            ("6011111111111117", "unknown"),
        ] {
            let d = parse_card(&req(number, 12, 2030, "123"), NOW).unwrap();
            assert_eq!(brand(&d.number), b, "{number}");
            assert_eq!(d.number.len(), 16);
        }
        let amex = parse_card(&req("3782 822463 10005", 1, 2031, "1234"), NOW).unwrap();
        assert_eq!((brand(&amex.number), last4(&amex.number)), ("amex", "0005"));
    }

    #[test]
    fn typos_and_junk_name_their_field() {
        assert_eq!(
            field_of(parse_card(&req("4242424242424241", 12, 2030, "123"), NOW)),
            "number"
        );
        assert_eq!(
            field_of(parse_card(&req("4242", 12, 2030, "123"), NOW)),
            "number"
        );
        assert_eq!(
            field_of(parse_card(
                &req("４２４２４２４２４２４２４２４２", 12, 2030, "123"),
                NOW
            )),
            "number"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242🙂", 12, 2030, "123"), NOW)),
            "number"
        );
        assert_eq!(
            field_of(parse_card(&req(&"4".repeat(10_000), 12, 2030, "123"), NOW)),
            "number"
        );
        assert_eq!(
            field_of(parse_card(&req("", 12, 2030, "123"), NOW)),
            "number"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 0, 2030, "123"), NOW)),
            "exp_month"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 13, 2030, "123"), NOW)),
            "exp_month"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 30, "123"), NOW)),
            "exp_year"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 2099, "123"), NOW)),
            "exp_year"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 2025, "123"), NOW)),
            "exp_year"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 5, 2026, "123"), NOW)),
            "exp_month"
        );
        assert!(parse_card(&req("4242424242424242", 6, 2026, "123"), NOW).is_ok());
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 2030, "12"), NOW)),
            "cvc"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 2030, "1234"), NOW)),
            "cvc"
        );
        assert_eq!(
            field_of(parse_card(&req("4242424242424242", 12, 2030, "12a"), NOW)),
            "cvc"
        );
        assert_eq!(
            field_of(parse_card(&req("378282246310005", 12, 2030, "123"), NOW)),
            "cvc"
        );
    }

    #[test]
    fn card_details_never_print_the_number() {
        let d = parse_card(&req("4242424242424242", 12, 2030, "987"), NOW).unwrap();
        let shown = format!("{d:?}");
        assert!(
            !shown.contains("42424242") && !shown.contains("987"),
            "{shown}"
        );
    }
}
