//! How hard a password would be to crack, beyond the rules: a 0–4 score and advice, in
//! our own vocabulary. The estimator (zxcvbn) runs on the server only — its dictionaries
//! would add about 690 KB (brotli) to the browser bundle — and its feedback is translated
//! into these enums before it leaves the server, so no third-party text reaches the UI.
//! The estimate advises; it never refuses a password (the rules do that).
use serde::{Deserialize, Serialize};

/// What makes this password weak, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StrengthWarning {
    KeyboardPattern,
    Repeats,
    Sequence,
    RecentYear,
    Date,
    CommonPassword,
    SimilarToCommon,
    SingleWord,
    Names,
}

/// What would make it stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StrengthTip {
    AddWords,
    NoNeedForSymbols,
    CapitalsHelpLittle,
    ReversedWordsHelpLittle,
    SubstitutionsHelpLittle,
    LongerKeyboardPatterns,
    AvoidRepeats,
    AvoidSequences,
    AvoidYearsAndDates,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Strength {
    /// 0 (cracked in under 10³ guesses) to 4 (over 10¹⁰).
    pub score: u8,
    pub warning: Option<StrengthWarning>,
    pub tips: Vec<StrengthTip>,
}

impl Strength {
    pub const MAX_SCORE: u8 = 4;
}
