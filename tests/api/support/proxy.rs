//! A TCP proxy that a test can cut and restore, or make swallow traffic, to take the database
//! away from the service: refused and reset (`cut`), or silent like a network partition
//! (`swallow`: connections are accepted and bytes taken, nothing reaches the other side until
//! `heal`, as TCP holds and retransmits what a partition drops).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    pub port: u16,
    open: Arc<AtomicBool>,
    flowing: watch::Sender<bool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port and forwards each connection to `target` (host:port).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(AtomicBool::new(true));
        let flowing = watch::channel(true).0;
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (open2, links2, flow) = (open.clone(), links.clone(), flowing.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if !open2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let mut flow = flow.subscribe();
                let link = tokio::spawn(async move {
                    // Accepted during a partition: connected only once it heals.
                    if flow.wait_for(|f| *f).await.is_err() {
                        return;
                    }
                    if let Ok(outbound) = TcpStream::connect(&target).await {
                        let (ri, wi) = inbound.into_split();
                        let (ro, wo) = outbound.into_split();
                        tokio::join!(pump(ri, wo, flow.clone()), pump(ro, wi, flow));
                    }
                });
                links2.lock().expect("links").push(link);
            }
        });
        Proxy { port, open, flowing, links, accept }
    }

    /// Refuses new connections and cuts every open one.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    /// Accepts connections and bytes and passes nothing on, until [`Proxy::heal`].
    pub fn swallow(&self) {
        self.flowing.send_replace(false);
    }

    /// Passes on what was held and everything after.
    pub fn heal(&self) {
        self.flowing.send_replace(true);
    }
}

/// Copies `from` to `to`, holding each chunk while the proxy swallows.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut flow: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if flow.wait_for(|f| *f).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}
