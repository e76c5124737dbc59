//! Passkeys and the WebAuthn ceremonies between their two requests. A use of a passkey
//! is a conditional `UPDATE` on the record it was checked against, so of two answers
//! checked at once only one moves the signature counter (docs/security.md).
use super::methods::{commit_if_one, Effects};
use super::{Store, StoreError};

/// One registered passkey.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub user_id: i64,
    /// base64url, as browsers and webauthn-rs spell it.
    pub credential_id: String,
    pub name: String,
    /// webauthn-rs' `Passkey`, as JSON.
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl std::fmt::Debug for PasskeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRow")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, user_id, credential_id, name, credential, created_at, last_used_at";

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    SignIn,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::SignIn => "sign_in",
        }
    }
}

impl Store {
    pub async fn passkeys(&self, user_id: i64) -> Result<Vec<PasskeyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The passkeys of one of the organisation's accounts that have any: the one at
    /// `pick` (modulo their number) in the order of their IDs. Decoys take their shape
    /// from it.
    pub async fn passkeys_of_some_account(
        &self,
        org_id: i64,
        pick: i64,
    ) -> Result<Vec<PasskeyRow>, StoreError> {
        const OWNERS: &str =
            "FROM passkeys WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)";
        let owners: i64 = sqlx::query_scalar(&format!("SELECT COUNT(DISTINCT user_id) {OWNERS}"))
            .bind(org_id)
            .fetch_one(self.pool())
            .await?;
        if owners == 0 {
            return Ok(Vec::new());
        }
        let owner: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT user_id {OWNERS} ORDER BY user_id LIMIT 1 OFFSET $2"
        ))
        .bind(org_id)
        .bind(pick.rem_euclid(owners))
        .fetch_optional(self.pool())
        .await?;
        match owner {
            Some(user_id) => self.passkeys(user_id).await,
            None => Ok(Vec::new()),
        }
    }

    pub async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"
        ))
        .bind(credential_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Adds a passkey with its notices and audit event; a credential already registered
    /// (to anyone) is `Duplicate`.
    pub async fn add_passkey(
        &self,
        row: &PasskeyRow,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(row.user_id)
        .bind(&row.credential_id)
        .bind(&row.name)
        .bind(&row.credential)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_insert(e, "passkey"))?;
        commit_if_one(tx, done.rows_affected(), effects, now).await
    }

    pub async fn remove_passkey(
        &self,
        user_id: i64,
        id: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        commit_if_one(tx, done.rows_affected(), effects, now).await
    }

    /// Records a use: the new record (counter, backup state) replaces the one the answer
    /// was checked against, only if nobody replaced it meanwhile.
    pub async fn passkey_used(
        &self,
        id: i64,
        checked_against: &str,
        updated: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE passkeys SET credential = $1, last_used_at = $2 \
             WHERE id = $3 AND credential = $4",
        )
        .bind(updated)
        .bind(now)
        .bind(id)
        .bind(checked_against)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The account's WebAuthn user handle, set once (the first registration's wins).
    pub async fn passkey_handle(&self, user_id: i64, fresh: &str) -> Result<String, StoreError> {
        sqlx::query(
            "UPDATE users SET passkey_handle = $1 WHERE id = $2 AND passkey_handle IS NULL",
        )
        .bind(fresh)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        let handle: Option<String> =
            sqlx::query_scalar("SELECT passkey_handle FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?;
        handle.ok_or(StoreError::NotFound("passkey handle"))
    }

    pub async fn user_by_passkey_handle(&self, handle: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM users WHERE passkey_handle = $1")
                .bind(handle)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Keeps a ceremony's state until `expires_at` (and drops the ones that expired).
    pub async fn put_ceremony(
        &self,
        token_hash: &str,
        purpose: Ceremony,
        user_id: Option<i64>,
        state: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO passkey_ceremonies (token_hash, purpose, user_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(state)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes a live ceremony: it is gone afterwards, so its challenge is answered once.
    pub async fn take_ceremony(
        &self,
        token_hash: &str,
        purpose: Ceremony,
        now: i64,
    ) -> Result<Option<(Option<i64>, String)>, StoreError> {
        let row: Option<(Option<i64>, String, i64)> = sqlx::query_as(
            "DELETE FROM passkey_ceremonies WHERE token_hash = $1 AND purpose = $2 \
             RETURNING user_id, state, expires_at",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .filter(|(_, _, expires_at)| *expires_at >= now)
            .map(|(user, state, _)| (user, state)))
    }
}
