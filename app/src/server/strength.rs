//! zxcvbn behind our own vocabulary: its warnings and suggestions become
//! [`StrengthWarning`] and [`StrengthTip`] here, so its English text never reaches a page.
use crate::domain::password::{normalize_password, PasswordRules, MAX_INPUT_BYTES};
use crate::domain::strength::{Strength, StrengthTip, StrengthWarning};
use zxcvbn::feedback::{Suggestion, Warning};

/// zxcvbn's matching grows with length; beyond this many characters every password it
/// could judge weak has already been refused by the rules, so the rest is not examined.
const ESTIMATE_CHARS: usize = 100;

pub fn estimate(candidate: &str, rules: &PasswordRules) -> Strength {
    if candidate.is_empty() || candidate.len() > MAX_INPUT_BYTES {
        return Strength {
            score: 0,
            warning: None,
            tips: Vec::new(),
        };
    }
    let normalized: String = normalize_password(candidate)
        .chars()
        .take(ESTIMATE_CHARS)
        .collect();
    let local = rules.email.split('@').next().unwrap_or_default();
    // What an attacker who knows the person would try first.
    let mut inputs: Vec<&str> = vec![
        local,
        &rules.first_name,
        &rules.last_name,
        &rules.organisation_name,
    ];
    inputs.extend(rules.custom_terms.iter().map(String::as_str));
    inputs.retain(|s| !s.is_empty());
    let entropy = zxcvbn::zxcvbn(&normalized, &inputs);
    let feedback = entropy.feedback();
    let mut tips: Vec<StrengthTip> = Vec::new();
    for suggestion in feedback.map(|f| f.suggestions()).unwrap_or_default() {
        let tip = tip(*suggestion);
        if !tips.contains(&tip) {
            tips.push(tip);
        }
    }
    Strength {
        score: u8::from(entropy.score()).min(Strength::MAX_SCORE),
        warning: feedback.and_then(|f| f.warning()).map(warning),
        tips,
    }
}

fn warning(w: Warning) -> StrengthWarning {
    match w {
        Warning::StraightRowsOfKeysAreEasyToGuess
        | Warning::ShortKeyboardPatternsAreEasyToGuess => StrengthWarning::KeyboardPattern,
        Warning::RepeatsLikeAaaAreEasyToGuess
        | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => StrengthWarning::Repeats,
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword => StrengthWarning::CommonPassword,
        Warning::ThisIsSimilarToACommonlyUsedPassword => StrengthWarning::SimilarToCommon,
        Warning::SequencesLikeAbcAreEasyToGuess => StrengthWarning::Sequence,
        Warning::RecentYearsAreEasyToGuess => StrengthWarning::RecentYear,
        Warning::AWordByItselfIsEasyToGuess => StrengthWarning::SingleWord,
        Warning::DatesAreOftenEasyToGuess => StrengthWarning::Date,
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => StrengthWarning::Names,
    }
}

fn tip(s: Suggestion) -> StrengthTip {
    match s {
        Suggestion::UseAFewWordsAvoidCommonPhrases | Suggestion::AddAnotherWordOrTwo => {
            StrengthTip::AddWords
        }
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => StrengthTip::NoNeedForSymbols,
        Suggestion::CapitalizationDoesntHelpVeryMuch
        | Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            StrengthTip::CapitalsHelpLittle
        }
        Suggestion::ReversedWordsArentMuchHarderToGuess => StrengthTip::ReversedWordsHelpLittle,
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            StrengthTip::SubstitutionsHelpLittle
        }
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => StrengthTip::LongerKeyboardPatterns,
        Suggestion::AvoidRepeatedWordsAndCharacters => StrengthTip::AvoidRepeats,
        Suggestion::AvoidSequences => StrengthTip::AvoidSequences,
        Suggestion::AvoidRecentYears
        | Suggestion::AvoidYearsThatAreAssociatedWithYou
        | Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => StrengthTip::AvoidYearsAndDates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules {
            min_length: 12,
            email: "anna.rossi@example.com".into(),
            first_name: "Anna".into(),
            last_name: "Rossi".into(),
            organisation_name: "Contoso".into(),
            custom_terms: Vec::new(),
        }
    }

    #[test]
    fn weak_and_strong_passwords_are_told_apart_in_our_words() {
        let weak = estimate("password", &rules());
        assert_eq!(weak.score, 0);
        assert_eq!(weak.warning, Some(StrengthWarning::CommonPassword));
        assert!(weak.tips.contains(&StrengthTip::AddWords));

        let strong = estimate("violet tractor sings at dawn", &rules());
        assert_eq!(strong.score, 4);
        assert_eq!(strong.warning, None);
    }

    #[test]
    fn the_persons_own_names_weaken_the_estimate() {
        let mut stranger = rules();
        stranger.first_name = String::new();
        stranger.last_name = String::new();
        stranger.email = "x@example.com".into();
        let own = estimate("annarossi", &rules());
        let other = estimate("annarossi", &stranger);
        assert!(own.score <= other.score, "{own:?} {other:?}");
        assert!(own.score <= 1, "{own:?}");
    }

    #[test]
    fn empty_and_oversized_input_score_zero_without_work() {
        assert_eq!(estimate("", &rules()).score, 0);
        let huge = "x".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(estimate(&huge, &rules()).score, 0);
        // Long but allowed input is cut for the estimator, not refused.
        let long = "violet tractor sings ".repeat(12);
        assert!(estimate(&long, &rules()).score >= 3);
    }

    /// A benchmark, not a test: prints the time of one estimate, asserts nothing.
    /// `cargo test -p app --features ssr --lib --release -- --include-ignored
    /// estimate_timing --nocapture`
    #[test]
    #[ignore = "benchmark: prints timings"]
    fn estimate_timing() {
        let rules = rules();
        for length in [12usize, 20, 64, 100] {
            let candidate: String = "violet tractor sings at dawn "
                .chars()
                .cycle()
                .take(length)
                .collect();
            let runs = 50u32;
            let t = std::time::Instant::now();
            for _ in 0..runs {
                std::hint::black_box(estimate(&candidate, &rules));
            }
            let each = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
            println!("zxcvbn estimate {length:>3} chars: {each:.3} ms");
        }
    }
}
