//! The verification methods, one module each behind [`Method`]: which gates an account
//! has with it, what choosing it sets up (the flow's [`Challenge`]), how a proof is
//! checked, and how it answers a decoy (no account: the same steps, nothing can pass).
//! The flow's steps (`gates`) call only this trait; [`of`] is the one place that maps a
//! [`MethodKind`] to its module. How to add one: `docs/adding-a-method.md`.
mod authenticator;
mod code;
mod passkey;
mod questions;
mod recovery_codes;

use super::flow::Loaded;
use super::gates::{Gate, Proof};
use super::sending::CodeChallenge;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::request::RequestMeta;
use crate::server::state::AppState;
use crate::server::store::methods::MethodRow;
use crate::server::store::User;
use std::future::Future;
use std::pin::Pin;

pub(super) use questions::question_choices;

/// A method's asynchronous answer (boxed, so the trait can be used as `dyn Method`).
pub(super) type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// What a flow keeps between choosing a method and proving it, typed by method. The row
/// codec (`flow`) is the only code that reads or writes its stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// An email or SMS code: what the choice counted (the gate's ledger and the typed
    /// destination) and, when a code really went out, the method it went to.
    Code {
        sent: CodeChallenge,
        method_id: Option<i64>,
    },
    /// The authenticator registered (`None` for a decoy).
    Authenticator {
        method_id: Option<i64>,
    },
    RecoveryCode,
    /// The question keys drawn, in the order asked.
    Questions {
        keys: Vec<String>,
    },
    /// A passkey's: the options the browser gets (JSON) and the ceremony state that
    /// checks its answer (`None` for a decoy).
    Passkey {
        options: String,
        state: Option<String>,
    },
}

impl Challenge {
    /// The contact method a proof is checked against, if any.
    pub fn method_id(&self) -> Option<i64> {
        match self {
            Challenge::Code { method_id, .. } | Challenge::Authenticator { method_id } => {
                *method_id
            }
            Challenge::RecoveryCode | Challenge::Questions { .. } | Challenge::Passkey { .. } => {
                None
            }
        }
    }
}

/// One step of a flow, as a method sees it.
pub(super) struct Step<'a> {
    pub state: &'a AppState,
    pub loaded: &'a Loaded,
    pub locale: Locale,
    pub meta: &'a RequestMeta,
    pub now: i64,
}

/// A proof's outcome: passed, or failed with the error the user is shown.
pub(super) enum Verdict {
    Passed,
    Failed(AppError),
}

pub(super) trait Method: Sync {
    /// The gates the account has with this method under `policy` (already known to
    /// allow it). `contacts` are the account's verified contact methods, in stored order;
    /// a contact method offers one gate per row of its kind.
    fn offers<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a User,
        policy: &'a OrgPolicy,
        contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>>;

    /// The method was chosen: set up what its proof is checked against (send a code,
    /// draw questions). `typed` is what the user typed beside it (a full address or
    /// number), if the method asks for it.
    fn challenge<'a>(
        &'a self,
        step: &'a Step<'a>,
        gate: &'a Gate,
        typed: Option<&'a str>,
    ) -> Answer<'a, Challenge>;

    /// Checks a proof against the challenge. A decoy (`step.loaded.user` is `None`)
    /// goes through the same steps and always fails as a wrong proof does.
    fn check<'a>(
        &'a self,
        step: &'a Step<'a>,
        challenge: &'a Challenge,
        proof: &'a Proof<'a>,
    ) -> Answer<'a, Verdict>;

    /// After a failed proof: the challenge to keep instead (questions draw others), or
    /// `None` to keep the one there is.
    fn after_failure<'a>(
        &'a self,
        _step: &'a Step<'a>,
        _challenge: &'a Challenge,
    ) -> Answer<'a, Option<Challenge>> {
        Box::pin(async { Ok(None) })
    }

    /// Sends the proof again (a new code), counted as the first send was. Only methods
    /// that send something can.
    fn resend<'a>(&'a self, _step: &'a Step<'a>, _challenge: &'a Challenge) -> Answer<'a, ()> {
        Box::pin(async { Err(AppError::InvalidInput) })
    }
}

/// The module of a method.
pub(super) fn of(kind: MethodKind) -> &'static dyn Method {
    match kind {
        MethodKind::Email => &code::EMAIL,
        MethodKind::Sms => &code::SMS,
        MethodKind::Authenticator => &authenticator::Authenticator,
        MethodKind::RecoveryCodes => &recovery_codes::RecoveryCodes,
        MethodKind::SecurityQuestions => &questions::Questions,
        MethodKind::Passkey => &passkey::Passkey,
    }
}
