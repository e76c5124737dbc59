//! Recovery methods and the one-time values that prove them. Every consumption of a
//! one-time value is a conditional `UPDATE` whose rows-affected count decides (docs/security.md
//! requirement 5), so concurrent requests can't both win on SQLite or PostgreSQL.
use super::outbox::{enqueue, NewMessage};
use super::{AuditEvent, Store, StoreError};
use sqlx::{Any, Transaction};

/// The kinds of method that have a row in `recovery_methods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Email,
    Sms,
    Authenticator,
}

impl ContactKind {
    /// The verification method a row of this kind is.
    pub fn method_kind(self) -> crate::domain::policy::MethodKind {
        use crate::domain::policy::MethodKind;
        match self {
            ContactKind::Email => MethodKind::Email,
            ContactKind::Sms => MethodKind::Sms,
            ContactKind::Authenticator => MethodKind::Authenticator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Sms => "sms",
            ContactKind::Authenticator => "authenticator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(ContactKind::Email),
            "sms" => Some(ContactKind::Sms),
            "authenticator" => Some(ContactKind::Authenticator),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct MethodRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: ContactKind,
    /// Address, E.164 number, or the sealed TOTP seed.
    pub value: String,
    pub created_at: i64,
    pub verified_at: Option<i64>,
    pub last_used_step: Option<i64>,
    pub totp_failures: i64,
}

impl std::fmt::Debug for MethodRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value is personal (or a sealed seed): it stays out of logs.
        f.debug_struct("MethodRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("verified_at", &self.verified_at)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct RawMethod {
    id: i64,
    user_id: i64,
    kind: String,
    value: String,
    created_at: i64,
    verified_at: Option<i64>,
    last_used_step: Option<i64>,
    totp_failures: i64,
}

impl TryFrom<RawMethod> for MethodRow {
    type Error = StoreError;
    fn try_from(r: RawMethod) -> Result<Self, StoreError> {
        Ok(MethodRow {
            id: r.id,
            user_id: r.user_id,
            kind: ContactKind::parse(&r.kind).ok_or(StoreError::Corrupt("method kind"))?,
            value: r.value,
            created_at: r.created_at,
            verified_at: r.verified_at,
            last_used_step: r.last_used_step,
            totp_failures: r.totp_failures,
        })
    }
}

const METHOD_COLUMNS: &str =
    "id, user_id, kind, value, created_at, verified_at, last_used_step, totp_failures";

/// A code to issue for a method, with the message that carries it.
pub struct NewCode<'a> {
    pub user_id: i64,
    pub method_id: i64,
    pub purpose: &'a str,
    pub channel: &'a str,
    pub code_mac: &'a str,
    pub lifetime: i64,
    /// No new code within this many seconds of the last one.
    pub cooldown: i64,
    pub message: &'a NewMessage,
    pub audit: &'a AuditEvent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    Sent,
    /// Too soon after the last code; a new one may be asked for at this time.
    TooSoon {
        retry_at: i64,
    },
    /// The earlier codes for this method already used up every try.
    Exhausted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// Wrong; this many tries are left for the code.
    Wrong {
        remaining: i64,
    },
    /// No live code: expired, used, replaced, or out of tries.
    Dead,
}

/// The effects of a change to someone's methods that must commit with it.
pub struct Effects<'a> {
    pub messages: &'a [NewMessage],
    pub audit: &'a AuditEvent,
}

async fn apply(tx: &mut Transaction<'_, Any>, e: &Effects<'_>, now: i64) -> Result<(), StoreError> {
    for m in e.messages {
        enqueue(&mut **tx, m, now).await?;
    }
    super::audit::append(&mut **tx, e.audit).await
}

/// Commits a change and its effects if its conditional update hit exactly one row; else
/// rolls it back: someone else got there first, or it was not theirs to change.
pub(super) async fn commit_if_one(
    mut tx: Transaction<'_, Any>,
    rows: u64,
    effects: &Effects<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    if rows != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    apply(&mut tx, effects, now).await?;
    tx.commit().await?;
    Ok(true)
}

impl Store {
    pub async fn methods(&self, user_id: i64) -> Result<Vec<MethodRow>, StoreError> {
        let rows: Vec<RawMethod> = sqlx::query_as(&format!(
            "SELECT {METHOD_COLUMNS} FROM recovery_methods WHERE user_id = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(MethodRow::try_from).collect()
    }

    pub async fn method(&self, user_id: i64, id: i64) -> Result<Option<MethodRow>, StoreError> {
        let row: Option<RawMethod> = sqlx::query_as(&format!(
            "SELECT {METHOD_COLUMNS} FROM recovery_methods WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(MethodRow::try_from).transpose()
    }

    /// A method registered as already verified: only for the demo data of `--dev`, whose
    /// addresses are fictional and can't receive a code.
    pub async fn add_demo_method(
        &self,
        user_id: i64,
        kind: ContactKind,
        value: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO recovery_methods (user_id, kind, value, created_at, verified_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(value)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An unverified method row for this value, created or reused (so asking twice for the
    /// same address doesn't pile up rows). A verified one with the same value is a duplicate.
    pub async fn pending_method(
        &self,
        user_id: i64,
        kind: ContactKind,
        value: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let existing: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, verified_at FROM recovery_methods \
             WHERE user_id = $1 AND kind = $2 AND value = $3 ORDER BY id LIMIT 1",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(value)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match existing {
            Some((_, Some(_))) => return Err(StoreError::Duplicate("method")),
            Some((id, None)) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO recovery_methods (user_id, kind, value, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(user_id)
                .bind(kind.as_str())
                .bind(value)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// A new authenticator enrolment: any unfinished one is replaced. Only one verified
    /// authenticator per account; replacing it means removing it first.
    pub async fn begin_authenticator(
        &self,
        user_id: i64,
        sealed_seed: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let verified: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_methods \
             WHERE user_id = $1 AND kind = 'authenticator' AND verified_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if verified > 0 {
            return Err(StoreError::Duplicate("authenticator"));
        }
        sqlx::query(
            "DELETE FROM recovery_methods \
             WHERE user_id = $1 AND kind = 'authenticator' AND verified_at IS NULL",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let id = sqlx::query_scalar(
            "INSERT INTO recovery_methods (user_id, kind, value, created_at) \
             VALUES ($1, 'authenticator', $2, $3) RETURNING id",
        )
        .bind(user_id)
        .bind(sealed_seed)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Issues a code for a method: the previous live one dies and hands its failure count
    /// on, so resending never buys more tries (docs/security.md). The message is queued in the
    /// same transaction.
    pub async fn issue_code(&self, code: &NewCode<'_>, now: i64) -> Result<Issued, StoreError> {
        let mut tx = self.write_tx().await?;
        let last: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, created_at, attempts FROM verification_codes \
             WHERE method_id = $1 AND purpose = $2 AND used_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(code.method_id)
        .bind(code.purpose)
        .fetch_optional(&mut *tx)
        .await?;
        let mut attempts = 0;
        if let Some((id, created_at, used)) = last {
            if created_at + code.cooldown > now {
                return Ok(Issued::TooSoon {
                    retry_at: created_at + code.cooldown,
                });
            }
            // Within the last code's lifetime its failures carry over, so a resend never
            // buys more guesses; once it has run out, the count starts again.
            if created_at + code.lifetime > now {
                if used >= MAX_CODE_ATTEMPTS {
                    return Ok(Issued::Exhausted);
                }
                attempts = used;
            }
            sqlx::query("UPDATE verification_codes SET replaced_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO verification_codes (user_id, method_id, purpose, channel, code_mac, \
             created_at, expires_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(code.user_id)
        .bind(code.method_id)
        .bind(code.purpose)
        .bind(code.channel)
        .bind(code.code_mac)
        .bind(now)
        .bind(now + code.lifetime)
        .bind(attempts)
        .execute(&mut *tx)
        .await?;
        apply(
            &mut tx,
            &Effects {
                messages: std::slice::from_ref(code.message),
                audit: code.audit,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Issued::Sent)
    }

    /// When the live code of a method was sent, if there is one.
    pub async fn live_code_sent_at(
        &self,
        method_id: i64,
        purpose: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM verification_codes WHERE method_id = $1 AND purpose = $2 \
             AND used_at IS NULL AND replaced_at IS NULL AND expires_at > $3 AND attempts < $4 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(method_id)
        .bind(purpose)
        .bind(now)
        .bind(MAX_CODE_ATTEMPTS)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Checks a code's MAC against the live code of the method. The try is counted in SQL
    /// before the comparison, and only while tries are left: fifty parallel guesses get
    /// at most five comparisons. A match is consumed by a conditional update, so one code
    /// succeeds once however many requests carry it.
    pub async fn check_code(
        &self,
        method_id: i64,
        user_id: i64,
        purpose: &str,
        code_mac: &str,
        now: i64,
    ) -> Result<CodeCheck, StoreError> {
        let live: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, code_mac FROM verification_codes WHERE method_id = $1 AND user_id = $2 \
             AND purpose = $3 AND used_at IS NULL AND replaced_at IS NULL AND expires_at > $4 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(method_id)
        .bind(user_id)
        .bind(purpose)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, stored)) = live else {
            return Ok(CodeCheck::Dead);
        };
        let counted = sqlx::query(
            "UPDATE verification_codes SET attempts = attempts + 1 \
             WHERE id = $1 AND attempts < $2 AND used_at IS NULL AND replaced_at IS NULL",
        )
        .bind(id)
        .bind(MAX_CODE_ATTEMPTS)
        .execute(self.pool())
        .await?;
        if counted.rows_affected() != 1 {
            return Ok(CodeCheck::Dead);
        }
        if !constant_time_eq(stored.as_bytes(), code_mac.as_bytes()) {
            let attempts: i64 =
                sqlx::query_scalar("SELECT attempts FROM verification_codes WHERE id = $1")
                    .bind(id)
                    .fetch_one(self.pool())
                    .await?;
            return Ok(CodeCheck::Wrong {
                remaining: (MAX_CODE_ATTEMPTS - attempts).max(0),
            });
        }
        let used = sqlx::query(
            "UPDATE verification_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(if used.rows_affected() == 1 {
            CodeCheck::Accepted
        } else {
            CodeCheck::Dead
        })
    }

    /// Marks a method verified, with its notices and audit event.
    pub async fn verify_method(
        &self,
        user_id: i64,
        method_id: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE recovery_methods SET verified_at = $1 \
             WHERE id = $2 AND user_id = $3 AND verified_at IS NULL",
        )
        .bind(now)
        .bind(method_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        commit_if_one(tx, done.rows_affected(), effects, now).await
    }

    /// Accepts a TOTP step for a method: only a step later than the last one accepted, in
    /// one conditional update, so a code can't be replayed even by concurrent requests.
    /// The first accepted step also verifies the enrolment.
    pub async fn accept_totp_step(
        &self,
        method_id: i64,
        user_id: i64,
        step: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_methods SET last_used_step = $1, totp_failures = 0, \
             verified_at = COALESCE(verified_at, $2) \
             WHERE id = $3 AND user_id = $4 AND kind = 'authenticator' \
             AND (last_used_step IS NULL OR last_used_step < $1)",
        )
        .bind(step)
        .bind(now)
        .bind(method_id)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Completes an authenticator enrolment with the step of its first valid code, in one
    /// transaction with its notices and audit event.
    pub async fn confirm_authenticator(
        &self,
        user_id: i64,
        method_id: i64,
        step: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE recovery_methods SET last_used_step = $1, totp_failures = 0, verified_at = $2 \
             WHERE id = $3 AND user_id = $4 AND kind = 'authenticator' AND verified_at IS NULL \
             AND (last_used_step IS NULL OR last_used_step < $1)",
        )
        .bind(step)
        .bind(now)
        .bind(method_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        commit_if_one(tx, done.rows_affected(), effects, now).await
    }

    /// Counts a wrong TOTP code; returns the failures so far.
    pub async fn count_totp_failure(&self, method_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE recovery_methods SET totp_failures = totp_failures + 1 WHERE id = $1 \
             RETURNING totp_failures",
        )
        .bind(method_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Removes a method and its codes, with its notices and audit event.
    pub async fn remove_method(
        &self,
        user_id: i64,
        method_id: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM verification_codes WHERE method_id = $1 AND user_id = $2")
            .bind(method_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM recovery_methods WHERE id = $1 AND user_id = $2")
            .bind(method_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        commit_if_one(tx, done.rows_affected(), effects, now).await
    }

    /// Replaces the account's recovery codes with a new set (the old ones die at once) and
    /// keeps the sealed plain codes for this session to show once.
    pub async fn replace_recovery_codes(
        &self,
        user_id: i64,
        fingerprints: &[String],
        display: (&str, &str, i64),
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (session_hash, sealed, expires_at) = display;
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for f in fingerprints {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, fingerprint, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(f)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "DELETE FROM recovery_code_displays WHERE session_hash = $1 OR expires_at < $2",
        )
        .bind(session_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO recovery_code_displays (session_hash, user_id, sealed_codes, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session_hash)
        .bind(user_id)
        .bind(sealed)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        apply(&mut tx, effects, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the account's recovery codes (and any set waiting to be shown).
    pub async fn remove_recovery_codes(
        &self,
        user_id: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_code_displays WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let removed = done.rows_affected().min(1);
        commit_if_one(tx, removed, effects, now).await
    }

    /// Removes the account's security answers.
    pub async fn remove_security_answers(
        &self,
        user_id: i64,
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM security_answers WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let removed = done.rows_affected().min(1);
        commit_if_one(tx, removed, effects, now).await
    }

    /// The sealed codes this session may still show, if any.
    pub async fn recovery_code_display(
        &self,
        session_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT sealed_codes FROM recovery_code_displays \
             WHERE session_hash = $1 AND user_id = $2 AND expires_at > $3",
        )
        .bind(session_hash)
        .bind(user_id)
        .bind(now)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn clear_recovery_code_display(&self, session_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_code_displays WHERE session_hash = $1")
            .bind(session_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Uses one recovery code: true exactly once per code, however many requests race.
    pub async fn consume_recovery_code(
        &self,
        user_id: i64,
        fingerprint: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND fingerprint = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(fingerprint)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The Argon2id PHC of the account's answer to one question, if it answered it.
    pub async fn security_answer_hash(
        &self,
        user_id: i64,
        question: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT answer_hash FROM security_answers WHERE user_id = $1 AND question = $2",
        )
        .bind(user_id)
        .bind(question)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Replaces the account's security answers (question key, Argon2id PHC of the answer).
    pub async fn replace_security_answers(
        &self,
        user_id: i64,
        answers: &[(String, String)],
        effects: &Effects<'_>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM security_answers WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for (question, hash) in answers {
            sqlx::query(
                "INSERT INTO security_answers (user_id, question, answer_hash, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(question)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        apply(&mut tx, effects, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The question keys the user answered (never the answers).
    pub async fn security_questions(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT question FROM security_answers WHERE user_id = $1 ORDER BY question",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records that the user confirmed their methods are current.
    pub async fn confirm_methods(
        &self,
        user_id: i64,
        audit: &AuditEvent,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET methods_confirmed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Tries a code gets; resends share them.
use crate::domain::codes::TRIES as MAX_CODE_ATTEMPTS;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
