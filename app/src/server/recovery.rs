//! Self-service recovery: "Can't access your account?" → prove who you are with one or two
//! registered methods → a new password, or an unlocked account. Each step loads the flow
//! bound to this browser's cookie, asks [`crate::domain::recovery::transition`] whether
//! the event is allowed, and writes the next state with a compare-and-swap, so a step
//! can't be skipped, replayed or raced, on whichever instance serves it.
//!
//! Unknown, disabled and method-less accounts walk the same screens with decoy hints
//! (`decoy`); their proofs always fail the way a wrong proof fails, and nothing is sent.
pub mod deadline;
pub mod decoy;
pub mod limits;
pub mod sending;

use super::audit::{self, FAILURE, SUCCESS};
use super::request::{self, RequestMeta};
use super::state::AppState;
use super::store::methods::{CodeCheck, ContactKind, MethodRow, NewCode};
use super::store::outbox::NewMessage;
use super::store::recovery::{Completion, FlowRow};
use super::store::{AuditEvent, Role, User, UserStatus};
use crate::domain::identifier::normalize_email;
use crate::domain::methods::{allowed_methods, required_methods};
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::recovery::{transition, Event, Flow, FlowError, Purpose, State};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::i18n::Locale;
use http::request::Parts;
use leptos_i18n::td_string;
use limits::RecoveryLimits;
use sending::{CodeChallenge, Destination, GateLedger, Try, CODE_COOLDOWN, CODE_LIFETIME};

const PLAIN_COOKIE: &str = "regain_recovery";
const HOST_COOKIE: &str = "__Host-regain_recovery";
/// How long a "this wasn't me" link works.
const FREEZE_LINK_LIFETIME: i64 = 7 * 86_400;

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

/// The flow's cookie: HttpOnly, this site only, gone with the flow.
fn flow_cookie(token: &str, secure: bool) -> String {
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

fn token_hash(state: &AppState, token: &str) -> String {
    state.keys.mac_hex("recovery-flow", token.as_bytes())
}

/// One way to prove who you are, as offered on the verification page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub kind: MethodKind,
    /// Masked address or number; empty for the others.
    pub masked: String,
    /// The method row (email, SMS, authenticator); `None` for recovery codes, questions
    /// and decoys.
    pub method: Option<MethodRow>,
}

/// A flow loaded for a step: its row, its domain form, and the account behind it.
pub struct Loaded {
    pub row: FlowRow,
    pub flow: Flow,
    pub user: Option<User>,
    pub policy: OrgPolicy,
}

/// The audit log's name of a method (the detail of gate and done events).
pub(crate) fn kind_str(k: MethodKind) -> &'static str {
    match k {
        MethodKind::Email => "email",
        MethodKind::Sms => "sms",
        MethodKind::Authenticator => "authenticator",
        MethodKind::RecoveryCodes => "recovery_codes",
        MethodKind::SecurityQuestions => "security_questions",
    }
}

pub(crate) fn parse_kind(s: &str) -> Option<MethodKind> {
    [
        MethodKind::Email,
        MethodKind::Sms,
        MethodKind::Authenticator,
        MethodKind::RecoveryCodes,
        MethodKind::SecurityQuestions,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

fn to_domain(row: &FlowRow) -> Result<Flow, AppError> {
    let passed = row
        .passed
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse_kind(s).ok_or(AppError::Internal))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Flow {
        state: State::parse(&row.state).ok_or(AppError::Internal)?,
        purpose: row.purpose.as_deref().and_then(Purpose::parse),
        required: u8::try_from(row.required).unwrap_or(2),
        passed,
        challenge: row.challenge.as_deref().and_then(parse_kind),
        expires_at: row.expires_at,
    })
}

fn write_back(row: &FlowRow, flow: &Flow) -> FlowRow {
    FlowRow {
        state: flow.state.as_str().to_owned(),
        purpose: flow.purpose.map(|p| p.as_str().to_owned()),
        passed: flow
            .passed
            .iter()
            .map(|k| kind_str(*k))
            .collect::<Vec<_>>()
            .join(","),
        challenge: flow.challenge.map(|k| kind_str(k).to_owned()),
        ..row.clone()
    }
}

fn flow_error(e: FlowError) -> AppError {
    match e {
        FlowError::Expired => AppError::FlowExpired,
        // A step out of order (a replayed form, another tab): nothing happens, and the
        // user is told to pick up where the flow is.
        FlowError::WrongStep | FlowError::NotChallenged | FlowError::MethodReused => {
            AppError::InvalidInput
        }
    }
}

fn event(now: i64, action: &str, outcome: &str, meta: &RequestMeta, loaded: &Loaded) -> AuditEvent {
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

/// Who is this about: the account, or `None` when the identifier can't recover (unknown,
/// disabled, or without a usable method) and the flow is a decoy, whose gate count is
/// its drawn shape's.
async fn subject(
    state: &AppState,
    canonical: &str,
    subject_mac: &str,
) -> Result<(Option<User>, Option<i64>, u8), AppError> {
    let decoy = async |org: Option<(i64, &OrgPolicy)>| -> Result<_, AppError> {
        let (org_id, policy) = match org {
            Some((id, policy)) => (Some(id), policy.clone()),
            None => (None, OrgPolicy::default()),
        };
        let shape = decoy::shape(state, org_id, &policy, subject_mac, None).await?;
        Ok((None, org_id, shape.required))
    };
    let Some(user) = state.store.find_user_by_email(canonical).await? else {
        // A decoy follows the policy of the organisation owning the address's domain, so
        // "step 1 of 2" reads the same for a stranger as for a real account there. Which
        // domains belong to which organisation is no secret; which accounts exist is.
        let domain = canonical
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or_default();
        return match state.store.find_org_by_domain(domain).await? {
            Some(org) => decoy(Some((org.id, &org.policy))).await,
            None => decoy(None).await,
        };
    };
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    let admin = user.role == Role::GlobalAdmin;
    let mut required = required_methods(&org.policy, admin);
    if user.status == UserStatus::Disabled {
        return decoy(Some((org.id, &org.policy))).await;
    }
    let gates = real_gates(state, &user, &org.policy).await?;
    // Whoever has an authenticator, and a frozen account, always needs two gates: a
    // reset must never get around a second factor (SECURITY.md requirement 7).
    if gates.iter().any(|g| g.kind == MethodKind::Authenticator) || user.frozen_at.is_some() {
        required = 2;
    }
    let strong = gates
        .iter()
        .map(|g| g.kind)
        .filter(|k| *k != MethodKind::SecurityQuestions)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let distinct = gates
        .iter()
        .map(|g| g.kind)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if strong == 0 || distinct < usize::from(required) {
        return decoy(Some((org.id, &org.policy))).await;
    }
    Ok((Some(user), Some(org.id), required))
}

/// The account's registered, verified methods that its policy allows for recovery.
async fn real_gates(
    state: &AppState,
    user: &User,
    policy: &OrgPolicy,
) -> Result<Vec<Gate>, AppError> {
    let admin = user.role == Role::GlobalAdmin;
    let allowed = allowed_methods(policy, admin);
    let mut gates = Vec::new();
    for m in state.store.methods(user.id).await? {
        if m.verified_at.is_none() {
            continue;
        }
        let kind = match m.kind {
            ContactKind::Email => MethodKind::Email,
            ContactKind::Sms => MethodKind::Sms,
            ContactKind::Authenticator => MethodKind::Authenticator,
        };
        if allowed.contains(&kind) {
            gates.push(Gate {
                kind,
                masked: super::security_info::masked(&m),
                method: Some(m),
            });
        }
    }
    if allowed.contains(&MethodKind::RecoveryCodes)
        && state.store.recovery_codes_left(user.id).await? > 0
    {
        gates.push(Gate {
            kind: MethodKind::RecoveryCodes,
            masked: String::new(),
            method: None,
        });
    }
    if allowed.contains(&MethodKind::SecurityQuestions)
        && state.store.security_questions(user.id).await?.len()
            >= usize::from(policy.questions_to_answer.max(1))
    {
        gates.push(Gate {
            kind: MethodKind::SecurityQuestions,
            masked: String::new(),
            method: None,
        });
    }
    Ok(gates)
}

/// The gates this flow offers now: the account's (or the decoy's), less those already
/// passed and those not yet allowed (questions never first).
pub async fn gates(state: &AppState, loaded: &Loaded) -> Result<Vec<Gate>, AppError> {
    let all = match &loaded.user {
        Some(user) => real_gates(state, user, &loaded.policy).await?,
        None => decoy_shape(state, loaded)
            .await?
            .gates
            .into_iter()
            .map(|(kind, masked)| Gate {
                kind,
                masked,
                method: None,
            })
            .collect(),
    };
    Ok(all
        .into_iter()
        .filter(|g| loaded.flow.may_choose(g.kind))
        .collect())
}

/// The shape of this decoy flow, with the gate count it started with.
async fn decoy_shape(state: &AppState, loaded: &Loaded) -> Result<decoy::DecoyShape, AppError> {
    let required = u8::try_from(loaded.row.required).unwrap_or(2);
    decoy::shape(
        state,
        loaded.row.org_id,
        &loaded.policy,
        &loaded.row.subject_mac,
        Some(required),
    )
    .await
}

/// The question keys a decoy "registered", which its questions gate draws from.
async fn decoy_questions(state: &AppState, loaded: &Loaded) -> Result<Vec<String>, AppError> {
    Ok(decoy_shape(state, loaded).await?.questions)
}

/// Starts a flow for what was typed. Answers the same for every identifier: the only
/// refusals depend on the request (malformed ID, failed proof of work, limits), never on
/// the account. Returns the cookie to set.
pub async fn start(
    state: &AppState,
    typed: &str,
    pow_solved: bool,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let limits: &RecoveryLimits = &state.settings.recovery;
    let canonical = normalize_email(typed).map_err(|_| AppError::UserIdInvalid)?;
    if pow_solved {
        limits::take(state, "start-ip", &meta.ip, limits.starts_per_ip).await?;
    } else {
        // Without JavaScript there is no proof of work: a stricter limit stands in.
        limits::take(
            state,
            "start-ip-nopow",
            &meta.ip,
            limits.starts_per_ip_without_pow,
        )
        .await?;
    }
    let now = state.now();
    let subject_mac = state.keys.mac_hex("recovery-subject", canonical.as_bytes());
    let (user, org_id, required) = subject(state, &canonical, &subject_mac).await?;
    let flow = Flow::new(required, now);
    let row = FlowRow {
        id: 0,
        user_id: user.as_ref().map(|u| u.id),
        org_id,
        subject_mac,
        state: flow.state.as_str().to_owned(),
        purpose: None,
        required: i64::from(flow.required),
        passed: String::new(),
        challenge: None,
        challenge_method_id: None,
        challenge_destination: None,
        questions: None,
        ip: meta.ip.clone(),
        version: 0,
        created_at: now,
        expires_at: flow.expires_at,
    };
    let (token, _) = super::session::new_token();
    let mut audit_event = match &user {
        Some(u) => AuditEvent {
            actor: "anonymous".into(),
            actor_user_id: None,
            ..audit::by_user(now, "recovery.start", SUCCESS, meta, u)
        },
        None => audit::from_request(now, "recovery.start", SUCCESS, meta),
    };
    audit_event.detail = if user.is_some() { "" } else { "decoy" }.into();
    state
        .store
        .create_flow(&token_hash(state, &token), &row, &audit_event)
        .await?;
    Ok(flow_cookie(&token, state.settings.secure_cookies()))
}

/// The open, unexpired flow of this browser.
pub async fn load(state: &AppState, parts: &Parts) -> Result<Loaded, AppError> {
    let secure = state.settings.secure_cookies();
    let token = request::cookie(parts, cookie_name(secure)).ok_or(AppError::FlowExpired)?;
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
    Ok(Loaded {
        row,
        flow,
        user,
        policy,
    })
}

async fn save(
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

/// "Why are you having trouble signing in?"
pub async fn choose_purpose(
    state: &AppState,
    parts: &Parts,
    purpose: Purpose,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::ChoosePurpose(purpose), now).map_err(flow_error)?;
    let mut e = event(now, "recovery.purpose", SUCCESS, meta, &loaded);
    e.detail = purpose.as_str().into();
    save(state, &loaded, &write_back(&loaded.row, &next), Some(&e)).await
}

async fn paused(state: &AppState, loaded: &Loaded) -> Result<(), AppError> {
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

/// A decoy's failures pause it as a real account's would (10 in a row, 15 min doubling to
/// 24 h), keyed by the identifier: otherwise a pause would tell real accounts apart.
async fn decoy_failure_counted(state: &AppState, loaded: &Loaded) -> Result<Option<i64>, AppError> {
    let l = &state.settings.recovery;
    let mac = &loaded.row.subject_mac;
    let failures = state.store.hit(&format!("decoy-failures:{mac}"), 0).await?;
    if failures < l.failures_before_pause || failures % l.failures_before_pause != 0 {
        return Ok(None);
    }
    let pauses = failures / l.failures_before_pause - 1;
    let factor = 1_i64 << pauses.clamp(0, 20);
    let until = state.now()
        + l.pause_seconds
            .saturating_mul(factor)
            .min(l.max_pause_seconds);
    state
        .store
        .hit(&format!("decoy-paused:{mac}"), until)
        .await?;
    Ok(Some(until))
}

/// Picks the method to prove. For an email or a phone the user types it in full; a code
/// goes only to the stored, verified one, and only when what was typed matches it. Every
/// other effect (limits, cooldown, tries, the answer) is the same either way, and the same
/// for a decoy, so a mismatch reveals nothing (`sending`).
pub async fn choose_method(
    state: &AppState,
    parts: &Parts,
    option: usize,
    typed: Option<&str>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    let gates = gates(state, &loaded).await?;
    let gate = gates.get(option).ok_or(AppError::InvalidInput)?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::ChooseMethod(gate.kind), now).map_err(flow_error)?;
    let mut row = write_back(&loaded.row, &next);
    row.challenge_method_id = None;
    row.challenge_destination = None;
    row.questions = None;
    match gate.kind {
        MethodKind::Email | MethodKind::Sms => {
            let typed = typed.map(str::trim).unwrap_or_default();
            let to = Destination::typed(state, gate.kind, typed).ok_or(
                if gate.kind == MethodKind::Email {
                    AppError::EmailInvalid
                } else {
                    AppError::PhoneInvalid
                },
            )?;
            sending::count_send(state, &loaded.row.subject_mac, &to).await?;
            let ledger = GateLedger::of(state, loaded.row.id, gate.kind, &gate.masked);
            ledger.send(state, now).await?;
            if let (Some(user), Some(m)) = (&loaded.user, &gate.method) {
                if typed_matches(m, typed) {
                    send_code(state, &loaded, user, m, locale, meta).await?;
                    row.challenge_method_id = Some(m.id);
                }
            }
            row.challenge_destination = Some(CodeChallenge { ledger, to }.encode());
        }
        MethodKind::Authenticator => {
            row.challenge_method_id = gate.method.as_ref().map(|m| m.id);
        }
        MethodKind::SecurityQuestions => {
            let registered = registered_questions(state, &loaded).await?;
            row.questions = Some(draw_questions(&registered, &loaded.policy, None));
        }
        MethodKind::RecoveryCodes => {}
    }
    let mut e = event(now, "recovery.method", SUCCESS, meta, &loaded);
    e.detail = kind_str(gate.kind).into();
    save(state, &loaded, &row, Some(&e)).await
}

fn typed_matches(m: &MethodRow, typed: &str) -> bool {
    match m.kind {
        ContactKind::Email => normalize_email(typed).is_ok_and(|t| t == m.value.to_lowercase()),
        ContactKind::Sms => {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let t = digits(typed);
            !t.is_empty() && t == digits(&m.value)
        }
        ContactKind::Authenticator => false,
    }
}

/// Eight digits from the OS CSPRNG, queued for the stored address or number only. The
/// limits and the ledger have been counted by the caller, as for a code not sent.
async fn send_code(
    state: &AppState,
    loaded: &Loaded,
    user: &User,
    m: &MethodRow,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let channel = match m.kind {
        ContactKind::Sms => "sms",
        _ => "email",
    };
    let now = state.now();
    let code = super::security_info::new_code();
    let purpose = format!("recovery:{}", loaded.row.id);
    let message = code_message(user, m, channel, &code, locale);
    let audit_event = AuditEvent {
        detail: channel.into(),
        ..event(now, "recovery.code_sent", SUCCESS, meta, loaded)
    };
    let issued = state
        .store
        .issue_code(
            &NewCode {
                user_id: user.id,
                method_id: m.id,
                purpose: &purpose,
                channel,
                code_mac: &code_mac(state, m.id, &purpose, &code),
                lifetime: CODE_LIFETIME,
                cooldown: CODE_COOLDOWN,
                message: &message,
                audit: &audit_event,
            },
            now,
        )
        .await?;
    super::security_info::issued_result(issued, now)
}

fn code_mac(state: &AppState, method_id: i64, purpose: &str, code: &str) -> String {
    // Bound to one method (one user, one channel), and through the purpose to one flow.
    state.keys.mac_hex(
        "code:recovery",
        format!("{method_id}:{purpose}:{code}").as_bytes(),
    )
}

fn code_message(
    user: &User,
    m: &MethodRow,
    channel: &'static str,
    code: &str,
    locale: Locale,
) -> NewMessage {
    NewMessage {
        channel,
        recipient: m.value.clone(),
        locale: locale.to_string(),
        subject: td_string!(locale, mail.recovery_code_subject).to_string(),
        body: if channel == "sms" {
            td_string!(locale, mail.recovery_code_sms, code = code).to_string()
        } else {
            td_string!(
                locale,
                mail.recovery_code_body,
                name = user.display_name.as_str(),
                code = code
            )
            .to_string()
        },
    }
}

/// Sends the code again (a new code; the old one dies and its failures carry over). The
/// same limits and ledger count for a typed destination that didn't match, and for a
/// decoy, where nothing is sent.
pub async fn resend(
    state: &AppState,
    parts: &Parts,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    if !matches!(
        loaded.flow.challenge,
        Some(MethodKind::Email | MethodKind::Sms)
    ) {
        return Err(AppError::InvalidInput);
    }
    let challenge = code_challenge(&loaded)?;
    sending::count_send(state, &loaded.row.subject_mac, &challenge.to).await?;
    challenge.ledger.send(state, state.now()).await?;
    let (Some(user), Some(method_id)) = (&loaded.user, loaded.row.challenge_method_id) else {
        return Ok(());
    };
    let m = state
        .store
        .method(user.id, method_id)
        .await?
        .ok_or(AppError::FlowExpired)?;
    send_code(state, &loaded, user, &m, locale, meta).await
}

fn code_challenge(loaded: &Loaded) -> Result<CodeChallenge, AppError> {
    loaded
        .row
        .challenge_destination
        .as_deref()
        .and_then(CodeChallenge::decode)
        .ok_or(AppError::InvalidInput)
}

/// What the user offers as proof for the chosen method.
pub enum Proof<'a> {
    Code(&'a str),
    Answers(&'a [SecretString]),
}

/// Checks a proof. A pass moves the flow on (and finishes an unlock); a failure counts
/// against the account, and a wrong answer draws other questions.
pub async fn prove(
    state: &AppState,
    parts: &Parts,
    proof: Proof<'_>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<State, AppError> {
    let limits = &state.settings.recovery;
    limits::take(state, "check-ip", &meta.ip, limits.checks_per_ip).await?;
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    let kind = loaded.flow.challenge.ok_or(AppError::InvalidInput)?;
    let now = state.now();
    let verdict = check_proof(state, &loaded, kind, &proof, now).await?;
    match verdict {
        Verdict::Passed => {
            let next =
                transition(&loaded.flow, Event::GatePassed(kind), now).map_err(flow_error)?;
            let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
            let mut row = write_back(&loaded.row, &next);
            row.challenge_method_id = None;
            row.challenge_destination = None;
            row.questions = None;
            let mut e = event(now, "recovery.gate", SUCCESS, meta, &loaded);
            e.detail = kind_str(kind).into();
            if next.state == State::Done {
                // An unlock ends on this gate: its pass is written with the unlock, in
                // the same transaction, which also clears the failure count.
                finish(state, &loaded, &row, None, Some(e), locale, meta).await?;
            } else {
                save(state, &loaded, &row, Some(&e)).await?;
                // Only a pass that moved the flow clears the failures: a pass that lost
                // the race to another request changed nothing.
                state.store.recovery_success(user.id).await?;
            }
            Ok(next.state)
        }
        Verdict::Failed(error) => {
            let mut e = event(now, "recovery.gate", FAILURE, meta, &loaded);
            e.detail = kind_str(kind).into();
            state.store.audit(&e).await?;
            if loaded.user.is_none() {
                if let Some(until) = decoy_failure_counted(state, &loaded).await? {
                    return Err(AppError::TryAgainAfter { at: until });
                }
            }
            if let Some(user) = &loaded.user {
                let l = &state.settings.recovery;
                if let Some(until) = state
                    .store
                    .recovery_failure(
                        user.id,
                        l.failures_before_pause,
                        l.pause_seconds,
                        l.max_pause_seconds,
                        now,
                    )
                    .await?
                {
                    let mut e = event(now, "recovery.paused", FAILURE, meta, &loaded);
                    e.detail = until.to_string();
                    state.store.audit(&e).await?;
                    return Err(AppError::TryAgainAfter { at: until });
                }
            }
            if kind == MethodKind::SecurityQuestions {
                // A wrong answer draws other questions, so guesses can't pile up on one;
                // a decoy redraws from its own list the same way.
                let mut row = loaded.row.clone();
                let registered = registered_questions(state, &loaded).await?;
                row.questions = Some(draw_questions(
                    &registered,
                    &loaded.policy,
                    loaded.row.questions.as_deref(),
                ));
                save(state, &loaded, &row, None).await?;
            }
            Err(error)
        }
    }
}

enum Verdict {
    Passed,
    Failed(AppError),
}

/// Checks a proof for the flow's challenge. A decoy (`loaded.user` is `None`) and an
/// email or phone whose typed destination didn't match go through the same steps with
/// nothing that could pass, so they answer as a wrong proof of a real account does.
async fn check_proof(
    state: &AppState,
    loaded: &Loaded,
    kind: MethodKind,
    proof: &Proof<'_>,
    now: i64,
) -> Result<Verdict, AppError> {
    let user = loaded.user.as_ref();
    match (kind, proof) {
        (MethodKind::Email | MethodKind::Sms, Proof::Code(code)) => {
            let challenge = code_challenge(loaded)?;
            let Try::Counted { remaining } = challenge.ledger.count_try(state, now).await? else {
                return Ok(Verdict::Failed(AppError::CodeExpired));
            };
            let wrong = Verdict::Failed(AppError::CodeWrong { remaining });
            let (Some(user), Some(method_id)) = (user, loaded.row.challenge_method_id) else {
                return Ok(wrong);
            };
            let purpose = format!("recovery:{}", loaded.row.id);
            let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let mac = code_mac(state, method_id, &purpose, &code);
            // The real code keeps its own count (at most five comparisons, exact under
            // concurrency); the answer is the ledger's, the same as for a decoy.
            Ok(
                match state
                    .store
                    .check_code(method_id, user.id, &purpose, &mac, now)
                    .await?
                {
                    CodeCheck::Accepted => Verdict::Passed,
                    CodeCheck::Wrong { .. } | CodeCheck::Dead => wrong,
                },
            )
        }
        (MethodKind::Authenticator, Proof::Code(code)) => {
            check_totp(state, loaded, code, now).await
        }
        (MethodKind::RecoveryCodes, Proof::Code(code)) => {
            let Some(canonical) = super::recovery_codes::normalize(code) else {
                return Ok(Verdict::Failed(AppError::ProofWrong));
            };
            let fingerprint = super::recovery_codes::fingerprint(&state.keys, &canonical);
            let consumed = match user {
                Some(user) => {
                    state
                        .store
                        .consume_recovery_code(user.id, &fingerprint, now)
                        .await?
                }
                None => false,
            };
            Ok(if consumed {
                Verdict::Passed
            } else {
                Verdict::Failed(AppError::ProofWrong)
            })
        }
        (MethodKind::SecurityQuestions, Proof::Answers(answers)) => {
            check_answers(state, loaded, answers).await
        }
        _ => Err(AppError::InvalidInput),
    }
}

async fn check_totp(
    state: &AppState,
    loaded: &Loaded,
    code: &str,
    now: i64,
) -> Result<Verdict, AppError> {
    // Three wrong codes within one 30 s step: wait for the next (SECURITY.md), counted
    // per identifier, so a decoy waits alike.
    let totp_limit = limits::Limit::new(3, 30);
    let key = &loaded.row.subject_mac;
    if let Some(at) = limits::exhausted(state, "totp", key, totp_limit).await? {
        return Err(AppError::TryAgainAfter { at });
    }
    let failed = match (&loaded.user, loaded.row.challenge_method_id) {
        (Some(user), Some(id)) => {
            let m = state
                .store
                .method(user.id, id)
                .await?
                .ok_or(AppError::FlowExpired)?;
            match super::security_info::check_totp(state, &m, code, now).await {
                Ok(step) => {
                    if state
                        .store
                        .accept_totp_step(m.id, user.id, step, now)
                        .await?
                    {
                        return Ok(Verdict::Passed);
                    }
                    AppError::TotpReplayed
                }
                Err(e @ (AppError::TotpWrong | AppError::TotpReplayed)) => e,
                Err(e) => return Err(e),
            }
        }
        _ => AppError::TotpWrong,
    };
    let window = now - now.rem_euclid(totp_limit.window);
    state.store.hit(&format!("totp:{key}"), window).await?;
    Ok(Verdict::Failed(failed))
}

async fn check_answers(
    state: &AppState,
    loaded: &Loaded,
    answers: &[SecretString],
) -> Result<Verdict, AppError> {
    let limits = &state.settings.recovery;
    let key = &loaded.row.subject_mac;
    if let Some(at) = limits::exhausted(
        state,
        "questions",
        key,
        limits::Limit::new(limits.question_failures, limits.question_lock_seconds),
    )
    .await?
    {
        return Err(AppError::TryAgainAfter { at });
    }
    let keys: Vec<&str> = loaded
        .row
        .questions
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() || keys.len() != answers.len() {
        return Err(AppError::InvalidInput);
    }
    let mut all = true;
    for (question, answer) in keys.iter().zip(answers) {
        let normalized =
            SecretString::new(crate::domain::methods::normalize_answer(answer.expose()));
        let hash = match &loaded.user {
            Some(user) => state.store.security_answer_hash(user.id, question).await?,
            None => None,
        };
        // Every answer is verified, right or wrong, and a decoy's against the dummy hash,
        // so timing doesn't tell which failed, nor whether the account exists.
        let ok = state
            .hasher
            .verify(&normalized, hash.as_deref())
            .await?
            .matches;
        all &= ok && hash.is_some();
    }
    if all {
        return Ok(Verdict::Passed);
    }
    limits::take(
        state,
        "questions",
        key,
        limits::Limit::new(limits.question_failures + 1, limits.question_lock_seconds),
    )
    .await?;
    Ok(Verdict::Failed(AppError::AnswersWrong))
}

/// The question keys the account registered answers for; a decoy's come with its hints.
async fn registered_questions(state: &AppState, loaded: &Loaded) -> Result<Vec<String>, AppError> {
    match &loaded.user {
        Some(user) => Ok(state.store.security_questions(user.id).await?),
        None => decoy_questions(state, loaded).await,
    }
}

/// Draws the questions to answer at random from the registered ones, the ones just
/// failed last: after a wrong answer at least one question changes whenever the account
/// has more than it is asked.
fn draw_questions(registered: &[String], policy: &OrgPolicy, previous: Option<&str>) -> String {
    use rand::seq::SliceRandom;
    let n = usize::from(policy.questions_to_answer.max(1)).min(registered.len());
    let previous: Vec<&str> = previous.unwrap_or_default().split(',').collect();
    let (mut drawn, mut failed): (Vec<String>, Vec<String>) = registered
        .iter()
        .cloned()
        .partition(|q| !previous.contains(&q.as_str()));
    let rng = &mut rand::rngs::OsRng;
    drawn.shuffle(rng);
    failed.shuffle(rng);
    drawn.extend(failed);
    drawn.truncate(n);
    drawn.shuffle(rng);
    drawn.join(",")
}

/// The account of this browser's flow, once it has passed every gate of a reset.
pub async fn user_setting_password(state: &AppState) -> Result<User, AppError> {
    let parts = request::current_parts().ok_or(AppError::Internal)?;
    let loaded = load(state, &parts).await?;
    match (loaded.flow.state, loaded.user) {
        (State::NewPassword, Some(user)) => Ok(user),
        _ => Err(AppError::FlowExpired),
    }
}

/// The new password, for a flow whose gates are all passed.
pub async fn set_password(
    state: &AppState,
    parts: &Parts,
    new: &SecretString,
    confirm: &SecretString,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    use crate::domain::password::banned::BannedTerms;
    let loaded = load(state, parts).await?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::PasswordSet, now).map_err(flow_error)?;
    let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
    let (rules, org) = super::password::rules_for(state, user).await?;
    let custom = BannedTerms::new(&rules.custom_terms);
    super::admin::terms::check_new_password_counted(
        state,
        org.id,
        new.expose(),
        confirm.expose(),
        &rules,
        &custom,
    )
    .await?;
    super::password::check_history(state, user, new, org.policy.password_history).await?;
    let hash = state.hasher.hash(new).await?;
    finish(
        state,
        &loaded,
        &write_back(&loaded.row, &next),
        Some(&hash),
        None,
        locale,
        meta,
    )
    .await
}

/// The end of a recovery: the reset or the unlock and all its effects in one
/// transaction, then the cookie goes.
async fn finish(
    state: &AppState,
    loaded: &Loaded,
    row: &FlowRow,
    new_hash: Option<&str>,
    last_gate: Option<AuditEvent>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
    let now = state.now();
    let (freeze_token, _) = super::session::new_token();
    let freeze_hash = state.keys.mac_hex("freeze-link", freeze_token.as_bytes());
    let reset = new_hash.is_some();
    let mut messages = user_notices(state, user, reset, &freeze_token, locale, now).await?;
    if user.role == Role::GlobalAdmin && loaded.policy.notify_admins_on_admin_reset {
        messages.extend(admin_notices(state, user, reset, locale, now).await?);
    }
    let mut e = event(
        now,
        if reset {
            "recovery.reset"
        } else {
            "recovery.unlock"
        },
        SUCCESS,
        meta,
        loaded,
    );
    e.detail = row.passed.clone();
    let audit: Vec<AuditEvent> = last_gate.into_iter().chain([e]).collect();
    let done = Completion {
        user_id: user.id,
        new_hash,
        old_hash: user.password_hash.as_deref().filter(|_| reset),
        history_keep: loaded.policy.password_history,
        freeze_token_hash: &freeze_hash,
        freeze_expires_at: now + FREEZE_LINK_LIFETIME,
        messages: &messages,
        audit: &audit,
    };
    if !state.store.complete_recovery(row, &done, now).await? {
        return Err(AppError::InvalidInput);
    }
    tracing::info!(user = user.id, reset, "recovery completed");
    request::set_cookie(&clear_cookie(state.settings.secure_cookies()))?;
    Ok(())
}

async fn user_notices(
    state: &AppState,
    user: &User,
    reset: bool,
    freeze_token: &str,
    locale: Locale,
    now: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let mut to = vec![user.email.clone()];
    for m in state.store.methods(user.id).await? {
        if m.kind == ContactKind::Email && m.verified_at.is_some() && !to.contains(&m.value) {
            to.push(m.value);
        }
    }
    let link = format!(
        "{}{}?token={freeze_token}",
        state.settings.public_url.trim_end_matches('/'),
        crate::routes::RECOVER_FREEZE
    );
    let when = super::outbox::format_utc(now);
    let (subject, what) = if reset {
        (
            td_string!(locale, mail.recovered_reset_subject).to_string(),
            td_string!(locale, mail.recovered_reset_what).to_string(),
        )
    } else {
        (
            td_string!(locale, mail.recovered_unlock_subject).to_string(),
            td_string!(locale, mail.recovered_unlock_what).to_string(),
        )
    };
    Ok(to
        .into_iter()
        .map(|recipient| NewMessage {
            channel: "email",
            recipient,
            locale: locale.to_string(),
            subject: subject.clone(),
            body: td_string!(
                locale,
                mail.recovered_body,
                name = user.display_name.as_str(),
                email = user.email.as_str(),
                what = what.as_str(),
                when = when.as_str(),
                link = link.as_str()
            )
            .to_string(),
        })
        .collect())
}

async fn admin_notices(
    state: &AppState,
    user: &User,
    reset: bool,
    locale: Locale,
    now: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let when = super::outbox::format_utc(now);
    let what = if reset {
        td_string!(locale, mail.recovered_reset_what).to_string()
    } else {
        td_string!(locale, mail.recovered_unlock_what).to_string()
    };
    Ok(state
        .store
        .list_users(Some(user.org_id))
        .await?
        .into_iter()
        .filter(|u| {
            u.role == Role::GlobalAdmin && u.id != user.id && u.status == UserStatus::Active
        })
        .map(|admin| NewMessage {
            channel: "email",
            recipient: admin.email.clone(),
            locale: locale.to_string(),
            subject: td_string!(locale, mail.admin_recovered_subject).to_string(),
            body: td_string!(
                locale,
                mail.admin_recovered_body,
                name = admin.display_name.as_str(),
                who = user.email.as_str(),
                what = what.as_str(),
                when = when.as_str()
            )
            .to_string(),
        })
        .collect())
}

/// "This wasn't me": freezes the account the link was mailed about.
pub async fn freeze(state: &AppState, token: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let now = state.now();
    let hash = state.keys.mac_hex("freeze-link", token.trim().as_bytes());
    let frozen = state
        .store
        .freeze_account(
            &hash,
            |user_id| AuditEvent {
                subject_user_id: Some(user_id),
                ..audit::from_request(now, "recovery.freeze", SUCCESS, meta)
            },
            now,
        )
        .await?;
    match frozen {
        Some(user_id) => {
            tracing::info!(user = user_id, "account frozen by its owner");
            Ok(())
        }
        None => Err(AppError::FlowExpired),
    }
}

/// Whether a submitted proof of work is valid and fresh (single use).
pub async fn pow_redeemed(state: &AppState, payload: &str) -> Result<bool, AppError> {
    super::pow::redeem(state, payload).await
}
