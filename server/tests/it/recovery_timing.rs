//! A benchmark, not a test: does any recovery step's answer tell accounts apart by its
//! timing, status, redirect or body length? It walks one flow per kind of account per
//! round — known, unknown, disabled, locked, no method, and a known account that types
//! another address ("mismatch") — over a real loopback TCP socket, in a shuffled order,
//! and prints per step the two-sample Kolmogorov–Smirnov p-value of every kind's
//! latencies against the known account's, and whether the answers' status, `Location`
//! and body length were the same. It asserts nothing about timing, only that every
//! request got an answer that isn't a server error.
//!
//! It walks the flows twice, once per surface: as the hydrated pages call the server
//! functions (`/api/recovery/…`, form posts, the flow in its cookie) and as a native
//! client calls the JSON API (`/api/v1/recovery/…`, JSON bodies, the flow in the
//! `Regain-Flow` header), each with its own report.
//!
//! `./dev bench timing` runs it on a release build; by hand:
//! `cargo test --release -p server --test it recovery_timing -- --ignored --nocapture --test-threads=1`
//!
//! Environment: `REGAIN_BENCH_ROUNDS` (200), `REGAIN_BENCH_DEADLINE_MS` (25, every step's
//! deadline), `REGAIN_BENCH_SEED` (random; printed, to repeat an order),
//! `REGAIN_BENCH_DB=postgres` (SQLite by default; PostgreSQL needs `POSTGRES_TEST_URL`),
//! `REGAIN_BENCH_SURFACE` (`pages`, `api`, or both by default).
use crate::support::{Db, TestApp, START};
use app::server::recovery::limits::{Limit, StepDeadlines};
use app::server::state::Settings;
use app::server::store::methods::ContactKind;
use app::server::store::{Role, UserStatus};
use app::server::AppState;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DEFAULT_ROUNDS: usize = 200;
const DEFAULT_DEADLINE_MS: u64 = 25;
/// Recovery's cooldown between two codes of one flow is 60 s; the clock moves past it
/// before each resend, so a real resend sends (the revealing case) rather than refusing.
const RESEND_AFTER_SECONDS: i64 = 61;
/// Between rounds: longer than every window, cooldown and pause (at most 24 h).
const ROUND_SECONDS: i64 = 86_400;
const WRONG_CODE: &str = "00000000";
/// Decoy identifiers drawn again at most this often when their hints have no email.
const MAX_REDRAWS: usize = 50;
/// Between preparing a flow's account and its start.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(20);

/// The kinds of account compared, each in its own flow every round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Active, with a verified alternate email; types it in full at the method step.
    Known,
    /// No account; an address at the organisation's domain.
    Unknown,
    /// Disabled, with the same alternate email, typed in full.
    Disabled,
    /// Active, sign-in locked out, with the same alternate email, typed in full.
    Locked,
    /// Active, without any method.
    NoMethod,
    /// Like `Known`, but types another address at the method step. Before that step it
    /// is a second known account: its rows there are a control (same code path twice).
    Mismatch,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Known,
        Kind::Unknown,
        Kind::Disabled,
        Kind::Locked,
        Kind::NoMethod,
        Kind::Mismatch,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Known => "known",
            Kind::Unknown => "unknown",
            Kind::Disabled => "disabled",
            Kind::Locked => "locked",
            Kind::NoMethod => "no-method",
            Kind::Mismatch => "mismatch",
        }
    }

    /// One letter in the identifier, so that every kind's identifiers have one length.
    fn letter(self) -> char {
        match self {
            Kind::Known => 'k',
            Kind::Unknown => 'u',
            Kind::Disabled => 'd',
            Kind::Locked => 'l',
            Kind::NoMethod => 'n',
            Kind::Mismatch => 'm',
        }
    }

    /// Whether the portal answers this identifier with a decoy flow (its hints are
    /// drawn from the identifier, so they need not include an email).
    fn is_decoy(self) -> bool {
        matches!(self, Kind::Unknown | Kind::Disabled | Kind::NoMethod)
    }
}

/// How a client reaches the recovery steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    /// The pages' server functions: form posts to `/api/recovery/…`, the flow's cookie.
    Pages,
    /// The JSON API: JSON to `/api/v1/recovery/…`, the flow's token in a header.
    Api,
}

impl Surface {
    fn name(self) -> &'static str {
        match self {
            Surface::Pages => "pages (server functions, cookie)",
            Surface::Api => "JSON API (/api/v1, Regain-Flow header)",
        }
    }

    /// One letter in the identifiers, so that the two surfaces' accounts differ.
    fn letter(self) -> char {
        match self {
            Surface::Pages => 'p',
            Surface::Api => 'j',
        }
    }

    /// The surfaces `REGAIN_BENCH_SURFACE` asks for.
    fn chosen() -> Vec<Surface> {
        match std::env::var("REGAIN_BENCH_SURFACE").as_deref() {
            Err(_) | Ok("" | "both") => vec![Surface::Pages, Surface::Api],
            Ok("pages") => vec![Surface::Pages],
            Ok("api") => vec![Surface::Api],
            Ok(other) => panic!("REGAIN_BENCH_SURFACE={other}: pages, api or both"),
        }
    }
}

/// The requests timed in each flow, in the order a browser makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Start,
    PageWhy,
    Purpose,
    PageVerify,
    Method,
    Resend,
    Prove,
}

impl Stage {
    const ALL: [Stage; 7] = [
        Stage::Start,
        Stage::PageWhy,
        Stage::Purpose,
        Stage::PageVerify,
        Stage::Method,
        Stage::Resend,
        Stage::Prove,
    ];

    fn name(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::PageWhy => "page (why)",
            Stage::Purpose => "purpose",
            Stage::PageVerify => "page (verify)",
            Stage::Method => "method",
            Stage::Resend => "resend",
            Stage::Prove => "prove (wrong)",
        }
    }
}

/// What one timed request saw.
#[derive(Debug, Clone)]
struct Sample {
    /// From the first byte written to the last byte of the answer read.
    ms: f64,
    status: u16,
    location: Option<String>,
    body_len: usize,
    /// Kept to show what differs when lengths do.
    body: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints timings"]
async fn recovery_timing() {
    let rounds: usize = env_or("REGAIN_BENCH_ROUNDS", DEFAULT_ROUNDS);
    let deadline_ms: u64 = env_or("REGAIN_BENCH_DEADLINE_MS", DEFAULT_DEADLINE_MS);
    let seed: u64 = std::env::var("REGAIN_BENCH_SEED")
        .ok()
        .map(|s| s.trim().parse().expect("REGAIN_BENCH_SEED: a number"))
        .unwrap_or_else(rand::random);
    let db = match std::env::var("REGAIN_BENCH_DB").as_deref() {
        Err(_) | Ok("" | "sqlite") => Db::Sqlite,
        Ok("postgres") => Db::Postgres,
        Ok(other) => panic!("REGAIN_BENCH_DB={other}: sqlite or postgres"),
    };

    let app = TestApp::new(db).await;
    let state = benchmark_state(&app.state, deadline_ms);
    // Served as `regain serve` serves it (server/src/cli.rs): the client address comes
    // from the connection, as the per-IP limits read it.
    let router = server::router(state.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let d = state.settings.recovery.deadlines;
    println!();
    println!(
        "recovery timing: {} build, {db:?}, http://{addr}, {rounds} rounds (+1 warm-up), seed {seed}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );
    println!(
        "deadlines (ms): start {}, page {}, purpose {}, method {}, resend {}, prove {}",
        d.start_ms, d.page_ms, d.purpose_ms, d.method_ms, d.resend_ms, d.prove_ms
    );

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut server_errors = Vec::new();
    for surface in Surface::chosen() {
        println!();
        println!("== {}", surface.name());
        let mut samples: BTreeMap<(Stage, Kind), Vec<Sample>> = BTreeMap::new();
        let mut redrawn = 0;
        let mut without_flow = 0;
        let began = Instant::now();
        // Round 0 warms up (connection pool, prepared statements, first page of each
        // table) and is not recorded: its first-use costs would land on whichever kind
        // came first.
        for round in 0..=rounds {
            let mut order = Kind::ALL;
            order.shuffle(&mut rng);
            for kind in order {
                let walked = walk(&app, addr, surface, kind, round).await;
                server_errors.extend(walked.samples.iter().filter(|(_, s)| s.status >= 500).map(
                    |(stage, s)| {
                        format!(
                            "{surface:?}, round {round}, {} {}: {}",
                            kind.name(),
                            stage.name(),
                            s.status
                        )
                    },
                ));
                if round == 0 {
                    continue;
                }
                redrawn += walked.redraws;
                without_flow += usize::from(!walked.had_flow);
                for (stage, sample) in walked.samples {
                    samples.entry((stage, kind)).or_default().push(sample);
                }
            }
            // Fresh accounts every round, and the clock past every limit's window, so
            // nothing one round did shapes the next one's answers.
            app.clock.advance(ROUND_SECONDS);
            if round > 0 && round % 50 == 0 && round < rounds {
                println!(
                    "  … {round}/{rounds} rounds, {:.0} s",
                    began.elapsed().as_secs_f64()
                );
            }
        }
        println!(
            "{} flows in {:.0} s; decoy identifiers drawn again for want of an email hint: \
             {redrawn}; flows whose start gave no flow (cookie or token): {without_flow}",
            rounds * Kind::ALL.len(),
            began.elapsed().as_secs_f64()
        );
        print_report(&samples);
    }
    served.abort();

    assert!(server_errors.is_empty(), "server errors: {server_errors:?}");
}

/// The test portal's state with every step's deadline `deadline_ms`, and the per-IP
/// limits out of the way: every request of the benchmark comes from 127.0.0.1.
fn benchmark_state(state: &AppState, deadline_ms: u64) -> AppState {
    let mut recovery = state.settings.recovery.clone();
    recovery.deadlines = StepDeadlines::all(deadline_ms);
    recovery.starts_per_ip = Limit::new(1_000_000_000, 3600);
    recovery.starts_per_ip_without_pow = Limit::new(1_000_000_000, 3600);
    recovery.checks_per_ip = Limit::new(1_000_000_000, 60);
    AppState {
        settings: Arc::new(Settings {
            recovery,
            ..(*state.settings).clone()
        }),
        ..state.clone()
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        _ => default,
    }
}

/// An identifier to recover, and the address it types at the method step.
struct Subject {
    user_id: String,
    typed: String,
}

/// Creates the account of `kind` for this round (none for `Unknown`). Every kind's
/// identifier and addresses have the same length, so no answer differs by echoing them.
async fn prepare(
    app: &TestApp,
    surface: Surface,
    kind: Kind,
    round: usize,
    attempt: usize,
) -> Subject {
    let tag = format!(
        "{round:05}{}{}{attempt:02}",
        surface.letter(),
        kind.letter()
    );
    let user_id = format!("u{tag}@example.com");
    let alternate = format!("a{tag}@example.net");
    let typed = match kind {
        Kind::Known | Kind::Locked | Kind::Disabled => alternate.clone(),
        Kind::Unknown | Kind::NoMethod | Kind::Mismatch => format!("b{tag}@example.net"),
    };
    if kind != Kind::Unknown {
        let id = app.user(&user_id, Role::User, false).await;
        if kind != Kind::NoMethod {
            app.state
                .store
                .add_demo_method(id, ContactKind::Email, &alternate, START)
                .await
                .unwrap();
        }
        let now = app.state.now();
        match kind {
            Kind::Disabled => app
                .state
                .store
                .set_user_status(id, UserStatus::Disabled, now)
                .await
                .unwrap(),
            // As ten wrong passwords would leave it, but locked for years: the clock
            // moves a day every round.
            Kind::Locked => app.lock_out(id, 10 * 365 * 86_400).await,
            _ => {}
        }
    }
    Subject { user_id, typed }
}

/// One flow's timed requests.
struct Walked {
    samples: Vec<(Stage, Sample)>,
    redraws: usize,
    had_flow: bool,
}

/// One recovery step's request.
enum Call<'a> {
    Start {
        user_id: &'a str,
    },
    /// The flow as the page shows it.
    Flow,
    Purpose,
    Method {
        option: usize,
        typed: &'a str,
    },
    Resend,
    Prove {
        code: &'a str,
    },
}

/// Walks one flow of `kind` as a browser (or a native client) would, on one keep-alive
/// connection: start, the "why" page, the purpose, the "verify" page, the email method, a
/// resend after the cooldown, a wrong code. A decoy whose hints offer no email is drawn
/// again (the method step must be the same one for every kind); its samples are dropped.
async fn walk(
    app: &TestApp,
    addr: SocketAddr,
    surface: Surface,
    kind: Kind,
    round: usize,
) -> Walked {
    for attempt in 0..MAX_REDRAWS {
        let subject = prepare(app, surface, kind, round, attempt).await;
        // Preparing differs by kind (an Argon2 hash and one to three writes, or nothing),
        // and its after-effects (a freed 19 MiB, cold caches, a busy writer) would land
        // on the start if it followed at once: every kind's start waits the same pause.
        tokio::time::sleep(SETTLE).await;
        let mut client = Client::new(addr, surface);
        let mut samples = Vec::new();

        let start = client
            .call(
                &Call::Start {
                    user_id: &subject.user_id,
                },
                None,
            )
            .await;
        let flow = start.flow(surface);
        samples.push((Stage::Start, start.sample));
        let flow = flow.as_deref();
        let why = client.call(&Call::Flow, flow).await;
        samples.push((Stage::PageWhy, why.sample));
        let purpose = client.call(&Call::Purpose, flow).await;
        samples.push((Stage::Purpose, purpose.sample));
        let verify = client.call(&Call::Flow, flow).await;
        let option = email_gate(&verify.body);
        samples.push((Stage::PageVerify, verify.sample));
        let Some(option) = option else {
            assert!(
                kind.is_decoy() || flow.is_none(),
                "a {} account offers no email gate: {}",
                kind.name(),
                String::from_utf8_lossy(&verify.body)
            );
            if flow.is_some() {
                continue;
            }
            // No flow at all (the start was refused): every later step answers alike
            // anyway; keep timing them with the first gate.
            return finish(app, client, samples, flow, 0, &subject, attempt).await;
        };
        return finish(app, client, samples, flow, option, &subject, attempt).await;
    }
    panic!(
        "{} identifiers without an email hint {MAX_REDRAWS} times",
        kind.name()
    );
}

/// The method, resend and prove steps of a flow.
async fn finish(
    app: &TestApp,
    mut client: Client,
    mut samples: Vec<(Stage, Sample)>,
    flow: Option<&str>,
    option: usize,
    subject: &Subject,
    redraws: usize,
) -> Walked {
    let method = client
        .call(
            &Call::Method {
                option,
                typed: &subject.typed,
            },
            flow,
        )
        .await;
    samples.push((Stage::Method, method.sample));
    app.clock.advance(RESEND_AFTER_SECONDS);
    let resend = client.call(&Call::Resend, flow).await;
    samples.push((Stage::Resend, resend.sample));
    let prove = client.call(&Call::Prove { code: WRONG_CODE }, flow).await;
    samples.push((Stage::Prove, prove.sample));
    Walked {
        samples,
        redraws,
        had_flow: flow.is_some(),
    }
}

/// The `index` of the first email gate the flow's JSON offers.
fn email_gate(body: &[u8]) -> Option<usize> {
    let view: serde_json::Value = serde_json::from_slice(body).ok()?;
    view["gates"]
        .as_array()?
        .iter()
        .find(|g| g["kind"] == "email")
        .and_then(|g| g["index"].as_u64())
        .and_then(|i| usize::try_from(i).ok())
}

/// A bare HTTP/1.1 client, as an outside client sees the portal: one keep-alive
/// connection per flow (as a browser tab keeps one), reopened if the server closes it.
struct Client {
    addr: SocketAddr,
    surface: Surface,
    conn: Option<TcpStream>,
}

/// An answer: its sample, and what the flow needs from it.
struct Answer {
    sample: Sample,
    set_cookies: Vec<String>,
    body: Vec<u8>,
}

impl Answer {
    /// The header line that carries the flow this start answered with: the recovery
    /// cookie the pages' start sets (unless it clears it), or the JSON API's token.
    fn flow(&self, surface: Surface) -> Option<String> {
        match surface {
            Surface::Pages => self
                .set_cookies
                .iter()
                .find(|c| c.starts_with("regain_recovery=") && !c.contains("Max-Age=0"))
                .and_then(|c| c.split(';').next())
                .map(|c| format!("cookie: {c}")),
            Surface::Api => {
                let started: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
                let token = started["flow_token"].as_str()?;
                Some(format!("{}: {token}", app::server::recovery::FLOW_HEADER))
            }
        }
    }
}

impl Client {
    fn new(addr: SocketAddr, surface: Surface) -> Self {
        Self {
            addr,
            surface,
            conn: None,
        }
    }

    /// One step, as this client's surface calls it. The pages call a server function as
    /// the hydrated page does: a form post to `/api/…` that asks for JSON, from our own
    /// origin. A native client sends JSON to `/api/v1/…`, with no browser's headers.
    async fn call(&mut self, call: &Call<'_>, flow: Option<&str>) -> Answer {
        let (method, path, content_type, body) = match self.surface {
            Surface::Pages => {
                let (endpoint, form): (&str, Vec<(&str, String)>) = match call {
                    Call::Start { user_id } => ("start", vec![("user_id", user_id.to_string())]),
                    Call::Flow => ("flow", vec![]),
                    Call::Purpose => ("purpose", vec![("purpose", "reset".into())]),
                    Call::Method { option, typed } => (
                        "method",
                        vec![("option", option.to_string()), ("typed", typed.to_string())],
                    ),
                    Call::Resend => ("resend", vec![]),
                    Call::Prove { code } => ("prove", vec![("code", code.to_string())]),
                };
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                (
                    "POST",
                    format!("/api/recovery/{endpoint}"),
                    Some("application/x-www-form-urlencoded"),
                    crate::support::form_encode(&form),
                )
            }
            Surface::Api => {
                let (method, endpoint, json) = match call {
                    Call::Start { user_id } => (
                        "POST",
                        "start",
                        Some(serde_json::json!({ "user_id": user_id })),
                    ),
                    Call::Flow => ("GET", "flow", None),
                    Call::Purpose => (
                        "POST",
                        "purpose",
                        Some(serde_json::json!({ "purpose": "reset" })),
                    ),
                    Call::Method { option, typed } => (
                        "POST",
                        "method",
                        Some(serde_json::json!({ "option": option, "typed": typed })),
                    ),
                    Call::Resend => ("POST", "resend", None),
                    Call::Prove { code } => {
                        ("POST", "code", Some(serde_json::json!({ "code": code })))
                    }
                };
                (
                    method,
                    format!("/api/v1/recovery/{endpoint}"),
                    json.as_ref().map(|_| "application/json"),
                    json.map(|j| j.to_string()).unwrap_or_default(),
                )
            }
        };
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\n\
             host: {}\r\n\
             accept: application/json\r\n\
             user-agent: regain-timing-bench\r\n",
            self.addr,
        );
        if self.surface == Surface::Pages {
            request.push_str(&format!(
                "referer: http://127.0.0.1:3000{}\r\nsec-fetch-site: same-origin\r\n",
                app::routes::RECOVER
            ));
        }
        if let Some(content_type) = content_type {
            request.push_str(&format!("content-type: {content_type}\r\n"));
        }
        if method == "POST" {
            request.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        if let Some(flow) = flow {
            request.push_str(&format!("{flow}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        // Connecting is not part of the answer's time: a browser reuses its connection.
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            self.conn = Some(stream);
        }
        let stream = self.conn.as_mut().unwrap();
        let started = Instant::now();
        stream.write_all(request.as_bytes()).await.unwrap();
        let response = read_response(stream).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if response.close {
            self.conn = None;
        }
        let header = |name: &str| -> Vec<String> {
            response
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .collect()
        };
        Answer {
            sample: Sample {
                ms,
                status: response.status,
                location: header("location").into_iter().next(),
                body_len: response.body.len(),
                body: String::from_utf8_lossy(&response.body).into_owned(),
            },
            set_cookies: header("set-cookie"),
            body: response.body,
        }
    }
}

struct Response {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The server will close the connection after this answer.
    close: bool,
}

/// Reads one HTTP/1.1 response: by `content-length`, chunked, or to the end of the
/// connection.
async fn read_response(stream: &mut TcpStream) -> Response {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n", 0) {
            break i + 4;
        }
        assert!(read_more(stream, &mut buf).await, "closed before an answer");
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let value = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut close = value("connection").is_some_and(|v| v.contains("close"));
    let body = if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if value("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(stream, &mut buf, head_end).await
    } else if let Some(len) = value("content-length") {
        let len: usize = len.parse().unwrap();
        while buf.len() < head_end + len {
            assert!(read_more(stream, &mut buf).await, "closed mid-body");
        }
        buf[head_end..head_end + len].to_vec()
    } else {
        close = true;
        while read_more(stream, &mut buf).await {}
        buf[head_end..].to_vec()
    };
    Response {
        status,
        headers,
        body,
        close,
    }
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>, mut at: usize) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n", at) {
                break i;
            }
            assert!(read_more(stream, buf).await, "closed mid-chunk");
        };
        let size_text = String::from_utf8_lossy(&buf[at..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size {size_text:?}"));
        at = line_end + 2;
        if size == 0 {
            // Trailers, if any, then the empty line.
            loop {
                let end = loop {
                    if let Some(i) = find(buf, b"\r\n", at) {
                        break i;
                    }
                    assert!(read_more(stream, buf).await, "closed in trailers");
                };
                let empty = end == at;
                at = end + 2;
                if empty {
                    return body;
                }
            }
        }
        while buf.len() < at + size + 2 {
            assert!(read_more(stream, buf).await, "closed mid-chunk");
        }
        body.extend_from_slice(&buf[at..at + size]);
        at += size + 2;
    }
}

/// Reads what has arrived; false at the end of the connection.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    stream.read_buf(buf).await.unwrap() > 0
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn print_report(samples: &BTreeMap<(Stage, Kind), Vec<Sample>>) {
    let latencies = |stage: Stage, kind: Kind| -> Vec<f64> {
        samples
            .get(&(stage, kind))
            .map(|l| l.iter().map(|s| s.ms).collect())
            .unwrap_or_default()
    };
    println!();
    println!(
        "Latency per step, each kind against the known account (\"mismatch\" is a second \
         known account\nuntil the method step, where it types another address: there it is \
         mismatch vs match).\nD and p: two-sample Kolmogorov–Smirnov; p < 0.01 (marked \"!\") \
         is unlikely if both sides come from one distribution,\nbut of 35 comparisons about \
         one in three runs shows one by chance: a real difference comes back with another \
         seed."
    );
    println!();
    println!(
        "{:<14} {:<22} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6} {:>9}",
        "step", "comparison", "n", "med ref", "med", "p95 ref", "p95", "D", "p"
    );
    for stage in Stage::ALL {
        let reference = latencies(stage, Kind::Known);
        for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Known) {
            let other = latencies(stage, kind);
            let comparison = if stage == Stage::Method && kind == Kind::Mismatch {
                "mismatch vs match".to_owned()
            } else {
                format!("{} vs known", kind.name())
            };
            let Some((d, p)) = ks_test(&reference, &other) else {
                println!("{:<14} {comparison:<22} no samples", stage.name());
                continue;
            };
            println!(
                "{:<14} {comparison:<22} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6.3} {:>9}{}",
                stage.name(),
                format!("{}/{}", reference.len(), other.len()),
                quantile(&reference, 0.5),
                quantile(&other, 0.5),
                quantile(&reference, 0.95),
                quantile(&other, 0.95),
                d,
                format_p(p),
                if p < 0.01 { " !" } else { "" },
            );
        }
    }

    println!();
    println!(
        "Answers per step (status, Location, body length; count of each value). A page lists \
         the account's\ngates: the known, locked and mismatch accounts here have one, an \
         email at example.net."
    );
    for stage in Stage::ALL {
        println!("{}:", stage.name());
        print_field(samples, stage, "status", |s| s.status.to_string());
        print_field(samples, stage, "location", |s| {
            s.location.clone().unwrap_or_else(|| "(none)".into())
        });
        if !print_field(samples, stage, "body length", |s| s.body_len.to_string()) {
            print_body_examples(samples, stage);
        }
    }
    println!();
}

/// One line if every kind's answers had one value for `field`, else each kind's values.
/// Whether they were alike.
fn print_field(
    samples: &BTreeMap<(Stage, Kind), Vec<Sample>>,
    stage: Stage,
    field: &str,
    value: impl Fn(&Sample) -> String,
) -> bool {
    let per_kind: Vec<(Kind, BTreeMap<String, usize>)> = Kind::ALL
        .into_iter()
        .map(|kind| {
            let mut counts = BTreeMap::new();
            for s in samples.get(&(stage, kind)).into_iter().flatten() {
                *counts.entry(value(s)).or_insert(0) += 1;
            }
            (kind, counts)
        })
        .collect();
    let mut all: Vec<&String> = per_kind.iter().flat_map(|(_, c)| c.keys()).collect();
    all.sort();
    all.dedup();
    if let [only] = all.as_slice() {
        println!("  {field:<12} alike: {only}");
        return true;
    }
    println!("  {field:<12} DIFFERS:");
    for (kind, counts) in &per_kind {
        let shown: Vec<String> = counts.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
        println!("    {:<10} {}", kind.name(), shown.join(", "));
    }
    false
}

/// The first body of each length seen at `stage`, and whose it was.
fn print_body_examples(samples: &BTreeMap<(Stage, Kind), Vec<Sample>>, stage: Stage) {
    let mut first: BTreeMap<usize, (Kind, &str)> = BTreeMap::new();
    for kind in Kind::ALL {
        for s in samples.get(&(stage, kind)).into_iter().flatten() {
            first.entry(s.body_len).or_insert((kind, &s.body));
        }
    }
    println!("  for example:");
    for (len, (kind, body)) in first {
        let shown: String = body.chars().take(300).collect();
        println!("    {len:>5} ({}): {shown}", kind.name());
    }
}

fn format_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// The `q` quantile of `values` (nearest rank), in their unit.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The two-sample Kolmogorov–Smirnov test: the statistic D and its asymptotic p-value,
/// or `None` if a sample is empty.
fn ks_test(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let d = ks_statistic(a, b);
    Some((d, ks_p_value(d, a.len(), b.len())))
}

/// D: the largest distance between the two samples' empirical distribution functions.
/// Tied values move both functions at once (each function is compared after all of
/// its values equal to the point have been counted).
fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut d: f64 = 0.0;
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    // Once one sample is used up its function is 1; the other's only climbs towards 1,
    // so the last distance computed is the largest that remains.
    d
}

/// The asymptotic p-value of D for samples of `n` and `m` (Numerical Recipes' `kstwo`):
/// Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D) with nₑ = n·m/(n+m).
fn ks_p_value(d: f64, n: usize, m: usize) -> f64 {
    let ne = (n * m) as f64 / (n + m) as f64;
    let root = ne.sqrt();
    q_ks((root + 0.12 + 0.11 / root) * d)
}

/// The Kolmogorov distribution's tail, Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}
/// (Numerical Recipes' `probks`): 1 at λ = 0, falling to 0. Where the series doesn't
/// converge (λ near 0) the answer is 1.
fn q_ks(lambda: f64) -> f64 {
    const EPS1: f64 = 0.001;
    const EPS2: f64 = 1.0e-8;
    let a2 = -2.0 * lambda * lambda;
    let mut sign = 2.0;
    let mut sum = 0.0;
    let mut previous: f64 = 0.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = sign * (a2 * k * k).exp();
        sum += term;
        if term.abs() <= EPS1 * previous || term.abs() <= EPS2 * sum {
            return sum.clamp(0.0, 1.0);
        }
        sign = -sign;
        previous = term.abs();
    }
    1.0
}

#[test]
fn ks_identical_samples_have_d_zero_and_p_one() {
    let a: Vec<f64> = (0..200).map(|i| 25.0 + f64::from(i) * 0.01).collect();
    let (d, p) = ks_test(&a, &a).unwrap();
    assert_eq!(d, 0.0);
    assert_eq!(p, 1.0);
    // Ties within and across samples don't make a distance.
    assert_eq!(ks_statistic(&[1.0, 1.0, 2.0, 2.0], &[2.0, 1.0]), 0.0);
}

#[test]
fn ks_shifted_samples_have_d_one_and_p_near_zero() {
    let a: Vec<f64> = (0..200).map(f64::from).collect();
    let b: Vec<f64> = a.iter().map(|x| x + 1000.0).collect();
    let (d, p) = ks_test(&a, &b).unwrap();
    assert_eq!(d, 1.0);
    assert!(p < 1e-20, "{p}");
    // A shift by one sample in 200 is nothing.
    let c: Vec<f64> = a.iter().map(|x| x + 1.0).collect();
    let (d, p) = ks_test(&a, &c).unwrap();
    assert!((d - 0.005).abs() < 1e-12, "{d}");
    assert!(p > 0.999_999, "{p}");
}

#[test]
fn ks_statistic_by_hand() {
    // 1..10 against 6..15: at 5 the first function is 0.5, the second 0.
    let a: Vec<f64> = (1..=10).map(f64::from).collect();
    let b: Vec<f64> = (6..=15).map(f64::from).collect();
    assert!((ks_statistic(&a, &b) - 0.5).abs() < 1e-12);
    assert!((ks_statistic(&b, &a) - 0.5).abs() < 1e-12);
    // Ties: at 1 the functions are 2/3 and 1/3; at 2 both are 1.
    assert!((ks_statistic(&[1.0, 1.0, 2.0], &[1.0, 2.0, 2.0]) - 1.0 / 3.0).abs() < 1e-12);
    // Unequal sizes: [1,2,3,4] against [2.5]: at 2 it's 0.5 and 0, at 2.5 0.5 and 1.
    assert!((ks_statistic(&[1.0, 2.0, 3.0, 4.0], &[2.5]) - 0.5).abs() < 1e-12);
}

#[test]
fn ks_kolmogorov_tail_matches_the_tables() {
    // Kolmogorov's distribution: P(K ≤ 1) = 0.7300, P(K ≤ 0.5) = 0.0361,
    // P(K ≤ 1.5) = 0.9778, P(K ≤ 2) = 0.99933; and the usual critical values
    // 1.224, 1.358, 1.628 of the 10 %, 5 % and 1 % levels.
    let close = |lambda: f64, q: f64, tol: f64| {
        let got = q_ks(lambda);
        assert!((got - q).abs() < tol, "Q({lambda}) = {got}, not {q}");
    };
    close(1.0, 0.27000, 5e-5);
    close(0.5, 0.96394, 5e-5);
    close(1.5, 0.02222, 5e-5);
    close(2.0, 0.00067, 1e-5);
    close(1.224, 0.100, 1e-3);
    close(1.358, 0.050, 1e-3);
    close(1.628, 0.010, 5e-4);
    assert_eq!(q_ks(0.0), 1.0);
    assert!(q_ks(10.0) < 1e-80);
}

#[test]
fn ks_p_value_by_hand() {
    // 1..10 against 6..15: D = 0.5, nₑ = 5, λ = (√5 + 0.12 + 0.11/√5)·0.5 = 1.20263,
    // Q = 2(e^(−2λ²) − e^(−8λ²) + …) = 0.11084.
    let a: Vec<f64> = (1..=10).map(f64::from).collect();
    let b: Vec<f64> = (6..=15).map(f64::from).collect();
    let (d, p) = ks_test(&a, &b).unwrap();
    assert!((d - 0.5).abs() < 1e-12);
    assert!((p - 0.11084).abs() < 5e-5, "{p}");
    assert_eq!(ks_test(&a, &[]), None);
}
