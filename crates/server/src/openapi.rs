//! The OpenAPI 3.1 document's frame; operations and schemas come from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Mamoru Wallet portal API", description = "The JSON API behind the customer and support portal. Every error is `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    components(schemas(portal_api::error::ErrorCode, portal_api::error::ErrorDetail, portal_api::error::ErrorBody)),
    tags(
        (name = "identity", description = "Sign-up, email verification, sign-in and sessions"),
        (name = "wallet", description = "Balance, cards, top-ups and payment codes"),
        (name = "merchant", description = "The merchant API: redeem a customer's payment code (API key, not a browser)"),
        (name = "processor", description = "Callbacks from the card processor (HMAC-signed)"),
        (name = "breach", description = "Pwned Passwords range API (k-anonymity)"),
        (name = "operations", description = "Health"),
    )
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
