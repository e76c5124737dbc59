//! The SMTP password, the gateway secret and message bodies stay out of logs, errors,
//! `Debug` output and the `last_error` column; bad delivery settings stop start-up.
use super::servers::{sms_gateway, Aiosmtpd};
use super::{database, mail, queue_message, settings, smtp, state, CODE, FROM};
use crate::support::{Db, START};
use app::domain::secret::SecretString;
use app::server::delivery::sms::{parse_gateway_url, SmsGateway};
use app::server::delivery::{Transports, Worker};
use app::server::store::outbox::NewMessage;
use server::config::{Config, Overrides};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SMTP_PASSWORD: &str = "smtp-Pa55word-9921";
const GATEWAY_SECRET: &str = "gateway-Secret-4417-xyz";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Current-thread runtime: the subscriber set for this thread sees every line of the test
// (the binary's global subscriber belongs to the `logs` module).
#[tokio::test]
async fn no_secret_in_delivery_logs_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let d = database(Db::Sqlite).await;
    let smtpd = Aiosmtpd::start().await;
    // Delivered; then one whose login the server can't take (aiosmtpd offers no AUTH).
    let ok = queue_message(&d.store, &mail("anna@example.com"), START).await;
    Worker::new(
        d.store.clone(),
        d.clock.clone(),
        smtp(&smtpd.url()),
        settings(),
    )
    .run_once()
    .await
    .unwrap();
    let with_login = format!(
        "smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{}?tls=none",
        smtpd.port
    );
    let refused = queue_message(&d.store, &mail("anna@example.com"), START).await;
    Worker::new(
        d.store.clone(),
        d.clock.clone(),
        smtp(&with_login),
        settings(),
    )
    .run_once()
    .await
    .unwrap();
    // An SMS the gateway refuses (wrong key) and one it takes.
    let (url, _received) = sms_gateway(GATEWAY_SECRET).await;
    let sms = NewMessage {
        channel: "sms",
        recipient: "+393331234567".into(),
        locale: "en".into(),
        subject: String::new(),
        body: format!("code {CODE}"),
    };
    for secret in ["wrong-secret-but-long-enough", GATEWAY_SECRET] {
        queue_message(&d.store, &sms, START).await;
        let gateway = SmsGateway::new(
            parse_gateway_url(&url).unwrap(),
            SecretString::new(secret),
            Duration::from_secs(5),
        )
        .unwrap();
        let transports = Transports {
            email: None,
            sms: Some(Arc::new(gateway)),
        };
        Worker::new(d.store.clone(), d.clock.clone(), transports, settings())
            .run_once()
            .await
            .unwrap();
    }

    assert!(state(&d.store, ok).await.sent_at.is_some());
    let refused = state(&d.store, refused).await;
    assert!(refused.sent_at.is_none() && refused.last_error.is_some());
    let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT last_error FROM outbox")
        .fetch_all(d.store.pool())
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(text.contains("outbox message sent"), "captured: {text}");
    assert!(
        text.contains("will retry") && text.contains("given up"),
        "{text}"
    );
    let everything = format!("{text}\n{errors:?}");
    for secret in [SMTP_PASSWORD, GATEWAY_SECRET, CODE, "Ciao"] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked: {everything}"
        );
    }
}

fn load(toml: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regain.toml");
    std::fs::write(&path, toml).unwrap();
    Config::load(Some(&path), &Overrides::default())
        .map(|(c, warnings)| {
            assert!(warnings.is_empty(), "{warnings:?}");
            c
        })
        .map_err(|e| e.to_string())
}

#[test]
fn delivery_settings_are_checked_at_start_up_without_echoing_secrets() {
    let good = load(&format!(
        "smtp_url = \"smtps://mailer:{SMTP_PASSWORD}@mail.example.com\"\nmail_from = {FROM:?}\n\
         sms_gateway_url = \"https://sms.example.com/send\"\nsms_gateway_secret = {GATEWAY_SECRET:?}\n\
         delivery_timeout = 20\n"
    ))
    .unwrap();
    let debug = format!("{good:?}");
    assert!(
        !debug.contains(SMTP_PASSWORD) && !debug.contains(GATEWAY_SECRET),
        "{debug}"
    );
    assert!(debug.contains("mail.example.com:465"), "{debug}");
    assert_eq!(good.delivery_settings().timeout, Duration::from_secs(20));

    let cases = [
        (format!("smtp_url = \"smtp://u:{SMTP_PASSWORD}@mail.example.com\"\n"), "mail_from is required"),
        (
            format!("smtp_url = \"smtp://u:{SMTP_PASSWORD}@mail.example.com?tls=none\"\nmail_from = {FROM:?}\n"),
            "loopback",
        ),
        (
            format!("smtp_url = \"smtp://u:{SMTP_PASSWORD}@mail.example.com\"\nmail_from = \"nobody\"\n"),
            "mail_from must be",
        ),
        ("sms_gateway_url = \"http://sms.example.com\"\nsms_gateway_secret = \"0123456789abcdefgh\"\n".into(), "https"),
        ("sms_gateway_url = \"https://sms.example.com\"\n".into(), "sms_gateway_secret is required"),
        ("delivery_timeout = 0\n".into(), "delivery_timeout"),
    ];
    for (toml, expected) in cases {
        let err = load(&toml).unwrap_err();
        assert!(err.contains(expected), "{toml}: {err}");
        assert!(!err.contains(SMTP_PASSWORD), "{err}");
    }
}
