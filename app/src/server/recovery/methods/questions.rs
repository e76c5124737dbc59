//! Security questions, where the policy allows them: never the first gate and never an
//! administrator's. Answers are verified all, right or wrong, against the stored hashes
//! (a decoy's against the dummy hash), and a wrong answer draws other questions.
use super::{Answer, Challenge, Method, Step, Verdict};
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::server::recovery::decoy::decoy_questions;
use crate::server::recovery::flow::Loaded;
use crate::server::recovery::gates::{Gate, Proof};
use crate::server::recovery::limits;
use crate::server::state::AppState;
use crate::server::store::methods::MethodRow;
use crate::server::store::User;

pub(in crate::server::recovery) struct Questions;

impl Method for Questions {
    fn offers<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a User,
        policy: &'a OrgPolicy,
        _contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>> {
        Box::pin(async move {
            let answered = state.store.security_questions(user.id).await?.len();
            let has = answered >= usize::from(policy.questions_to_answer.max(1));
            Ok(Gate::whole(MethodKind::SecurityQuestions, has))
        })
    }

    fn challenge<'a>(
        &'a self,
        step: &'a Step<'a>,
        _gate: &'a Gate,
        _typed: Option<&'a str>,
    ) -> Answer<'a, Challenge> {
        Box::pin(async move {
            let registered = registered_questions(step.state, step.loaded).await?;
            Ok(Challenge::Questions {
                keys: draw_questions(&registered, &step.loaded.policy, &[]),
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
            let (Challenge::Questions { keys }, Proof::Answers(answers)) = (challenge, proof)
            else {
                return Err(AppError::InvalidInput);
            };
            check_answers(step.state, step.loaded, keys, answers).await
        })
    }

    /// A wrong answer draws other questions, so guesses can't pile up on one; a decoy
    /// redraws from its own list the same way.
    fn after_failure<'a>(
        &'a self,
        step: &'a Step<'a>,
        challenge: &'a Challenge,
    ) -> Answer<'a, Option<Challenge>> {
        Box::pin(async move {
            let Challenge::Questions { keys } = challenge else {
                return Ok(None);
            };
            let registered = registered_questions(step.state, step.loaded).await?;
            Ok(Some(Challenge::Questions {
                keys: draw_questions(&registered, &step.loaded.policy, keys),
            }))
        })
    }
}

/// The drawn questions as the page asks them: each key, and an organisation's own
/// question's text.
pub(in crate::server::recovery) fn question_choices(
    keys: &[String],
    policy: &OrgPolicy,
) -> Vec<(String, Option<String>)> {
    keys.iter()
        .map(|key| {
            let custom = key
                .strip_prefix("custom:")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| policy.custom_questions.get(n).cloned());
            (key.clone(), custom)
        })
        .collect()
}

async fn check_answers(
    state: &AppState,
    loaded: &Loaded,
    keys: &[String],
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
/// failed (`previous`) last: after a wrong answer at least one question changes whenever
/// the account has more than it is asked.
fn draw_questions(registered: &[String], policy: &OrgPolicy, previous: &[String]) -> Vec<String> {
    use rand::seq::SliceRandom;
    let n = usize::from(policy.questions_to_answer.max(1)).min(registered.len());
    let (mut drawn, mut failed): (Vec<String>, Vec<String>) = registered
        .iter()
        .cloned()
        .partition(|q| !previous.contains(q));
    let rng = &mut rand::rngs::OsRng;
    drawn.shuffle(rng);
    failed.shuffle(rng);
    drawn.extend(failed);
    drawn.truncate(n);
    drawn.shuffle(rng);
    drawn
}
