//! The anti-bot proof of work: challenges issued by the server, solved by the browser's
//! own solver (`domain::pow`), redeemed once, on both databases.
use crate::support::{Db, TestApp, POW_TEST_COUNTER_MAX};
use app::domain::pow::{Challenge, Payload, Puzzle, DATA_COUNTER_MAX, DATA_EXPIRES};
use app::server::pow::{self, PowSettings, LIFETIME_SECONDS};
use app::server::state::Settings;
use app::server::AppState;
use std::sync::Arc;

crate::db_tests!(
    issued_solved_redeemed_once,
    tampered_payloads_are_refused,
    malformed_payloads_are_refused,
    expired_challenges_are_refused,
    a_surge_raises_the_difficulty,
    concurrent_redemptions_succeed_once,
);

fn parse(challenge: &str) -> Challenge {
    serde_json::from_str(challenge).unwrap()
}

/// What the page does: search from 0 up to the advertised top of the range.
fn solve(challenge: &str) -> Payload {
    let challenge = parse(challenge);
    let max = challenge.parameters.data_i64(DATA_COUNTER_MAX).unwrap() as u32;
    let solution = Puzzle::new(&challenge.parameters)
        .unwrap()
        .try_range(0, max + 1)
        .expect("a solution within the advertised range");
    Payload {
        challenge,
        solution,
    }
}

async fn solved(state: &AppState) -> String {
    solve(&pow::issue(state).await.unwrap()).to_json()
}

fn with_pow(state: &AppState, pow: PowSettings) -> AppState {
    let mut state = state.clone();
    state.settings = Arc::new(Settings {
        pow,
        ..(*state.settings).clone()
    });
    state
}

async fn issued_solved_redeemed_once(db: Db) {
    let app = TestApp::new(db).await;
    let text = pow::issue(&app.state).await.unwrap();
    let challenge = parse(&text);
    assert_eq!(
        challenge.parameters.data_i64(DATA_EXPIRES),
        Some(app.state.now() + LIFETIME_SECONDS),
        "expiry by our clock, in the signed data"
    );
    assert_eq!(challenge.parameters.expires_at, None);
    assert_eq!(
        challenge.parameters.data_i64(DATA_COUNTER_MAX),
        Some(i64::from(POW_TEST_COUNTER_MAX))
    );
    let payload = solve(&text).to_json();
    assert!(pow::redeem(&app.state, &payload).await.unwrap());
    assert!(
        !pow::redeem(&app.state, &payload).await.unwrap(),
        "a replay"
    );
    // A second challenge is a new one, redeemable on its own.
    assert!(pow::redeem(&app.state, &solved(&app.state).await)
        .await
        .unwrap());
}

/// One way of changing an honest payload.
type Tamper = fn(&mut Payload);

async fn tampered_payloads_are_refused(db: Db) {
    let app = TestApp::new(db).await;
    let honest = solve(&pow::issue(&app.state).await.unwrap());
    let tampered: Vec<(&str, Tamper)> = vec![
        ("cheaper cost", |p| p.challenge.parameters.cost = 1),
        ("counter", |p| {
            p.solution.counter = p.solution.counter.wrapping_add(1)
        }),
        ("derived key", |p| {
            let k = &mut p.solution.derived_key;
            let flipped = if k.ends_with('0') { "1" } else { "0" };
            k.replace_range(k.len() - 1.., flipped);
        }),
        ("signature", |p| {
            let s = p.challenge.signature.as_mut().unwrap();
            let flipped = if s.starts_with('0') { "1" } else { "0" };
            s.replace_range(..1, flipped);
        }),
        ("no signature", |p| p.challenge.signature = None),
        ("later expiry", |p| {
            let data = p.challenge.parameters.data.as_mut().unwrap();
            let later = data[DATA_EXPIRES].as_i64().unwrap() + 3600;
            data.insert(DATA_EXPIRES.into(), later.into());
        }),
        ("shorter prefix", |p| {
            p.challenge.parameters.key_prefix.truncate(2)
        }),
    ];
    for (what, change) in &tampered {
        let mut payload = honest.clone();
        change(&mut payload);
        assert!(
            !pow::redeem(&app.state, &payload.to_json()).await.unwrap(),
            "{what}"
        );
    }
    // Another server's challenge (another key) is refused too.
    let other = TestApp::new(db).await;
    assert!(!pow::redeem(&app.state, &solved(&other.state).await)
        .await
        .unwrap());
    // None of those used the challenge up.
    assert!(pow::redeem(&app.state, &honest.to_json()).await.unwrap());
}

async fn malformed_payloads_are_refused(db: Db) {
    let app = TestApp::new(db).await;
    let honest = solved(&app.state).await;
    let oversized = format!("{honest}{}", " ".repeat(pow::MAX_PAYLOAD_BYTES));
    let extra_field = honest.replacen("{\"challenge\"", "{\"extra\":1,\"challenge\"", 1);
    for bad in [
        "",
        "{",
        "[]",
        "null",
        "\u{0}",
        "{\"challenge\":1,\"solution\":2}",
        &honest[..honest.len() / 2],
        &oversized,
        &extra_field,
    ] {
        assert!(!pow::redeem(&app.state, bad).await.unwrap(), "{bad:.40}");
    }
    assert!(pow::redeem(&app.state, &honest).await.unwrap());
}

async fn expired_challenges_are_refused(db: Db) {
    let app = TestApp::new(db).await;
    let last_moment = solved(&app.state).await;
    let too_late = solved(&app.state).await;
    app.clock.advance(LIFETIME_SECONDS);
    assert!(pow::redeem(&app.state, &last_moment).await.unwrap());
    app.clock.advance(1);
    assert!(!pow::redeem(&app.state, &too_late).await.unwrap());
}

async fn a_surge_raises_the_difficulty(db: Db) {
    let app = TestApp::new(db).await;
    let state = with_pow(
        &app.state,
        PowSettings {
            surge_per_minute: 3,
            ..app.state.settings.pow
        },
    );
    let max = |text: &str| parse(text).parameters.data_i64(DATA_COUNTER_MAX).unwrap();
    let base = i64::from(POW_TEST_COUNTER_MAX);
    // The minute's window starts at a multiple of 60 s; start at its beginning.
    app.clock.advance(60 - app.state.now().rem_euclid(60));
    for _ in 0..3 {
        assert_eq!(max(&pow::issue(&state).await.unwrap()), base);
    }
    let surged = pow::issue(&state).await.unwrap();
    assert_eq!(max(&surged), base * 4);
    let challenge = solve(&surged);
    assert!(
        challenge.solution.counter >= POW_TEST_COUNTER_MAX / 4 * 4,
        "the counter comes from the raised range"
    );
    // Still solvable and redeemable; the next minute is calm again.
    assert!(pow::redeem(&state, &challenge.to_json()).await.unwrap());
    app.clock.advance(60);
    assert_eq!(max(&pow::issue(&state).await.unwrap()), base);
}

async fn concurrent_redemptions_succeed_once(db: Db) {
    let app = TestApp::new(db).await;
    let payload = solved(&app.state).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let state = app.state.clone();
        let payload = payload.clone();
        tasks.spawn(async move { pow::redeem(&state, &payload).await });
    }
    let mut accepted = 0;
    while let Some(joined) = tasks.join_next().await {
        if joined.unwrap().unwrap() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
}

/// A benchmark, not a test: the server's cost of `issue` and `redeem` at the default
/// difficulty, on SQLite, in whatever profile it was built:
/// `cargo test -p server --test it -- --ignored pow_server_timing --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints timings"]
async fn pow_server_timing() {
    let app = TestApp::new(Db::Sqlite).await;
    let state = with_pow(&app.state, PowSettings::default());
    let runs = 20;
    let mut issued = Vec::new();
    let t = std::time::Instant::now();
    for _ in 0..runs {
        issued.push(pow::issue(&state).await.unwrap());
    }
    let issue = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let payloads: Vec<String> = issued.iter().map(|c| solve(c).to_json()).collect();
    let t = std::time::Instant::now();
    for p in &payloads {
        assert!(pow::redeem(&state, p).await.unwrap());
    }
    let redeem = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let t = std::time::Instant::now();
    for p in &payloads {
        assert!(!pow::redeem(&state, p).await.unwrap());
    }
    let replay = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "pow server ({profile}, SQLite, cost {}): issue {issue:.2} ms, redeem {redeem:.2} ms, \
         refused replay {replay:.2} ms",
        PowSettings::default().cost
    );
}
