//! The sweeper: every instance deletes, on its own schedule, the rows that have outlived
//! their use ([`Store::sweep`]). Several instances sweeping at once is safe: each delete
//! is one statement on end times in the past.
use super::clock::Clock;
use super::store::sessions::SessionLimits;
use super::store::sweep::{Retention, Swept};
use super::store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepSettings {
    /// Between two sweeps of this instance.
    pub interval: Duration,
    /// How long past its end a row is kept.
    pub keep: Retention,
    /// The sessions' lifetimes, which say when a session ended.
    pub sessions: SessionLimits,
}

impl SweepSettings {
    pub const DEFAULT_INTERVAL_SECONDS: u64 = 300;
}

impl Default for SweepSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(Self::DEFAULT_INTERVAL_SECONDS),
            keep: Retention::default(),
            sessions: SessionLimits::default(),
        }
    }
}

pub struct Sweeper {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: SweepSettings,
}

impl Sweeper {
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: SweepSettings) -> Self {
        Self {
            store,
            clock,
            settings,
        }
    }

    /// One sweep, now.
    pub async fn sweep(&self) -> Result<Swept, StoreError> {
        let swept = self
            .store
            .sweep(self.clock.now(), self.settings.keep, self.settings.sessions)
            .await?;
        if swept.total() > 0 {
            tracing::info!(?swept, "swept rows past their use");
        }
        Ok(swept)
    }

    /// Sweeps at start and then every interval, until [`SweeperHandle::shutdown`].
    pub fn spawn(self) -> SweeperHandle {
        let (stop_tx, mut stop) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if let Err(e) = self.sweep().await {
                    // A database that is away now is swept at the next round.
                    tracing::warn!(error = %e, "sweep failed");
                }
                tokio::select! {
                    changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
                    () = tokio::time::sleep(self.settings.interval) => {}
                }
            }
        });
        SweeperHandle {
            stop: stop_tx,
            task,
        }
    }
}

/// The running sweeper.
pub struct SweeperHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SweeperHandle {
    /// Stops after the sweep in hand.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "sweeper ended abnormally");
        }
    }
}
