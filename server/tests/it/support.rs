//! A portal built in-process with a controllable clock, reached through `oneshot`.
use app::server::clock::ManualClock;
use app::server::hashing::{HashCost, PasswordHasher};
use app::server::keys::Keys;
use app::server::pow::PowSettings;
use app::server::state::Settings;
use app::server::store::{NewUser, Organisation, Role, Store};
use app::server::AppState;
use axum::body::Body;
use axum::Router;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

pub const START: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";
/// The tests' proof of work: a few hundred PBKDF2 iterations to solve one, in debug.
pub const POW_TEST_COST: u32 = 10;
pub const POW_TEST_COUNTER_MAX: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Db)` once per database, as two `#[tokio::test]`s.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::support::Db::Sqlite).await } )*
        }
        mod on_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::support::Db::Postgres).await } )*
        }
    };
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub org: Organisation,
    pub database_url: String,
    pub _dir: Arc<tempfile::TempDir>,
}

/// A fresh, empty database of the given kind: a new SQLite file, or a new database on
/// the test PostgreSQL server.
pub async fn fresh_database(db: Db, dir: &std::path::Path) -> String {
    match db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("regain.db").display()),
        Db::Postgres => {
            let base = std::env::var("POSTGRES_TEST_URL").expect(
                "POSTGRES_TEST_URL is not set: run the tests with `./dev test`, which \
                 starts a PostgreSQL server, or point it at one (postgres://user@host:port)",
            );
            let base = base.trim_end_matches('/').to_owned();
            let name = format!("regain_t_{:016x}", rand::random::<u64>());
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&format!("{base}/postgres"))
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            format!("{base}/{name}")
        }
    }
}

impl TestApp {
    pub async fn new(db: Db) -> Self {
        Self::with_dev(db, false).await
    }

    pub async fn with_dev(db: Db, dev: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(db, dir.path()).await;
        let store = Store::connect(&database_url).await.unwrap();
        store.migrate().await.unwrap();
        let clock = ManualClock::new(START);
        let state = AppState {
            leptos_options: server::cli::leptos_options("127.0.0.1:3000".parse().unwrap()),
            store,
            hasher: PasswordHasher::new(HashCost::cheap(), 2).unwrap(),
            keys: Arc::new(Keys::random()),
            clock: clock.clone(),
            settings: Arc::new(Settings {
                dev,
                public_url: "http://127.0.0.1:3000".into(),
                sessions: Default::default(),
                recovery: Default::default(),
                // A cheap proof of work keeps the tests fast; `pow` tests set their own.
                pow: PowSettings::new(POW_TEST_COST, POW_TEST_COUNTER_MAX),
                metrics_token: None,
            }),
        };
        let org = state
            .store
            .create_org("acme", "Acme Test", &["example.com".to_owned()], START)
            .await
            .unwrap();
        Self {
            router: server::router(state.clone()),
            state,
            clock,
            org,
            database_url,
            _dir: Arc::new(dir),
        }
    }

    /// Another server instance on the same database, with the same key and clock, as
    /// behind a load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let store = Store::connect(&self.database_url).await.unwrap();
        let state = AppState {
            store,
            ..self.state.clone()
        };
        TestApp {
            router: server::router(state.clone()),
            state,
            clock: self.clock.clone(),
            org: self.org.clone(),
            database_url: self.database_url.clone(),
            _dir: self._dir.clone(),
        }
    }

    /// Creates an active user with [`PASSWORD`] (or a temporary one that must change).
    pub async fn user(&self, email: &str, role: Role, must_change: bool) -> i64 {
        self.user_of(self.org.id, email, role, must_change).await
    }

    /// The same, in organisation `org_id`.
    /// Stores `count` security answers for `user_id`: question `qNN` answered
    /// "`answer_prefix` N" (N from 1), as registration would have hashed them.
    pub async fn answer_questions(&self, user_id: i64, answer_prefix: &str, count: u32) {
        let mut answers = Vec::new();
        for n in 1..=count {
            let answer = app::domain::methods::normalize_answer(&format!("{answer_prefix} {n}"));
            let hash = self
                .state
                .hasher
                .hash(&app::domain::secret::SecretString::new(answer))
                .await
                .unwrap();
            answers.push((format!("q{n:02}"), hash));
        }
        let audit = app::server::store::AuditEvent {
            at: START,
            actor: "test".into(),
            action: "test.setup".into(),
            outcome: "success".into(),
            ..Default::default()
        };
        let effects = app::server::store::methods::Effects {
            messages: &[],
            audit: &audit,
        };
        self.state
            .store
            .replace_security_answers(user_id, &answers, &effects, START)
            .await
            .unwrap();
    }

    pub async fn user_of(&self, org_id: i64, email: &str, role: Role, must_change: bool) -> i64 {
        let hash = self
            .state
            .hasher
            .hash(&app::domain::secret::SecretString::new(PASSWORD))
            .await
            .unwrap();
        self.state
            .store
            .create_user(
                &NewUser {
                    org_id,
                    email: email.to_owned(),
                    email_canonical: email.to_lowercase(),
                    display_name: format!("Test {email}"),
                    given_name: "Test".into(),
                    family_name: "User".into(),
                    role,
                    password_hash: Some(hash),
                    must_change_password: must_change,
                },
                START,
            )
            .await
            .unwrap()
    }

    /// Enrols an authenticator for user `id` (signed in as `email`) through the
    /// security-info pages, confirmed with this step's code; returns its secret.
    pub async fn enrol_authenticator(&self, id: i64, email: &str) -> app::server::totp::TotpSecret {
        use app::server::store::methods::ContactKind;
        use app::server::totp;
        let session = self.sign_in(email, PASSWORD).await;
        self.post_form("security/authenticator/begin", &[], Some(&session))
            .await;
        let row = self
            .state
            .store
            .methods(id)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == ContactKind::Authenticator)
            .unwrap();
        let seed = self.state.keys.open("totp-seed", &row.value).unwrap();
        let secret = totp::TotpSecret::from_bytes(&seed).unwrap();
        let code = totp::code_at(&secret, self.state.now() / 30);
        let confirmed = self
            .call(
                "security/authenticator/confirm",
                &[("code", &code)],
                Some(&session),
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
        secret
    }

    /// A user with a verified alternate email `alternate`, as the demo data registers it.
    pub async fn user_with_alternate(&self, email: &str, role: Role, alternate: &str) -> i64 {
        let id = self.user(email, role, false).await;
        self.state
            .store
            .add_demo_method(
                id,
                app::server::store::methods::ContactKind::Email,
                alternate,
                START,
            )
            .await
            .unwrap();
        id
    }

    /// Locks user `id` out of signing in for `seconds`, as ten wrong passwords would.
    pub async fn lock_out(&self, id: i64, seconds: i64) {
        use app::domain::lockout::LockoutState;
        let now = self.state.now();
        let locked = LockoutState {
            failures: 10,
            locked_until: Some(now + seconds),
            last_failure: None,
        };
        assert!(self
            .state
            .store
            .swap_lockout(id, &LockoutState::default(), &locked, now)
            .await
            .unwrap());
    }

    /// The 8-digit code in the newest message to `to`, if anything was sent there.
    pub async fn code_sent_to(&self, to: &str) -> Option<String> {
        let mail = self.state.store.recent_messages(50).await.unwrap();
        let m = mail.iter().find(|m| m.recipient == to)?;
        m.body
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 8)
            .map(str::to_owned)
    }

    /// Gives user `id` a new set of recovery codes, as registration would store them;
    /// returns them.
    pub async fn give_recovery_codes(&self, id: i64) -> Vec<String> {
        use app::server::recovery_codes;
        let codes = recovery_codes::generate();
        let fingerprints: Vec<String> = codes
            .iter()
            .map(|c| {
                recovery_codes::fingerprint(
                    &self.state.keys,
                    &recovery_codes::normalize(c).unwrap(),
                )
            })
            .collect();
        let audit = app::server::store::AuditEvent {
            actor: "test".into(),
            action: "test".into(),
            outcome: "success".into(),
            ..Default::default()
        };
        self.state
            .store
            .replace_recovery_codes(
                id,
                &fingerprints,
                ("no-session", "none", 0),
                &app::server::store::methods::Effects {
                    messages: &[],
                    audit: &audit,
                },
                START,
            )
            .await
            .unwrap();
        codes
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header("accept", "text/html");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A server function call as the hydrated page makes it (JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        self.post(endpoint, form, cookie, "application/json").await
    }

    /// The same form posted by a browser without JavaScript.
    pub async fn post_form(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        self.post(endpoint, form, cookie, "text/html").await
    }

    async fn post(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        accept: &str,
    ) -> Reply {
        let body = form_encode(form);
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", body.len())
            .header("accept", accept)
            .header("referer", "http://127.0.0.1:3000/login")
            .header("sec-fetch-site", "same-origin");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A sign-in attempt as the hydrated page makes it.
    pub async fn login(&self, user_id: &str, password: &str) -> Reply {
        self.call(
            "auth/login",
            &[("user_id", user_id), ("password", password)],
            None,
        )
        .await
    }

    /// The account's consecutive sign-in failures as stored.
    pub async fn failures(&self, user_id: i64) -> u32 {
        self.state
            .store
            .find_user(user_id)
            .await
            .unwrap()
            .unwrap()
            .lockout
            .failures
    }

    /// Signs in and returns the `name=value` of the session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let reply = self
            .call(
                "auth/login",
                &[("user_id", email), ("password", password)],
                None,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in failed: {}",
            reply.body
        );
        reply.session_cookie().expect("a session cookie")
    }
}

pub fn form_encode(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as it came, for what isn't text (a compressed file).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookie("regain_session")
    }

    /// The recovery flow's cookie this reply sets, as `name=value`.
    pub fn recovery_cookie(&self) -> Option<String> {
        self.cookie("regain_recovery")
    }

    /// The cookie `name` this reply sets (not one it clears), as `name=value`.
    fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&prefix) && !c.contains("Max-Age=0"))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }
}
