//! Headers every response carries, and the cross-site request check.

use super::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use portal_api::error::ErrorCode;

/// The Content-Security-Policy: scripts only from this origin, WebAssembly allowed to compile,
/// and Trunk's inline loader allowed by the hash of its exact text — no `'unsafe-inline'`,
/// no `'unsafe-eval'`.
pub fn content_security_policy(inline_script_hashes: &[String]) -> String {
    let hashes: String = inline_script_hashes
        .iter()
        .map(|h| format!(" 'sha256-{h}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    // A handler may set a stricter policy of its own (a stored screenshot: `sandbox`).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&state.csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    if state.config.public_url.https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    if is_api {
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Refuses a state-changing request that a browser says came from another site.
///
/// The session cookie is `SameSite=Strict` already; this is the second lock. A browser always
/// sends `Origin` on a cross-origin POST and `Sec-Fetch-Site` on every request; a request with
/// neither is not from a browser and so cannot ride on a victim's cookie.
///
/// The merchant API (`/api/merchant/...`) is exempt: it is called by stores' systems, not from
/// our page, and is authenticated by an API key in `Authorization`, which no other site can make a
/// browser send; a cookie there counts for nothing.
pub async fn same_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !is_merchant_api(req.uri().path())
        && !is_same_origin(req.headers(), &state.origins)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CrossSiteRequest,
            "This request came from another site and was refused.",
        ));
    }
    Ok(next.run(req).await)
}

/// Answers 503 when an API request takes longer than configured, so a client that sends its
/// body a byte at a time, or a stuck dependency, cannot hold a request open for ever.
pub async fn deadline(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // A screenshot may take minutes to arrive from a phone on a slow link; everything else is
    // small and answered at once.
    let limit = if req.method() == axum::http::Method::POST && req.uri().path() == "/api/evidence" {
        state.config.upload_timeout
    } else {
        state.config.request_timeout
    };
    tokio::time::timeout(limit, next.run(req))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "The request took too long and was stopped.",
            )
        })
}

fn is_merchant_api(path: &str) -> bool {
    path.starts_with("/api/merchant/")
}

fn is_same_origin(headers: &HeaderMap, origins: &[String]) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin
            .to_str()
            .is_ok_and(|o| origins.iter().any(|ours| ours == o));
    }
    match headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or(""))
    {
        None => true,
        Some(site) => site == "same-origin" || site == "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_must_be_ours_when_present() {
        let ours = vec!["http://127.0.0.1:8080".to_owned()];
        assert!(is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:8080")]),
            &ours
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            &ours
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), &ours));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &ours
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            &ours
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &ours
        ));
        assert!(is_same_origin(&headers(&[]), &ours));
    }

    #[test]
    fn only_the_merchant_api_is_exempt() {
        assert!(is_merchant_api("/api/merchant/redemptions"));
        for path in [
            "/api/merchant",
            "/api/merchants/x",
            "/api/top-ups",
            "/merchant/x",
            "/api/me/merchant/x",
        ] {
            assert!(!is_merchant_api(path), "{path}");
        }
    }

    #[test]
    fn csp_never_allows_inline_or_eval() {
        let csp = content_security_policy(&["abc=".to_owned()]);
        assert!(csp.contains("'sha256-abc='"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("'unsafe-inline'"));
        assert!(!csp.contains("'unsafe-eval'"));
    }
}
