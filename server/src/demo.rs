//! Demo data for `--dev`: an organisation, a regular user, a global administrator and a
//! new hire with a temporary password. Created once, on an empty database.
use app::domain::secret::SecretString;
use app::server::store::methods::ContactKind;
use app::server::store::{NewUser, Role};
use app::server::AppState;

pub const ORG_SLUG: &str = "demo";
pub const USER_EMAIL: &str = "anna.rossi@example.com";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const NEW_HIRE_EMAIL: &str = "li.wei@example.com";
/// Development-only passwords, printed at start-up; the demo exists only with `--dev`.
pub const USER_PASSWORD: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin demo passphrase 2026";
pub const NEW_HIRE_PASSWORD: &str = "temporary demo password";

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
    let people = [
        (
            USER_EMAIL,
            "Anna Rossi",
            "Anna",
            "Rossi",
            Role::User,
            USER_PASSWORD,
            false,
        ),
        (
            ADMIN_EMAIL,
            "Ada Admin",
            "Ada",
            "Admin",
            Role::GlobalAdmin,
            ADMIN_PASSWORD,
            false,
        ),
        (
            NEW_HIRE_EMAIL,
            "Li Wei",
            "Wei",
            "Li",
            Role::User,
            NEW_HIRE_PASSWORD,
            true,
        ),
    ];
    for (email, name, given, family, role, password, must_change) in people {
        let hash = state.hasher.hash(&SecretString::new(password)).await?;
        let id = state
            .store
            .create_user(
                &NewUser {
                    org_id: org.id,
                    email: email.to_owned(),
                    email_canonical: email.to_owned(),
                    display_name: name.to_owned(),
                    given_name: given.to_owned(),
                    family_name: family.to_owned(),
                    role,
                    password_hash: Some(hash),
                    must_change_password: must_change,
                },
                now,
            )
            .await?;
        // Anna and the administrator can already recover (the administrator needs two
        // methods); the new hire has none, so "more information required" can be seen.
        let methods: &[(ContactKind, &str)] = match email {
            USER_EMAIL => &[(ContactKind::Email, "anna.home@example.net")],
            ADMIN_EMAIL => &[
                (ContactKind::Email, "ada.home@example.net"),
                (ContactKind::Sms, "+393331234567"),
            ],
            _ => &[],
        };
        for (kind, value) in methods {
            state.store.add_demo_method(id, *kind, value, now).await?;
        }
    }
    Ok(true)
}

pub fn banner(public_url: &str) -> String {
    format!(
        "Regain is running in development mode at {public_url}\n\
         Sign in as {USER_EMAIL} / {USER_PASSWORD:?} (user)\n\
         or {ADMIN_EMAIL} / {ADMIN_PASSWORD:?} (global administrator)\n\
         or {NEW_HIRE_EMAIL} / {NEW_HIRE_PASSWORD:?} (temporary password, must change)\n\
         Development mailbox: {public_url}/dev/mailbox"
    )
}
