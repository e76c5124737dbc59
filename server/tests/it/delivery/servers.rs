//! Real counterparts for the transports: aiosmtpd (Debian's python3-aiosmtpd) writing a
//! maildir, an SMTP server that accepts a mail and never confirms it, and an HTTP SMS
//! gateway that checks our signature.
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 50 ms until it answers `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..secs * 20 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// A mail as the SMTP server stored it, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub message_id: String,
    pub to: String,
    pub from: String,
    pub subject: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
}

/// `python3 -m aiosmtpd` on a free loopback port, its Mailbox handler writing a maildir.
pub struct Aiosmtpd {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Aiosmtpd {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let port = free_port();
        // Debian's interpreter: the package is installed for it, not for a pyenv one.
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (apt-get install python3-aiosmtpd)");
        let server = Self {
            child,
            port,
            maildir,
            _dir: dir,
        };
        eventually(20, "aiosmtpd to listen", || async move {
            TcpStream::connect(("127.0.0.1", port)).await.ok().map(drop)
        })
        .await;
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every mail delivered so far.
    pub fn mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut mails: Vec<Mail> = entries
            .map(|e| parse(&std::fs::read(e.unwrap().path()).unwrap()))
            .collect();
        mails.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        mails
    }

    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        eventually(10, "mail to arrive", || async move {
            let mails = self.mails();
            (mails.len() >= count).then_some(mails)
        })
        .await
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(raw: &[u8]) -> Mail {
    use mailparse::MailHeaderMap;
    let mail = mailparse::parse_mail(raw).unwrap();
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    let part = |mime: &str| {
        mail.subparts
            .iter()
            .find(|p| p.ctype.mimetype == mime)
            .map(|p| p.get_body().unwrap().replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    Mail {
        message_id: header("Message-ID"),
        to: header("To"),
        from: header("From"),
        subject: header("Subject"),
        content_type: mail.ctype.mimetype.clone(),
        text: part("text/plain"),
        html: part("text/html"),
    }
}

/// An SMTP server that takes the whole mail and never answers the final `.`: the worker
/// is left waiting mid-delivery. Each mail it swallowed is reported on the channel.
pub async fn stalling_smtp() -> (u16, mpsc::UnboundedReceiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(stall(socket, tx.clone()));
        }
    });
    (port, rx)
}

async fn stall(socket: TcpStream, swallowed: mpsc::UnboundedSender<()>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 stall.test ESMTP\r\n").await;
    let (mut in_data, mut stalled) = (false, false);
    while let Ok(Some(line)) = lines.next_line().await {
        if stalled {
            continue;
        }
        if in_data {
            if line == "." {
                stalled = true;
                let _ = swallowed.send(());
            }
            continue;
        }
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250 stall.test\r\n"
        } else if command.starts_with("DATA") {
            in_data = true;
            b"354 go ahead\r\n"
        } else if command.starts_with("QUIT") {
            b"221 bye\r\n"
        } else {
            b"250 ok\r\n"
        };
        let _ = write.write_all(reply).await;
    }
}

/// What the SMS gateway received, signature checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub text: String,
    pub id: String,
}

/// An HTTP SMS gateway on a free port that accepts requests signed with `secret` (and
/// answers 401 otherwise). Returns its URL and what it accepted.
pub async fn sms_gateway(secret: &'static str) -> (String, Arc<Mutex<Vec<Sms>>>) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let handler = move |headers: HeaderMap, body: Bytes| {
        let store = store.clone();
        async move {
            let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
            let timestamp = header("x-regain-timestamp");
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(&body);
            let expected = mac.finalize().into_bytes();
            let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
            if header("x-regain-signature") != format!("sha256={hex}")
                || header("content-type") != "application/json"
            {
                return (StatusCode::UNAUTHORIZED, String::new());
            }
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let sms = Sms {
                to: v["to"].as_str().unwrap().to_owned(),
                text: v["text"].as_str().unwrap().to_owned(),
                id: v["id"].as_str().unwrap().to_owned(),
            };
            let mut all = store.lock().unwrap();
            all.push(sms);
            (StatusCode::OK, format!("{{\"id\":\"gw-{}\"}}", all.len()))
        }
    };
    let router = axum::Router::new().route("/sms", post(handler));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}
