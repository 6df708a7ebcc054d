//! Who is calling: source address and user agent, as the session list and throttles see them.
//!
//! Behind a reverse proxy the TCP peer is the proxy, so the client's address is read from the
//! `X-Forwarded-For` or `Forwarded` (RFC 7239) header, but only through hops listed in
//! `PORTAL_TRUSTED_PROXIES`: each trusted hop appends the address it was called from, so the
//! header is walked from the right, past trusted hops, to the first address no trusted hop
//! vouches for. Everything left of that was written by the client and is ignored.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts, HeaderMap};
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

#[derive(Debug, Clone)]
pub struct Client {
    /// The client's address: the TCP peer, or what trusted proxies say it is.
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl Client {
    /// What the per-address throttles count: the IPv4 address, or the /64 an IPv6 address is
    /// in, since one home or mobile line is given a whole /64 and could use a new address for
    /// every attempt.
    pub fn network(&self) -> String {
        match self.ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let prefix = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
                format!("{prefix}/64")
            }
        }
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let ip = client_address(peer, &parts.headers, &state.config.trusted_proxies);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        Ok(Self { ip, user_agent })
    }
}

/// The client's address for a request that came from `peer`.
///
/// A proxy passes on the header it does not write untouched, so a client can send a forged
/// `Forwarded` through a proxy that only appends to `X-Forwarded-For`, or the other way round.
/// Which one the proxies write is not configured; when a request carries both and they name
/// different clients, neither is believed and the request counts as the proxy's own.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(trusted, peer) {
        return peer;
    }
    let forwarded = hops(headers, header::FORWARDED, forwarded_for);
    let x_forwarded_for = hops(headers, "x-forwarded-for", parse_node);
    let walk = |hops: Option<Vec<Option<IpAddr>>>| hops.map(|h| first_untrusted(peer, &h, trusted));
    match (walk(forwarded), walk(x_forwarded_for)) {
        (Some(a), Some(b)) if a != b => peer,
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => peer,
    }
}

fn is_trusted(trusted: &[IpNet], ip: IpAddr) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// Every hop in every `name` header, nearest last; `None` for one that is not an address
/// (`unknown`, an obfuscated name, junk). `None` overall when there is no such header.
///
/// Split on every comma, even inside quotes: a client's unbalanced quote must not swallow the
/// hops a trusted proxy appends after it.
fn hops(
    headers: &HeaderMap,
    name: impl header::AsHeaderName,
    parse: impl Fn(&str) -> Option<IpAddr>,
) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            hops.push(None);
            continue;
        };
        hops.extend(value.split(',').map(|hop| parse(hop.trim())));
    }
    (!hops.is_empty()).then_some(hops)
}

/// From the nearest hop outwards, the first address that is not a trusted proxy. A hop that is
/// not an address stops the walk at the trusted proxy that wrote it; when every hop is trusted,
/// the farthest is the client.
fn first_untrusted(peer: IpAddr, hops: &[Option<IpAddr>], trusted: &[IpNet]) -> IpAddr {
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop else {
            return client;
        };
        client = *ip;
        if !is_trusted(trusted, client) {
            return client;
        }
    }
    client
}

/// The `for=` of one RFC 7239 forwarded-element, e.g. `for=192.0.2.60;proto=https` or
/// `for="[2001:db8::1]:4711"`.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        parse_node(value)
    })
}

/// `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let ip = node
        .parse::<IpAddr>()
        .or_else(|_| node.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| {
            node.strip_prefix('[')
                .and_then(|n| n.strip_suffix(']'))
                .unwrap_or(node)
                .parse::<IpAddr>()
        })
        .ok()?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    fn address(peer: &str, pairs: &[(&'static str, &str)], trusted: &[&str]) -> IpAddr {
        client_address(ip(peer), &headers(pairs), &nets(trusted))
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let forged = [
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=198.51.100.2"),
        ];
        assert_eq!(address("203.0.113.9", &forged, &[]), ip("203.0.113.9"));
        assert_eq!(
            address("203.0.113.9", &forged, &["10.0.0.0/8"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = ["10.0.0.0/8", "192.0.2.1/32"];
        // The client forged the leftmost entry; the two proxies appended the rest.
        let xff = [("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.1.2.3")];
        assert_eq!(address("192.0.2.1", &xff, &trusted), ip("203.0.113.9"));
        // Repeated header lines are one list, in order.
        let split = [
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.9,10.1.2.3"),
        ];
        assert_eq!(address("192.0.2.1", &split, &trusted), ip("203.0.113.9"));
        // Every hop trusted: the request started inside; the farthest is the client.
        let inside = [("x-forwarded-for", "10.9.9.9, 10.1.2.3")];
        assert_eq!(address("192.0.2.1", &inside, &trusted), ip("10.9.9.9"));
        // A trusted peer and no header: the peer itself is calling.
        assert_eq!(address("10.1.2.3", &[], &trusted), ip("10.1.2.3"));
    }

    #[test]
    fn forwarded_elements_with_quotes_brackets_and_ports() {
        let trusted = ["10.0.0.0/8"];
        for (value, client) in [
            ("for=203.0.113.9", "203.0.113.9"),
            ("For=\"203.0.113.9:4711\";proto=https", "203.0.113.9"),
            ("for=\"[2001:db8::7]\"", "2001:db8::7"),
            (
                "for=198.51.100.1, for=\"[2001:db8::7]:4711\";by=10.0.0.1, for=10.0.0.2",
                "2001:db8::7",
            ),
            (
                "proto=https;for=203.0.113.9;host=wallet.example",
                "203.0.113.9",
            ),
        ] {
            assert_eq!(
                address("10.0.0.1", &[("forwarded", value)], &trusted),
                ip(client),
                "{value}"
            );
        }
        let xff = [("x-forwarded-for", "[2001:db8::7]:4711, 203.0.113.9:80")];
        assert_eq!(address("10.0.0.1", &xff, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn a_hop_that_is_not_an_address_stops_at_the_proxy_that_wrote_it() {
        let trusted = ["10.0.0.0/8"];
        for junk in ["unknown", "_hidden", "", "not an address", "999.1.1.1"] {
            let value = format!("198.51.100.1, {junk}, 10.0.0.5");
            let h = [("x-forwarded-for", value.as_str())];
            assert_eq!(
                address("10.0.0.1", &h, &trusted),
                ip("10.0.0.5"),
                "{junk:?}"
            );
        }
        // An unbalanced quote from the client does not hide the hop appended after it.
        let h = [("forwarded", "for=\"198.51.100.1, for=203.0.113.9")];
        assert_eq!(address("10.0.0.1", &h, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn both_headers_must_agree() {
        let trusted = ["10.0.0.0/8"];
        // The proxy appended to X-Forwarded-For; the client sent its own Forwarded.
        let forged = [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.1"),
        ];
        assert_eq!(address("10.0.0.1", &forged, &trusted), ip("10.0.0.1"));
        let both = [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ];
        assert_eq!(address("10.0.0.1", &both, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let xff = [("x-forwarded-for", "::ffff:203.0.113.9")];
        assert_eq!(
            address("::ffff:10.0.0.1", &xff, &["10.0.0.0/8"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let client = |s: &str| Client {
            ip: ip(s),
            user_agent: None,
        };
        assert_eq!(client("203.0.113.9").network(), "203.0.113.9");
        let a = client("2001:db8:1:2:aaaa::1").network();
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(client("2001:db8:1:2:ffff:ffff:ffff:ffff").network(), a);
        assert_ne!(client("2001:db8:1:3::1").network(), a);
    }
}
