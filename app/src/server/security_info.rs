//! Security info: what a signed-in user registers for recovery, and the rules around each
//! change. Every change needs a sign-in less than ten minutes old, is audited, and tells
//! the user's other addresses (docs/security.md), in one transaction with it.
use super::audit::{self, FAILURE, SUCCESS};
use super::request::RequestMeta;
use super::state::AppState;
use super::store::methods::{CodeCheck, ContactKind, Effects, Issued, MethodRow, NewCode};
use super::store::outbox::NewMessage;
use super::store::{Organisation, Role, StoreError, User};
use crate::domain::mask::{mask_email, mask_phone};
use crate::domain::methods::{self, Registered};
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use crate::i18n::Locale;
use http::request::Parts;
use leptos_i18n::td_string;
use rand::Rng;

/// A change to security info needs the password proven this recently (ASVS 7.5.1).
pub const RECENT_SIGNIN_SECONDS: i64 = 10 * 60;
/// Recovery codes generated are shown to their session for at most this long.
pub const CODES_SHOWN_FOR: i64 = 10 * 60;
const PURPOSE_VERIFY: &str = "verify_method";
const SEAL_TOTP: &str = "totp-seed";
const SEAL_CODES: &str = "recovery-codes-display";

/// The signed-in user of the current call, with what every change needs.
pub struct Caller {
    pub user: User,
    pub org: Organisation,
    pub session_hash: String,
    pub meta: RequestMeta,
    pub authenticated_at: i64,
    pub parts: Parts,
}

impl Caller {
    pub fn admin(&self) -> bool {
        self.user.role == Role::GlobalAdmin
    }

    pub fn recent(&self, now: i64) -> bool {
        now - self.authenticated_at < RECENT_SIGNIN_SECONDS
    }
}

pub async fn caller(state: &AppState) -> Result<Caller, AppError> {
    let (user, session_hash, parts) = super::session::require_user(state).await?;
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    let authenticated_at = state
        .store
        .session_authenticated_at(&session_hash)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    Ok(Caller {
        meta: RequestMeta::from_parts(&parts),
        user,
        org,
        session_hash,
        authenticated_at,
        parts,
    })
}

/// The caller, if their sign-in is recent enough to change security info.
pub async fn recent_caller(state: &AppState) -> Result<Caller, AppError> {
    let c = caller(state).await?;
    if !c.recent(state.now()) {
        return Err(AppError::ReauthRequired);
    }
    Ok(c)
}

pub fn require_allowed(c: &Caller, kind: MethodKind) -> Result<(), AppError> {
    if methods::allowed_methods(&c.org.policy, c.admin()).contains(&kind) {
        Ok(())
    } else {
        Err(AppError::MethodNotAllowed)
    }
}

/// What the account can use today.
pub async fn registered(
    state: &AppState,
    user: &User,
    policy_questions: u8,
) -> Result<Registered, AppError> {
    Ok(registered_since(state, user, policy_questions).await?.0)
}

/// What the account can use today, and when it last confirmed (or, failing that, last
/// registered) its methods.
pub async fn registered_since(
    state: &AppState,
    user: &User,
    policy_questions: u8,
) -> Result<(Registered, Option<i64>), AppError> {
    let rows = state.store.methods(user.id).await?;
    let verified = |k: ContactKind| rows.iter().any(|m| m.kind == k && m.verified_at.is_some());
    let newest = rows.iter().filter_map(|m| m.verified_at).max();
    let since = user.methods_confirmed_at.max(newest);
    let have = Registered {
        email: verified(ContactKind::Email),
        sms: verified(ContactKind::Sms),
        authenticator: verified(ContactKind::Authenticator),
        recovery_codes: state.store.recovery_codes_left(user.id).await? > 0,
        questions: state.store.security_questions(user.id).await?.len()
            >= usize::from(policy_questions),
        passkey: !state.store.passkeys(user.id).await?.is_empty(),
    };
    Ok((have, since))
}

/// Where a fresh sign-in goes after the password: the forced change first, then
/// "more information required" if the account can't recover on its own, then the
/// re-confirmation of its methods when due, else the account page.
pub async fn after_signin_path(state: &AppState, user: &User) -> Result<&'static str, AppError> {
    if user.must_change_password {
        return Ok(crate::routes::CHANGE_PASSWORD);
    }
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    let admin = user.role == Role::GlobalAdmin;
    let (have, since) = registered_since(state, user, org.policy.questions_to_register).await?;
    if methods::needs_registration(&org.policy, admin, &have) {
        return Ok(crate::routes::SECURITY_REQUIRED);
    }
    if methods::reconfirmation_due(&org.policy, &have, since, state.now()) {
        return Ok(crate::routes::SECURITY_CONFIRM);
    }
    Ok(crate::routes::ACCOUNT)
}

/// How a method is shown: masked, never in full.
pub fn masked(row: &MethodRow) -> String {
    match row.kind {
        ContactKind::Email => mask_email(&row.value),
        ContactKind::Sms => mask_phone(&row.value),
        ContactKind::Authenticator => String::new(),
    }
}

/// The user's own addresses to tell about a change: the account's and every verified
/// alternate email except `skip` (the one being changed, which gets its own message).
async fn notice_addresses(
    state: &AppState,
    user: &User,
    skip: Option<i64>,
) -> Result<Vec<String>, AppError> {
    let mut to = vec![user.email.clone()];
    for m in state.store.methods(user.id).await? {
        if m.kind == ContactKind::Email && m.verified_at.is_some() && Some(m.id) != skip {
            to.push(m.value);
        }
    }
    to.dedup();
    Ok(to)
}

/// "Your security info changed: …" to every address of the user but `skip`, in the
/// language the user is using; `phrase` says what changed, in that language.
pub(crate) async fn notify_change(
    state: &AppState,
    user: &User,
    skip: Option<i64>,
    now: i64,
    phrase: impl FnOnce(Locale) -> String,
) -> Result<Vec<NewMessage>, AppError> {
    let locale: Locale = leptos_i18n::locale::resolve_locale();
    let to = notice_addresses(state, user, skip).await?;
    Ok(change_notices(
        state,
        user,
        &to,
        &phrase(locale),
        locale,
        now,
    ))
}

/// "Your security info changed", one message per address, in the user's language.
fn change_notices(
    state: &AppState,
    user: &User,
    to: &[String],
    change: &str,
    locale: Locale,
    now: i64,
) -> Vec<NewMessage> {
    let when = super::outbox::format_utc(now);
    let link = format!(
        "{}{}",
        state.settings.public_url.trim_end_matches('/'),
        crate::routes::SECURITY_INFO
    );
    to.iter()
        .map(|address| NewMessage {
            channel: "email",
            recipient: address.clone(),
            locale: locale.to_string(),
            subject: td_string!(locale, mail.security_changed_subject).to_string(),
            body: td_string!(
                locale,
                mail.security_changed_body,
                name = user.display_name.as_str(),
                email = user.email.as_str(),
                when = when.as_str(),
                change = change,
                link = link.as_str()
            )
            .to_string(),
        })
        .collect()
}

fn method_phrase(locale: Locale, kind: ContactKind, masked: &str, added: bool) -> String {
    match (kind, added) {
        (ContactKind::Email, true) => {
            td_string!(locale, mail.change_email_added, method = masked).to_string()
        }
        (ContactKind::Email, false) => {
            td_string!(locale, mail.change_email_removed, method = masked).to_string()
        }
        (ContactKind::Sms, true) => {
            td_string!(locale, mail.change_phone_added, method = masked).to_string()
        }
        (ContactKind::Sms, false) => {
            td_string!(locale, mail.change_phone_removed, method = masked).to_string()
        }
        (ContactKind::Authenticator, true) => {
            td_string!(locale, mail.change_authenticator_added).to_string()
        }
        (ContactKind::Authenticator, false) => {
            td_string!(locale, mail.change_authenticator_removed).to_string()
        }
    }
}

fn code_mac(state: &AppState, method_id: i64, code: &str) -> String {
    // Bound to one method (so one user, one channel) and one purpose (docs/security.md).
    state.keys.mac_hex(
        "code:verify_method",
        format!("{method_id}:{code}").as_bytes(),
    )
}

/// [`crate::domain::codes::DIGITS`] digits from the OS CSPRNG.
pub(crate) fn new_code() -> String {
    use crate::domain::codes::DIGITS;
    let n: u64 = rand::rngs::OsRng.gen_range(0..10_u64.pow(DIGITS as u32));
    format!("{n:0width$}", width = DIGITS)
}

/// Starts registering an alternate email or a mobile phone: a pending method, and a code
/// sent to it (never to anything but the address or number being verified).
pub async fn add_contact(
    state: &AppState,
    kind: ContactKind,
    input: &str,
) -> Result<i64, AppError> {
    let c = recent_caller(state).await?;
    let value = match kind {
        ContactKind::Email => {
            require_allowed(&c, MethodKind::Email)?;
            let canonical = crate::domain::identifier::normalize_email(input)
                .map_err(|_| AppError::EmailInvalid)?;
            // The account's own address is where the user can't get in: it is no way back.
            if canonical == c.user.email_canonical {
                return Err(AppError::MethodExists);
            }
            canonical
        }
        ContactKind::Sms => {
            require_allowed(&c, MethodKind::Sms)?;
            super::phone::parse_phone(input, &c.org.policy.sms_regions)
                .map_err(|e| match e {
                    super::phone::PhoneError::NotAllowed => AppError::PhoneRegionNotAllowed,
                    _ => AppError::PhoneInvalid,
                })?
                .e164
        }
        ContactKind::Authenticator => return Err(AppError::InvalidInput),
    };
    let now = state.now();
    let id = match state
        .store
        .pending_method(c.user.id, kind, &value, now)
        .await
    {
        Ok(id) => id,
        Err(StoreError::Duplicate(_)) => return Err(AppError::MethodExists),
        Err(e) => return Err(e.into()),
    };
    send_code(state, &c, id, kind, &value, "method.add").await?;
    Ok(id)
}

async fn send_code(
    state: &AppState,
    c: &Caller,
    method_id: i64,
    kind: ContactKind,
    destination: &str,
    action: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let code = new_code();
    let locale: Locale = leptos_i18n::locale::resolve_locale();
    let minutes = crate::domain::codes::lifetime_minutes();
    let (channel, message) = match kind {
        ContactKind::Email => (
            "email",
            NewMessage {
                channel: "email",
                recipient: destination.to_owned(),
                locale: locale.to_string(),
                subject: td_string!(locale, mail.code_subject).to_string(),
                body: td_string!(
                    locale,
                    mail.code_body,
                    name = c.user.display_name.as_str(),
                    code = code.as_str(),
                    minutes = minutes
                )
                .to_string(),
            },
        ),
        ContactKind::Sms => (
            "sms",
            NewMessage {
                channel: "sms",
                recipient: destination.to_owned(),
                locale: locale.to_string(),
                subject: String::new(),
                body: td_string!(locale, sms.code, code = code.as_str(), minutes = minutes)
                    .to_string(),
            },
        ),
        ContactKind::Authenticator => return Err(AppError::InvalidInput),
    };
    let mut event = audit::by_user(now, action, SUCCESS, &c.meta, &c.user);
    event.detail = format!("code_sent:{}", kind.as_str());
    let mac = code_mac(state, method_id, &code);
    let issued = state
        .store
        .issue_code(
            &NewCode {
                user_id: c.user.id,
                method_id,
                purpose: PURPOSE_VERIFY,
                channel,
                code_mac: &mac,
                lifetime: crate::domain::codes::LIFETIME_SECONDS,
                cooldown: crate::domain::codes::COOLDOWN_SECONDS,
                message: &message,
                audit: &event,
            },
            now,
        )
        .await?;
    issued_result(issued, now)
}

/// What the user is told about a code that was (or wasn't) issued.
pub(crate) fn issued_result(issued: Issued, now: i64) -> Result<(), AppError> {
    match issued {
        Issued::Sent => Ok(()),
        Issued::TooSoon { retry_at } => Err(AppError::TooSoon {
            wait_seconds: (retry_at - now).max(1),
        }),
        Issued::Exhausted => Err(AppError::CodeExpired),
    }
}

/// The pending email or phone the user is verifying now: the newest unverified one.
pub async fn pending_contact(state: &AppState, c: &Caller) -> Result<Option<MethodRow>, AppError> {
    Ok(state
        .store
        .methods(c.user.id)
        .await?
        .into_iter()
        .filter(|m| m.verified_at.is_none() && m.kind != ContactKind::Authenticator)
        .max_by_key(|m| m.id))
}

async fn own_pending(state: &AppState, c: &Caller, method_id: i64) -> Result<MethodRow, AppError> {
    state
        .store
        .method(c.user.id, method_id)
        .await?
        .filter(|m| m.verified_at.is_none() && m.kind != ContactKind::Authenticator)
        .ok_or(AppError::NotFound)
}

pub async fn resend(state: &AppState, method_id: i64) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    let m = own_pending(state, &c, method_id).await?;
    send_code(state, &c, m.id, m.kind, &m.value, "method.resend").await
}

/// Checks the code sent to a pending method; the first right one verifies it.
pub async fn verify_contact(state: &AppState, method_id: i64, code: &str) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    let m = own_pending(state, &c, method_id).await?;
    let now = state.now();
    // Whatever was typed is compared (and counts as a try): a malformed code is just a
    // wrong one. Spaces are forgiven, since people copy codes with them.
    let typed: String = code
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .take(64)
        .collect();
    let mac = code_mac(state, m.id, &typed);
    match state
        .store
        .check_code(m.id, c.user.id, PURPOSE_VERIFY, &mac, now)
        .await?
    {
        CodeCheck::Accepted => {}
        CodeCheck::Wrong { remaining } => {
            let mut event = audit::by_user(now, "method.verify", FAILURE, &c.meta, &c.user);
            event.detail = "code_wrong".into();
            state.store.audit(&event).await?;
            return Err(if remaining == 0 {
                AppError::CodeExpired
            } else {
                AppError::CodeWrong { remaining }
            });
        }
        CodeCheck::Dead => return Err(AppError::CodeExpired),
    }
    let notices = notify_change(state, &c.user, Some(m.id), now, |l| {
        method_phrase(l, m.kind, &masked(&m), true)
    })
    .await?;
    let mut event = audit::by_user(now, "method.add", SUCCESS, &c.meta, &c.user);
    event.detail = format!("verified:{}", m.kind.as_str());
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    if state
        .store
        .verify_method(c.user.id, m.id, &effects, now)
        .await?
    {
        tracing::info!(user = c.user.id, kind = m.kind.as_str(), "method verified");
        Ok(())
    } else {
        Err(AppError::CodeExpired)
    }
}

/// Removes one of the user's methods.
pub async fn remove(state: &AppState, method_id: i64) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    let m = state
        .store
        .method(c.user.id, method_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    let notices = if m.verified_at.is_some() {
        notify_change(state, &c.user, None, now, |l| {
            method_phrase(l, m.kind, &masked(&m), false)
        })
        .await?
    } else {
        // An unfinished registration never counted: nothing to tell anyone.
        Vec::new()
    };
    let mut event = audit::by_user(now, "method.remove", SUCCESS, &c.meta, &c.user);
    event.detail = m.kind.as_str().into();
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    if state
        .store
        .remove_method(c.user.id, m.id, &effects, now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A new authenticator secret for the user to scan; it counts once a first code is right.
pub async fn begin_authenticator(state: &AppState) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    require_allowed(&c, MethodKind::Authenticator)?;
    let secret = super::totp::TotpSecret::generate();
    let sealed = state.keys.seal(SEAL_TOTP, secret.as_bytes());
    match state
        .store
        .begin_authenticator(c.user.id, &sealed, state.now())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Duplicate(_)) => Err(AppError::MethodExists),
        Err(e) => Err(e.into()),
    }
}

/// What the enrolment page shows: the QR code (inline SVG) and the secret as text.
pub struct Enrolment {
    pub method_id: i64,
    pub qr_svg: String,
    pub secret_text: String,
}

pub async fn pending_authenticator(state: &AppState) -> Result<Option<Enrolment>, AppError> {
    let c = caller(state).await?;
    let Some(m) = state
        .store
        .methods(c.user.id)
        .await?
        .into_iter()
        .find(|m| m.kind == ContactKind::Authenticator && m.verified_at.is_none())
    else {
        return Ok(None);
    };
    let secret = open_seed(state, &m)?;
    let uri = super::totp::otpauth_uri(&secret, &c.org.name, &c.user.email);
    Ok(Some(Enrolment {
        method_id: m.id,
        qr_svg: super::totp::qr_svg(&uri).ok_or(AppError::Internal)?,
        secret_text: super::totp::grouped(&secret.to_base32()),
    }))
}

fn open_seed(state: &AppState, m: &MethodRow) -> Result<super::totp::TotpSecret, AppError> {
    state
        .keys
        .open(SEAL_TOTP, &m.value)
        .and_then(|bytes| super::totp::TotpSecret::from_bytes(&bytes))
        .ok_or_else(|| {
            tracing::error!(method = m.id, "authenticator seed can't be opened");
            AppError::Internal
        })
}

/// Confirms an authenticator enrolment with a first valid code.
pub async fn confirm_authenticator(state: &AppState, code: &str) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    let m = state
        .store
        .methods(c.user.id)
        .await?
        .into_iter()
        .find(|m| m.kind == ContactKind::Authenticator && m.verified_at.is_none())
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    let step = check_totp(state, &m, code, now).await?;
    let notices = notify_change(state, &c.user, None, now, |l| {
        method_phrase(l, ContactKind::Authenticator, "", true)
    })
    .await?;
    let mut event = audit::by_user(now, "method.add", SUCCESS, &c.meta, &c.user);
    event.detail = "verified:authenticator".into();
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    if state
        .store
        .confirm_authenticator(c.user.id, m.id, step, &effects, now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::TotpReplayed)
    }
}

/// Checks a TOTP code for a method; returns the time step it matched.
pub async fn check_totp(
    state: &AppState,
    m: &MethodRow,
    code: &str,
    now: i64,
) -> Result<i64, AppError> {
    let secret = open_seed(state, m)?;
    match super::totp::verify(&secret, code.trim(), now, m.last_used_step) {
        Ok(step) => Ok(step),
        Err(super::totp::TotpRejected::Replayed) => Err(AppError::TotpReplayed),
        Err(_) => {
            state.store.count_totp_failure(m.id).await?;
            Err(AppError::TotpWrong)
        }
    }
}

/// A new set of ten recovery codes: the old set dies, the new one is kept only as HMACs
/// and, sealed, for this session to show once.
pub async fn regenerate_recovery_codes(state: &AppState) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    require_allowed(&c, MethodKind::RecoveryCodes)?;
    let now = state.now();
    let codes = super::recovery_codes::generate();
    let fingerprints: Vec<String> = codes
        .iter()
        .filter_map(|code| super::recovery_codes::normalize(code))
        .map(|canonical| super::recovery_codes::fingerprint(&state.keys, &canonical))
        .collect();
    if fingerprints.len() != codes.len() {
        tracing::error!("generated recovery codes don't normalise");
        return Err(AppError::Internal);
    }
    let sealed = state.keys.seal(SEAL_CODES, codes.join("\n").as_bytes());
    let had = state.store.recovery_codes_left(c.user.id).await? > 0;
    let notices = notify_change(state, &c.user, None, now, |l| {
        if had {
            td_string!(l, mail.change_codes_regenerated).to_string()
        } else {
            td_string!(l, mail.change_codes_created).to_string()
        }
    })
    .await?;
    let mut event = audit::by_user(now, "recovery_codes.generate", SUCCESS, &c.meta, &c.user);
    event.detail = if had { "regenerated" } else { "created" }.into();
    state
        .store
        .replace_recovery_codes(
            c.user.id,
            &fingerprints,
            (&c.session_hash, &sealed, now + CODES_SHOWN_FOR),
            &Effects {
                messages: &notices,
                audit: &event,
            },
            now,
        )
        .await?;
    Ok(())
}

/// What can be removed as a whole: the set of recovery codes, or the security answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removable {
    RecoveryCodes,
    SecurityQuestions,
}

/// Removes all recovery codes or all security answers of the user.
pub async fn remove_all(state: &AppState, what: Removable) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    let now = state.now();
    let notices = notify_change(state, &c.user, None, now, |l| match what {
        Removable::RecoveryCodes => td_string!(l, mail.change_codes_removed).to_string(),
        Removable::SecurityQuestions => td_string!(l, mail.change_questions_removed).to_string(),
    })
    .await?;
    let action = match what {
        Removable::RecoveryCodes => "recovery_codes.remove",
        Removable::SecurityQuestions => "questions.remove",
    };
    let event = audit::by_user(now, action, SUCCESS, &c.meta, &c.user);
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    let removed = match what {
        Removable::RecoveryCodes => {
            state
                .store
                .remove_recovery_codes(c.user.id, &effects, now)
                .await?
        }
        Removable::SecurityQuestions => {
            state
                .store
                .remove_security_answers(c.user.id, &effects, now)
                .await?
        }
    };
    if removed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The codes this session generated, while they may still be shown.
pub async fn codes_to_show(
    state: &AppState,
    user_id: i64,
    session_hash: &str,
) -> Result<Vec<String>, AppError> {
    let Some(sealed) = state
        .store
        .recovery_code_display(session_hash, user_id, state.now())
        .await?
    else {
        return Ok(Vec::new());
    };
    let plain = state
        .keys
        .open(SEAL_CODES, &sealed)
        .ok_or(AppError::Internal)?;
    let text = String::from_utf8(plain).map_err(|_| AppError::Internal)?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// Registers answers to security questions (only where the organisation enables them,
/// never for administrators). Answers are normalised and Argon2id-hashed.
pub async fn save_answers(state: &AppState, pairs: &[(String, String)]) -> Result<(), AppError> {
    let c = recent_caller(state).await?;
    require_allowed(&c, MethodKind::SecurityQuestions)?;
    let policy = &c.org.policy;
    let wanted = usize::from(policy.questions_to_register);
    let mut keys: Vec<&str> = pairs.iter().map(|(q, _)| q.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let valid = pairs.len() == wanted
        && keys.len() == wanted
        && pairs.iter().all(|(q, a)| {
            methods::valid_question_key(q, policy.custom_questions.len())
                && a.len() <= methods::MAX_ANSWER_BYTES
                && methods::normalize_answer(a).chars().count() >= methods::MIN_ANSWER_CHARS
        });
    if !valid {
        return Err(AppError::AnswersInvalid);
    }
    let mut hashed = Vec::with_capacity(pairs.len());
    for (q, a) in pairs {
        let normalized = crate::domain::secret::SecretString::new(methods::normalize_answer(a));
        hashed.push((q.clone(), state.hasher.hash(&normalized).await?));
    }
    let now = state.now();
    let notices = notify_change(state, &c.user, None, now, |l| {
        td_string!(l, mail.change_questions).to_string()
    })
    .await?;
    let event = audit::by_user(now, "questions.register", SUCCESS, &c.meta, &c.user);
    state
        .store
        .replace_security_answers(
            c.user.id,
            &hashed,
            &Effects {
                messages: &notices,
                audit: &event,
            },
            now,
        )
        .await?;
    Ok(())
}

/// The password again, for a session older than ten minutes that wants to change
/// security info.
pub async fn reauthenticate(
    state: &AppState,
    password: &crate::domain::secret::SecretString,
) -> Result<(), AppError> {
    let c = caller(state).await?;
    let now = state.now();
    let ok = password.expose().len() <= crate::domain::password::MAX_INPUT_BYTES
        && state
            .hasher
            .verify(password, c.user.password_hash.as_deref())
            .await?
            .matches;
    let outcome = if ok { SUCCESS } else { FAILURE };
    state
        .store
        .audit(&audit::by_user(now, "reauth", outcome, &c.meta, &c.user))
        .await?;
    if !ok {
        return Err(AppError::CurrentPasswordWrong);
    }
    state
        .store
        .reauthenticate_session(&c.session_hash, now)
        .await?;
    Ok(())
}

/// The user says the methods shown are still current.
pub async fn confirm_current(state: &AppState) -> Result<(), AppError> {
    let c = caller(state).await?;
    let now = state.now();
    let event = audit::by_user(now, "methods.confirm", SUCCESS, &c.meta, &c.user);
    state.store.confirm_methods(c.user.id, &event, now).await?;
    Ok(())
}

/// `GET /account/security/recovery-codes.txt`: the codes this session may still show, as a
/// text file to keep. Reads only; anyone else gets 404.
pub async fn recovery_codes_download(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, _) = request.into_parts();
    let codes = match super::session::current_session(&state, &parts).await {
        Ok(Some((user, hash))) => codes_to_show(&state, user.id, &hash).await.ok(),
        _ => None,
    };
    let Some(codes) = codes.filter(|c| !c.is_empty()) else {
        return (http::StatusCode::NOT_FOUND, "not found").into_response();
    };
    let locale = super::request::cookie(&parts, "i18n_pref_locale")
        .and_then(|l| l.parse::<Locale>().ok())
        .unwrap_or_default();
    let mut text = td_string!(locale, security.codes_file_heading).to_string();
    text.push_str("\n\n");
    for code in codes {
        text.push_str(&code);
        text.push('\n');
    }
    (
        [
            (http::header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (
                http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"regain-recovery-codes.txt\"",
            ),
            (http::header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}
