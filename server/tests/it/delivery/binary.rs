//! The real `regain serve`, killed with SIGKILL while it waits for an SMTP server to
//! confirm a mail: the message stays claimed until its lease expires, and a fresh process
//! delivers it exactly once.
use super::servers::{eventually, stalling_smtp, Aiosmtpd};
use super::{database, mail, queue_message, state, FROM};
use crate::support::Db;
use std::process::{Child, Command, Stdio};

/// `delivery_timeout` for the spawned servers: short, so the lease (2 × 3 + 5 = 11 s)
/// expires within the test.
const TIMEOUT_SECS: &str = "3";

fn regain(dir: &std::path::Path, database_url: &str, smtp_url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_regain"))
        .arg("serve")
        .current_dir(dir)
        // Only what we set: no REGAIN_* from the environment running the tests.
        .env_clear()
        .env("REGAIN_DATA_DIR", dir)
        .env("REGAIN_DATABASE_URL", database_url)
        .env("REGAIN_ADDR", "127.0.0.1:0")
        .env("REGAIN_SMTP_URL", smtp_url)
        .env("REGAIN_MAIL_FROM", FROM)
        .env("REGAIN_DELIVERY_TIMEOUT", TIMEOUT_SECS)
        .env("REGAIN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn kill_9_mid_delivery_loses_nothing_and_sends_once(db: Db) {
    let d = database(db).await;
    let data = tempfile::tempdir().unwrap();
    let clock_now = app::server::clock::Clock::now(&app::server::clock::SystemClock);
    let id = queue_message(&d.store, &mail("anna@example.com"), clock_now).await;

    let (stall_port, mut swallowed) = stalling_smtp().await;
    let stall_url = format!("smtp://127.0.0.1:{stall_port}?tls=none");
    let mut first = Running(regain(data.path(), &d.url, &stall_url));
    tokio::time::timeout(std::time::Duration::from_secs(30), swallowed.recv())
        .await
        .expect("the first server sends the mail to the stalling SMTP server");
    let s = state(&d.store, id).await;
    assert!(s.claimed_until.is_some() && s.sent_at.is_none(), "{s:?}");
    first.0.kill().unwrap(); // SIGKILL: no shutdown, no release of the lease
    first.0.wait().unwrap();

    let smtpd = Aiosmtpd::start().await;
    let _second = Running(regain(data.path(), &d.url, &smtpd.url()));
    let store = &d.store;
    let s = eventually(60, "the second server to deliver", || async move {
        let s = state(store, id).await;
        s.sent_at.is_some().then_some(s)
    })
    .await;
    assert_eq!(s.attempts, 2, "{s:?}");
    let mails = smtpd.wait_for(1).await;
    // Another worker interval (2 s) or so: nothing else goes out.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(smtpd.mails().len(), 1, "{mails:?}");
    assert_eq!(
        smtpd.mails()[0].message_id,
        format!("<outbox.{id}.{clock_now}@regain.example>")
    );
}
