//! No secret reaches a log line: everything the portal logs during sign-ins, failures and a
//! password change, at the most verbose level, is captured and searched for the secrets.
use crate::support::{Db, TestApp, PASSWORD};
use app::server::store::Role;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

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

fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .try_init()
                .expect("the only global subscriber of this test binary");
            captured
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line() {
    let captured = capture();
    let t = TestApp::new(Db::Sqlite).await;
    t.user("new@example.com", Role::User, true).await;
    let wrong = "Wrong-Secret-Typed-7731";
    let new = "New-Secret-Passphrase-5521";
    t.login("new@example.com", wrong).await;
    // A password typed into the user ID field is a classic leak.
    t.login(wrong, wrong).await;
    let reply = t.login("new@example.com", PASSWORD).await;
    let cookie = reply.session_cookie().unwrap();
    t.call(
        "account/temporary-password",
        &[("current", PASSWORD), ("new", new), ("confirm", new)],
        Some(&cookie),
    )
    .await;
    t.call("auth/logout", &[], Some(&cookie)).await;
    // Something was logged at all, or this test would prove nothing.
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(!text.is_empty(), "the subscriber captured nothing");
    let token = cookie.split_once('=').unwrap().1;
    for secret in [wrong, new, PASSWORD, token] {
        assert!(!text.contains(secret), "a secret reached the log");
    }
    let hash = t
        .state
        .store
        .find_user_by_email("new@example.com")
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert!(!text.contains(&hash));
}
