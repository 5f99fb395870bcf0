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

/// A receiver on 127.0.0.1 that answers 500 to its first `fail_first` requests, then 204.
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub fn start(port: u16, fail_first: usize) -> Receiver {
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let (log2, seen2) = (log.clone(), seen.clone());
        let server = HttpServer::new(move || {
            let (log, seen) = (log2.clone(), seen2.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (log, seen) = (log.clone(), seen.clone());
                async move {
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
        .disable_signals()
        .bind(("127.0.0.1", port))
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Receiver { url: format!("http://127.0.0.1:{port}/hooks/cyberbridge"), log, handle }
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
