//! A webhook receiver on 127.0.0.1 that logs what it gets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub status: u16,
}

/// A receiver on 127.0.0.1 that answers 500 to its first `fail_first` requests, then 204
/// (after `delay`, for a slow one), and counts the most requests it held at once.
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    most_at_once: Arc<AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub fn start(port: u16, fail_first: usize) -> Receiver {
        Receiver::start_with(port, fail_first, Duration::ZERO)
    }

    /// A receiver that holds every request for `delay` before it answers (a tarpit).
    pub fn slow(delay: Duration) -> Receiver {
        Receiver::start_with(0, 0, delay)
    }

    fn start_with(port: u16, fail_first: usize, delay: Duration) -> Receiver {
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let (now, most_at_once) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (log2, seen2, now2, most2) = (log.clone(), seen.clone(), now.clone(), most_at_once.clone());
        let server = HttpServer::new(move || {
            let (log, seen, now, most) = (log2.clone(), seen2.clone(), now2.clone(), most2.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (log, seen, now, most) = (log.clone(), seen.clone(), now.clone(), most.clone());
                async move {
                    most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    if !delay.is_zero() {
                        actix_rt::time::sleep(delay).await;
                    }
                    now.fetch_sub(1, Ordering::SeqCst);
                    let status = if seen.fetch_add(1, Ordering::SeqCst) < fail_first { 500 } else { 204 };
                    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    log.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: body.to_vec(),
                        status,
                    });
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
                }
            }))
        })
        .workers(1)
        .max_connection_rate(1024)
        .disable_signals()
        .bind(("127.0.0.1", port))
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Receiver { url: format!("http://127.0.0.1:{port}/hooks/cyberbridge"), log, most_at_once, handle }
    }

    /// The most requests this receiver held at the same time.
    pub fn most_at_once(&self) -> usize {
        self.most_at_once.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived, answered or not (10 s at most).
    pub async fn wait_for_requests(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received().len() >= n {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }

    pub async fn wait_for(&self, successes: usize) -> Vec<Received> {
        for _ in 0..200 {
            let ok = self.received().iter().filter(|r| r.status == 204).count();
            if ok >= successes {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
