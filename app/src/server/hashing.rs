//! Argon2id password hashing on a bounded pool. At most `workers` hashes run at once (one
//! per core: more would only slow each one down); a few more may wait briefly, and the
//! rest are shed with `AppError::Busy` so a flood of sign-ins can't starve cheap requests.
use crate::domain::password::normalize_password;
use crate::domain::secret::SecretString;
use crate::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Argon2id cost. Production values are SECURITY.md's; `cheap()` is for tests only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashCost {
    pub const PRODUCTION: HashCost = HashCost {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Minimal cost, so integration tests that sign in hundreds of times stay fast.
    pub const fn cheap() -> HashCost {
        HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash uses other parameters than the current ones: rehash it.
    pub needs_rehash: bool,
}

#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
    /// Verified against when there is no account, so unknown users cost the same time.
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.inner.params)
            .finish()
    }
}

impl PasswordHasher {
    pub fn new(cost: HashCost, workers: usize) -> Result<Self, AppError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|_| AppError::Internal)?;
        let workers = workers.max(1);
        let dummy_hash = hash_with(&params, "regain dummy password for timing")?;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                permits: Semaphore::new(workers),
                waiting: AtomicUsize::new(0),
                max_waiting: workers * 16,
                max_wait: Duration::from_secs(3),
                dummy_hash,
            }),
        })
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, AppError> {
        let normalized = normalize_password(password.expose());
        let params = self.inner.params.clone();
        self.run(move || hash_with(&params, &normalized)).await?
    }

    /// Verifies against `stored`, or against a dummy hash when there is none, so the
    /// time taken says nothing about whether the account exists.
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: Option<&str>,
    ) -> Result<Verified, AppError> {
        let normalized = normalize_password(password.expose());
        let has_account = stored.is_some();
        let phc = stored.unwrap_or(&self.inner.dummy_hash).to_owned();
        let params = self.inner.params.clone();
        self.run(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Verified {
                    matches: false,
                    needs_rehash: false,
                };
            };
            let matches = Argon2::default()
                .verify_password(normalized.as_bytes(), &parsed)
                .is_ok();
            let needs_rehash = matches
                && (parsed.algorithm != argon2::ARGON2ID_IDENT
                    || parsed.version != Some(Version::V0x13.into())
                    || Params::try_from(&parsed).map_or(true, |p| {
                        (p.m_cost(), p.t_cost(), p.p_cost())
                            != (params.m_cost(), params.t_cost(), params.p_cost())
                    }));
            Verified {
                matches: matches && has_account,
                needs_rehash,
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let inner = &self.inner;
        if inner.permits.available_permits() == 0
            && inner.waiting.load(Ordering::Relaxed) >= inner.max_waiting
        {
            return Err(AppError::Busy);
        }
        inner.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = tokio::time::timeout(inner.max_wait, inner.permits.acquire()).await;
        inner.waiting.fetch_sub(1, Ordering::Relaxed);
        let _permit = match permit {
            Ok(Ok(p)) => p,
            _ => return Err(AppError::Busy),
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| AppError::Internal)
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_rehash_detection() {
        let cheap = PasswordHasher::new(HashCost::cheap(), 2).unwrap();
        let pw = SecretString::new("correct horse battery staple");
        let phc = cheap.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let ok = cheap.verify(&pw, Some(&phc)).await.unwrap();
        assert_eq!(
            ok,
            Verified {
                matches: true,
                needs_rehash: false
            }
        );
        let wrong = cheap
            .verify(&SecretString::new("wrong"), Some(&phc))
            .await
            .unwrap();
        assert!(!wrong.matches);
        // Under other parameters the same hash still verifies, and asks to be rehashed.
        let other = PasswordHasher::new(
            HashCost {
                memory_kib: 128,
                ..HashCost::cheap()
            },
            1,
        )
        .unwrap();
        assert_eq!(
            other.verify(&pw, Some(&phc)).await.unwrap(),
            Verified {
                matches: true,
                needs_rehash: true
            }
        );
    }

    #[tokio::test]
    async fn normalised_before_hashing_and_no_account_never_matches() {
        let h = PasswordHasher::new(HashCost::cheap(), 1).unwrap();
        let phc = h
            .hash(&SecretString::new("ｐａｓｓｗｏｒｄ long enough"))
            .await
            .unwrap();
        assert!(
            h.verify(&SecretString::new("password long enough"), Some(&phc))
                .await
                .unwrap()
                .matches
        );
        assert!(
            !h.verify(&SecretString::new("regain dummy password for timing"), None)
                .await
                .unwrap()
                .matches
        );
        assert!(
            !h.verify(&SecretString::new("x"), Some("not a phc string"))
                .await
                .unwrap()
                .matches
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn excess_work_is_shed_not_queued_without_bound() {
        let h = PasswordHasher::new(
            HashCost {
                memory_kib: 8192,
                iterations: 3,
                parallelism: 1,
            },
            1,
        )
        .unwrap();
        let pw = SecretString::new("a long enough password");
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let h = h.clone();
                let pw = pw.clone();
                tokio::spawn(async move { h.hash(&pw).await })
            })
            .collect();
        let mut busy = 0;
        let mut done = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => done += 1,
                Err(AppError::Busy) => busy += 1,
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert!(
            busy > 0,
            "with one worker and room for 16 waiting, some of 40 must be shed"
        );
        assert!(
            done >= 17,
            "the running one and the waiting ones complete: {done}"
        );
    }
}
