//! The OpenAPI 3.1 document's frame; operations and schemas come from the handlers' annotations,
//! and the answers every operation of a kind shares are added by [`finish`].

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    modifiers(&MerchantKey),
    info(title = "Mamoru Wallet portal API", description = "The JSON API behind the customer and support portal. Every error is `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    // The queue's sort and status filter are named only by its query parameters, which utoipa
    // does not collect schemas from; the device-verification answer only by sign_in's prose
    // (one status, one body schema).
    components(schemas(
        portal_api::error::ErrorCode, portal_api::error::ErrorDetail, portal_api::error::ErrorBody,
        portal_api::agent::CaseSort, portal_api::agent::CaseStatusFilter,
        portal_api::dto::DeviceVerificationRequired,
    )),
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

/// Completes the document once every route is in: each operation gets the answers that the
/// layers and extractors around its handler give (see `app` in lib.rs), so that no handler has
/// to repeat them.
pub fn finish(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, changes_state) in operations {
            let Some(operation) = operation else { continue };
            let takes_json = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.contains_key("application/json"));
            if takes_json {
                // crate::http::json::Json
                add(
                    operation,
                    400,
                    "invalid_json",
                    "the body is not JSON of this request's shape",
                );
                let too_large = format!(
                    "the body is larger than {} bytes",
                    portal_api::rules::MAX_JSON_BODY_BYTES
                );
                add(operation, 413, "payload_too_large", &too_large);
                add(
                    operation,
                    415,
                    "unsupported_media_type",
                    "the body is not sent as `Content-Type: application/json`",
                );
            }
            // crate::http::security::same_origin, which the merchant API is exempt from.
            if changes_state && !path.starts_with("/api/merchant/") {
                add(
                    operation,
                    403,
                    "cross_site_request",
                    "a browser says the request came from another site",
                );
            }
            // crate::http::security::deadline
            add(
                operation,
                503,
                "service_unavailable",
                "the request took too long and was stopped",
            );
        }
    }
    // The export takes the list's filters but refuses its page: it has every matching row.
    if let Some(export) = doc
        .paths
        .paths
        .get_mut("/api/transactions/export.csv")
        .and_then(|item| item.get.as_mut())
    {
        if let Some(parameters) = export.parameters.as_mut() {
            parameters.retain(|p| p.name != "cursor" && p.name != "limit");
        }
    }
}

/// Documents `status` with the error `code` on `operation`: as a new answer, or added to the
/// handler's own description of that status when it does not name the code yet. `meaning`
/// starts in lower case.
fn add(operation: &mut Operation, status: u16, code: &str, meaning: &str) {
    let text = format!("{meaning} (`{code}`)");
    match operation.responses.responses.get_mut(&status.to_string()) {
        Some(RefOr::T(response)) => {
            if !response.description.contains(code) && !mentions_same(&response.description, code) {
                response.description = format!("{}; or {text}", response.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let mut chars = text.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            let response = ResponseBuilder::new()
                .description(format!("{}{}", first.unwrap_or_default(), chars.as_str()))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build();
            operation
                .responses
                .responses
                .insert(status.to_string(), RefOr::T(response));
        }
    }
}

/// Whether a handler's description already says what `code` means in its own words (handlers
/// wrote "malformed JSON" and "too large" before these answers were shared).
fn mentions_same(description: &str, code: &str) -> bool {
    match code {
        "invalid_json" => description.contains("JSON"),
        "payload_too_large" => description.contains("too large"),
        "unsupported_media_type" => description.contains("not JSON"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        let (_, mut doc) = crate::api_routes().split_for_parts();
        super::finish(&mut doc);
        serde_json::to_value(&doc).unwrap()
    }

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(target)) => out.push(target),
                        _ => refs(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_names_a_schema_of_the_document() {
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("not a schema reference: {target}"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{target} is not defined"
            );
        }
    }

    #[test]
    fn every_json_operation_documents_the_extractors_answers() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if operation["requestBody"]["content"]
                    .get("application/json")
                    .is_none()
                {
                    continue;
                }
                for status in ["400", "413", "415", "503"] {
                    assert!(
                        operation["responses"].get(status).is_some(),
                        "{method} {path} does not document {status}"
                    );
                }
            }
        }
    }
}
