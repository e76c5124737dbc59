//! The gates: which methods a flow offers, choosing one (a code sent, questions drawn),
//! resending a code, and checking a proof.
use super::decoy::{decoy_failure_counted, decoy_questions, decoy_shape};
use super::finish::*;
use super::flow::*;
use super::limits::{self};
use super::sending::{
    self, CodeChallenge, Destination, GateLedger, Try, CODE_COOLDOWN, CODE_LIFETIME,
};
use crate::domain::identifier::normalize_email;
use crate::domain::methods::allowed_methods;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::recovery::{transition, Event, State};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::{FAILURE, SUCCESS};
use crate::server::request::RequestMeta;
use crate::server::state::AppState;
use crate::server::store::methods::{CodeCheck, ContactKind, MethodRow, NewCode};
use crate::server::store::outbox::NewMessage;
use crate::server::store::{AuditEvent, Role, User};
use http::request::Parts;
use leptos_i18n::td_string;

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

/// The account's registered, verified methods that its policy allows for recovery.
pub(super) async fn real_gates(
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
                masked: crate::server::security_info::masked(&m),
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
    e.detail = gate.kind.as_str().into();
    save(state, &loaded, &row, Some(&e)).await
}

pub(super) fn typed_matches(m: &MethodRow, typed: &str) -> bool {
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
pub(super) async fn send_code(
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
    let code = crate::server::security_info::new_code();
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
    crate::server::security_info::issued_result(issued, now)
}

pub(super) fn code_mac(state: &AppState, method_id: i64, purpose: &str, code: &str) -> String {
    // Bound to one method (one user, one channel), and through the purpose to one flow.
    state.keys.mac_hex(
        "code:recovery",
        format!("{method_id}:{purpose}:{code}").as_bytes(),
    )
}

pub(super) fn code_message(
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

pub(super) fn code_challenge(loaded: &Loaded) -> Result<CodeChallenge, AppError> {
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
            e.detail = kind.as_str().into();
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
            e.detail = kind.as_str().into();
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

pub(super) enum Verdict {
    Passed,
    Failed(AppError),
}

/// Checks a proof for the flow's challenge. A decoy (`loaded.user` is `None`) and an
/// email or phone whose typed destination didn't match go through the same steps with
/// nothing that could pass, so they answer as a wrong proof of a real account does.
pub(super) async fn check_proof(
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
            let Some(canonical) = crate::server::recovery_codes::normalize(code) else {
                return Ok(Verdict::Failed(AppError::ProofWrong));
            };
            let fingerprint = crate::server::recovery_codes::fingerprint(&state.keys, &canonical);
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

pub(super) async fn check_totp(
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
            match crate::server::security_info::check_totp(state, &m, code, now).await {
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

pub(super) async fn check_answers(
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
pub(super) async fn registered_questions(
    state: &AppState,
    loaded: &Loaded,
) -> Result<Vec<String>, AppError> {
    match &loaded.user {
        Some(user) => Ok(state.store.security_questions(user.id).await?),
        None => decoy_questions(state, loaded).await,
    }
}

/// Draws the questions to answer at random from the registered ones, the ones just
/// failed last: after a wrong answer at least one question changes whenever the account
/// has more than it is asked.
pub(super) fn draw_questions(
    registered: &[String],
    policy: &OrgPolicy,
    previous: Option<&str>,
) -> String {
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
