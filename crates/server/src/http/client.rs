//! Who is calling: source address and user agent, as the session list and throttles see them.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone)]
pub struct Client {
    /// The TCP peer. Behind a reverse proxy this is the proxy; trusting a forwarded header
    /// needs a configured list of proxies, which this deployment does not have yet.
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        Ok(Self { ip, user_agent })
    }
}
