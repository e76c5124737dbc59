//! Authorization of the console, and proof that no route or server function lets anyone
//! change another user's password or answers (docs/security.md).
//!
//! The walk is driven by the application's own lists — every server function in
//! `app::api::endpoints()` and every page in Leptos' route list — so a function or page
//! added later is walked too, without anyone remembering to add it here.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD, START};
use app::domain::secret::SecretString;
use app::server::store::methods::ContactKind;
use app::server::store::{NewUser, Role};
use http::StatusCode;

/// The victim's own password: no caller knows it.
const VICTIM_PASSWORD: &str = "victim's long and private passphrase";
/// What every caller tries to make the victim's password.
const ATTACKER_PASSWORD: &str = "attacker chose this passphrase 77";
const VICTIM_EMAIL: &str = "victim@example.com";

/// Everything about the victim's credentials that must not move.
#[derive(Debug, PartialEq, Eq)]
struct Credentials {
    password_hash: Option<String>,
    answers: Vec<(String, String)>,
    methods: Vec<(String, String, Option<i64>)>,
    recovery_codes: Vec<(String, Option<i64>)>,
}

async fn credentials(app: &TestApp, user_id: i64) -> Credentials {
    let pool = app.state.store.pool();
    let password_hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(pool)
            .await
            .unwrap();
    let answers = sqlx::query_as(
        "SELECT question, answer_hash FROM security_answers WHERE user_id = $1 ORDER BY question",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let methods = sqlx::query_as(
        "SELECT kind, value, verified_at FROM recovery_methods WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let recovery_codes = sqlx::query_as(
        "SELECT fingerprint, used_at FROM recovery_codes WHERE user_id = $1 ORDER BY fingerprint",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .unwrap();
    Credentials {
        password_hash,
        answers,
        methods,
        recovery_codes,
    }
}

/// A victim with a password, two verified methods and three security answers.
async fn victim(app: &TestApp) -> i64 {
    let hasher = &app.state.hasher;
    let hash = hasher
        .hash(&SecretString::new(VICTIM_PASSWORD))
        .await
        .unwrap();
    let store = &app.state.store;
    let id = store
        .create_user(
            &NewUser {
                org_id: app.org.id,
                email: VICTIM_EMAIL.into(),
                email_canonical: VICTIM_EMAIL.into(),
                display_name: "Victor Victim".into(),
                given_name: "Victor".into(),
                family_name: "Victim".into(),
                role: Role::User,
                password_hash: Some(hash),
                must_change_password: false,
            },
            START,
        )
        .await
        .unwrap();
    store
        .add_demo_method(id, ContactKind::Email, "victim.home@example.net", START)
        .await
        .unwrap();
    store
        .add_demo_method(id, ContactKind::Sms, "+393331112233", START)
        .await
        .unwrap();
    app.answer_questions(id, "Victim answer", 3).await;
    id
}

/// An administrator of a second organisation, signed in.
async fn other_org_admin(app: &TestApp) -> String {
    let store = &app.state.store;
    let other = store
        .create_org("other", "Other Org", &["other.example".to_owned()], START)
        .await
        .unwrap();
    app.user_of(other.id, "boss@other.example", Role::GlobalAdmin, false)
        .await;
    app.sign_in("boss@other.example", PASSWORD).await
}

/// The value a caller sends in `field`, aimed at the victim wherever a field could name a
/// user. `by_id` aims identifiers by database id, else by e-mail address.
fn aimed_value(field: &str, victim_id: i64, by_id: bool) -> String {
    let target = if by_id {
        victim_id.to_string()
    } else {
        VICTIM_EMAIL.to_owned()
    };
    match field {
        // The caller's own password, so a function that needs it goes as far as it can.
        "password" | "current" => PASSWORD.into(),
        "new" | "confirm" | "candidate" => ATTACKER_PASSWORD.into(),
        f if f.starts_with("answer_") => "attacker answer".into(),
        f if f.starts_with("question_") => format!("q0{}", f.trim_start_matches("question_")),
        "code" => "12345678".into(),
        "locale" => "en".into(),
        "return_to" => "/".into(),
        "purpose" => "reset".into(),
        "address" => "attacker@example.org".into(),
        "number" => "+393330000000".into(),
        "typed" => "victim.home@example.net".into(),
        _ => target,
    }
}

/// Every server function, called by `cookie`'s owner with fields aimed at the victim, twice
/// (identifiers as id, then as address). Sign-out goes last, so the session lives through.
async fn call_everything(app: &TestApp, cookie: Option<&str>, victim_id: i64) {
    let mut endpoints: Vec<&str> = app::api::endpoints().collect();
    endpoints.sort_by_key(|e| e.ends_with("/logout"));
    for endpoint in endpoints {
        let fields = app::api::form_fields(endpoint).unwrap();
        for by_id in [true, false] {
            let form: Vec<(&str, String)> = fields
                .iter()
                .map(|f| (*f, aimed_value(f, victim_id, by_id)))
                .collect();
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let name = endpoint.trim_start_matches("/api/");
            let reply = app.call(name, &form, cookie).await;
            assert_ne!(
                reply.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{endpoint} failed inside: {}",
                reply.body
            );
        }
    }
}

/// Every page (and the two plain GET routes), opened by `cookie`'s owner, with a query
/// string that names the victim.
async fn open_everything(app: &TestApp, cookie: Option<&str>, victim_id: i64) {
    let routes = server::route_list();
    let mut paths: Vec<String> = routes.iter().map(|r| r.path().to_owned()).collect();
    paths.push(app::routes::SECURITY_CODES_TXT.to_owned());
    paths.push(app::routes::ADMIN_AUDIT_CSV.to_owned());
    for path in paths {
        let query =
            format!("{path}?user={victim_id}&user_id={VICTIM_EMAIL}&token=x&id={victim_id}");
        let reply = app.get(&query, cookie).await;
        assert!(
            reply.status.is_success()
                || reply.status.is_redirection()
                || reply.status.is_client_error(),
            "GET {query}: {}",
            reply.status
        );
    }
}

async fn nobody_changes_another_users_password_or_answers(db: Db) {
    let app = TestApp::new(db).await;
    let victim_id = victim(&app).await;
    let before = credentials(&app, victim_id).await;
    let policy_before = app.state.store.find_org(app.org.id).await.unwrap().unwrap();

    app.user("colleague@example.com", Role::User, false).await;
    let colleague = app.sign_in("colleague@example.com", PASSWORD).await;
    let outsider = other_org_admin(&app).await;
    // A stranger who started a recovery of the victim's account and holds its flow cookie.
    let start = app
        .call(
            "recovery/start",
            &[("user_id", VICTIM_EMAIL), ("pow", "")],
            None,
        )
        .await;
    let flow_cookie = start
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("regain_recovery"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);

    for cookie in [None, Some(colleague.as_str()), Some(outsider.as_str())]
        .into_iter()
        .chain(std::iter::once(flow_cookie.as_deref()))
    {
        open_everything(&app, cookie, victim_id).await;
        call_everything(&app, cookie, victim_id).await;
    }
    // The walk reaches the functions' bodies, not just their doors: the colleague's own
    // password, which they proved with their current one, did change.
    assert_eq!(
        app.login("colleague@example.com", ATTACKER_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // Nobody outside the victim's organisation, and no regular user, changed anything of
    // the victim's account or of the organisation's policy.
    let after = app.state.store.find_user(victim_id).await.unwrap().unwrap();
    assert_eq!(after.status, app::server::store::UserStatus::Active);
    let policy_after = app.state.store.find_org(app.org.id).await.unwrap().unwrap();
    assert_eq!(policy_after, policy_before);

    // The victim's own administrator last: they may disable the account, never touch its
    // credentials.
    app.user("admin@example.com", Role::GlobalAdmin, false)
        .await;
    let admin = app.sign_in("admin@example.com", PASSWORD).await;
    open_everything(&app, Some(&admin), victim_id).await;
    call_everything(&app, Some(&admin), victim_id).await;

    assert_eq!(credentials(&app, victim_id).await, before);
    let hash = before.password_hash.clone();
    let check = |p: &'static str| {
        let hash = hash.clone();
        let hasher = app.state.hasher.clone();
        async move {
            hasher
                .verify(&SecretString::new(p), hash.as_deref())
                .await
                .unwrap()
                .matches
        }
    };
    assert!(check(VICTIM_PASSWORD).await);
    assert!(!check(ATTACKER_PASSWORD).await);
}

/// Every console server function refuses a stranger (401) and a regular user (403), and
/// the console's pages show a regular user "not allowed".
async fn the_console_is_for_administrators_only(db: Db) {
    let app = TestApp::new(db).await;
    app.user("plain@example.com", Role::User, false).await;
    let plain = app.sign_in("plain@example.com", PASSWORD).await;
    let console: Vec<&str> = app::api::endpoints()
        .filter(|e| e.starts_with("/api/admin/"))
        .collect();
    assert!(!console.is_empty());
    for endpoint in console {
        let fields = app::api::form_fields(endpoint).unwrap();
        let form: Vec<(&str, &str)> = fields.iter().map(|f| (*f, "1")).collect();
        let name = endpoint.trim_start_matches("/api/");
        let reply = app.call(name, &form, None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{endpoint}: {}",
            reply.body
        );
        let reply = app.call(name, &form, Some(&plain)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{endpoint}: {}",
            reply.body
        );
        assert!(
            reply.body.contains("forbidden"),
            "{endpoint}: {}",
            reply.body
        );
    }
    for page in [
        app::routes::ADMIN,
        app::routes::ADMIN_POLICY,
        app::routes::ADMIN_TERMS,
        app::routes::ADMIN_AUDIT,
        app::routes::ADMIN_USERS,
    ] {
        let reply = app.get(page, Some(&plain)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            reply
                .body
                .contains(&format!("id=\"{}\"", app::routes::ids::NOT_ALLOWED)),
            "{page} for a regular user: {} {}",
            reply.status,
            reply.body
        );
        let reply = app.get(page, None).await;
        assert!(
            reply.status.is_redirection() || reply.body.contains("/login"),
            "{page} for a stranger: {}",
            reply.status
        );
        assert!(!reply.body.contains(app::routes::ids::ADMIN_NAV));
    }
    // An administrator gets the console.
    app.user("boss@example.com", Role::GlobalAdmin, false).await;
    let boss = app.sign_in("boss@example.com", PASSWORD).await;
    let reply = app.get(app::routes::ADMIN_POLICY, Some(&boss)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(app::routes::ids::ADMIN_NAV));
    assert!(!reply.body.contains(app::routes::ids::NOT_ALLOWED));
}

db_tests!(
    nobody_changes_another_users_password_or_answers,
    the_console_is_for_administrators_only
);
