//! Demo data for `--dev`: an organisation, a regular user, a global administrator and a
//! new hire with a temporary password. Created once, on an empty database.
use app::domain::secret::SecretString;
use app::server::store::methods::ContactKind;
use app::server::store::{AuditEvent, NewUser, Role};
use app::server::AppState;

pub const ORG_SLUG: &str = "demo";
pub const USER_EMAIL: &str = "anna.rossi@example.com";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const NEW_HIRE_EMAIL: &str = "li.wei@example.com";
/// Development-only passwords, printed at start-up; the demo exists only with `--dev`.
pub const USER_PASSWORD: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin demo passphrase 2026";
pub const NEW_HIRE_PASSWORD: &str = "temporary demo password";
/// A second organisation, so that an administrator of another organisation can be seen
/// to be refused.
pub const OTHER_ORG_SLUG: &str = "fabrikam";
pub const OTHER_ADMIN_EMAIL: &str = "admin@fabrikam.example";
pub const OTHER_ADMIN_PASSWORD: &str = "fabrikam admin passphrase 2026";
pub const OTHER_USER_EMAIL: &str = "sam.lee@fabrikam.example";

/// Seeds the demo if the database has no organisation yet. Returns whether it did.
pub async fn seed(state: &AppState) -> Result<bool, app::error::AppError> {
    if state.store.first_org().await?.is_some() {
        return Ok(false);
    }
    let now = state.now();
    let org = state
        .store
        .create_org(ORG_SLUG, "Contoso Demo", &["example.com".to_owned()], now)
        .await?;
    // Anna and the administrator can already recover (the administrator needs two
    // methods); the new hire has none, so "more information required" can be seen.
    let people = [
        Person {
            email: USER_EMAIL,
            names: ("Anna Rossi", "Anna", "Rossi"),
            role: Role::User,
            password: USER_PASSWORD,
            must_change: false,
            methods: &[(ContactKind::Email, "anna.home@example.net")],
        },
        Person {
            email: ADMIN_EMAIL,
            names: ("Ada Admin", "Ada", "Admin"),
            role: Role::GlobalAdmin,
            password: ADMIN_PASSWORD,
            must_change: false,
            methods: &[
                (ContactKind::Email, "ada.home@example.net"),
                (ContactKind::Sms, "+393331234567"),
            ],
        },
        Person {
            email: NEW_HIRE_EMAIL,
            names: ("Li Wei", "Wei", "Li"),
            role: Role::User,
            password: NEW_HIRE_PASSWORD,
            must_change: true,
            methods: &[],
        },
    ];
    let mut anna = None;
    for person in &people {
        let id = add_person(state, org.id, person, now).await?;
        if person.email == USER_EMAIL {
            anna = Some(id);
        }
    }
    if let Some(anna) = anna {
        seed_activity(state, org.id, anna, now).await?;
    }
    seed_other_org(state, now).await?;
    Ok(true)
}

/// A few recoveries of Anna's in the last days, so the console's charts are not empty.
async fn seed_activity(
    state: &AppState,
    org_id: i64,
    anna: i64,
    now: i64,
) -> Result<(), app::error::AppError> {
    let day = 86_400;
    let steps: &[(i64, &str, &str, &str)] = &[
        (5 * day, "recovery.start", "success", ""),
        (5 * day - 60, "recovery.purpose", "success", "reset"),
        (5 * day - 120, "recovery.gate", "success", "email"),
        (5 * day - 180, "recovery.reset", "success", "email"),
        (2 * day, "recovery.start", "success", ""),
        (2 * day - 60, "recovery.purpose", "success", "unlock"),
        (2 * day - 120, "recovery.gate", "failure", "email"),
        (2 * day - 180, "recovery.unlock", "success", "email"),
        (day, "recovery.start", "success", ""),
        (day - 60, "recovery.paused", "failure", "0"),
        (day - 120, "signin", "failure", "locked"),
    ];
    for (ago, action, outcome, detail) in steps {
        state
            .store
            .audit(&AuditEvent {
                at: now - ago,
                org_id: Some(org_id),
                actor: "anonymous".into(),
                subject_user_id: Some(anna),
                action: (*action).into(),
                outcome: (*outcome).into(),
                ip: "192.0.2.10".into(),
                detail: (*detail).into(),
                ..AuditEvent::default()
            })
            .await?;
    }
    Ok(())
}

/// Fabrikam Demo: its own administrator and one user.
async fn seed_other_org(state: &AppState, now: i64) -> Result<(), app::error::AppError> {
    let org = state
        .store
        .create_org(
            OTHER_ORG_SLUG,
            "Fabrikam Demo",
            &["fabrikam.example".to_owned()],
            now,
        )
        .await?;
    let people = [
        Person {
            email: OTHER_ADMIN_EMAIL,
            names: ("Fay Admin", "Fay", "Admin"),
            role: Role::GlobalAdmin,
            password: OTHER_ADMIN_PASSWORD,
            must_change: false,
            // Two methods, so the administrator goes straight to the console.
            methods: &[
                (ContactKind::Email, "fay.home@example.net"),
                (ContactKind::Sms, "+393337654321"),
            ],
        },
        Person {
            email: OTHER_USER_EMAIL,
            names: ("Sam Lee", "Sam", "Lee"),
            role: Role::User,
            password: USER_PASSWORD,
            must_change: false,
            methods: &[],
        },
    ];
    for person in &people {
        add_person(state, org.id, person, now).await?;
    }
    Ok(())
}

/// One demo account: (display, given, family) names, password and verified methods.
struct Person {
    email: &'static str,
    names: (&'static str, &'static str, &'static str),
    role: Role,
    password: &'static str,
    must_change: bool,
    methods: &'static [(ContactKind, &'static str)],
}

async fn add_person(
    state: &AppState,
    org_id: i64,
    p: &Person,
    now: i64,
) -> Result<i64, app::error::AppError> {
    let hash = state.hasher.hash(&SecretString::new(p.password)).await?;
    let (display, given, family) = p.names;
    let id = state
        .store
        .create_user(
            &NewUser {
                org_id,
                email: p.email.to_owned(),
                email_canonical: p.email.to_owned(),
                display_name: display.to_owned(),
                given_name: given.to_owned(),
                family_name: family.to_owned(),
                role: p.role,
                password_hash: Some(hash),
                must_change_password: p.must_change,
            },
            now,
        )
        .await?;
    for (kind, value) in p.methods {
        state.store.add_demo_method(id, *kind, value, now).await?;
    }
    Ok(id)
}

pub fn banner(public_url: &str) -> String {
    format!(
        "Regain is running in development mode at {public_url}\n\
         Sign in as {USER_EMAIL} / {USER_PASSWORD:?} (user)\n\
         or {ADMIN_EMAIL} / {ADMIN_PASSWORD:?} (global administrator)\n\
         or {NEW_HIRE_EMAIL} / {NEW_HIRE_PASSWORD:?} (temporary password, must change)\n\
         or {OTHER_ADMIN_EMAIL} / {OTHER_ADMIN_PASSWORD:?} (administrator of another organisation)\n\
         Development mailbox: {public_url}/dev/mailbox"
    )
}
