//! Decoys look like the organisation's own accounts: over a few hundred real accounts and
//! as many unknown identifiers of the same domain, what the recovery pages show (gates
//! required, the mix of gates, the masked addresses and numbers) is compared with a
//! chi-square test, part by part, on both databases. Seeded, with a fixed server key, so
//! the statistic is the same on every run.
use crate::support::{Db, TestApp};
use app::server::keys::Keys;
use app::server::recovery::limits::{Limit, RecoveryLimits, StepDeadlines};
use app::server::store::methods::{ContactKind, Effects};
use app::server::store::{NewUser, Role};
use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::sync::Arc;

crate::db_tests!(unknown_identifiers_show_what_real_accounts_show);

const REAL: usize = 300;
const UNKNOWN: usize = 300;
const SEED: u64 = 20_260_501;
/// Below this p-value a part tells decoys from real accounts.
const SIGNIFICANCE: f64 = 0.01;

/// A portal whose recovery answers at once and doesn't limit starts (hundreds come from
/// one address here), with a fixed key, so the decoys drawn are the same on every run.
fn fast(app: TestApp) -> TestApp {
    let mut state = app.state.clone();
    state.keys = Arc::new(Keys::from_bytes([42; 32]));
    state.settings = Arc::new(app::server::state::Settings {
        recovery: RecoveryLimits {
            deadlines: StepDeadlines::all(0),
            starts_per_ip_without_pow: Limit::new(1_000_000, 3600),
            ..RecoveryLimits::default()
        },
        ..(*state.settings).clone()
    });
    TestApp {
        router: server::router(state.clone()),
        state,
        ..app
    }
}

fn pick<'a, T>(rng: &mut StdRng, weighted: &'a [(T, u32)]) -> &'a T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut at = rng.gen_range(0..total);
    for (item, w) in weighted {
        if at < *w {
            return item;
        }
        at -= w;
    }
    &weighted.last().unwrap().0
}

fn alternate_email(rng: &mut StdRng, n: usize) -> String {
    // Mail providers, as the first letter of the domain and the TLD go together.
    let providers = [
        ("web.de", 5),
        ("gmx.de", 4),
        ("t-online.de", 2),
        ("orange.fr", 3),
        ("free.fr", 2),
        ("gmail.com", 5),
        ("outlook.com", 2),
        ("posteo.org", 2),
        ("libero.it", 2),
        ("tiscali.it", 1),
    ];
    let first = if rng.gen_bool(0.3) {
        char::from(b'0' + rng.gen_range(0..10u8))
    } else {
        char::from(b'a' + rng.gen_range(0..26u8))
    };
    format!("{first}{n}.private@{}", pick(rng, &providers))
}

fn phone(rng: &mut StdRng) -> String {
    let country = *pick(rng, &[("49", 4), ("33", 3), ("39", 2), ("1", 2)]);
    let national: String = (0..10)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("+{country}{national}")
}

/// `REAL` accounts of the test organisation whose methods vary as people's do; every
/// one of them can recover (so its flow is real, not a decoy).
async fn seed(app: &TestApp) -> Vec<(i64, String)> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let store = &app.state.store;
    let audit = app::server::store::AuditEvent {
        actor: "test".into(),
        action: "test.setup".into(),
        outcome: "success".into(),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for n in 0..REAL {
        let email = format!("person{n}@example.com");
        let admin = rng.gen_bool(0.04);
        let id = store
            .create_user(
                &NewUser {
                    org_id: app.org.id,
                    email: email.clone(),
                    email_canonical: email.clone(),
                    display_name: format!("Person {n}"),
                    given_name: "Person".into(),
                    family_name: format!("{n}"),
                    role: if admin { Role::GlobalAdmin } else { Role::User },
                    password_hash: None,
                    must_change_password: false,
                },
                crate::support::START,
            )
            .await
            .unwrap();
        let mut contacts: Vec<(ContactKind, String)> = Vec::new();
        if rng.gen_bool(0.75) {
            contacts.push((ContactKind::Email, alternate_email(&mut rng, n)));
            if rng.gen_bool(0.1) {
                contacts.push((ContactKind::Email, alternate_email(&mut rng, n + REAL)));
            }
        }
        if rng.gen_bool(0.45) {
            contacts.push((ContactKind::Sms, phone(&mut rng)));
        }
        if rng.gen_bool(0.2) {
            contacts.push((ContactKind::Authenticator, "sealed-seed".into()));
        }
        let mut codes = rng.gen_bool(0.3);
        if contacts
            .iter()
            .all(|(k, _)| *k == ContactKind::Authenticator)
            && !codes
        {
            contacts.push((ContactKind::Email, alternate_email(&mut rng, n)));
        }
        // Registered in any order: recovery lists them in that order.
        for i in (1..contacts.len()).rev() {
            contacts.swap(i, rng.gen_range(0..=i));
        }
        let mut distinct: Vec<&str> = contacts.iter().map(|(k, _)| k.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let distinct = distinct.len() + usize::from(codes);
        let two = admin
            || contacts
                .iter()
                .any(|(k, _)| *k == ContactKind::Authenticator);
        if two && distinct < 2 {
            if codes {
                contacts.push((ContactKind::Email, alternate_email(&mut rng, n)));
            }
            codes = true;
        }
        for (kind, value) in &contacts {
            store
                .add_demo_method(id, *kind, value, crate::support::START)
                .await
                .unwrap();
        }
        if codes {
            let fingerprints: Vec<String> = (0..10).map(|c| format!("fp-{n}-{c}")).collect();
            store
                .replace_recovery_codes(
                    id,
                    &fingerprints,
                    (format!("setup-{n}").as_str(), "none", 0),
                    &Effects {
                        messages: &[],
                        audit: &audit,
                    },
                    crate::support::START,
                )
                .await
                .unwrap();
        }
        ids.push((id, email));
    }
    ids
}

/// What a flow's page shows: gates required and the gates with their masked forms.
struct Seen {
    required: u64,
    gates: Vec<(String, String)>,
}

async fn seen(app: &TestApp, user_id: &str) -> Seen {
    let reply = app
        .call("recovery/start", &[("user_id", user_id)], None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.recovery_cookie().unwrap();
    let reply = app.call("recovery/flow", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    Seen {
        required: view["required"].as_u64().unwrap(),
        gates: view["gates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["kind"].as_str().unwrap().to_owned(),
                    g["masked"].as_str().unwrap().to_owned(),
                )
            })
            .collect(),
    }
}

/// The parts of what pages show that are compared, each as one category per flow or
/// per gate.
fn parts(flows: &[Seen]) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut add = |part: &'static str, v: String| out.entry(part).or_default().push(v);
    for f in flows {
        add("required", f.required.to_string());
        let mix: Vec<&str> = f.gates.iter().map(|(k, _)| k.as_str()).collect();
        add("method mix", mix.join(","));
        for (kind, masked) in &f.gates {
            match kind.as_str() {
                "email" => {
                    let (local, domain) = masked.split_once('@').unwrap_or(("", masked));
                    let first = local.chars().next().unwrap_or('?');
                    add(
                        "first local char",
                        match first {
                            '0'..='9' => "digit",
                            'a'..='m' => "a-m",
                            'n'..='z' => "n-z",
                            _ => "other",
                        }
                        .into(),
                    );
                    let tld = domain.rsplit_once('.').map_or("(none)", |(_, t)| t);
                    add("tld", tld.to_owned());
                    add("masked domain", domain.to_owned());
                }
                "sms" => {
                    let cc = masked.split_once(' ').map_or(masked.as_str(), |(c, _)| c);
                    add("country code", cc.to_owned());
                }
                _ => {}
            }
        }
    }
    out
}

async fn unknown_identifiers_show_what_real_accounts_show(db: Db) {
    let app = fast(TestApp::new(db).await);
    let real_ids = seed(&app).await;
    let mut real = Vec::new();
    for (id, email) in &real_ids {
        real.push(seen(&app, email).await);
        // A real flow, not a decoy: its start is in the account's log.
        let log = app.state.store.recovery_log(*id, 10).await.unwrap();
        assert!(
            log.iter().any(|e| e.action == "recovery.start"),
            "{email} can recover"
        );
    }
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let mut decoys = Vec::new();
    for n in 0..UNKNOWN {
        let name: String = (0..rng.gen_range(4..10))
            .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
            .collect();
        decoys.push(seen(&app, &format!("{name}.{n}@example.com")).await);
    }
    // The fixed-look decoys this replaced (TLDs com/net/org/it/cn, +1/+39/+44/+86, local
    // parts a–z, never an authenticator, always one gate) failed every part here, at
    // p < 0.0001: chi-square 79 for required, 226 for the method mix, 294 for the TLD,
    // 539 for the masked domain, 101 for the first local character, 147 for the
    // country code.
    let (real, decoys) = (parts(&real), parts(&decoys));
    let mut failed = Vec::new();
    for (part, observed) in &real {
        let empty = Vec::new();
        let (x, df, p) = chi_square(observed, decoys.get(part).unwrap_or(&empty));
        println!("{db:?} {part}: chi-square {x:.2}, df {df}, p = {p:.4}");
        if p <= SIGNIFICANCE {
            failed.push(*part);
        }
    }
    assert!(
        failed.is_empty(),
        "decoys differ from real accounts in {failed:?}"
    );
}

/// Pearson's chi-square test of homogeneity of two samples of categories: statistic,
/// degrees of freedom and p-value. Categories expected fewer than 5 times in either
/// sample are pooled, so the statistic follows its distribution.
fn chi_square(a: &[String], b: &[String]) -> (f64, usize, f64) {
    let mut table: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for v in a {
        table.entry(v).or_default().0 += 1.0;
    }
    for v in b {
        table.entry(v).or_default().1 += 1.0;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    if na == 0.0 || nb == 0.0 {
        return (f64::INFINITY, 0, if na == nb { 1.0 } else { 0.0 });
    }
    let n = na + nb;
    let expected_min = |(x, y): (f64, f64)| (x + y) * na.min(nb) / n;
    let mut cells: Vec<(f64, f64)> = table.into_values().collect();
    // Pool the rarest categories until each pooled or single one is expected 5 times.
    cells.sort_by(|p, q| (p.0 + p.1).total_cmp(&(q.0 + q.1)));
    while cells.len() > 1 && cells.first().is_some_and(|c| expected_min(*c) < 5.0) {
        let first = cells.remove(0);
        cells[0].0 += first.0;
        cells[0].1 += first.1;
        cells.sort_by(|p, q| (p.0 + p.1).total_cmp(&(q.0 + q.1)));
    }
    let statistic: f64 = cells
        .iter()
        .map(|(x, y)| {
            let t = x + y;
            let (ea, eb) = (t * na / n, t * nb / n);
            (x - ea).powi(2) / ea + (y - eb).powi(2) / eb
        })
        .sum();
    let df = cells.len().saturating_sub(1);
    let p = if df == 0 {
        1.0
    } else {
        gamma_q(df as f64 / 2.0, statistic / 2.0)
    };
    (statistic, df, p)
}

/// ln Γ(x), Lanczos (g = 7, 9 terms), for x > 0.
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised upper incomplete gamma function Q(a, x): the chi-square survival
/// function is Q(df / 2, statistic / 2). Series below a + 1, continued fraction above
/// (Numerical Recipes' gammq).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * front
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        front * h
    }
}

#[test]
fn chi_square_survival_matches_the_tables() {
    // Critical values at 5 % and 1 % from any chi-square table.
    for (x, df, p) in [
        (3.841, 1.0, 0.05),
        (6.635, 1.0, 0.01),
        (11.070, 5.0, 0.05),
        (15.086, 5.0, 0.01),
        (18.307, 10.0, 0.05),
        (0.0, 3.0, 1.0),
    ] {
        let q = gamma_q(df / 2.0, x / 2.0);
        assert!((q - p).abs() < 5e-4, "Q({df}, {x}) = {q}, not {p}");
    }
    let same: Vec<String> = (0..100).map(|i| format!("c{}", i % 4)).collect();
    assert!(chi_square(&same, &same).2 > 0.99);
    let other: Vec<String> = (0..100).map(|i| format!("c{}", i % 2)).collect();
    assert!(chi_square(&same, &other).2 < 1e-6);
}
