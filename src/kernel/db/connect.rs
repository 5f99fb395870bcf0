//! Connections whose every wait is bounded. A refused or reset connection fails at once, but a
//! network that swallows packets (a partition, a dead host) answers nothing, and a connection
//! waiting for an answer would wait for ever. So each connection is opened within a connect
//! bound, asks the server to cancel any statement that runs past the statement bound
//! (`statement_timeout`), keeps TCP keep-alives of a second and a `TCP_USER_TIMEOUT` of its
//! silence bound, and watches its socket: when the server has said nothing for the silence
//! bound since something was sent, the socket fails (`TimedOut`), the connection closes, its
//! queries end in an error (503) and the pool drops it. Ordinary requests run on connections
//! whose statements and silence are bounded by `CYBERBRIDGE_DB_SILENCE_MS` (2 s); long work
//! (exports, TAXII pages, statistics) opts into connections bounded by the statement timeout.
//! The failure is remembered by the server's [`Health`]: the pool then also drops the idle
//! connections opened before it (they cross the same silent network) instead of lending them.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;
use tokio_postgres::{AsyncMessage, Client, Notification};

/// How long a server may stay silent beyond the statement bound before the socket is failed:
/// the server's own `statement_timeout` answers first whenever the server is there to answer.
pub const MARGIN: Duration = Duration::from_millis(500);

/// The bounds of every wait on one database server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Waiting for a pooled connection, and opening one (TCP connect and the start-up exchange).
    pub connect: Duration,
    /// One statement (sent to the server as `statement_timeout`).
    pub statement: Duration,
    /// How long the server may say nothing after something was sent before the socket is
    /// failed (the statement bound plus [`MARGIN`]).
    pub silence: Duration,
}

impl Limits {
    /// Statements bounded by `statement`, silence by that plus [`MARGIN`].
    pub fn new(connect: Duration, statement: Duration) -> Limits {
        Limits { connect, statement, silence: statement + MARGIN }
    }
}

/// What the connections to one server have learnt about it: when one last found it silent.
/// One per server address in the process ([`Health::of`]), shared by all its pools.
#[derive(Clone, Default, Debug)]
pub struct Health(Arc<AtomicU64>);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl Health {
    /// The health of the server `url` names (its host, port and database).
    pub fn of(url: &str) -> Health {
        static ALL: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Health>>> = OnceLock::new();
        let key = server(url);
        let mut all = ALL.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
        all.entry(key).or_default().clone()
    }

    /// A connection found the server silent now (it sent something and heard nothing back).
    pub fn mark_silent(&self) {
        let since_epoch = epoch().elapsed().as_millis() as u64 + 1;
        self.0.fetch_max(since_epoch, Ordering::Relaxed);
    }

    /// When a connection last found the server silent.
    fn silent_at(&self) -> Option<Instant> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(epoch() + Duration::from_millis(ms - 1)),
        }
    }

    /// Whether the server was found silent after `instant` (a connection opened then crossed it).
    pub fn silent_after(&self, instant: Instant) -> bool {
        self.silent_at().is_some_and(|at| at > instant)
    }

    /// Whether the server was found silent within the last `window`.
    pub fn silent_within(&self, window: Duration) -> bool {
        self.silent_at().is_some_and(|at| at.elapsed() < window)
    }
}

/// The server and database `url` names, read as the driver reads it and never with its
/// credentials or parameters: `host:5432/db` (several hosts joined by `,`); `?` when it cannot
/// be read.
pub fn server(url: &str) -> String {
    let Ok(config) = url.parse::<tokio_postgres::Config>() else { return "?".into() };
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().filter(|d| !d.is_empty()).unwrap_or(user);
    format!("{}/{db}", if hosts.is_empty() { "localhost:5432".to_string() } else { hosts.join(",") })
}

/// A diesel connection over [`client`].
pub async fn establish(url: &str, limits: Limits, health: &Health) -> Result<AsyncPgConnection, ConnectionError> {
    let (client, _notifications) = client(url, limits, health).await?;
    match tokio::time::timeout(limits.connect, AsyncPgConnection::try_from(client)).await {
        Ok(conn) => conn,
        Err(_) => Err(ConnectionError::BadConnection(format!("no answer within {} ms", limits.connect.as_millis()))),
    }
}

/// A tokio-postgres client on a watched socket, and the notifications its connection receives.
pub async fn client(
    url: &str,
    limits: Limits,
    health: &Health,
) -> Result<(Client, tokio::sync::mpsc::UnboundedReceiver<Notification>), ConnectionError> {
    let mut config: tokio_postgres::Config =
        url.parse().map_err(|e: tokio_postgres::Error| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
    let options =
        format!("{} -c statement_timeout={}", config.get_options().unwrap_or(""), limits.statement.as_millis());
    config.options(options.trim());
    let opened = tokio::time::timeout(limits.connect, async {
        // One server per URL: hosts are tried in turn, but `target_session_attrs` is not
        // honoured (README, Deployment).
        let stream = open(&config, limits.silence).await.map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        let stream = Watched::new(stream, limits.silence, health.clone());
        config
            .connect_raw(stream, tokio_postgres::NoTls)
            .await
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    })
    .await;
    let (client, mut connection) = match opened {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => return Err(e),
        // Not marked silent: a start-up slowed by a loaded server must not cost every pool its
        // idle connections; a silent network is marked by the connections that cross it.
        Err(_) => {
            return Err(ConnectionError::BadConnection(format!("no answer within {} ms", limits.connect.as_millis())));
        }
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let ended = futures_util::future::poll_fn(|cx| loop {
            match std::task::ready!(connection.poll_message(cx)) {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = tx.send(n);
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Ok(())),
            }
        })
        .await;
        if let Err(e) = ended {
            tracing::debug!(error = %e, "database connection ended");
        }
    });
    Ok((client, rx))
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The first of the configured hosts that accepts a connection, with keep-alives every second
/// and unacknowledged data given up after `silence` (`TCP_USER_TIMEOUT`, where the OS has it).
async fn open(config: &tokio_postgres::Config, silence: Duration) -> io::Result<Box<dyn Io>> {
    let ports = config.get_ports();
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "the database URL names no host");
    for (i, host) in config.get_hosts().iter().enumerate() {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let opened: io::Result<Box<dyn Io>> = match host {
            Host::Tcp(name) => match tokio::net::TcpStream::connect((name.as_str(), port)).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    let keepalive = socket2::TcpKeepalive::new()
                        .with_time(Duration::from_secs(1))
                        .with_interval(Duration::from_secs(1))
                        .with_retries(2);
                    let socket = socket2::SockRef::from(&stream);
                    socket.set_tcp_keepalive(&keepalive)?;
                    #[cfg(any(target_os = "linux", target_os = "android"))]
                    socket.set_tcp_user_timeout(Some(silence))?;
                    Ok(Box::new(stream))
                }
                Err(e) => Err(e),
            },
            Host::Unix(dir) => {
                tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await.map(|s| Box::new(s) as _)
            }
        };
        match opened {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A socket that fails when the server stays silent for `bound` after something was sent.
struct Watched {
    inner: Box<dyn Io>,
    bound: Duration,
    /// Whether something was sent that the server has not answered yet (the timer runs).
    waiting: bool,
    timer: Pin<Box<tokio::time::Sleep>>,
    health: Health,
}

impl Watched {
    fn new(inner: Box<dyn Io>, bound: Duration, health: Health) -> Self {
        Watched { inner, bound, waiting: false, timer: Box::pin(tokio::time::sleep(bound)), health }
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.waiting = false;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.waiting => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.health.mark_silent();
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the database said nothing for {} ms", self.bound.as_millis()),
                    )))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) && !self.waiting {
            self.waiting = true;
            let deadline = tokio::time::Instant::now() + self.bound;
            self.timer.as_mut().reset(deadline);
            // The connection may not read again before the server answers: wake it at the deadline.
            let _ = self.timer.as_mut().poll(cx);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
