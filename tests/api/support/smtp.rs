//! A local SMTP sink: a real SMTP conversation (greeting, EHLO, MAIL, RCPT, DATA, QUIT) on a
//! free port, keeping what arrives.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The body, decoded from its transfer encoding (base64 or quoted-printable).
    pub fn body(&self) -> String {
        let raw = self.data.split_once("\n\n").map(|(_, b)| b).unwrap_or("");
        match self.header("Content-Transfer-Encoding").to_lowercase().as_str() {
            "base64" => {
                let joined: String = raw.split_whitespace().collect();
                let bytes =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, joined).unwrap_or_default();
                String::from_utf8_lossy(&bytes).to_string()
            }
            "quoted-printable" => {
                let soft = raw.replace("=\n", "");
                let mut out = Vec::new();
                let b = soft.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'=' && i + 2 < b.len() {
                        if let Ok(v) = u8::from_str_radix(&soft[i + 1..i + 3], 16) {
                            out.push(v);
                            i += 3;
                            continue;
                        }
                    }
                    out.push(b[i]);
                    i += 1;
                }
                String::from_utf8_lossy(&out).to_string()
            }
            _ => raw.to_string(),
        }
    }

    /// The message's header value (unfolded), e.g. `Subject`.
    pub fn header(&self, name: &str) -> String {
        let prefix = format!("{}:", name.to_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
            .unwrap_or_default()
    }
}

pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-sink.test\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("HELO")
                            || upper.starts_with("MAIL FROM")
                            || upper.starts_with("RSET")
                            || upper.starts_with("NOOP")
                        {
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                data.push('\n');
                            }
                            kept.lock().unwrap().push(Mail { to: std::mem::take(&mut to), data });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until at least `n` mails arrived (or 15 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..150 {
            if self.mails().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.mails()
    }
}
