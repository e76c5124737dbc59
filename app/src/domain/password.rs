//! What every new password must pass (docs/security.md), written once and run twice: in the
//! browser for the live checklist and on the server as the authority. NFKC first, then
//! length in code points, then the banned-password screening of [`banned`]. No
//! composition rules, no truncation. The last-N history check needs the stored hashes and
//! lives on the server; it reports through the same [`PasswordProblem`].
use crate::error::AppError;
use banned::{BannedTerms, Screening, ScreeningInput, TermSource};
use serde::{Deserialize, Serialize};

pub mod banned;

/// Organisation minimum when the policy says nothing.
pub const DEFAULT_MIN_LENGTH: u32 = 12;
/// Bounds an organisation may choose its minimum within.
pub const MIN_LENGTH_BOUNDS: (u32, u32) = (8, 64);
/// Longest password accepted, in code points after normalisation.
pub const MAX_LENGTH: u32 = 256;
/// Bytes of raw input read at most before anything is hashed: four bytes a code point
/// covers any 256-code-point password, and a larger body is refused unread.
pub const MAX_INPUT_BYTES: usize = 4 * MAX_LENGTH as usize;
/// Most terms an organisation's own banned list may hold (Entra's limit).
pub const MAX_CUSTOM_TERMS: usize = 1000;
/// Length of one custom banned term in characters (Entra's limits): shorter terms would
/// ban far too much once fuzzy matching applies, longer ones would rarely match.
pub const CUSTOM_TERM_CHARS: (usize, usize) = (4, 16);

/// The form every password takes before it is hashed or compared.
#[cfg(not(target_arch = "wasm32"))]
pub fn normalize_password(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc().collect()
}

/// In the browser, the engine's own NFKC (`String.prototype.normalize`): the Unicode
/// tables of the Rust implementation would add about 100 KB (brotli) to the bundle for the
/// same answer. The server, which decides, always uses the Rust one.
#[cfg(target_arch = "wasm32")]
pub fn normalize_password(raw: &str) -> String {
    String::from(js_sys::JsString::from(raw).normalize("NFKC"))
}

/// What the checks need to know besides the password. The server sends it to the
/// browser only for the signed-in user (or, later, a proven recovery flow) it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordRules {
    pub min_length: u32,
    /// The canonical user ID; its local part may not be used in the password.
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub organisation_name: String,
    /// The organisation's own banned terms, as the operator entered them.
    pub custom_terms: Vec<String>,
}

/// One line of the checklist the user sees, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Length,
    NotUserId,
    HardToGuess,
    Confirmed,
}

impl Requirement {
    pub const ALL: [Requirement; 4] = [
        Requirement::Length,
        Requirement::NotUserId,
        Requirement::HardToGuess,
        Requirement::Confirmed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Length => "length",
            Requirement::NotUserId => "not_user_id",
            Requirement::HardToGuess => "hard_to_guess",
            Requirement::Confirmed => "confirmed",
        }
    }
}

/// Why a password was refused. Carries kinds, never pieces of the password, because a
/// refusal travels back to a page without JavaScript in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PasswordProblem {
    Required,
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    ContainsUserId,
    TooGuessable {
        found: Vec<TermSource>,
    },
    Mismatch,
    /// One of the user's last `count` passwords (server only: needs the stored hashes).
    RecentlyUsed {
        count: u8,
    },
}

impl PasswordProblem {
    /// The checklist line this problem fails, if it has one.
    pub fn requirement(&self) -> Option<Requirement> {
        match self {
            PasswordProblem::Required
            | PasswordProblem::TooShort { .. }
            | PasswordProblem::TooLong { .. } => Some(Requirement::Length),
            PasswordProblem::ContainsUserId => Some(Requirement::NotUserId),
            PasswordProblem::TooGuessable { .. } => Some(Requirement::HardToGuess),
            PasswordProblem::Mismatch => Some(Requirement::Confirmed),
            PasswordProblem::RecentlyUsed { .. } => None,
        }
    }
}

/// The outcome of [`assess`]: every problem at once, so the checklist can show them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub problems: Vec<PasswordProblem>,
    /// `None` when the password was too long to screen.
    pub screening: Option<Screening>,
}

impl Assessment {
    pub fn meets(&self, requirement: Requirement) -> bool {
        !self
            .problems
            .iter()
            .any(|p| p.requirement() == Some(requirement))
    }

    pub fn accepted(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a candidate and its confirmation against the rules. `custom` is the index of
/// `rules.custom_terms`: building it is the costly part, so the caller builds it once.
pub fn assess(
    candidate: &str,
    confirm: &str,
    rules: &PasswordRules,
    custom: &BannedTerms,
) -> Assessment {
    let mut problems = Vec::new();
    if candidate.is_empty() {
        problems.push(PasswordProblem::Required);
    }
    // Refuse oversized input before normalising or screening it: both cost time in
    // proportion to its length.
    if candidate.len() > MAX_INPUT_BYTES {
        problems.push(PasswordProblem::TooLong { max: MAX_LENGTH });
        return Assessment {
            problems,
            screening: None,
        };
    }
    let normalized = normalize_password(candidate);
    let length = normalized.chars().count();
    if !candidate.is_empty() && length < rules.min_length as usize {
        problems.push(PasswordProblem::TooShort {
            min: rules.min_length,
        });
    }
    if length > MAX_LENGTH as usize {
        problems.push(PasswordProblem::TooLong { max: MAX_LENGTH });
    }
    if !candidate.is_empty() && contains_user_id(&normalized, &rules.email) {
        problems.push(PasswordProblem::ContainsUserId);
    }
    let screening = banned::screen(
        &normalized,
        &ScreeningInput {
            global: BannedTerms::global(),
            custom,
            first_name: &rules.first_name,
            last_name: &rules.last_name,
            organisation_name: &rules.organisation_name,
        },
    );
    if !candidate.is_empty() && !screening.accepted() {
        problems.push(PasswordProblem::TooGuessable {
            found: screening.found.clone(),
        });
    }
    if confirm.is_empty() || normalize_password(confirm) != normalized {
        problems.push(PasswordProblem::Mismatch);
    }
    Assessment {
        problems,
        screening: Some(screening),
    }
}

/// The user ID's local part, in screening form, may be neither the password nor part of
/// it. Parts shorter than four characters are only refused as the whole password: as a
/// substring they would refuse far too much ("li" of li.wei@…).
fn contains_user_id(normalized_password: &str, email: &str) -> bool {
    let Some(local) = email.split('@').next().filter(|l| !l.is_empty()) else {
        return false;
    };
    let password = banned::normalize_for_screening(normalized_password);
    let local = banned::normalize_for_screening(&normalize_password(local));
    let compact: String = local.chars().filter(|c| c.is_alphanumeric()).collect();
    [local, compact].iter().any(|part| {
        !part.is_empty()
            && (password == *part
                || (part.chars().count() >= banned::MIN_TERM_CHARS && password.contains(part)))
    })
}

/// The server's check of a new password; returns it normalised, ready to hash.
pub fn check_new_password(
    new: &str,
    confirm: &str,
    rules: &PasswordRules,
    custom: &BannedTerms,
) -> Result<String, AppError> {
    let assessment = assess(new, confirm, rules, custom);
    if assessment.accepted() {
        Ok(normalize_password(new))
    } else {
        Err(AppError::PasswordRejected {
            problems: assessment.problems,
        })
    }
}

/// Why a custom banned term was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    #[error("a term must have at least {min} characters")]
    TooShort { min: usize },
    #[error("a term may have at most {max} characters")]
    TooLong { max: usize },
    #[error("a term may not contain control characters")]
    ControlCharacter,
    #[error("the list may hold at most {max} terms")]
    TooMany { max: usize },
}

/// Validates a custom banned term; returns it trimmed and its screening key, which is what
/// makes two spellings ("Contoso", "C0nt0so") the same term.
pub fn validate_custom_term(raw: &str) -> Result<(String, String), TermError> {
    let term = normalize_password(raw.trim());
    let (min, max) = CUSTOM_TERM_CHARS;
    if term.chars().any(char::is_control) {
        return Err(TermError::ControlCharacter);
    }
    let length = term.chars().count();
    if length > max {
        return Err(TermError::TooLong { max });
    }
    let key = banned::normalize_for_screening(&term);
    if length < min || key.chars().count() < min {
        return Err(TermError::TooShort { min });
    }
    Ok((term, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bench::{now_ms, report};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn rules() -> PasswordRules {
        PasswordRules {
            min_length: 12,
            email: "anna.rossi@example.com".into(),
            first_name: "Anna".into(),
            last_name: "Rossi".into(),
            organisation_name: "Contoso Demo".into(),
            custom_terms: vec!["fabrikam".into()],
        }
    }

    fn check(new: &str, confirm: &str) -> Result<String, AppError> {
        let rules = rules();
        let custom = BannedTerms::new(&rules.custom_terms);
        check_new_password(new, confirm, &rules, &custom)
    }

    fn problems(new: &str) -> Vec<PasswordProblem> {
        match check(new, new) {
            Ok(_) => Vec::new(),
            Err(AppError::PasswordRejected { problems }) => problems,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn length_counts_code_points_after_nfkc() {
        // Twelve Chinese characters are twelve code points, though 36 bytes.
        let han = "我们的密码很长也很好记的";
        assert_eq!(check(han, han), Ok(han.to_string()));
        // "ﬁ" is one code point that NFKC turns into two: 8 code points typed, 12 counted.
        assert_eq!(problems("ﬁ¶ﬁ§ﬁ∆ﬁ×"), vec![]);
        assert_eq!(
            problems("gh7#kq"),
            vec![PasswordProblem::TooShort { min: 12 }]
        );
    }

    #[test]
    fn bounds_and_confirmation() {
        let max = "zq7#".repeat(64);
        assert_eq!(check(&max, &max), Ok(max.clone()));
        let over = format!("{max}x");
        assert_eq!(problems(&over), vec![PasswordProblem::TooLong { max: 256 }]);
        let huge = "a".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(problems(&huge), vec![PasswordProblem::TooLong { max: 256 }]);
        assert_eq!(
            problems(""),
            vec![PasswordProblem::Required, PasswordProblem::Mismatch]
        );
        assert_eq!(
            check("violet tractor sings", "violet tractor sings!"),
            Err(AppError::PasswordRejected {
                problems: vec![PasswordProblem::Mismatch]
            })
        );
        // The confirmation is compared after normalisation too.
        assert!(check("ｖｉｏｌｅｔ tractor sings", "violet tractor sings").is_ok());
    }

    #[test]
    fn the_user_id_may_not_be_used() {
        assert_eq!(
            problems("xx anna.rossi xx"),
            vec![PasswordProblem::ContainsUserId]
        );
        // Substitutions and case don't hide it.
        assert_eq!(
            problems("ANNAR0SSI-was-here-2026"),
            vec![PasswordProblem::ContainsUserId]
        );
        // A short local part only counts as the whole password.
        let mut short = rules();
        short.email = "li@example.com".into();
        let none = BannedTerms::new(Vec::<String>::new());
        assert!(assess(
            "lively violet tractor",
            "lively violet tractor",
            &short,
            &none
        )
        .accepted());
    }

    #[test]
    fn guessable_passwords_say_why_without_saying_what() {
        assert_eq!(
            problems("Password1234"),
            vec![PasswordProblem::TooGuessable {
                found: vec![TermSource::Common]
            }]
        );
        match problems("Fabrikam2026!").as_slice() {
            [PasswordProblem::TooGuessable { found }] => {
                assert!(found.contains(&TermSource::Organisation), "{found:?}");
            }
            other => panic!("unexpected {other:?}"),
        }
        match problems("RossiContoso1").as_slice() {
            [PasswordProblem::TooGuessable { found }] => {
                assert!(found.contains(&TermSource::PersonalName));
                assert!(found.contains(&TermSource::OrganisationName));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(problems("violet tractor sings"), vec![]);
    }

    #[test]
    fn requirements_map_problems_to_checklist_lines() {
        let rules = rules();
        let custom = BannedTerms::new(&rules.custom_terms);
        let a = assess("password", "passw0rd", &rules, &custom);
        assert!(!a.meets(Requirement::Length));
        assert!(a.meets(Requirement::NotUserId));
        assert!(!a.meets(Requirement::HardToGuess));
        // "passw0rd" normalises to the same screening form but is not the same password.
        assert!(!a.meets(Requirement::Confirmed));
        assert!(!a.accepted());
    }

    #[test]
    fn custom_terms_are_validated() {
        assert_eq!(
            validate_custom_term("  Contoso "),
            Ok(("Contoso".into(), "contoso".into()))
        );
        assert_eq!(
            validate_custom_term("C0nt0so").map(|t| t.1),
            Ok("contoso".into())
        );
        assert_eq!(
            validate_custom_term("abc"),
            Err(TermError::TooShort { min: 4 })
        );
        assert_eq!(
            validate_custom_term("abcdefghijklmnopq"),
            Err(TermError::TooLong { max: 16 })
        );
        assert_eq!(
            validate_custom_term("ab\ncd"),
            Err(TermError::ControlCharacter)
        );
        assert_eq!(
            validate_custom_term("    "),
            Err(TermError::TooShort { min: 4 })
        );
    }

    /// A benchmark, not a test: prints how long one assessment takes on this target and
    /// asserts nothing. On wasm32 (V8, as in Chromium):
    /// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p app
    /// --lib --release --target wasm32-unknown-unknown -- --include-ignored assessment_timing`
    #[test]
    #[ignore = "benchmark: prints timings"]
    fn assessment_timing() {
        let t = now_ms();
        let global = BannedTerms::global().len();
        let build_global = now_ms() - t;
        let mut rules = rules();
        rules.custom_terms = (0..1000).map(|i| format!("term{i:05}")).collect();
        let t = now_ms();
        let custom = BannedTerms::new(&rules.custom_terms);
        let build_custom = now_ms() - t;
        report!("index: global list ({global} terms) {build_global:.1} ms, 1000 custom terms {build_custom:.1} ms");
        for length in [12usize, 20, 64, 256] {
            let candidate: String = "violet tractor sings at dawn "
                .chars()
                .cycle()
                .take(length)
                .collect();
            let runs = 200;
            let t = now_ms();
            for _ in 0..runs {
                std::hint::black_box(assess(&candidate, &candidate, &rules, &custom));
            }
            let each = (now_ms() - t) / f64::from(runs);
            report!("assess {length:>3} chars: {:.3} ms", each);
        }
    }
}
