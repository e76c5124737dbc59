//! Sign-in throughput under load, against its ceiling: cores ÷ the time of one Argon2id
//! hash at production parameters. Starts the real router on a loopback port with a fresh
//! SQLite file, then keeps `CONCURRENCY` HTTP/1.1 clients signing in for `SECONDS`.
//! Prints measured numbers; asserts nothing. Run: `cargo bench -p server --bench signin`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
use app::domain::secret::SecretString;
use app::server::hashing::{HashCost, PasswordHasher};
use app::server::store::{NewUser, Role};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONCURRENCY: usize = 16;
const SECONDS: u64 = 10;
const PASSWORD: &str = "correct horse battery staple";

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // One hash, alone, at production cost: the unit of work a sign-in costs.
    let hasher = PasswordHasher::new(HashCost::PRODUCTION, 1).unwrap();
    let pw = SecretString::new(PASSWORD);
    hasher.hash(&pw).await.unwrap();
    let runs = 10;
    let t = Instant::now();
    for _ in 0..runs {
        hasher.hash(&pw).await.unwrap();
    }
    let one = t.elapsed().as_secs_f64() / f64::from(runs);
    let ceiling = cores as f64 / one;

    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("regain.toml");
    std::fs::write(
        &toml,
        format!("data_dir = {:?}\n", dir.path().display().to_string()),
    )
    .unwrap();
    let (config, _) =
        server::config::Config::load(Some(&toml), &server::config::Overrides::default()).unwrap();
    let state = server::cli::build_state(&config, HashCost::PRODUCTION)
        .await
        .unwrap();
    let org = state
        .store
        .create_org("bench", "Bench", &["example.com".into()], 0)
        .await
        .unwrap();
    let hash = state.hasher.hash(&pw).await.unwrap();
    state
        .store
        .create_user(
            &NewUser {
                org_id: org.id,
                email: "bench@example.com".into(),
                email_canonical: "bench@example.com".into(),
                display_name: "Bench".into(),
                given_name: String::new(),
                family_name: String::new(),
                role: Role::User,
                password_hash: Some(hash),
                must_change_password: false,
            },
            0,
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::router(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let ok = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let body = "user_id=bench%40example.com&password=correct+horse+battery+staple";
    let request = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    let clients: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (ok, busy, other, lat) =
                (ok.clone(), busy.clone(), other.clone(), latencies.clone());
            let request = request.clone();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let mut buf = vec![0u8; 16 * 1024];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    stream.write_all(request.as_bytes()).await.unwrap();
                    let n = read_response(&mut stream, &mut buf).await;
                    let head = String::from_utf8_lossy(&buf[..n]);
                    match head.split(' ').nth(1) {
                        Some("200") => ok.fetch_add(1, Ordering::Relaxed),
                        Some("503") => busy.fetch_add(1, Ordering::Relaxed),
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                    lat.lock().unwrap().push(t.elapsed().as_secs_f64());
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ok = ok.load(Ordering::Relaxed);
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
            * 1000.0
    };
    println!("cores: {cores}");
    println!(
        "one Argon2id hash (m=19456 KiB, t=2, p=1): {:.1} ms",
        one * 1000.0
    );
    println!("ceiling (cores / hash time): {ceiling:.1} sign-ins/s");
    println!(
        "measured: {:.1} sign-ins/s over {elapsed:.1} s with {CONCURRENCY} clients = {:.0}% of the ceiling",
        ok as f64 / elapsed,
        100.0 * ok as f64 / elapsed / ceiling
    );
    println!(
        "answers: {ok} ok, {} busy (shed), {} other; latency p50 {:.0} ms, p99 {:.0} ms",
        busy.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
        pct(0.5),
        pct(0.99)
    );
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns the bytes read.
async fn read_response(stream: &mut TcpStream, buf: &mut [u8]) -> usize {
    let mut n = 0;
    loop {
        let m = stream.read(&mut buf[n..]).await.unwrap();
        assert!(m > 0, "server closed the connection");
        n += m;
        let text = String::from_utf8_lossy(&buf[..n]);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if n >= end + 4 + len {
                return n;
            }
        }
    }
}
