//! Who is on the other end: the client's address, as the connection gives it or, only when the
//! connection comes from a trusted reverse proxy, as that proxy reports it (`Forwarded`, RFC 7239, or
//! `X-Forwarded-For`). Throttling, the public feedback limit and the sessions list use it; behind a proxy
//! every person would otherwise share the proxy's address, and one stranger could deny sign-in to all.
//!
//! Forwarded addresses are read from the right: the last hop is the proxy's own report, each earlier one
//! only as trustworthy as the proxy that added it, so the client is the rightmost address that is not a
//! trusted proxy. A request that does not come from a trusted proxy is taken at its connection's word,
//! whatever headers it carries.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// A network, `10.0.0.0/8` or `2001:db8::/32` (a bare address is a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| format!("{text:?} is not an address or network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a prefix length above {max}"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The client's address for a request that arrived from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.iter().any(|c| c.contains(peer)) {
        return peer;
    }
    let hops = forwarded_for(headers);
    hops.into_iter().rev().find(|hop| !trusted.iter().any(|c| c.contains(*hop))).unwrap_or(peer)
}

/// The addresses a request passed through, oldest first: `Forwarded: for=` if present, else
/// `X-Forwarded-For`. Obfuscated identifiers and unknown values are skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.trim().eq_ignore_ascii_case("for").then(|| parse_node(value.trim().trim_matches('"')))?
                })
            })
            .collect();
    }
    values("x-forwarded-for").iter().flat_map(|v| v.split(',')).filter_map(|v| parse_node(v.trim())).collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.parse().ok().or_else(|| text.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")) && !net.contains(ip("10.2.0.1")));
        assert!("192.0.2.7".parse::<Cidr>().unwrap().contains(ip("192.0.2.7")));
        assert!("::ffff:192.0.2.7".parse::<IpAddr>().is_ok());
        assert!("192.0.2.0/24".parse::<Cidr>().unwrap().contains(ip("::ffff:192.0.2.9")), "IPv4-mapped IPv6 peers");
        assert!("2001:db8::/32".parse::<Cidr>().unwrap().contains(ip("2001:db8:1::5")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.7")]);
        // From the proxy: the rightmost address that is not a proxy.
        assert_eq!(client_address(ip("10.0.0.2"), &xff, &proxy), ip("203.0.113.9"));
        // Spoofed by a client that is not a proxy: ignored.
        assert_eq!(client_address(ip("198.51.100.4"), &xff, &proxy), ip("198.51.100.4"));
        // A client prepending a fake address cannot hide behind it.
        let spoof = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(client_address(ip("10.0.0.2"), &spoof, &proxy), ip("203.0.113.9"));
        // RFC 7239, with ports, quotes and IPv6.
        let fwd = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.9")]);
        assert_eq!(client_address(ip("10.0.0.2"), &fwd, &proxy), ip("2001:db8::7"));
        let obfuscated = headers(&[("forwarded", "for=_hidden, for=unknown")]);
        assert_eq!(client_address(ip("10.0.0.2"), &obfuscated, &proxy), ip("10.0.0.2"));
        // No trusted proxies: the connection's address always.
        assert_eq!(client_address(ip("10.0.0.2"), &xff, &[]), ip("10.0.0.2"));
    }
}
