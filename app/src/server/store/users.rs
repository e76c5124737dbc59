//! Users: identity, role, status, password hash and sign-in lockout state. There is
//! deliberately no method that sets the password of an account on someone else's behalf:
//! [`Store::change_own_password`] needs the account's own session (see `auth`).
use super::{flag, Store, StoreError};
use crate::domain::lockout::LockoutState;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    GlobalAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::GlobalAdmin => "global_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Role::User),
            "global_admin" => Some(Role::GlobalAdmin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub email_canonical: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub lockout: LockoutState,
    pub password_changed_at: Option<i64>,
    /// When the user last confirmed their recovery methods are current.
    pub methods_confirmed_at: Option<i64>,
    /// Recovery is paused until then after too many failed proofs.
    pub recovery_paused_until: Option<i64>,
    /// Set by the "this wasn't me" link: sign-in blocked, recovery needs two gates.
    pub frozen_at: Option<i64>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash and the failure fingerprint stay out of every log line.
        f.debug_struct("User")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A user to create. `password_hash`, when present, is the one-time temporary password
/// an operator hands over; the user must change it at first sign-in.
#[derive(Clone)]
pub struct NewUser {
    pub org_id: i64,
    pub email: String,
    pub email_canonical: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
}

const USER_COLUMNS: &str = "id, org_id, email, email_canonical, display_name, given_name, \
    family_name, role, status, password_hash, must_change_password, failed_signins, \
    locked_until, last_failure, password_changed_at, methods_confirmed_at, \
    recovery_paused_until, frozen_at";

fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    let status: String = row.try_get("status")?;
    let failures: i64 = row.try_get("failed_signins")?;
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        email: row.try_get("email")?,
        email_canonical: row.try_get("email_canonical")?,
        display_name: row.try_get("display_name")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        role: Role::parse(&role).ok_or(StoreError::Corrupt("role"))?,
        status: match status.as_str() {
            "active" => UserStatus::Active,
            "disabled" => UserStatus::Disabled,
            _ => return Err(StoreError::Corrupt("status")),
        },
        password_hash: row.try_get("password_hash")?,
        must_change_password: flag(row, "must_change_password")?,
        lockout: LockoutState {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            locked_until: row.try_get("locked_until")?,
            last_failure: row.try_get("last_failure")?,
        },
        password_changed_at: row.try_get("password_changed_at")?,
        methods_confirmed_at: row.try_get("methods_confirmed_at")?,
        recovery_paused_until: row.try_get("recovery_paused_until")?,
        frozen_at: row.try_get("frozen_at")?,
    })
}

impl Store {
    pub async fn create_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO users (org_id, email, email_canonical, display_name, given_name, \
             family_name, role, status, password_hash, must_change_password, \
             password_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(user.org_id)
        .bind(&user.email)
        .bind(&user.email_canonical)
        .bind(&user.display_name)
        .bind(&user.given_name)
        .bind(&user.family_name)
        .bind(user.role.as_str())
        .bind(user.password_hash.as_deref())
        .bind(i64::from(user.must_change_password))
        .bind(user.password_hash.as_ref().map(|_| now))
        .bind(now)
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(|e| StoreError::from_insert(e, "user"))
    }

    pub async fn find_user_by_email(&self, canonical: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_canonical = $1"
        ))
        .bind(canonical)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&self, org_id: Option<i64>) -> Result<Vec<User>, StoreError> {
        let rows = match org_id {
            Some(org) => {
                sqlx::query(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY id"
                ))
                .bind(org)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    pub async fn set_user_status(
        &self,
        user_id: i64,
        status: UserStatus,
        now: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// Replaces the lockout state only if nobody else changed it since `expected` was
    /// read (compare-and-swap), so concurrent failures are all counted.
    pub async fn swap_lockout(
        &self,
        user_id: i64,
        expected: &LockoutState,
        next: &LockoutState,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET failed_signins = $1, locked_until = $2, last_failure = $3, updated_at = $4 \
             WHERE id = $5 AND failed_signins = $6 \
             AND COALESCE(locked_until, -1) = $7 AND COALESCE(last_failure, '') = $8",
        )
        .bind(i64::from(next.failures))
        .bind(next.locked_until)
        .bind(next.last_failure.as_deref())
        .bind(now)
        .bind(user_id)
        .bind(i64::from(expected.failures))
        .bind(expected.locked_until.unwrap_or(-1))
        .bind(expected.last_failure.as_deref().unwrap_or(""))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the stored hash with one of the same password under new parameters.
    pub async fn rehash_password(
        &self,
        user_id: i64,
        old: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(new)
            .bind(user_id)
            .bind(old)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// A user changing their own password, with what must happen in the same transaction.
pub struct OwnPasswordChange<'a> {
    pub user_id: i64,
    /// The hash the user just proved they know: the change applies only if it is still
    /// the stored one, so two concurrent changes can't both win.
    pub old_hash: &'a str,
    pub new_hash: &'a str,
    /// How many earlier hashes to keep for the history check (the policy's N).
    pub history_keep: u8,
    /// The session that made the change stays; every other one is revoked.
    pub keep_session: Option<&'a str>,
    pub notice: super::outbox::NewMessage,
    pub audit: super::AuditEvent,
}

impl Store {
    pub async fn change_own_password(
        &self,
        change: &OwnPasswordChange<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, failed_signins = 0, \
             locked_until = NULL, last_failure = NULL, password_changed_at = $2, updated_at = $3 \
             WHERE id = $4 AND password_hash = $5",
        )
        .bind(change.new_hash)
        .bind(now)
        .bind(now)
        .bind(change.user_id)
        .bind(change.old_hash)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        super::password_policy::push_history(
            &mut tx,
            change.user_id,
            change.old_hash,
            change.history_keep,
            now,
        )
        .await?;
        super::sessions::revoke_all_for_user(&mut *tx, change.user_id, change.keep_session, now)
            .await?;
        super::outbox::enqueue(&mut *tx, &change.notice, now).await?;
        super::audit::append(&mut *tx, &change.audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
