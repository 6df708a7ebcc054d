//! The OpenAPI 3.1 document's frame; operations and schemas come from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    modifiers(&MerchantKey),
    info(title = "Mamoru Wallet portal API", description = "The JSON API behind the customer and support portal. Every error is `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    components(schemas(portal_api::error::ErrorCode, portal_api::error::ErrorDetail, portal_api::error::ErrorBody)),
    tags(
        (name = "identity", description = "Sign-up, email verification, sign-in and sessions"),
        (name = "wallet", description = "Balance, cards, top-ups, payment codes, history, spending per month, export and disputes"),
        (name = "evidence", description = "Screenshots, fraud reports that freeze the wallet and seal its history, and their evidence bundles"),
        (name = "support", description = "The support console: the queue of disputes and fraud reports, a case, agents' actions, counts per hour, and the audit log (agents and admins with two-step verification only)"),
        (name = "merchant", description = "The merchant API: redeem a customer's payment code (API key, not a browser)"),
        (name = "processor", description = "Callbacks from the card processor (HMAC-signed)"),
        (name = "breach", description = "Pwned Passwords range API (k-anonymity)"),
        (name = "operations", description = "Health"),
    )
)]
struct ApiDoc;

/// The merchant API's bearer key, named by `merchant_redeem`'s `security`.
struct MerchantKey;

impl Modify for MerchantKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "merchant_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The merchant's API key, from `portal-server merchant create`",
                    ))
                    .build(),
            ),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
