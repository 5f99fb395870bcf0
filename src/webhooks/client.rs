//! The webhook HTTP client: one POST, its status line read, nothing followed. The host is
//! resolved here and every address checked before connecting to that same address, so a DNS
//! answer cannot steer a delivery into an internal network (server-side request forgery).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Whether `ip` is somewhere a webhook must not reach (loopback, private, link-local, CGNAT,
/// unique-local, multicast, unspecified, documentation).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || a.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || a.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
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
        return Err("points at a loopback, private or link-local address".into());
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
    if !allow_internal {
        if let Some(bad) = addrs.iter().find(|a| is_internal(a.ip())) {
            return Err(format!("{host} resolves to the internal address {}; refused", bad.ip()));
        }
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

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, head: &[u8], body: &[u8]) -> Result<u16, String> {
    stream.write_all(head).await.map_err(|e| format!("send: {e}"))?;
    stream.write_all(body).await.map_err(|e| format!("send: {e}"))?;
    stream.flush().await.map_err(|e| format!("send: {e}"))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await.map_err(|e| format!("receive: {e}"))?;
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
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
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
