//! The OpenAPI 3.1 document's frame; operations and schemas come from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Mamoru Wallet portal API", description = "The JSON API behind the customer and support portal. Every error is `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    components(schemas(portal_api::error::ErrorCode, portal_api::error::ErrorDetail, portal_api::error::ErrorBody)),
    tags(
        (name = "identity", description = "Sign-up, email verification, sign-in and sessions"),
        (name = "wallet", description = "The customer's history, spending per month, export and disputes"),
        (name = "breach", description = "Pwned Passwords range API (k-anonymity)"),
        (name = "operations", description = "Health"),
    )
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
