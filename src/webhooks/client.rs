//! The webhook HTTP client: one POST, its status line read, nothing followed. The host is
//! resolved here and every address checked before connecting to that same address, so a DNS
//! answer cannot steer a delivery into an internal network (server-side request forgery).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Whether `ip` is somewhere a webhook must not reach: any address that is not globally
/// reachable per the IANA IPv4 and IPv6 special-purpose address registries (loopback, private,
/// shared/CGNAT, link-local, IETF protocol assignments, documentation, benchmarking, reserved,
/// multicast, unique-local, site-local), and the ranges that embed or tunnel to an IPv4 address
/// (IPv4-mapped and -compatible, NAT64, 6to4, Teredo).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let [a0, a1, a2, _] = a.octets();
            a0 == 0                                            // 0.0.0.0/8 "this network"
                || a0 == 10                                    // 10.0.0.0/8 private
                || (a0 == 100 && (64..128).contains(&a1))      // 100.64.0.0/10 shared (CGNAT)
                || a0 == 127                                   // loopback
                || (a0 == 169 && a1 == 254)                    // link-local
                || (a0 == 172 && (16..32).contains(&a1))       // 172.16.0.0/12 private
                || (a0 == 192 && a1 == 0 && a2 == 0)           // 192.0.0.0/24 IETF protocol assignments
                || (a0 == 192 && a1 == 0 && a2 == 2)           // TEST-NET-1
                || (a0 == 192 && a1 == 88 && a2 == 99)         // 6to4 relay anycast
                || (a0 == 192 && a1 == 168)                    // private
                || (a0 == 198 && (a1 == 18 || a1 == 19))       // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100)        // TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113)         // TEST-NET-3
                || a0 >= 224 // multicast 224.0.0.0/4, reserved 240.0.0.0/4, broadcast
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let s = a.segments();
            // Only 2000::/3 is global unicast: that excludes ::/8 (loopback, unspecified,
            // IPv4-compatible), 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64), 100::/64 (discard),
            // 5f00::/16 (SRv6), fc00::/7, fe80::/10, fec0::/10 and ff00::/8.
            (s[0] & 0xe000) != 0x2000
                || (s[0] == 0x2001 && s[1] < 0x0200)           // 2001::/23 IETF assignments, Teredo 2001::/32
                || (s[0] == 0x2001 && s[1] == 0x0db8)          // documentation
                || s[0] == 0x2002                              // 6to4
                || (s[0] & 0xfff0) == 0x3ff0 // 3fff::/20 documentation
        }
    }
}

/// Checks a webhook URL as given: https (http only in development), a host, and no internal
/// address literal unless in development.
pub fn check_url(raw: &str, allow_internal: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a valid URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_internal => {}
        "http" => return Err("must be https".into()),
        other => return Err(format!("scheme `{other}` is not allowed; use https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    let internal = match url.host() {
        None => return Err("has no host".into()),
        Some(url::Host::Ipv4(a)) => is_internal(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => is_internal(IpAddr::V6(a)),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
    };
    if internal && !allow_internal {
        return Err(
            "points at an address that is not globally reachable (loopback, private, link-local, reserved...)".into()
        );
    }
    Ok(url)
}

fn tls() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let config =
                rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// POSTs `body` to `url` with `headers`; returns the response status code.
pub async fn post(
    url: &url::Url,
    headers: &[(&str, String)],
    body: &[u8],
    allow_internal: bool,
    timeout: Duration,
) -> Result<u16, String> {
    tokio::time::timeout(timeout, post_inner(url, headers, body, allow_internal))
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
}

async fn post_inner(
    url: &url::Url,
    headers: &[(&str, String)],
    body: &[u8],
    allow_internal: bool,
) -> Result<u16, String> {
    let host = url.host_str().ok_or("no host")?.to_string();
    let port = url.port_or_known_default().ok_or("no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(|c| c == '[' || c == ']'), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    // The log is the customer's to read: it does not say which internal address.
    if !allow_internal && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(format!("{host} resolves to an address that is not globally reachable; refused"));
    }
    let stream = TcpStream::connect(addrs[0]).await.map_err(|e| format!("connect {}: {e}", addrs[0]))?;
    let _ = stream.set_nodelay(true);
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: cyberbridge-webhooks/1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    if url.scheme() == "https" {
        let name =
            rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| format!("bad TLS name {host}: {e}"))?;
        let tls =
            tokio_rustls::TlsConnector::from(tls()?).connect(name, stream).await.map_err(|e| format!("TLS: {e}"))?;
        exchange(tls, head.as_bytes(), body).await
    } else {
        exchange(stream, head.as_bytes(), body).await
    }
}

/// The longest status line read from a receiver.
const STATUS_LINE_MAX: u64 = 8 * 1024;

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, head: &[u8], body: &[u8]) -> Result<u16, String> {
    stream.write_all(head).await.map_err(|e| format!("send: {e}"))?;
    stream.write_all(body).await.map_err(|e| format!("send: {e}"))?;
    stream.flush().await.map_err(|e| format!("send: {e}"))?;
    // The status line only, and at most 8 KiB of it: a receiver cannot make us buffer more.
    let mut line = String::new();
    BufReader::new(stream.take(STATUS_LINE_MAX)).read_line(&mut line).await.map_err(|e| format!("receive: {e}"))?;
    // "HTTP/1.1 204 No Content"
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:?}", line.chars().take(60).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_and_bad_urls_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.1",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:db8::1",
            "2002:a00:1::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "193.0.0.1", "2606:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_url("https://hooks.bank-a.example/cb", false).is_ok());
        assert!(check_url("http://hooks.bank-a.example/cb", false).is_err());
        assert!(check_url("https://169.254.169.254/latest", false).is_err());
        assert!(check_url("https://localhost/x", false).is_err());
        assert!(check_url("https://user:pw@hooks.example/x", false).is_err());
        assert!(check_url("ftp://hooks.example/x", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
    }
}
