//! Outbox delivery: a background worker sends what [`super::store::outbox::enqueue`]
//! queued in the same transaction as the change it announces.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> pending: enqueue
//!     pending --> claimed: due, lease free (conditional UPDATE, attempts + 1)
//!     claimed --> sent: transport confirmed
//!     claimed --> pending: transport failed (retry after backoff)
//!     claimed --> failed: permanent error, or the last attempt failed
//!     claimed --> claimed: worker died; lease expired, another worker claims it
//!     sent --> [*]
//!     failed --> [*]
//! ```
//!
//! Delivery is at least once: a worker that dies after the other side accepted a message
//! but before `sent_at` was written leaves a lease that expires, and the message goes out
//! again. Mail carries a `Message-ID` derived from the outbox row so receivers can drop
//! that rare duplicate; the SMS gateway gets the outbox id for the same reason. A message
//! recorded as sent is never claimed again.
use super::clock::Clock;
use super::store::{Store, StoreError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

pub mod backoff;
pub mod dev_mailbox;
pub mod html;
// The claim, lease and outcome queries live with the outbox table, in the store.
pub use super::store::outbox::queue;
pub mod sms;
pub mod smtp;

/// The product name in the header of every HTML mail.
pub const PRODUCT_NAME: &str = "Regain";

/// One claimed message, as a transport sees it.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub created_at: i64,
    pub channel: String,
    pub recipient: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
}

// The body carries codes and links: it must never reach a log line.
impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

/// Why a transport could not hand a message over. `detail` is stored in `last_error`, so
/// transports put neither the body nor any credential in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct TransportError {
    /// Retrying cannot help (the address was refused, the gateway rejected the request).
    pub permanent: bool,
    pub detail: String,
}

impl TransportError {
    pub fn transient(detail: impl Into<String>) -> Self {
        Self {
            permanent: false,
            detail: detail.into(),
        }
    }

    pub fn permanent(detail: impl Into<String>) -> Self {
        Self {
            permanent: true,
            detail: detail.into(),
        }
    }
}

/// What a transport's `send` returns: the provider's id for the message, if it gave one.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, TransportError>> + Send + 'a>>;

/// A way out for one channel. `send` resolves `Ok` only once the other side has accepted
/// the message; only then is it recorded as sent.
pub trait Transport: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a Outgoing, now: i64) -> SendFuture<'a>;
}

/// The transport for each channel; a channel without one stays queued.
#[derive(Clone, Default)]
pub struct Transports {
    pub email: Option<Arc<dyn Transport>>,
    pub sms: Option<Arc<dyn Transport>>,
}

impl Transports {
    fn for_channel(&self, channel: &str) -> Option<&Arc<dyn Transport>> {
        match channel {
            "email" => self.email.as_ref(),
            "sms" => self.sms.as_ref(),
            _ => None,
        }
    }

    /// The channels this worker can deliver.
    pub fn channels(&self) -> Vec<&'static str> {
        let mut channels = Vec::new();
        if self.email.is_some() {
            channels.push("email");
        }
        if self.sms.is_some() {
            channels.push("sms");
        }
        channels
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// The bound on one delivery attempt, the whole conversation included.
    pub timeout: Duration,
    /// How often the worker looks for due messages when nobody pokes it.
    pub interval: Duration,
    /// Attempts before a message is given up on.
    pub max_attempts: i64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            interval: Duration::from_secs(2),
            max_attempts: backoff::MAX_ATTEMPTS,
        }
    }
}

impl DeliverySettings {
    /// How long a claim holds: twice the bound on an attempt plus a margin, so a live
    /// worker never loses a message it is still sending to another worker (which would
    /// then send it a second time).
    pub fn lease_secs(&self) -> i64 {
        i64::try_from(self.timeout.as_secs())
            .unwrap_or(i64::MAX / 4)
            .saturating_mul(2)
            .saturating_add(5)
    }
}

/// What one pass over the due messages did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    transports: Transports,
    settings: DeliverySettings,
}

impl Worker {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        transports: Transports,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            store,
            clock,
            transports,
            settings,
        }
    }

    /// Delivers every message due now, one at a time, until none is left.
    pub async fn run_once(&self) -> Result<Round, StoreError> {
        self.drain(None).await
    }

    async fn drain(&self, stop: Option<&watch::Receiver<bool>>) -> Result<Round, StoreError> {
        let channels = self.transports.channels();
        let mut round = Round::default();
        if channels.is_empty() {
            return Ok(round);
        }
        // One claim at a time, so a shutdown between two messages leaves no lease behind.
        while !stop.is_some_and(|s| *s.borrow()) {
            let now = self.clock.now();
            let lease = self.settings.lease_secs();
            let Some(claim) = queue::claim_next(&self.store, &channels, now, lease).await? else {
                break;
            };
            match self.deliver(&claim).await? {
                Outcome::Sent => round.sent += 1,
                Outcome::Retrying => round.retrying += 1,
                Outcome::Failed => round.failed += 1,
            }
        }
        Ok(round)
    }

    async fn deliver(&self, claim: &queue::Claim) -> Result<Outcome, StoreError> {
        let message = &claim.message;
        let result = match self.transports.for_channel(&message.channel) {
            Some(transport) => tokio::time::timeout(
                self.settings.timeout,
                transport.send(message, self.clock.now()),
            )
            .await
            .unwrap_or_else(|_| Err(TransportError::transient("delivery timed out"))),
            None => Err(TransportError::transient("no transport for the channel")),
        };
        let now = self.clock.now();
        match result {
            Ok(provider_id) => {
                if !queue::mark_sent(&self.store, message.id, now, provider_id.as_deref()).await? {
                    tracing::warn!(
                        id = message.id,
                        "outbox message was already recorded as sent"
                    );
                }
                tracing::info!(id = message.id, channel = %message.channel, "outbox message sent");
                Ok(Outcome::Sent)
            }
            Err(e) => {
                let give_up = e.permanent || claim.attempts >= self.settings.max_attempts;
                super::counters::delivery_failed(&message.channel, give_up);
                let failed_at = give_up.then_some(now);
                let next = now.saturating_add(backoff::retry_delay(claim.attempts));
                queue::record_failure(&self.store, claim, &e.detail, next, failed_at).await?;
                if give_up {
                    tracing::error!(id = message.id, attempts = claim.attempts, error = %e,
                        "outbox message given up");
                    Ok(Outcome::Failed)
                } else {
                    tracing::warn!(id = message.id, attempts = claim.attempts, retry_at = next,
                        error = %e, "outbox delivery failed; will retry");
                    Ok(Outcome::Retrying)
                }
            }
        }
    }

    /// Runs the worker in the background until [`DeliveryHandle::shutdown`].
    pub fn spawn(self) -> DeliveryHandle {
        let (stop_tx, stop_rx) = watch::channel(false);
        let poke = Arc::new(Notify::new());
        let task = tokio::spawn(self.run(stop_rx, poke.clone()));
        DeliveryHandle {
            stop: stop_tx,
            poke,
            task,
        }
    }

    async fn run(self, mut stop: watch::Receiver<bool>, poke: Arc<Notify>) {
        loop {
            if let Err(e) = self.drain(Some(&stop)).await {
                tracing::warn!(error = %e, "outbox delivery round failed");
            }
            tokio::select! {
                // A dropped handle stops the worker as well.
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
                () = poke.notified() => {}
                () = tokio::time::sleep(self.settings.interval) => {}
            }
            if *stop.borrow() {
                break;
            }
        }
    }
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
}

/// The running worker.
pub struct DeliveryHandle {
    stop: watch::Sender<bool>,
    poke: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl DeliveryHandle {
    /// Looks for due messages now instead of at the next interval.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Stops after the message in hand (bounded by the delivery timeout).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "outbox worker ended abnormally");
        }
    }
}
