//! Organisations and their verified domains.
use super::{Store, StoreError};
use crate::domain::policy::OrgPolicy;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long [`Store::first_org`] answers from memory. Every page asks for it (its name is in
/// the header of every page a visitor sees before signing in), and two queries a page were
/// a third of the cost of rendering `/login`. A change made through this instance shows at
/// once (or, when a read was under way, within this long); one made through another
/// instance within this long.
const FIRST_ORG_LIFETIME: Duration = Duration::from_secs(1);

/// When the first organisation was read, and what it was (none yet, in an empty store).
type FirstOrgRead = (Instant, Option<Organisation>);

/// The first organisation as last read; each `Store::connect` has its own.
#[derive(Clone, Default)]
pub(super) struct FirstOrgCache(Arc<Mutex<Option<FirstOrgRead>>>);

impl std::fmt::Debug for FirstOrgCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FirstOrgCache")
    }
}

impl FirstOrgCache {
    fn get(&self, now: Instant) -> Option<Option<Organisation>> {
        // A panic elsewhere while holding the lock leaves a value that is still valid.
        let cached = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|(at, _)| now.duration_since(*at) < FIRST_ORG_LIFETIME)
            .map(|(_, org)| org.clone())
    }

    fn put(&self, read_at: Instant, org: Option<Organisation>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((read_at, org));
    }

    fn forget(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub policy: OrgPolicy,
    pub domains: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    slug: String,
    name: String,
    policy: String,
}

impl Store {
    /// Creates an organisation with the default policy and its verified domains.
    pub async fn create_org(
        &self,
        slug: &str,
        name: &str,
        domains: &[String],
        now: i64,
    ) -> Result<Organisation, StoreError> {
        let policy = OrgPolicy::default();
        let policy_json =
            serde_json::to_string(&policy).map_err(|_| StoreError::Corrupt("policy"))?;
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, policy, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(&policy_json)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::from_insert(e, "organisation"))?;
        for domain in domains {
            sqlx::query("INSERT INTO organisation_domains (domain, org_id, verified_at) VALUES ($1, $2, $3)")
                .bind(domain)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_insert(e, "domain"))?;
        }
        tx.commit().await?;
        self.first_org.forget();
        Ok(Organisation {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            policy,
            domains: domains.to_vec(),
        })
    }

    /// Replaces the organisation's policy (clamped into its bounds first), with its audit
    /// event in the same transaction.
    pub async fn set_policy(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
        audit: &super::AuditEvent,
    ) -> Result<(), StoreError> {
        let policy_json = serde_json::to_string(&policy.clone().normalized())
            .map_err(|_| StoreError::Corrupt("policy"))?;
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE organisations SET policy = $1 WHERE id = $2")
            .bind(&policy_json)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("organisation"));
        }
        super::audit::append(&mut *tx, audit).await?;
        tx.commit().await?;
        self.first_org.forget();
        Ok(())
    }

    pub async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> =
            sqlx::query_as("SELECT id, slug, name, policy FROM organisations WHERE slug = $1")
                .bind(slug)
                .fetch_optional(self.pool())
                .await?;
        self.with_domains(row).await
    }

    pub async fn find_org(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> =
            sqlx::query_as("SELECT id, slug, name, policy FROM organisations WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        self.with_domains(row).await
    }

    /// The organisation that owns this (verified) e-mail domain.
    pub async fn find_org_by_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = sqlx::query_as(
            "SELECT o.id, o.slug, o.name, o.policy FROM organisations o \
             JOIN organisation_domains d ON d.org_id = o.id WHERE d.domain = $1",
        )
        .bind(domain)
        .fetch_optional(self.pool())
        .await?;
        self.with_domains(row).await
    }

    /// The organisation shown on pages before anyone signs in: the oldest one.
    /// The organisation created first (the one anonymous visitors see), read again at
    /// most every [`FIRST_ORG_LIFETIME`].
    pub async fn first_org(&self) -> Result<Option<Organisation>, StoreError> {
        let now = Instant::now();
        if let Some(org) = self.first_org.get(now) {
            return Ok(org);
        }
        let org = self.read_first_org().await?;
        // Stamped with the time before the read: a change committed meanwhile is
        // forgotten (`forget`) or read again within the lifetime, never kept longer.
        self.first_org.put(now, org.clone());
        Ok(org)
    }

    async fn read_first_org(&self) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> =
            sqlx::query_as("SELECT id, slug, name, policy FROM organisations ORDER BY id LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        self.with_domains(row).await
    }

    pub async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> =
            sqlx::query_as("SELECT id, slug, name, policy FROM organisations ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        let mut orgs = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(org) = self.with_domains(Some(row)).await? {
                orgs.push(org);
            }
        }
        Ok(orgs)
    }

    async fn with_domains(&self, row: Option<OrgRow>) -> Result<Option<Organisation>, StoreError> {
        let Some(row) = row else { return Ok(None) };
        let domains: Vec<String> = sqlx::query_scalar(
            "SELECT domain FROM organisation_domains WHERE org_id = $1 ORDER BY domain",
        )
        .bind(row.id)
        .fetch_all(self.pool())
        .await?;
        let policy: OrgPolicy =
            serde_json::from_str(&row.policy).map_err(|_| StoreError::Corrupt("policy"))?;
        Ok(Some(Organisation {
            id: row.id,
            slug: row.slug,
            name: row.name,
            policy: policy.normalized(),
            domains,
        }))
    }
}
