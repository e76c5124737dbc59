//! Argon2id password hashing on a fixed pool of `workers` threads (one per core: more
//! would only slow each one down). Each thread keeps one Argon2 memory for its whole life,
//! so a flood of sign-ins costs at most `workers` × the configured memory, where tokio's
//! blocking pool grew a thread (and glibc an arena keeping its 19 MiB) per overlapping
//! hash. A few more hashes may wait briefly, and the rest are shed with `AppError::Busy`
//! so a flood of sign-ins can't starve cheap requests.
use crate::domain::password::normalize_password;
use crate::domain::secret::SecretString;
use crate::error::AppError;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use subtle::ConstantTimeEq as _;
use tokio::sync::{oneshot, Semaphore};

/// Argon2id cost. Production values are docs/security.md's; `cheap()` is for tests only.
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
    /// One per worker thread. A job keeps its permit until a worker has finished it, so
    /// the channel never holds more than `workers` jobs, even when callers give up.
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
    /// Verified against when there is no account, so unknown users cost the same time.
    dummy_hash: String,
    /// Dropped with the last `PasswordHasher`, which ends the worker threads.
    jobs: mpsc::Sender<Job>,
}

/// Runs on a worker thread with that thread's memory, and answers through its own
/// oneshot channel (captured inside).
type Job = Box<dyn FnOnce(&mut WorkerMemory) + Send>;

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.inner.params)
            .finish()
    }
}

impl PasswordHasher {
    /// Starts `workers` threads (at least one) named `regain-hash-N`.
    pub fn new(cost: HashCost, workers: usize) -> Result<Self, AppError> {
        Self::start(cost, workers).map(|(hasher, _threads)| hasher)
    }

    /// `new`, also handing back the threads (dropping a handle detaches its thread).
    fn start(cost: HashCost, workers: usize) -> Result<(Self, Vec<JoinHandle<()>>), AppError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|_| AppError::Internal)?;
        let workers = workers.max(1);
        // Made once on this thread; its memory is freed right after, so an idle server
        // holds no Argon2 memory until sign-ins come.
        let dummy_hash = hash_phc(
            &params,
            "regain dummy password for timing",
            &mut WorkerMemory::new(&params),
        )?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..workers)
            .map(|n| {
                let queue = Arc::clone(&queue);
                let memory = WorkerMemory::new(&params);
                std::thread::Builder::new()
                    .name(format!("regain-hash-{n}"))
                    .spawn(move || serve(&queue, memory))
                    .map_err(|_| AppError::Internal)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let hasher = Self {
            inner: Arc::new(Inner {
                params,
                permits: Arc::new(Semaphore::new(workers)),
                waiting: AtomicUsize::new(0),
                max_waiting: workers * 16,
                max_wait: Duration::from_secs(3),
                dummy_hash,
                jobs,
            }),
        };
        Ok((hasher, threads))
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, AppError> {
        let normalized = normalize_password(password.expose());
        let params = self.inner.params.clone();
        self.run(move |memory| hash_phc(&params, &normalized, memory))
            .await?
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
        self.run(move |memory| {
            let verified = verify_phc(&params, &normalized, &phc, memory);
            Verified {
                matches: verified.matches && has_account,
                ..verified
            }
        })
        .await
    }

    /// Hashes waiting for a worker now.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::Relaxed)
    }

    /// Hands `work` to a worker thread once a permit is free (shedding as described at
    /// the top), and waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut WorkerMemory) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let inner = &self.inner;
        if inner.permits.available_permits() == 0
            && inner.waiting.load(Ordering::Relaxed) >= inner.max_waiting
        {
            super::counters::hash_shed();
            return Err(AppError::Busy);
        }
        inner.waiting.fetch_add(1, Ordering::Relaxed);
        let permit =
            tokio::time::timeout(inner.max_wait, Arc::clone(&inner.permits).acquire_owned()).await;
        inner.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = match permit {
            Ok(Ok(p)) => p,
            _ => {
                super::counters::hash_shed();
                return Err(AppError::Busy);
            }
        };
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _permit = permit;
            // Nobody waits for it any more (the request was dropped): don't spend a core.
            if answer.is_closed() {
                return;
            }
            // The caller may have gone since; then the answer has nowhere to go.
            let _ = answer.send(work(memory));
        });
        // Fails only when every worker thread has ended.
        inner.jobs.send(job).map_err(|_| AppError::Internal)?;
        // An error here: the job was dropped unanswered (its worker panicked).
        answered.await.map_err(|_| AppError::Internal)
    }
}

/// A worker thread: takes jobs until every `PasswordHasher` is gone.
fn serve(queue: &Mutex<mpsc::Receiver<Job>>, mut memory: WorkerMemory) {
    loop {
        // The lock is held only while waiting for a job (one idle worker waits in `recv`,
        // the others for the lock), never while running one. Nothing panics while holding
        // it, so a poisoned lock is still a sound queue.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else {
            return;
        };
        // A panicking job drops its answer unsent (its caller gets `Internal`); the thread
        // lives on, or the pool would shrink for good. The memory needs no repair: every
        // hash overwrites the blocks it reads before reading them.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}

/// One worker's Argon2 memory, sized for the current parameters. Allocated at the
/// worker's first hash (an idle server holds none) and reused for every later one: it is
/// never freed or grown while the thread lives.
struct WorkerMemory {
    blocks: Vec<Block>,
    block_count: usize,
}

impl WorkerMemory {
    fn new(current: &Params) -> Self {
        Self {
            blocks: Vec::new(),
            block_count: current.block_count(),
        }
    }

    fn hash_into(
        &mut self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), AppError> {
        let needed = argon2.params().block_count();
        if needed > self.block_count {
            // A stored hash made with more memory than the current parameters ask for
            // (they were lowered): rare, and rehashed on this sign-in, so it gets memory of
            // its own, freed right after, rather than growing this worker's for good.
            let mut temporary = allocate(needed)?;
            return argon2
                .hash_password_into_with_memory(password, salt, out, temporary.as_mut_slice())
                .map_err(|_| AppError::Internal);
        }
        if self.blocks.len() < self.block_count {
            self.blocks = allocate(self.block_count)?;
        }
        // Argon2 uses the first `needed` blocks and ignores the rest, so hashes made with
        // less memory than the current parameters share this one too.
        argon2
            .hash_password_into_with_memory(password, salt, out, self.blocks.as_mut_slice())
            .map_err(|_| AppError::Internal)
    }
}

/// Fails (instead of aborting the process) when the memory can't be had.
fn allocate(block_count: usize) -> Result<Vec<Block>, AppError> {
    let mut blocks = Vec::new();
    blocks
        .try_reserve_exact(block_count)
        .map_err(|_| AppError::Internal)?;
    blocks.resize(block_count, Block::new());
    Ok(blocks)
}

/// A fresh hash of `password` in the standard PHC string form
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), as the `argon2` crate writes it.
fn hash_phc(
    params: &Params,
    password: &str,
    memory: &mut WorkerMemory,
) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|_| AppError::Internal)?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    memory.hash_into(&argon2, password.as_bytes(), salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|_| AppError::Internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| AppError::Internal)?),
    };
    Ok(phc.to_string())
}

/// Recomputes `phc` (any Argon2 variant, version and parameters it names) for `password`
/// and compares the outputs in constant time, as `argon2`'s `PasswordVerifier` does. A
/// string that doesn't parse never matches.
fn verify_phc(current: &Params, password: &str, phc: &str, memory: &mut WorkerMemory) -> Verified {
    let no = Verified {
        matches: false,
        needs_rehash: false,
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return no;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return no;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&parsed),
    ) else {
        return no;
    };
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return no;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    if memory
        .hash_into(&argon2, password.as_bytes(), salt_bytes, &mut out)
        .is_err()
    {
        return no;
    }
    // Constant time, so the time to answer says nothing about how much of the output
    // an attacker's candidate got right.
    let matches = bool::from(out.as_slice().ct_eq(expected.as_bytes()));
    let needs_rehash = matches
        && (algorithm != Algorithm::Argon2id
            || parsed.version != Some(Version::V0x13.into())
            || (params.m_cost(), params.t_cost(), params.p_cost())
                != (current.m_cost(), current.t_cost(), current.p_cost()));
    Verified {
        matches,
        needs_rehash,
    }
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

    /// The plain `argon2` crate, as anyone reading the stored hashes would use it.
    fn plain_verifies(password: &str, phc: &str) -> bool {
        use argon2::password_hash::PasswordVerifier as _;
        Argon2::default()
            .verify_password(password.as_bytes(), &PasswordHash::new(phc).unwrap())
            .is_ok()
    }

    fn plain_hash(algorithm: Algorithm, cost: HashCost, password: &str) -> String {
        use argon2::password_hash::PasswordHasher as _;
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).unwrap();
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password(
                password.as_bytes(),
                &SaltString::generate(&mut rand::rngs::OsRng),
            )
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn interchangeable_with_the_plain_argon2_crate() {
        let cost = HashCost {
            memory_kib: 256,
            iterations: 2,
            parallelism: 1,
        };
        let h = PasswordHasher::new(cost, 2).unwrap();
        let pw = "correct horse battery staple";
        let ours = h.hash(&SecretString::new(pw)).await.unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=256,t=2,p=1$"), "{ours}");
        assert!(plain_verifies(pw, &ours));
        assert!(!plain_verifies("correct horse battery stapler", &ours));

        let theirs = plain_hash(Algorithm::Argon2id, cost, pw);
        assert_eq!(
            h.verify(&SecretString::new(pw), Some(&theirs))
                .await
                .unwrap(),
            Verified {
                matches: true,
                needs_rehash: false
            }
        );
        assert!(
            !h.verify(
                &SecretString::new("Correct horse battery staple"),
                Some(&theirs)
            )
            .await
            .unwrap()
            .matches
        );
        // A corrupted output never matches (and must not be read past its end).
        let cut = &theirs[..theirs.len() - 4];
        assert!(
            !h.verify(&SecretString::new(pw), Some(cut))
                .await
                .unwrap()
                .matches
        );
    }

    /// Blocks in the (only) worker's own memory.
    async fn own_memory(h: &PasswordHasher) -> usize {
        h.run(|memory| memory.blocks.len()).await.unwrap()
    }

    #[tokio::test]
    async fn other_parameters_verify_and_ask_for_a_rehash() {
        let h = PasswordHasher::new(HashCost::cheap(), 1).unwrap();
        let pw = "correct horse battery staple";
        let rehash = Verified {
            matches: true,
            needs_rehash: true,
        };
        assert_eq!(own_memory(&h).await, 0, "no memory before the first hash");
        let current = h.hash(&SecretString::new(pw)).await.unwrap();
        let blocks = Params::new(64, 1, 1, None).unwrap().block_count();
        assert_eq!(own_memory(&h).await, blocks);
        // More memory than the workers have: a temporary one, and the worker's own stays
        // the size the current parameters need.
        let bigger = plain_hash(
            Algorithm::Argon2id,
            HashCost {
                memory_kib: 1024,
                iterations: 2,
                parallelism: 2,
            },
            pw,
        );
        assert_eq!(
            h.verify(&SecretString::new(pw), Some(&bigger))
                .await
                .unwrap(),
            rehash
        );
        assert_eq!(own_memory(&h).await, blocks);
        assert!(plain_verifies(pw, &current));
        // Another variant, same memory.
        let argon2i = plain_hash(Algorithm::Argon2i, HashCost::cheap(), pw);
        assert_eq!(
            h.verify(&SecretString::new(pw), Some(&argon2i))
                .await
                .unwrap(),
            rehash
        );
        assert!(
            !h.verify(&SecretString::new("wrong"), Some(&bigger))
                .await
                .unwrap()
                .needs_rehash,
            "only a matching password is worth rehashing"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_hashes_all_complete_on_two_workers() {
        let h = PasswordHasher::new(
            HashCost {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            2,
        )
        .unwrap();
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move {
                    let pw = format!("password number {i}");
                    let phc = h.hash(&SecretString::new(&pw)).await.unwrap();
                    (pw, phc)
                })
            })
            .collect();
        let mut salts = std::collections::HashSet::new();
        for t in tasks {
            let (pw, phc) = t.await.unwrap();
            assert!(plain_verifies(&pw, &phc), "{pw}: {phc}");
            assert!(
                h.verify(&SecretString::new(&pw), Some(&phc))
                    .await
                    .unwrap()
                    .matches
            );
            salts.insert(PasswordHash::new(&phc).unwrap().salt.unwrap().to_string());
        }
        assert_eq!(salts.len(), 24, "every hash has its own salt");
    }

    /// What `hash` runs, run through the same path, telling which thread ran it. On
    /// tokio's blocking pool the names would be tokio's, and the threads as many as ever
    /// overlapped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn only_the_pool_threads_ever_hash() {
        let cost = HashCost {
            memory_kib: 2048,
            iterations: 1,
            parallelism: 1,
        };
        let h = PasswordHasher::new(cost, 2).unwrap();
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move {
                    let params = h.inner.params.clone();
                    h.run(move |memory| {
                        let phc = hash_phc(&params, "a long enough password", memory).unwrap();
                        let me = std::thread::current();
                        (me.id(), me.name().map(str::to_owned), phc)
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        let mut threads = std::collections::HashSet::new();
        for t in tasks {
            let (id, name, phc) = t.await.unwrap();
            let name = name.unwrap_or_default();
            assert!(name.starts_with("regain-hash-"), "ran on {name:?}");
            assert!(plain_verifies("a long enough password", &phc));
            threads.insert((id, name));
        }
        assert!(threads.len() <= 2, "{threads:?}");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_its_caller_and_the_worker_lives_on() {
        let h = PasswordHasher::new(HashCost::cheap(), 1).unwrap();
        let failed = h.run(|_| -> u32 { panic!("a bug in a hashing job") }).await;
        assert!(matches!(failed, Err(AppError::Internal)), "{failed:?}");
        let pw = SecretString::new("still hashing");
        let phc = h.hash(&pw).await.unwrap();
        assert!(h.verify(&pw, Some(&phc)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn the_threads_end_with_the_last_hasher() {
        let (h, threads) = PasswordHasher::start(HashCost::cheap(), 3).unwrap();
        assert_eq!(threads.len(), 3);
        let clone = h.clone();
        h.hash(&SecretString::new("some password")).await.unwrap();
        drop(h);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(threads.iter().all(|t| !t.is_finished()), "a clone is left");
        drop(clone);
        for _ in 0..500 {
            if threads.iter().all(JoinHandle::is_finished) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("worker threads still running after the last hasher was dropped");
    }
}
