//! Outbox delivery against real counterparts: aiosmtpd, an HTTP SMS gateway, the
//! `regain` binary killed with SIGKILL mid-delivery. Every test runs on SQLite and on
//! PostgreSQL.
use crate::db_tests;
use crate::support::{fresh_database, Db, START};
use app::server::clock::ManualClock;
use app::server::delivery::backoff::{retry_delay, MAX_ATTEMPTS};
use app::server::delivery::queue::{self, DeliveryState};
use app::server::delivery::sms::{parse_gateway_url, SmsGateway};
use app::server::delivery::smtp::{parse_from, SmtpMailer, SmtpSettings};
use app::server::delivery::{DeliverySettings, Round, Transports, Worker};
use app::server::store::outbox::{enqueue, NewMessage};
use app::server::store::Store;
use std::sync::Arc;
use std::time::Duration;

mod binary;
mod secrets;
mod servers;
use binary::kill_9_mid_delivery_loses_nothing_and_sends_once;
use servers::{sms_gateway, Aiosmtpd};

db_tests!(
    mail_arrives_with_both_parts_and_a_message_id,
    sms_goes_to_the_gateway_signed,
    a_failing_transport_backs_off_then_gives_up,
    a_sent_message_is_not_sent_again_after_a_restart,
    a_dead_workers_lease_expires_and_another_worker_delivers,
    two_workers_deliver_each_message_exactly_once,
    kill_9_mid_delivery_loses_nothing_and_sends_once,
    the_dev_mailbox_shows_what_was_delivered_and_what_waits,
);

const FROM: &str = "Regain <no-reply@regain.example>";
/// Stands for a one-time code: it must reach the recipient and no log or error column.
const CODE: &str = "48151623";

pub struct Db0 {
    pub url: String,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub _dir: tempfile::TempDir,
}

pub async fn database(db: Db) -> Db0 {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(db, dir.path()).await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    Db0 {
        url,
        store,
        clock: ManualClock::new(START),
        _dir: dir,
    }
}

pub fn mail(to: &str) -> NewMessage {
    NewMessage {
        channel: "email",
        recipient: to.to_owned(),
        locale: "it".into(),
        subject: "La tua password è cambiata".into(),
        body: format!(
            "Ciao <Anna> & co,\nil codice è {CODE}.\n\nNon sei stato tu? https://regain.example/report?a=1&b=2."
        ),
    }
}

/// Queues a message and returns its outbox id.
pub async fn queue_message(store: &Store, message: &NewMessage, now: i64) -> i64 {
    enqueue(store.pool(), message, now).await.unwrap();
    sqlx::query_scalar("SELECT MAX(id) FROM outbox")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

pub async fn state(store: &Store, id: i64) -> DeliveryState {
    queue::delivery_state(store, id).await.unwrap().unwrap()
}

pub fn settings() -> DeliverySettings {
    DeliverySettings {
        timeout: Duration::from_secs(10),
        ..DeliverySettings::default()
    }
}

pub fn smtp(url: &str) -> Transports {
    let settings = SmtpSettings::parse(url).unwrap();
    let mailer = SmtpMailer::new(&settings, parse_from(FROM).unwrap(), Duration::from_secs(5));
    Transports {
        email: Some(Arc::new(mailer.unwrap())),
        sms: None,
    }
}

fn worker(d: &Db0, store: Store, transports: Transports) -> Worker {
    Worker::new(store, d.clock.clone(), transports, settings())
}

fn sent(n: usize) -> Round {
    Round {
        sent: n,
        ..Round::default()
    }
}

async fn mail_arrives_with_both_parts_and_a_message_id(db: Db) {
    let d = database(db).await;
    let smtpd = Aiosmtpd::start().await;
    let id = queue_message(&d.store, &mail("anna@example.com"), START).await;
    let w = worker(&d, d.store.clone(), smtp(&smtpd.url()));
    d.clock.advance(3);
    assert_eq!(w.run_once().await.unwrap(), sent(1));

    let mails = smtpd.wait_for(1).await;
    let [m] = mails.as_slice() else {
        panic!("{mails:?}")
    };
    assert_eq!(
        m.message_id,
        format!("<outbox.{id}.{START}@regain.example>")
    );
    assert_eq!(m.to, "anna@example.com");
    assert_eq!(m.from, FROM);
    assert_eq!(m.subject, "La tua password è cambiata");
    assert_eq!(m.content_type, "multipart/alternative");
    assert_eq!(m.text.trim_end(), mail("x").body);
    assert!(m.html.contains("<html lang=\"it\">"), "{}", m.html);
    assert!(m.html.contains(">Regain</header>"));
    assert!(m
        .html
        .contains("<p>Ciao &lt;Anna&gt; &amp; co,<br>\nil codice è 48151623.</p>"));
    assert!(m
        .html
        .contains("<a href=\"https://regain.example/report?a=1&amp;b=2\""));

    let s = state(&d.store, id).await;
    assert_eq!(
        (s.sent_at, s.attempts, s.claimed_until),
        (Some(START + 3), 1, None)
    );
    assert!(s.provider_id.is_some_and(|p| !p.is_empty()));
    assert_eq!((s.failed_at, s.last_error), (None, None));
}

async fn sms_goes_to_the_gateway_signed(db: Db) {
    const SECRET: &str = "gateway-secret-0123456789";
    let d = database(db).await;
    let (url, received) = sms_gateway(SECRET).await;
    let sms = NewMessage {
        channel: "sms",
        recipient: "+393331234567".into(),
        locale: "en".into(),
        subject: String::new(),
        body: format!("Regain code: {CODE}"),
    };
    let id = queue_message(&d.store, &sms, START).await;
    let gateway = |secret: &str| Transports {
        email: None,
        sms: Some(Arc::new(
            SmsGateway::new(
                parse_gateway_url(&url).unwrap(),
                app::domain::secret::SecretString::new(secret),
                Duration::from_secs(5),
            )
            .unwrap(),
        )),
    };
    let w = worker(&d, d.store.clone(), gateway(SECRET));
    assert_eq!(w.run_once().await.unwrap(), sent(1));
    let got = received.lock().unwrap().clone();
    assert_eq!(
        got,
        [servers::Sms {
            to: "+393331234567".into(),
            text: format!("Regain code: {CODE}"),
            id: id.to_string(),
        }]
    );
    assert_eq!(
        state(&d.store, id).await.provider_id.as_deref(),
        Some("gw-1")
    );

    // Signed with the wrong key, the gateway refuses: a permanent failure, given up at once.
    let id = queue_message(&d.store, &sms, START).await;
    let w = worker(&d, d.store.clone(), gateway("not-the-gateway-secret"));
    let round = w.run_once().await.unwrap();
    assert_eq!(round.failed, 1);
    let s = state(&d.store, id).await;
    assert_eq!((s.failed_at, s.attempts, s.sent_at), (Some(START), 1, None));
    assert_eq!(s.last_error.as_deref(), Some("sms gateway answered 401"));
    assert_eq!(received.lock().unwrap().len(), 1);
}

async fn a_failing_transport_backs_off_then_gives_up(db: Db) {
    let d = database(db).await;
    // A real connection refused: nothing listens on the port.
    let closed = format!("smtp://127.0.0.1:{}?tls=none", servers::free_port());
    let id = queue_message(&d.store, &mail("anna@example.com"), START).await;
    let w = worker(&d, d.store.clone(), smtp(&closed));
    for attempt in 1..=MAX_ATTEMPTS {
        let round = w.run_once().await.unwrap();
        let s = state(&d.store, id).await;
        assert_eq!(s.attempts, attempt);
        assert_eq!(s.claimed_until, None, "the lease is released");
        let error = s.last_error.unwrap();
        assert!(error.starts_with("smtp:"), "{error}");
        assert!(!error.contains(CODE) && !error.contains("Ciao"), "{error}");
        if attempt == MAX_ATTEMPTS {
            assert_eq!(round.failed, 1);
            assert_eq!(s.failed_at, Some(d.clock_now()));
            break;
        }
        assert_eq!((round.retrying, s.failed_at), (1, None));
        let delay = retry_delay(attempt);
        assert_eq!(s.next_attempt_at, d.clock_now() + delay);
        d.clock.advance(delay - 1);
        assert_eq!(w.run_once().await.unwrap(), Round::default(), "not yet due");
        d.clock.advance(1);
    }
    d.clock.advance(100_000);
    assert_eq!(
        w.run_once().await.unwrap(),
        Round::default(),
        "given up for good"
    );
    assert_eq!(state(&d.store, id).await.attempts, MAX_ATTEMPTS);
}

impl Db0 {
    fn clock_now(&self) -> i64 {
        use app::server::clock::Clock;
        self.clock.now()
    }
}

async fn a_sent_message_is_not_sent_again_after_a_restart(db: Db) {
    let d = database(db).await;
    let smtpd = Aiosmtpd::start().await;
    let id = queue_message(&d.store, &mail("anna@example.com"), START).await;
    assert_eq!(
        worker(&d, d.store.clone(), smtp(&smtpd.url()))
            .run_once()
            .await
            .unwrap(),
        sent(1)
    );
    d.store.close().await;

    // A new process: its own pool, its own worker, later.
    let store = Store::connect(&d.url).await.unwrap();
    store.migrate().await.unwrap();
    let w = worker(&d, store.clone(), smtp(&smtpd.url()));
    for _ in 0..3 {
        d.clock.advance(86_400);
        assert_eq!(w.run_once().await.unwrap(), Round::default());
    }
    assert_eq!(smtpd.wait_for(1).await.len(), 1);
    assert_eq!(state(&store, id).await.attempts, 1);
}

async fn a_dead_workers_lease_expires_and_another_worker_delivers(db: Db) {
    let d = database(db).await;
    let smtpd = Aiosmtpd::start().await;
    let id = queue_message(&d.store, &mail("anna@example.com"), START).await;
    let lease = settings().lease_secs();
    // The first worker claims the message and dies before it sends or releases anything.
    let claim = queue::claim_next(&d.store, &["email"], START, lease)
        .await
        .unwrap();
    assert_eq!(claim.map(|c| c.message.id), Some(id));

    let w = worker(&d, d.store.clone(), smtp(&smtpd.url()));
    assert_eq!(
        w.run_once().await.unwrap(),
        Round::default(),
        "leased to the dead worker"
    );
    d.clock.advance(lease - 1);
    assert_eq!(
        w.run_once().await.unwrap(),
        Round::default(),
        "lease not yet expired"
    );
    d.clock.advance(1);
    assert_eq!(w.run_once().await.unwrap(), sent(1));
    assert_eq!(smtpd.wait_for(1).await.len(), 1);
    let s = state(&d.store, id).await;
    assert_eq!((s.attempts, s.sent_at), (2, Some(START + lease)));
}

async fn two_workers_deliver_each_message_exactly_once(db: Db) {
    const MESSAGES: usize = 12;
    let d = database(db).await;
    let smtpd = Aiosmtpd::start().await;
    for i in 0..MESSAGES {
        queue_message(&d.store, &mail(&format!("user{i}@example.com")), START).await;
    }
    // Two instances sharing the database: separate pools, separate workers.
    let other = Store::connect(&d.url).await.unwrap();
    let a = worker(&d, d.store.clone(), smtp(&smtpd.url()));
    let b = worker(&d, other, smtp(&smtpd.url()));
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, MESSAGES, "{ra:?} {rb:?}");
    assert_eq!(ra.retrying + rb.retrying + ra.failed + rb.failed, 0);

    let mails = smtpd.wait_for(MESSAGES).await;
    assert_eq!(mails.len(), MESSAGES);
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), MESSAGES, "each message exactly once");
    let attempts: Vec<i64> = sqlx::query_scalar("SELECT attempts FROM outbox")
        .fetch_all(d.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, vec![1; MESSAGES]);
}

async fn the_dev_mailbox_shows_what_was_delivered_and_what_waits(db: Db) {
    use app::server::delivery::dev_mailbox::{DevMailbox, PROVIDER_ID};
    let t = crate::support::TestApp::with_dev(db, true).await;
    let store = &t.state.store;
    let id = queue_message(store, &mail("anna@example.com"), START).await;
    let page = t.get("/dev/mailbox", None).await;
    assert!(
        page.body.contains("data-status=\"queued\""),
        "{}",
        page.body
    );

    // Development without SMTP: "delivered" to the mailbox, and recorded as sent.
    let transports = Transports {
        email: Some(Arc::new(DevMailbox)),
        sms: Some(Arc::new(DevMailbox)),
    };
    let w = Worker::new(store.clone(), t.clock.clone(), transports, settings());
    assert_eq!(w.run_once().await.unwrap(), sent(1));
    let s = state(store, id).await;
    assert_eq!(
        (s.sent_at, s.provider_id.as_deref()),
        (Some(START), Some(PROVIDER_ID))
    );
    let page = t.get("/dev/mailbox", None).await;
    assert!(page.body.contains("data-status=\"sent\""), "{}", page.body);
    assert!(
        page.body.contains("data-status=\"sent\">Sent"),
        "{}",
        page.body
    );
    let api = t.call("dev/mailbox", &[], None).await;
    assert!(api.body.contains("\"status\":\"Sent\""), "{}", api.body);
}
