//! Email and SMS: a code sent to the registered address or number. The user types the
//! address or number in full; a code goes only to the stored, verified one, and only
//! when what was typed matches it. Every other effect (limits, cooldown, tries, the
//! answer) is the same either way, and the same for a decoy, so a mismatch reveals
//! nothing (`sending`).
use super::{Answer, Challenge, Method, Step, Verdict};
use crate::domain::codes;
use crate::domain::identifier::normalize_email;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::SUCCESS;
use crate::server::recovery::flow::{event, Loaded};
use crate::server::recovery::gates::{Gate, Proof};
use crate::server::recovery::sending::{self, CodeChallenge, Destination, GateLedger, Try};
use crate::server::request::RequestMeta;
use crate::server::state::AppState;
use crate::server::store::methods::{CodeCheck, ContactKind, MethodRow, NewCode};
use crate::server::store::outbox::NewMessage;
use crate::server::store::{AuditEvent, User};
use leptos_i18n::td_string;

/// A code method: which kind, over which contact.
pub(in crate::server::recovery) struct CodeMethod {
    kind: MethodKind,
    contact: ContactKind,
}

pub(in crate::server::recovery) const EMAIL: CodeMethod = CodeMethod {
    kind: MethodKind::Email,
    contact: ContactKind::Email,
};
pub(in crate::server::recovery) const SMS: CodeMethod = CodeMethod {
    kind: MethodKind::Sms,
    contact: ContactKind::Sms,
};

impl Method for CodeMethod {
    fn offers<'a>(
        &'a self,
        _state: &'a AppState,
        _user: &'a User,
        _policy: &'a OrgPolicy,
        contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>> {
        Box::pin(async move { Ok(contact_gates(self.kind, self.contact, contacts)) })
    }

    fn challenge<'a>(
        &'a self,
        step: &'a Step<'a>,
        gate: &'a Gate,
        typed: Option<&'a str>,
    ) -> Answer<'a, Challenge> {
        Box::pin(async move {
            let (state, loaded) = (step.state, step.loaded);
            let typed = typed.map(str::trim).unwrap_or_default();
            let to = Destination::typed(state, self.kind, typed).ok_or(
                if self.kind == MethodKind::Email {
                    AppError::EmailInvalid
                } else {
                    AppError::PhoneInvalid
                },
            )?;
            sending::count_send(state, &loaded.row.subject_mac, &to).await?;
            let ledger = GateLedger::of(state, loaded.row.id, self.kind, &gate.masked);
            ledger.send(state, step.now).await?;
            let mut method_id = None;
            if let (Some(user), Some(m)) = (&loaded.user, &gate.method) {
                if typed_matches(m, typed) {
                    send_code(state, loaded, user, m, step.locale, step.meta).await?;
                    method_id = Some(m.id);
                }
            }
            Ok(Challenge::Code {
                sent: CodeChallenge { ledger, to },
                method_id,
            })
        })
    }

    fn check<'a>(
        &'a self,
        step: &'a Step<'a>,
        challenge: &'a Challenge,
        proof: &'a Proof<'a>,
    ) -> Answer<'a, Verdict> {
        Box::pin(async move {
            let (Challenge::Code { sent, method_id }, Proof::Code(code)) = (challenge, proof)
            else {
                return Err(AppError::InvalidInput);
            };
            let (state, loaded, now) = (step.state, step.loaded, step.now);
            let Try::Counted { remaining } = sent.ledger.count_try(state, now).await? else {
                return Ok(Verdict::Failed(AppError::CodeExpired));
            };
            let wrong = Verdict::Failed(AppError::CodeWrong { remaining });
            let (Some(user), Some(method_id)) = (&loaded.user, *method_id) else {
                return Ok(wrong);
            };
            let purpose = purpose(loaded);
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
        })
    }

    /// A new code; the old one dies and its failures carry over. The same limits and
    /// ledger count for a typed destination that didn't match, and for a decoy, where
    /// nothing is sent.
    fn resend<'a>(&'a self, step: &'a Step<'a>, challenge: &'a Challenge) -> Answer<'a, ()> {
        Box::pin(async move {
            let Challenge::Code { sent, method_id } = challenge else {
                return Err(AppError::InvalidInput);
            };
            let (state, loaded) = (step.state, step.loaded);
            sending::count_send(state, &loaded.row.subject_mac, &sent.to).await?;
            sent.ledger.send(state, state.now()).await?;
            let (Some(user), Some(method_id)) = (&loaded.user, *method_id) else {
                return Ok(());
            };
            let m = state
                .store
                .method(user.id, method_id)
                .await?
                .ok_or(AppError::FlowExpired)?;
            send_code(state, loaded, user, &m, step.locale, step.meta).await
        })
    }
}

/// One gate per contact of this kind, masked as the security-info page shows it.
pub(super) fn contact_gates(
    kind: MethodKind,
    contact: ContactKind,
    rows: &[MethodRow],
) -> Vec<Gate> {
    rows.iter()
        .filter(|m| m.kind == contact)
        .map(|m| Gate {
            kind,
            masked: crate::server::security_info::masked(m),
            method: Some(m.clone()),
        })
        .collect()
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

/// The code's purpose: bound to this flow.
fn purpose(loaded: &Loaded) -> String {
    format!("recovery:{}", loaded.row.id)
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
    let code = crate::server::security_info::new_code();
    let purpose = purpose(loaded);
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
                lifetime: codes::LIFETIME_SECONDS,
                cooldown: codes::COOLDOWN_SECONDS,
                message: &message,
                audit: &audit_event,
            },
            now,
        )
        .await?;
    crate::server::security_info::issued_result(issued, now)
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
            td_string!(
                locale,
                mail.recovery_code_sms,
                code = code,
                minutes = codes::lifetime_minutes()
            )
            .to_string()
        } else {
            td_string!(
                locale,
                mail.recovery_code_body,
                name = user.display_name.as_str(),
                code = code,
                minutes = codes::lifetime_minutes()
            )
            .to_string()
        },
    }
}
