//! The flow a browser is in: its cookie, its row and the domain form of it, loading it for
//! a step and writing the next state with a compare-and-swap on the row's version.
use super::methods::Challenge;
use super::sending::CodeChallenge;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::recovery::{Flow, FlowError, Purpose, State};
use crate::error::AppError;
use crate::server::audit::{self};
use crate::server::request::{self, RequestMeta};
use crate::server::state::AppState;
use crate::server::store::recovery::FlowRow;
use crate::server::store::{AuditEvent, User};
use http::request::Parts;

pub(super) const PLAIN_COOKIE: &str = "regain_recovery";

pub(super) const HOST_COOKIE: &str = "__Host-regain_recovery";

pub(super) fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

/// The flow's cookie: HttpOnly, this site only, gone with the flow.
pub fn flow_cookie(token: &str, secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure_attr}",
        cookie_name(secure),
        crate::domain::recovery::FLOW_LIFETIME
    )
}

pub fn clear_cookie(secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure_attr}",
        cookie_name(secure)
    )
}

/// The header a native client (the JSON API) carries its flow's token in, instead of the
/// cookie. A browser can't send it to another site's API without that site's consent
/// (CORS), which Regain never gives.
pub const FLOW_HEADER: &str = "regain-flow";

/// This request's flow token: the cookie of a browser, or the header of a native client.
fn flow_token(parts: &Parts, secure: bool) -> Option<&str> {
    request::cookie(parts, cookie_name(secure)).or_else(|| {
        parts
            .headers
            .get(FLOW_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    })
}

pub(super) fn token_hash(state: &AppState, token: &str) -> String {
    state.keys.mac_hex("recovery-flow", token.as_bytes())
}

/// A flow loaded for a step: its row, its domain form, and the account behind it.
pub struct Loaded {
    pub row: FlowRow,
    pub flow: Flow,
    /// What the chosen method's proof is checked against, once one is chosen.
    pub challenge: Option<Challenge>,
    pub user: Option<User>,
    pub policy: OrgPolicy,
}

pub(super) fn to_domain(row: &FlowRow) -> Result<Flow, AppError> {
    let passed = row
        .passed
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| MethodKind::parse(s).ok_or(AppError::Internal))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Flow {
        state: State::parse(&row.state).ok_or(AppError::Internal)?,
        purpose: row.purpose.as_deref().and_then(Purpose::parse),
        required: u8::try_from(row.required).unwrap_or(2),
        passed,
        challenge: row.challenge.as_deref().and_then(MethodKind::parse),
        expires_at: row.expires_at,
    })
}

pub(super) fn write_back(row: &FlowRow, flow: &Flow) -> FlowRow {
    FlowRow {
        state: flow.state.as_str().to_owned(),
        purpose: flow.purpose.map(|p| p.as_str().to_owned()),
        passed: flow
            .passed
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(","),
        challenge: flow.challenge.map(|k| k.as_str().to_owned()),
        ..row.clone()
    }
}

/// The challenge of a flow whose chosen method is `kind`, from its stored form: the
/// only place that reads it. `None` when what is stored can't be one (a code's counted
/// destination missing), which the steps refuse as a step out of order.
fn challenge_of(row: &FlowRow, kind: MethodKind) -> Option<Challenge> {
    Some(match kind {
        MethodKind::Email | MethodKind::Sms => Challenge::Code {
            sent: CodeChallenge::decode(row.challenge_destination.as_deref()?)?,
            method_id: row.challenge_method_id,
        },
        MethodKind::Authenticator => Challenge::Authenticator {
            method_id: row.challenge_method_id,
        },
        MethodKind::RecoveryCodes => Challenge::RecoveryCode,
        MethodKind::SecurityQuestions => Challenge::Questions {
            keys: row
                .questions
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        MethodKind::Passkey => {
            let stored: StoredPasskey =
                serde_json::from_str(row.challenge_state.as_deref()?).ok()?;
            Challenge::Passkey {
                options: stored.options,
                state: stored.state,
            }
        }
    })
}

/// A passkey challenge as `challenge_state` holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPasskey {
    options: String,
    state: Option<String>,
}

/// `row` with `challenge` in its stored form (none: cleared); the only place that
/// writes it.
pub(super) fn with_challenge(row: &FlowRow, challenge: Option<&Challenge>) -> FlowRow {
    let mut row = row.clone();
    row.challenge_method_id = challenge.and_then(Challenge::method_id);
    row.challenge_destination = match challenge {
        Some(Challenge::Code { sent, .. }) => Some(sent.encode()),
        _ => None,
    };
    row.questions = match challenge {
        Some(Challenge::Questions { keys }) => Some(keys.join(",")),
        _ => None,
    };
    row.challenge_state = match challenge {
        Some(Challenge::Passkey { options, state }) => serde_json::to_string(&StoredPasskey {
            options: options.clone(),
            state: state.clone(),
        })
        .ok(),
        _ => None,
    };
    row
}

pub(super) fn flow_error(e: FlowError) -> AppError {
    match e {
        FlowError::Expired => AppError::FlowExpired,
        // A step out of order (a replayed form, another tab): nothing happens, and the
        // user is told to pick up where the flow is.
        FlowError::WrongStep | FlowError::NotChallenged | FlowError::MethodReused => {
            AppError::InvalidInput
        }
    }
}

pub(super) fn event(
    now: i64,
    action: &str,
    outcome: &str,
    meta: &RequestMeta,
    loaded: &Loaded,
) -> AuditEvent {
    match &loaded.user {
        Some(u) => AuditEvent {
            actor: "anonymous".into(),
            actor_user_id: None,
            ..audit::by_user(now, action, outcome, meta, u)
        },
        None => {
            let mut e = audit::from_request(now, action, outcome, meta);
            e.detail = "decoy".into();
            e
        }
    }
}

/// The open, unexpired flow of this browser (or native client).
pub async fn load(state: &AppState, parts: &Parts) -> Result<Loaded, AppError> {
    let secure = state.settings.secure_cookies();
    let token = flow_token(parts, secure).ok_or(AppError::FlowExpired)?;
    let row = state
        .store
        .flow_by_token(&token_hash(state, token))
        .await?
        .ok_or(AppError::FlowExpired)?;
    if row.expires_at <= state.now() {
        return Err(AppError::FlowExpired);
    }
    let flow = to_domain(&row)?;
    let (user, policy) = match row.user_id {
        Some(id) => {
            let user = state.store.find_user(id).await?.ok_or(AppError::Internal)?;
            let org = state
                .store
                .find_org(user.org_id)
                .await?
                .ok_or(AppError::Internal)?;
            (Some(user), org.policy)
        }
        // A decoy: its organisation's policy, as for a real account of it.
        None => match row.org_id {
            Some(org_id) => (
                None,
                state
                    .store
                    .find_org(org_id)
                    .await?
                    .map(|o| o.policy)
                    .unwrap_or_default(),
            ),
            None => (None, OrgPolicy::default()),
        },
    };
    let challenge = flow.challenge.and_then(|kind| challenge_of(&row, kind));
    Ok(Loaded {
        row,
        flow,
        challenge,
        user,
        policy,
    })
}

pub(super) async fn save(
    state: &AppState,
    loaded: &Loaded,
    next: &FlowRow,
    audit: Option<&AuditEvent>,
) -> Result<(), AppError> {
    if state.store.save_flow(next, None, audit).await? {
        Ok(())
    } else {
        // Another request moved the flow first (double submit, replay): this one lost.
        tracing::info!(flow = loaded.row.id, "recovery step lost a race");
        Err(AppError::InvalidInput)
    }
}

pub(super) async fn paused(state: &AppState, loaded: &Loaded) -> Result<(), AppError> {
    let until = match &loaded.user {
        Some(user) => user.recovery_paused_until,
        None => {
            state
                .store
                .latest_window(&format!("decoy-paused:{}", loaded.row.subject_mac))
                .await?
        }
    };
    match until {
        Some(at) if at > state.now() => Err(AppError::TryAgainAfter { at }),
        _ => Ok(()),
    }
}
