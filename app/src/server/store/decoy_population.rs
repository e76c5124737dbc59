//! What a decoy's shape is drawn from (`recovery::decoy`): how the accounts of one
//! organisation that can really recover show their gates, as counts — of gate sequences
//! and of the parts of masked forms — never any one account's methods.
//!
//! Read with two queries and kept in-process for ten minutes per organisation (and per
//! policy: a policy change rebuilds it at once), then read again in the background while
//! the old one is still served. It is derived and never authoritative:
//! every instance keeps its own, and a stale one only shifts a decoy's odds a little.
//! Only the counts are kept, never the addresses or numbers they were counted from.
use super::methods::ContactKind;
use super::{Store, StoreError};
use crate::domain::mask::{mask_email, mask_phone};
use crate::domain::methods::{allowed_methods, gates_to_pass};
use crate::domain::policy::{MethodKind, OrgPolicy};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a population is reused before it is read again.
const LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long an organisation's population is kept at all without being read again.
const FORGET: Duration = Duration::from_secs(86_400);

/// What a whole masked form is when the stored value is not what we expect (`mask`):
/// counted as its own category, since real accounts with such a value show it.
pub const HIDDEN: &str = "•••";

/// What an account has registered, in the terms recovery reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub admin: bool,
    pub frozen: bool,
    /// The kinds of its verified email, phone and authenticator rows, in stored order.
    pub contacts: Vec<MethodKind>,
    /// At least one unused recovery code.
    pub recovery_codes: bool,
    /// How many security questions it answered.
    pub questions: usize,
    /// At least one passkey.
    pub passkeys: bool,
}

/// The gates an account offers, in the order recovery lists them, and how many it must
/// pass; `None` when it can't recover (its flow is a decoy). The same rules as
/// `recovery::subject` and `recovery::real_gates`: the policy's methods (never questions
/// for administrators), in stored order, then recovery codes, then questions; two gates
/// for administrators, authenticators and frozen accounts; at least `required` different
/// kinds, one of them not questions.
pub fn recoverable(policy: &OrgPolicy, r: &Registration) -> Option<(Vec<MethodKind>, u8)> {
    let allowed = allowed_methods(policy, r.admin);
    let mut gates: Vec<MethodKind> = r
        .contacts
        .iter()
        .copied()
        .filter(|k| allowed.contains(k))
        .collect();
    if r.recovery_codes && allowed.contains(&MethodKind::RecoveryCodes) {
        gates.push(MethodKind::RecoveryCodes);
    }
    if allowed.contains(&MethodKind::SecurityQuestions)
        && r.questions >= usize::from(policy.questions_to_answer.max(1))
    {
        gates.push(MethodKind::SecurityQuestions);
    }
    if r.passkeys && allowed.contains(&MethodKind::Passkey) {
        gates.push(MethodKind::Passkey);
    }
    let required = gates_to_pass(policy, r.admin, r.frozen, &gates)?;
    Some((gates, required))
}

/// One active account as read for the population.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub admin: bool,
    pub frozen: bool,
    pub recovery_codes_left: i64,
    /// Verified methods in stored order: kind and stored value (address, E.164 number,
    /// sealed seed).
    pub methods: Vec<(ContactKind, String)>,
    /// The keys of the questions it answered.
    pub questions: Vec<String>,
    pub passkeys: bool,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values are personal: they stay out of logs.
        f.debug_struct("Account")
            .field("admin", &self.admin)
            .field("methods", &self.methods.len())
            .finish_non_exhaustive()
    }
}

/// Counts over the accounts of an organisation that can recover. Categories are the
/// pieces of masked forms exactly as `mask` writes them (case kept as stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    /// Accounts that can recover.
    pub accounts: u64,
    /// (gate kinds in listed order, gates required) → accounts.
    pub shapes: BTreeMap<(Vec<MethodKind>, u8), u64>,
    /// First character of a masked email's local part (`a` of `a•••@c•••.com`).
    pub email_local: BTreeMap<String, u64>,
    /// A masked email's domain part (`c•••.com`, `c•••` for a dotless domain), or
    /// [`HIDDEN`] for an address masked whole.
    pub email_domain: BTreeMap<String, u64>,
    /// A masked phone's country code (`+39`), or [`HIDDEN`] for a number masked whole.
    pub phone_country: BTreeMap<String, u64>,
    /// Question keys answered, over the accounts offering the questions gate.
    pub question_keys: BTreeMap<String, u64>,
}

fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_owned()).or_insert(0) += 1;
}

fn contact_kind(k: ContactKind) -> MethodKind {
    k.method_kind()
}

impl Population {
    /// Counts the accounts that can recover under `policy`; only the gates each one
    /// offers count (a disallowed method's masked form is never shown, so not counted).
    pub fn of(policy: &OrgPolicy, accounts: &[Account]) -> Self {
        let mut p = Population::default();
        for a in accounts {
            let registration = Registration {
                admin: a.admin,
                frozen: a.frozen,
                contacts: a.methods.iter().map(|(k, _)| contact_kind(*k)).collect(),
                recovery_codes: a.recovery_codes_left > 0,
                questions: a.questions.len(),
                passkeys: a.passkeys,
            };
            let Some((gates, required)) = recoverable(policy, &registration) else {
                continue;
            };
            p.accounts += 1;
            let allowed = allowed_methods(policy, a.admin);
            for (kind, value) in &a.methods {
                if !allowed.contains(&contact_kind(*kind)) {
                    continue;
                }
                match kind {
                    ContactKind::Email => {
                        let masked = mask_email(value);
                        match masked.split_once('@') {
                            Some((local, domain)) => {
                                let first: String = local.chars().take(1).collect();
                                count(&mut p.email_local, &first);
                                count(&mut p.email_domain, domain);
                            }
                            None => count(&mut p.email_domain, HIDDEN),
                        }
                    }
                    ContactKind::Sms => {
                        let masked = mask_phone(value);
                        let country = masked.split_once(' ').map_or(HIDDEN, |(cc, _)| cc);
                        count(&mut p.phone_country, country);
                    }
                    ContactKind::Authenticator => {}
                }
            }
            if gates.contains(&MethodKind::SecurityQuestions) {
                for q in &a.questions {
                    count(&mut p.question_keys, q);
                }
            }
            *p.shapes.entry((gates, required)).or_insert(0) += 1;
        }
        p
    }
}

struct Cached {
    at: Instant,
    policy: OrgPolicy,
    population: Arc<Population>,
    /// A read to replace it is under way.
    refreshing: bool,
}

/// What the cache holds for an organisation and policy.
#[derive(Debug, PartialEq, Eq)]
enum Lookup {
    Fresh(Arc<Population>),
    /// Older than [`LIFETIME`]: still served; `refresh` is true for the one caller that
    /// should read it again.
    Stale {
        population: Arc<Population>,
        refresh: bool,
    },
    /// Never read, or read under another policy (whose methods may not be this one's).
    Missing,
}

/// The populations read lately, per organisation; each `Store::connect` has its own.
#[derive(Clone, Default)]
pub struct PopulationCache(Arc<Mutex<HashMap<i64, Cached>>>);

impl std::fmt::Debug for PopulationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PopulationCache")
    }
}

impl PopulationCache {
    fn lookup(&self, org_id: i64, policy: &OrgPolicy, now: Instant) -> Lookup {
        // A panic elsewhere while holding the lock leaves a map that is still valid.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&org_id) {
            Some(c) if c.policy == *policy => {
                if now.duration_since(c.at) < LIFETIME {
                    Lookup::Fresh(c.population.clone())
                } else {
                    let refresh = !c.refreshing;
                    c.refreshing = true;
                    Lookup::Stale {
                        population: c.population.clone(),
                        refresh,
                    }
                }
            }
            _ => Lookup::Missing,
        }
    }

    fn put(&self, org_id: i64, policy: &OrgPolicy, population: Arc<Population>, now: Instant) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Organisations nobody probed for a day go; the rest are one entry each.
        map.retain(|_, c| now.duration_since(c.at) < FORGET);
        map.insert(
            org_id,
            Cached {
                at: now,
                policy: policy.clone(),
                population,
                refreshing: false,
            },
        );
    }

    /// A refresh failed: the next caller tries again.
    fn refresh_failed(&self, org_id: i64) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = map.get_mut(&org_id) {
            c.refreshing = false;
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    role: String,
    frozen_at: Option<i64>,
    codes_left: i64,
    passkeys: i64,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    user_id: i64,
    kind: String,
    value: String,
}

impl Store {
    /// The population of the organisation's accounts under its policy, read at most
    /// once per ten minutes per instance.
    ///
    /// Once read, it is read again in the background when it gets old, and the old one
    /// is served meanwhile: a start that waited for the read would answer later for a
    /// decoy than for a real account, once every ten minutes. The first read after a
    /// start of the server, or after a change of the policy, is waited for.
    pub async fn decoy_population(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
    ) -> Result<Arc<Population>, StoreError> {
        match self.decoy_population.lookup(org_id, policy, Instant::now()) {
            Lookup::Fresh(population) => Ok(population),
            Lookup::Stale {
                population,
                refresh,
            } => {
                if refresh {
                    self.refresh_in_background(org_id, policy).await;
                }
                Ok(population)
            }
            Lookup::Missing => self.read_population(org_id, policy).await,
        }
    }

    async fn read_population(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
    ) -> Result<Arc<Population>, StoreError> {
        let accounts = self.population_accounts(org_id).await?;
        let population = Arc::new(Population::of(policy, &accounts));
        self.decoy_population
            .put(org_id, policy, population.clone(), Instant::now());
        Ok(population)
    }

    async fn refresh_in_background(&self, org_id: i64, policy: &OrgPolicy) {
        let store = self.clone();
        let policy = policy.clone();
        let refresh = async move {
            if let Err(e) = store.read_population(org_id, &policy).await {
                tracing::warn!(error = %e, org_id, "decoy population not refreshed");
                store.decoy_population.refresh_failed(org_id);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(refresh);
            }
            // Outside a runtime (never in the server) there is nothing to hand it to.
            Err(_) => refresh.await,
        }
    }

    /// The organisation's active accounts with their verified methods and answered
    /// questions, in two queries.
    pub async fn population_accounts(&self, org_id: i64) -> Result<Vec<Account>, StoreError> {
        let users: Vec<UserRow> = sqlx::query_as(
            "SELECT u.id, u.role, u.frozen_at, \
             (SELECT COUNT(*) FROM recovery_codes c \
              WHERE c.user_id = u.id AND c.used_at IS NULL) AS codes_left, \
             (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys \
             FROM users u WHERE u.org_id = $1 AND u.status = 'active' ORDER BY u.id",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        // Methods in stored order (as `methods` lists them), then the answered questions.
        let items: Vec<ItemRow> = sqlx::query_as(
            "SELECT m.user_id AS user_id, m.id AS item, m.kind AS kind, m.value AS value \
             FROM recovery_methods m JOIN users u ON u.id = m.user_id \
             WHERE u.org_id = $1 AND u.status = 'active' AND m.verified_at IS NOT NULL \
             UNION ALL \
             SELECT a.user_id, CAST(0 AS BIGINT), 'question', a.question \
             FROM security_answers a JOIN users u ON u.id = a.user_id \
             WHERE u.org_id = $1 AND u.status = 'active' \
             ORDER BY 1, 2",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        let mut by_user: HashMap<i64, Account> = users
            .iter()
            .map(|u| {
                (
                    u.id,
                    Account {
                        admin: u.role == super::Role::GlobalAdmin.as_str(),
                        frozen: u.frozen_at.is_some(),
                        recovery_codes_left: u.codes_left,
                        passkeys: u.passkeys > 0,
                        methods: Vec::new(),
                        questions: Vec::new(),
                    },
                )
            })
            .collect();
        for item in items {
            let Some(account) = by_user.get_mut(&item.user_id) else {
                continue;
            };
            if item.kind == "question" {
                account.questions.push(item.value);
            } else {
                let kind =
                    ContactKind::parse(&item.kind).ok_or(StoreError::Corrupt("method kind"))?;
                account.methods.push((kind, item.value));
            }
        }
        Ok(users.iter().filter_map(|u| by_user.remove(&u.id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MethodKind::*;

    fn account(methods: &[(ContactKind, &str)], codes: i64, questions: usize) -> Account {
        Account {
            admin: false,
            frozen: false,
            passkeys: false,
            recovery_codes_left: codes,
            methods: methods.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            questions: (1..=questions).map(|n| format!("q{n:02}")).collect(),
        }
    }

    fn questions_on() -> OrgPolicy {
        let mut p = OrgPolicy::default();
        p.methods_enabled.push(SecurityQuestions);
        p
    }

    #[test]
    fn gates_in_the_order_recovery_lists_them_with_their_count() {
        let p = questions_on();
        let r = Registration {
            admin: false,
            frozen: false,
            passkeys: false,
            contacts: vec![Sms, Email],
            recovery_codes: true,
            questions: 3,
        };
        assert_eq!(
            recoverable(&p, &r),
            Some((vec![Sms, Email, RecoveryCodes, SecurityQuestions], 1))
        );
        // Administrators: two gates, never questions.
        let admin = Registration {
            admin: true,
            ..r.clone()
        };
        assert_eq!(
            recoverable(&p, &admin),
            Some((vec![Sms, Email, RecoveryCodes], 2))
        );
        // An authenticator means two gates; alone it is no way back.
        let app = Registration {
            contacts: vec![Authenticator],
            recovery_codes: false,
            questions: 0,
            ..r.clone()
        };
        assert_eq!(recoverable(&p, &app), None);
        let app_codes = Registration {
            recovery_codes: true,
            ..app.clone()
        };
        assert_eq!(
            recoverable(&p, &app_codes),
            Some((vec![Authenticator, RecoveryCodes], 2))
        );
        // Questions alone, or too few answers, are no way back.
        let only_questions = Registration {
            contacts: vec![],
            recovery_codes: false,
            ..r.clone()
        };
        assert_eq!(recoverable(&p, &only_questions), None);
        let few = Registration {
            questions: 2,
            ..r.clone()
        };
        assert_eq!(
            recoverable(&p, &few),
            Some((vec![Sms, Email, RecoveryCodes], 1))
        );
        // Frozen: two different kinds needed.
        let frozen = Registration {
            frozen: true,
            contacts: vec![Email, Email],
            recovery_codes: false,
            questions: 0,
            ..r
        };
        assert_eq!(recoverable(&p, &frozen), None);
    }

    #[test]
    fn counts_masked_parts_of_the_gates_shown_only() {
        let p = OrgPolicy {
            methods_enabled: vec![Email, RecoveryCodes],
            ..OrgPolicy::default()
        };
        let accounts = vec![
            account(
                &[
                    (ContactKind::Email, "anna@mail.example.de"),
                    (ContactKind::Sms, "+393331234567"),
                ],
                3,
                0,
            ),
            account(&[(ContactKind::Email, "1x@host")], 0, 0),
            account(&[(ContactKind::Email, "garbage")], 0, 0),
            // Can't recover: not counted at all.
            account(&[(ContactKind::Sms, "+4915112345678")], 0, 0),
        ];
        let pop = Population::of(&p, &accounts);
        assert_eq!(pop.accounts, 3);
        assert_eq!(pop.shapes.get(&(vec![Email, RecoveryCodes], 1)), Some(&1));
        assert_eq!(pop.shapes.get(&(vec![Email], 1)), Some(&2));
        let keys = |m: &BTreeMap<String, u64>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&pop.email_local), ["1", "a"]);
        assert_eq!(keys(&pop.email_domain), ["h•••", "m•••.de", HIDDEN]);
        // SMS isn't allowed: the number is never shown, so never counted.
        assert!(pop.phone_country.is_empty());
    }

    #[test]
    fn question_keys_count_only_where_the_gate_is_offered() {
        let p = questions_on();
        let mut admin = account(&[(ContactKind::Email, "a@b.it")], 1, 3);
        admin.admin = true;
        let user = account(&[(ContactKind::Email, "c@d.fr")], 0, 3);
        let pop = Population::of(&p, &[admin, user]);
        assert_eq!(pop.question_keys.values().sum::<u64>(), 3);
        assert_eq!(pop.phone_country.len(), 0);
    }

    #[test]
    fn the_cache_serves_an_old_population_while_one_caller_reads_it_again() {
        let cache = PopulationCache::default();
        let t0 = Instant::now();
        let p = OrgPolicy::default();
        let first = Arc::new(Population::default());
        assert_eq!(cache.lookup(1, &p, t0), Lookup::Missing);
        cache.put(1, &p, first.clone(), t0);
        assert_eq!(
            cache.lookup(1, &p, t0 + Duration::from_secs(60)),
            Lookup::Fresh(first.clone())
        );
        assert_eq!(cache.lookup(2, &p, t0), Lookup::Missing);
        // Old: served, and only the first caller is told to read it again.
        let late = t0 + LIFETIME;
        assert_eq!(
            cache.lookup(1, &p, late),
            Lookup::Stale {
                population: first.clone(),
                refresh: true
            }
        );
        assert_eq!(
            cache.lookup(1, &p, late),
            Lookup::Stale {
                population: first.clone(),
                refresh: false
            }
        );
        // A failed read lets the next caller try; a new one is fresh again.
        cache.refresh_failed(1);
        assert!(matches!(
            cache.lookup(1, &p, late),
            Lookup::Stale { refresh: true, .. }
        ));
        let second = Arc::new(Population {
            accounts: 1,
            ..Population::default()
        });
        cache.put(1, &p, second.clone(), late);
        assert_eq!(cache.lookup(1, &p, late), Lookup::Fresh(second));
        // Another policy may allow other methods: never served from this one.
        let other = OrgPolicy {
            methods_required: 2,
            ..p.clone()
        };
        assert_eq!(cache.lookup(1, &other, late), Lookup::Missing);
    }
}
