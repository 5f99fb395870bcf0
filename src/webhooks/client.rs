//! The webhook HTTP client (hyper's pooled client): one POST, its status read, nothing
//! followed. The host is resolved by our resolver and every address checked before the
//! connector gets it, so a DNS answer cannot steer a delivery into an internal network
//! (server-side request forgery).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

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
        "http" => {
            return Err("must be https (plain http is for development only: CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS=1)".into())
        }
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
            "points at an address that is not globally reachable (loopback, private, link-local, reserved...); \
                    for development only, CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS=1 allows it"
                .into(),
        );
    }
    Ok(url)
}

fn tls() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Resolves a receiver's host and hands the connector only addresses that passed
/// [`is_internal`]: the address checked is the address connected to, whatever a later DNS
/// answer would say. A host with any internal address is refused whole.
#[derive(Clone)]
struct CheckedResolver {
    allow_internal: bool,
}

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_internal = self.allow_internal;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // The log is the customer's to read: it does not say which internal address.
            if !allow_internal && addrs.iter().any(|a| is_internal(a.ip())) {
                return Err(std::io::Error::other(format!(
                    "{host} resolves to an address that is not globally reachable; refused"
                )));
            }
            Ok(addrs.into_iter())
        })
    }
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector<CheckedResolver>>;

/// The pooled client deliveries share: keep-alive HTTP/1.1 connections (at most 4 idle per
/// receiver, closed after 60 s idle), no redirects followed (hyper follows none), a response
/// head of at most 8 KiB, the checked resolver.
pub struct WebhookClient {
    http: Client<Connector, Full<Bytes>>,
    allow_internal: bool,
}

/// The longest response head (status line and headers) read from a receiver.
const HEAD_MAX: usize = 8 * 1024;
/// The most of a response body read (to keep its connection for the next delivery); a longer
/// one is dropped with its connection.
const BODY_MAX: usize = 16 * 1024;

impl WebhookClient {
    /// The process's client for the given SSRF setting (built once).
    pub fn shared(allow_internal: bool) -> Result<&'static WebhookClient, String> {
        static CHECKED: OnceLock<Result<WebhookClient, String>> = OnceLock::new();
        static DEVELOPMENT: OnceLock<Result<WebhookClient, String>> = OnceLock::new();
        let cell = if allow_internal { &DEVELOPMENT } else { &CHECKED };
        cell.get_or_init(|| WebhookClient::new(allow_internal)).as_ref().map_err(Clone::clone)
    }

    fn new(allow_internal: bool) -> Result<Self, String> {
        let mut http = HttpConnector::new_with_resolver(CheckedResolver { allow_internal });
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        let tls = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls()?);
        let connector =
            if allow_internal { tls.https_or_http() } else { tls.https_only() }.enable_http1().wrap_connector(http);
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(4)
            .http1_max_buf_size(HEAD_MAX)
            .build(connector);
        Ok(WebhookClient { http, allow_internal })
    }

    /// POSTs `body` to `url` with `headers`; returns the response status code.
    pub async fn post(
        &self,
        url: &url::Url,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<u16, String> {
        tokio::time::timeout(timeout, self.exchange(url, headers, body))
            .await
            .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
    }

    async fn exchange(&self, url: &url::Url, headers: &[(&str, String)], body: Vec<u8>) -> Result<u16, String> {
        // An address literal never reaches the resolver: checked here, at each delivery.
        let literal = match url.host() {
            Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
            _ => None,
        };
        if !self.allow_internal && literal.is_some_and(is_internal) {
            return Err("the address is not globally reachable; refused".into());
        }
        let mut request = hyper::Request::post(url.as_str())
            .header("user-agent", "cyberbridge-webhooks/2")
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request =
            request.body(Full::new(Bytes::from(body))).map_err(|e| format!("cannot build the request: {e}"))?;
        let response = self.http.request(request).await.map_err(describe)?;
        let status = response.status().as_u16();
        // Read a short body to the end so that its connection serves the next delivery.
        let _ = Limited::new(response.into_body(), BODY_MAX).collect().await;
        Ok(status)
    }
}

/// A failed exchange, said without the internals of the error chain (no internal addresses).
fn describe(e: hyper_util::client::legacy::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    let detail = last.unwrap_or_else(|| e.to_string());
    if e.is_connect() {
        format!("cannot connect: {detail}")
    } else {
        format!("exchange failed: {detail}")
    }
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

    /// A receiver on 127.0.0.1 answering each request on a connection with `head` (and no
    /// body); returns its URL and the count of connections it accepted.
    async fn raw_receiver(head: String) -> (url::Url, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let head = head.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    // One read per request is enough for these small test bodies.
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 || socket.write_all(head.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (url, accepted)
    }

    #[tokio::test]
    async fn connections_are_kept_alive_and_a_response_head_is_read_up_to_8_kib() {
        let client = WebhookClient::new(true).unwrap();
        let timeout = Duration::from_secs(5);
        let (url, accepted) = raw_receiver("HTTP/1.1 204 No Content\r\n\r\n".into()).await;
        for _ in 0..3 {
            assert_eq!(client.post(&url, &[], b"{}".to_vec(), timeout).await, Ok(204));
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "one connection for three deliveries");
        let padding = "x".repeat(6 * 1024);
        let (url, _) =
            raw_receiver(format!("HTTP/1.1 200 OK\r\nX-Padding: {padding}\r\nContent-Length: 0\r\n\r\n")).await;
        assert_eq!(client.post(&url, &[], b"{}".to_vec(), timeout).await, Ok(200));
        let padding = "x".repeat(64 * 1024);
        let (url, _) =
            raw_receiver(format!("HTTP/1.1 200 OK\r\nX-Padding: {padding}\r\nContent-Length: 0\r\n\r\n")).await;
        let refused = client.post(&url, &[], b"{}".to_vec(), timeout).await;
        assert!(refused.is_err(), "a 64 KiB head is not read: {refused:?}");
    }

    #[tokio::test]
    async fn internal_addresses_are_refused_at_delivery_whether_named_or_literal() {
        let client = WebhookClient::new(false).unwrap();
        let timeout = Duration::from_secs(5);
        for url in ["https://localhost:9/hook", "https://127.0.0.1:9/hook", "https://[::1]:9/hook", "http://8.8.8.8/x"]
        {
            let url = url::Url::parse(url).unwrap();
            let error = client.post(&url, &[], b"{}".to_vec(), timeout).await.unwrap_err();
            assert!(!error.contains("127.0.0.1") && !error.contains("::1") && !error.contains(":9"), "{url}: {error}");
        }
        let named = client.post(&url::Url::parse("https://localhost:9/hook").unwrap(), &[], vec![], timeout).await;
        assert!(named.unwrap_err().contains("not globally reachable"));
    }
}
