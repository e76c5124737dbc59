//! Banned-password screening after Microsoft's public description of Entra Password
//! Protection: normalise the password, find banned terms in it (fuzzily for the global and
//! the organisation's lists, exactly for names), then score one point per term found plus
//! one per remaining character. Five points pass.
//!
//! Pure and target-independent so that the browser scores every keystroke with the very
//! code the server enforces on submit.
//!
//! Where we knowingly differ from Microsoft's text:
//! - Names (the user's and the organisation's) count only from four characters on, as
//!   docs/security.md says: a three-letter name such as "Pol" would refuse every password that
//!   merely contains the syllable.
//! - A fuzzy match takes in an extra character only inside a term, never just before or
//!   just after it. Otherwise "blankf" would be one term and Microsoft's own example
//!   "ContoS0Bl@nkf9!" would score 4, not the 5 it is given. So "abcdefg" finds "abcdef"
//!   and keeps "g" as a remaining character.
//! - Where several covers share the lowest score, [`Screening::found`] lists the kinds any
//!   of them uses: each one is a reason the score is low.
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Microsoft's threshold: a password must score at least this to be accepted.
pub const PASS_SCORE: u32 = 5;

/// Shorter terms, and names, would turn up by accident in far too many passwords, so every
/// list drops them.
pub const MIN_TERM_CHARS: usize = 4;

/// Look-alike substitutions undone before matching, so "P@$$w0rd" is found as "password".
/// Kept small: every entry makes more passwords collide with banned terms. `1` reads as
/// `l` (Microsoft's choice) and `!` as `i`.
const SUBSTITUTIONS: [(char, char); 16] = [
    ('0', 'o'),
    ('1', 'l'),
    ('3', 'e'),
    ('4', 'a'),
    ('5', 's'),
    ('7', 't'),
    ('8', 'b'),
    ('9', 'g'),
    ('@', 'a'),
    ('$', 's'),
    ('!', 'i'),
    ('|', 'l'),
    ('+', 't'),
    ('(', 'c'),
    ('€', 'e'),
    ('£', 'l'),
];

/// The global list: John the Ripper's password.lst (see app/wordlists/README.md).
const COMMON_PASSWORDS: &str = include_str!("../../../wordlists/common-passwords.txt");

/// Lower-cases and undoes [`SUBSTITUTIONS`]. Works character by character (so no
/// context-dependent final sigma) because then normalising a piece of a password gives
/// the same piece of the normalised password, which substring matching relies on.
pub fn normalize_for_screening(nfkc: &str) -> String {
    screening_chars(nfkc).collect()
}

fn screening_chars(nfkc: &str) -> impl Iterator<Item = char> + '_ {
    nfkc.chars()
        .flat_map(char::to_lowercase)
        .map(undo_substitution)
}

fn undo_substitution(c: char) -> char {
    SUBSTITUTIONS
        .iter()
        .find(|(from, _)| *from == c)
        .map_or(c, |&(_, to)| to)
}

/// Normalised characters of a term, or `None` when it is too short to keep.
fn term_chars(term: &str) -> Option<Vec<char>> {
    let chars: Vec<char> = screening_chars(term).collect();
    (chars.len() >= MIN_TERM_CHARS).then_some(chars)
}

const ROOT: usize = 0;

#[derive(Default)]
struct Node {
    /// Sorted by character, for binary search.
    children: Vec<(char, usize)>,
    /// A word ends here.
    terminal: bool,
}

/// A trie over characters; node [`ROOT`] is the empty prefix.
struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    fn new() -> Self {
        Trie {
            nodes: vec![Node::default()],
        }
    }

    /// Returns whether the word is new.
    fn insert(&mut self, word: &[char]) -> bool {
        let mut node = ROOT;
        for &c in word {
            node = match self.child(node, c) {
                Some(next) => next,
                None => self.add_child(node, c),
            };
        }
        match self.nodes.get_mut(node) {
            Some(end) if !end.terminal => {
                end.terminal = true;
                true
            }
            _ => false,
        }
    }

    fn add_child(&mut self, parent: usize, c: char) -> usize {
        let new = self.nodes.len();
        self.nodes.push(Node::default());
        if let Some(parent) = self.nodes.get_mut(parent) {
            let at = parent.children.partition_point(|&(k, _)| k < c);
            parent.children.insert(at, (c, new));
        }
        new
    }

    fn child(&self, node: usize, c: char) -> Option<usize> {
        let children = &self.nodes.get(node)?.children;
        let at = children.binary_search_by_key(&c, |&(k, _)| k).ok()?;
        children.get(at).map(|&(_, next)| next)
    }

    /// Follows the text exactly from `node`, reporting the end of every word on the way.
    fn follow(
        &self,
        text: &[char],
        mut node: usize,
        mut pos: usize,
        found: &mut impl FnMut(usize),
    ) {
        while let Some(here) = self.nodes.get(node) {
            if here.terminal {
                found(pos);
            }
            match text.get(pos).and_then(|&c| self.child(node, c)) {
                Some(child) => {
                    node = child;
                    pos += 1;
                }
                None => return,
            }
        }
    }
}

/// An index of banned terms allowing fast edit-distance-≤1 lookups.
///
/// A trie of the normalised terms: walking it along the password from each start, with
/// at most one edit on the way, visits only terms sharing a prefix with that piece of the
/// password. An edit to a term's first character would still try every branch of the
/// root, so a second trie holds the terms without their first character ("tails").
pub struct BannedTerms {
    terms: Trie,
    tails: Trie,
    len: usize,
}

impl BannedTerms {
    /// Normalises every term, drops those shorter than [`MIN_TERM_CHARS`] and duplicates.
    pub fn new<I, S>(terms: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut index = BannedTerms {
            terms: Trie::new(),
            tails: Trie::new(),
            len: 0,
        };
        for term in terms {
            let Some(chars) = term_chars(term.as_ref()) else {
                continue;
            };
            if index.terms.insert(&chars) {
                index.len += 1;
                index.tails.insert(chars.get(1..).unwrap_or_default());
            }
        }
        index
    }

    /// The global list, built once from include_str!("../../../wordlists/common-passwords.txt")
    /// behind a std::sync::OnceLock: building takes milliseconds, too long to repeat on
    /// every keystroke.
    pub fn global() -> &'static BannedTerms {
        static GLOBAL: OnceLock<BannedTerms> = OnceLock::new();
        GLOBAL.get_or_init(|| BannedTerms::new(COMMON_PASSWORDS.lines()))
    }

    /// Distinct terms kept after normalisation.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Calls `found(end)` for every `end` such that `text[start..end]` is a term, or is one
    /// substitution, deletion or (inner) insertion away from one. An `end` may be reported
    /// more than once.
    fn matches_from(&self, text: &[char], start: usize, found: &mut impl FnMut(usize)) {
        // The term's first character is missing, or replaced by text[start] (when it is
        // text[start], the walk below finds the same end).
        self.tails.follow(text, ROOT, start, found);
        if start < text.len() {
            self.tails.follow(text, ROOT, start + 1, found);
        }
        // Follow the text exactly; at each step past the first, also try spending the one
        // edit there.
        let Some(mut node) = text.get(start).and_then(|&c| self.terms.child(ROOT, c)) else {
            return;
        };
        let mut pos = start + 1;
        while let Some(here) = self.terms.nodes.get(node) {
            if here.terminal {
                found(pos);
            }
            let next = text.get(pos).copied();
            for &(c, child) in &here.children {
                // The text lacks the term's next character.
                self.terms.follow(text, child, pos, found);
                // The text has another character in its place.
                if next.is_some_and(|n| n != c) {
                    self.terms.follow(text, child, pos + 1, found);
                }
            }
            // The text has an extra character, which the term takes in only when the term
            // goes on after it (see the module comment).
            if next.is_some() {
                if let Some(after) = text.get(pos + 1).and_then(|&c| self.terms.child(node, c)) {
                    self.terms.follow(text, after, pos + 2, found);
                }
            }
            match next.and_then(|c| self.terms.child(node, c)) {
                Some(child) => {
                    node = child;
                    pos += 1;
                }
                None => return,
            }
        }
    }
}

impl BannedTerms {
    /// Whether an NFKC-normalised text holds one of the terms, found as [`screen`] finds
    /// them (one edit allowed).
    pub fn matches_in(&self, nfkc_text: &str) -> bool {
        let text: Vec<char> = screening_chars(nfkc_text).collect();
        let mut hit = false;
        for start in 0..text.len() {
            self.matches_from(&text, start, &mut |_| hit = true);
            if hit {
                return true;
            }
        }
        false
    }
}

/// The terms of `terms` that an NFKC-normalised password holds, as [`screen`] finds them:
/// which of an organisation's terms a refused password ran into. One small index per
/// term, so only worth it once a password has been refused.
pub fn matching_terms<'a>(terms: &'a [String], nfkc_password: &str) -> Vec<&'a str> {
    terms
        .iter()
        .filter(|term| BannedTerms::new([term.as_str()]).matches_in(nfkc_password))
        .map(String::as_str)
        .collect()
}

impl Default for BannedTerms {
    fn default() -> Self {
        BannedTerms::new(std::iter::empty::<&str>())
    }
}

impl std::fmt::Debug for BannedTerms {
    // The terms may be an organisation's private list: show only how many there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BannedTerms")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Where a term found in a password came from; lets the page say why without repeating
/// any of the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermSource {
    /// The global list of common passwords.
    Common,
    /// The organisation's own banned terms.
    Organisation,
    /// The user's first or last name.
    PersonalName,
    /// The organisation's name.
    OrganisationName,
}

impl TermSource {
    const ALL: [TermSource; 4] = [
        TermSource::Common,
        TermSource::Organisation,
        TermSource::PersonalName,
        TermSource::OrganisationName,
    ];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Everything a password is screened against besides itself.
pub struct ScreeningInput<'a> {
    pub global: &'a BannedTerms,
    pub custom: &'a BannedTerms,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub organisation_name: &'a str,
}

/// The outcome of [`screen`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub score: u32,
    /// The kinds of term used in the lowest-scoring cover (in any of them, when several
    /// tie), sorted and deduplicated. Never the terms themselves: they are pieces of the
    /// password.
    pub found: Vec<TermSource>,
}

impl Screening {
    pub fn accepted(&self) -> bool {
        self.score >= PASS_SCORE
    }
}

/// The lowest score of a prefix of the password, and the kinds of term its covers use.
#[derive(Clone, Copy)]
struct Cover {
    score: u32,
    kinds: u8,
}

impl Cover {
    fn then(self, kinds: u8) -> Cover {
        Cover {
            score: self.score.saturating_add(1),
            kinds: self.kinds | kinds,
        }
    }

    fn keep_best(&mut self, other: Cover) {
        if other.score < self.score {
            *self = other;
        } else if other.score == self.score {
            self.kinds |= other.kinds;
        }
    }
}

/// Scores a password that is already NFKC-normalised. Takes the lowest score over every
/// way of covering the password with non-overlapping found terms: the strictest reading
/// of Microsoft's rule, and the one that does not depend on the order terms are found in.
pub fn screen(nfkc_password: &str, input: &ScreeningInput<'_>) -> Screening {
    let text: Vec<char> = screening_chars(nfkc_password).collect();
    let names: Vec<Vec<char>> = name_terms(input.first_name)
        .into_iter()
        .chain(name_terms(input.last_name))
        .collect();
    let organisation = name_terms(input.organisation_name);

    let unreached = Cover {
        score: u32::MAX,
        kinds: 0,
    };
    let mut best = vec![unreached; text.len() + 1];
    if let Some(first) = best.first_mut() {
        first.score = 0;
    }
    // Every cover of text[..end] comes from a shorter prefix, so best[start] is final by
    // the time the loop reaches it.
    for start in 0..text.len() {
        let Some(&from) = best.get(start) else { break };
        let mut reach = |end: usize, kinds: u8| {
            if let Some(to) = best.get_mut(end) {
                to.keep_best(from.then(kinds));
            }
        };
        reach(start + 1, 0);
        input.global.matches_from(&text, start, &mut |end| {
            reach(end, TermSource::Common.bit())
        });
        input.custom.matches_from(&text, start, &mut |end| {
            reach(end, TermSource::Organisation.bit())
        });
        for (terms, source) in [
            (&names, TermSource::PersonalName),
            (&organisation, TermSource::OrganisationName),
        ] {
            for term in terms {
                let end = start + term.len();
                if text.get(start..end) == Some(term.as_slice()) {
                    reach(end, source.bit());
                }
            }
        }
    }
    let last = best.last().copied().unwrap_or(unreached);
    Screening {
        score: last.score,
        found: TermSource::ALL
            .into_iter()
            .filter(|source| last.kinds & source.bit() != 0)
            .collect(),
    }
}

/// The pieces of a name matched exactly: each word and the whole name run together, so
/// "Jean-Luc Picard" gives "jean", "picard" and "jeanlucpicard". Split before normalising
/// so that "Yahoo!" gives "yahoo", not "yahooi".
fn name_terms(name: &str) -> Vec<Vec<char>> {
    let name = super::normalize_password(name);
    let whole: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut terms: Vec<Vec<char>> = name
        .split(|c: char| !c.is_alphanumeric())
        .chain(std::iter::once(whole.as_str()))
        .filter_map(term_chars)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use TermSource::{Common, Organisation, OrganisationName, PersonalName};

    fn terms(list: &[&str]) -> BannedTerms {
        BannedTerms::new(list.iter().copied())
    }

    /// Screens with a global and a custom list and no names.
    fn score_with(password: &str, global: &[&str], custom: &[&str]) -> Screening {
        screen(
            password,
            &ScreeningInput {
                global: &terms(global),
                custom: &terms(custom),
                first_name: "",
                last_name: "",
                organisation_name: "",
            },
        )
    }

    fn names(password: &str, first: &str, last: &str, organisation: &str) -> Screening {
        let empty = BannedTerms::default();
        screen(
            password,
            &ScreeningInput {
                global: &empty,
                custom: &empty,
                first_name: first,
                last_name: last,
                organisation_name: organisation,
            },
        )
    }

    fn screening(score: u32, found: &[TermSource]) -> Screening {
        Screening {
            score,
            found: found.to_vec(),
        }
    }

    #[test]
    fn normalisation_lowercases_and_undoes_each_substitution() {
        for (from, to) in SUBSTITUTIONS {
            assert_eq!(normalize_for_screening(&from.to_string()), to.to_string());
            // Targets are letters no entry maps, so normalising twice changes nothing.
            assert!(to.is_ascii_lowercase());
            assert!(SUBSTITUTIONS.iter().all(|(f, _)| *f != to));
        }
        assert_eq!(normalize_for_screening("P@$$w0rd!"), "passwordi");
        assert_eq!(normalize_for_screening("C0ntos0Blank12"), "contosoblankl2");
        assert_eq!(
            normalize_for_screening("ContoS0Bl@nkf9!"),
            "contosoblankfgi"
        );
        assert_eq!(normalize_for_screening("|+(€£"), "ltcel");
        // Not in the table: left alone.
        assert_eq!(normalize_for_screening("26#&_ x"), "26#&_ x");
        assert_eq!(normalize_for_screening("ÉCOLE Straße"), "école straße");
        assert_eq!(normalize_for_screening("密码Ab"), "密码ab");
        // Per character: a final capital sigma becomes σ, as it would mid-word.
        assert_eq!(normalize_for_screening("ΣΟΦΙΑΣ"), "σοφιασ");
        assert_eq!(normalize_for_screening(""), "");
    }

    #[test]
    fn microsoft_scoring_examples() {
        // "contoso" on the organisation's list, "blank" on the global one.
        let rejected = score_with("C0ntos0Blank12", &["blank"], &["contoso"]);
        assert_eq!(rejected, screening(4, &[Common, Organisation]));
        assert!(!rejected.accepted());
        let accepted = score_with("ContoS0Bl@nkf9!", &["blank"], &["contoso"]);
        assert_eq!(accepted, screening(5, &[Common, Organisation]));
        assert!(accepted.accepted());
    }

    #[test]
    fn microsoft_fuzzy_examples() {
        let banned = ["abcdef"];
        // Last character changed, and trailing character deleted: one term each.
        assert_eq!(score_with("abcdeg", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("abcde", &banned, &[]), screening(1, &[Common]));
        // Character appended: the term is found, but the extra character is not taken
        // in (module comment), which is what makes "ContoS0Bl@nkf9!" score 5.
        assert_eq!(score_with("abcdefg", &banned, &[]), screening(2, &[Common]));
        assert_eq!(score_with("gabcdef", &banned, &[]), screening(2, &[Common]));
        // Inside the term, an extra character is taken in.
        assert_eq!(score_with("abcxdef", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("abcdexf", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("axbcdef", &banned, &[]), screening(1, &[Common]));
        // Any position may be substituted or deleted.
        assert_eq!(score_with("xbcdef", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("bcdef", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("abdef", &banned, &[]), screening(1, &[Common]));
        assert_eq!(score_with("abcxef", &banned, &[]), screening(1, &[Common]));
        // The same on the organisation's list.
        assert_eq!(
            score_with("abcdeg", &[], &banned),
            screening(1, &[Organisation])
        );
    }

    #[test]
    fn two_edits_do_not_match() {
        let banned = ["abcdef"];
        // A transposition is edit distance 2.
        assert_eq!(score_with("abdcef", &banned, &[]), screening(6, &[]));
        // At the edge a transposition leaves a deletion: "b" + "acdef".
        assert_eq!(score_with("bacdef", &banned, &[]), screening(2, &[Common]));
        assert_eq!(score_with("abxyef", &banned, &[]), screening(6, &[]));
        assert_eq!(score_with("abcxydef", &banned, &[]), screening(8, &[]));
        assert_eq!(score_with("abcd", &banned, &[]), screening(4, &[]));
    }

    #[test]
    fn names_match_exactly_from_four_characters() {
        // Microsoft's "Pol" example, with a four-letter name.
        let long = names("P@ul123fb", "Paul", "", "");
        assert_eq!(long, screening(6, &[PersonalName]));
        assert!(long.accepted());
        let short = names("P@ul12", "Paul", "", "");
        assert_eq!(short, screening(3, &[PersonalName]));
        assert!(!short.accepted());
        // Three-letter names are not matched (docs/security.md): "pol" stays three points.
        assert_eq!(names("P0l123fb", "Pol", "", ""), screening(8, &[]));
        // Names are not fuzzy.
        assert_eq!(names("Paux123fb", "Paul", "", ""), screening(9, &[]));
        assert_eq!(names("Pual12", "Paul", "", ""), screening(6, &[]));
        // Last names and spelled-out first names alike, in any case or disguise.
        assert_eq!(
            names("xxSMITHyy", "", "Smith", ""),
            screening(5, &[PersonalName])
        );
        assert_eq!(
            names("$m!7h", "", "Smith", ""),
            screening(1, &[PersonalName])
        );
        assert_eq!(
            names("jeanluc", "Jean-Luc", "", ""),
            screening(1, &[PersonalName])
        );
        assert_eq!(
            names("jeanxx", "Jean-Luc", "", ""),
            screening(3, &[PersonalName])
        );
        assert_eq!(names("lucxxxx", "Jean-Luc", "", ""), screening(7, &[]));
    }

    #[test]
    fn organisation_name_matches_words_and_whole_name() {
        let org = "Contoso Pharma Ltd.";
        let found = &[OrganisationName];
        assert_eq!(names("C0ntoso!!", "", "", org), screening(3, found));
        assert_eq!(names("pharmaXYZ", "", "", org), screening(4, found));
        assert_eq!(names("contosopharmaltd", "", "", org), screening(1, found));
        // "ltd" alone is too short to count.
        assert_eq!(names("ltdltd", "", "", org), screening(6, &[]));
        // Run together, short words still count as part of the whole name.
        assert_eq!(names("ATandT", "", "", "AT&T"), screening(6, &[]));
        assert_eq!(names("xattax", "", "", "A.T.T.A"), screening(3, found));
        // Split before normalising: "Yahoo!" is "yahoo", found in "yahoo2024".
        assert_eq!(names("Yahoo2024", "", "", "Yahoo!"), screening(5, found));
        // A name also on a list counts as both, since either cover scores the same.
        let both = screen(
            "Contoso",
            &ScreeningInput {
                global: &BannedTerms::default(),
                custom: &terms(&["contoso"]),
                first_name: "",
                last_name: "",
                organisation_name: org,
            },
        );
        assert_eq!(both, screening(1, &[Organisation, OrganisationName]));
    }

    #[test]
    fn empty_password_scores_nothing() {
        let empty = score_with("", &["blank"], &["contoso"]);
        assert_eq!(empty, screening(0, &[]));
        assert!(!empty.accepted());
    }

    #[test]
    fn all_banned_and_repeated_terms() {
        assert_eq!(
            score_with("PasswordPassword", &[], &["password"]),
            screening(2, &[Organisation])
        );
        assert_eq!(
            score_with("blankBLANKbl@nk", &["blank"], &[]),
            screening(3, &[Common])
        );
        assert_eq!(
            score_with("contosoblank", &["blank"], &["contoso"]),
            screening(2, &[Common, Organisation])
        );
    }

    #[test]
    fn overlapping_terms_take_the_cheapest_cover() {
        // Taking "abcde" first leaves "fghij", five points; "ab" + "cdefghij" is three.
        assert_eq!(
            score_with("abcdefghij", &["abcde", "cdefghij"], &[]),
            screening(3, &[Common])
        );
        // Two terms sharing a character: each can drop it (one deletion each).
        assert_eq!(
            score_with("abcdefg", &["abcd", "defg"], &[]),
            screening(2, &[Common])
        );
        // The longer of two nested terms wins.
        assert_eq!(
            score_with("xxpasswordxx", &["pass", "password"], &[]),
            screening(5, &[Common])
        );
    }

    #[test]
    fn multibyte_characters_count_once_each() {
        // Twelve Chinese characters: twelve points, though 36 bytes.
        let han = "我们的密码很长也很好记的";
        assert_eq!(score_with(han, &[], &[]), screening(12, &[]));
        let banned = ["密码密码"];
        assert_eq!(
            score_with("我的密码密码好", &[], &banned),
            screening(4, &[Organisation])
        );
        // Fuzzy matching works on characters, not bytes.
        assert_eq!(
            score_with("我的密码马密码好", &[], &banned),
            screening(4, &[Organisation])
        );
        assert_eq!(
            score_with("我的密码密好", &[], &banned),
            screening(3, &[Organisation])
        );
        assert_eq!(
            score_with("ÉcoleÉcole", &["école"], &[]),
            screening(2, &[Common])
        );
    }

    #[test]
    fn term_lists_normalise_drop_short_terms_and_dedupe() {
        let list = terms(&[
            "abc", "ab", "", "a$c", "1234", "abcd", "ABCD", "@bcd", "abcde",
        ]);
        // "1234" normalises to "l2ea", four characters, and stays.
        assert_eq!(list.len(), 3);
        assert!(!list.is_empty());
        assert_eq!(score_with("abc", &["abc"], &[]), screening(3, &[]));
        assert_eq!(score_with("xl2ea", &["1234"], &[]), screening(2, &[Common]));
        // Lower-casing may lengthen a term: "İ" is two characters in lower case.
        assert_eq!(terms(&["İab"]).len(), 1);
    }

    #[test]
    fn matching_terms_name_the_organisation_terms_found() {
        let terms = vec![
            "Contoso".to_owned(),
            "Fabrikam".to_owned(),
            "zebra".to_owned(),
        ];
        assert_eq!(
            matching_terms(&terms, "C0nt0s0-rocks-2026"),
            vec!["Contoso"]
        );
        // One edit away still counts, as in the screening.
        assert_eq!(
            matching_terms(&terms, "fabrikan and contosso"),
            vec!["Contoso", "Fabrikam"]
        );
        assert!(matching_terms(&terms, "violet quartz lantern").is_empty());
        assert!(BannedTerms::new(["zebra"]).matches_in("my ZEBRA!"));
        assert!(!BannedTerms::new(["zebra"]).matches_in(""));
        assert!(!BannedTerms::default().matches_in("zebra"));
    }

    #[test]
    fn empty_custom_list() {
        let custom = BannedTerms::default();
        assert!(custom.is_empty());
        assert_eq!(custom.len(), 0);
        assert_eq!(score_with("abcdefgh", &[], &[]), screening(8, &[]));
        assert_eq!(
            score_with("blank12", &["blank"], &[]),
            screening(3, &[Common])
        );
    }

    #[test]
    fn global_list_is_loaded() {
        let global = BannedTerms::global();
        assert!(global.len() > 3000, "{}", global.len());
        assert!(std::ptr::eq(global, BannedTerms::global()));
        let with_global = |password: &str| {
            screen(
                password,
                &ScreeningInput {
                    global,
                    custom: &BannedTerms::default(),
                    first_name: "",
                    last_name: "",
                    organisation_name: "",
                },
            )
        };
        for weak in [
            "Password1234",
            "password",
            "P@ssw0rd",
            "qwerty",
            "Qwerty123!",
            "iloveyou",
        ] {
            let result = with_global(weak);
            assert!(result.score <= 2, "{weak}: {result:?}");
            assert_eq!(result.found, vec![Common], "{weak}");
        }
        assert_eq!(with_global("Password1234").score, 2);
        let strong = with_global("xq7#Vb9;mK2p");
        assert!(strong.accepted(), "{strong:?}");
    }

    #[test]
    fn term_sources_serialise_in_snake_case() {
        let all = serde_json::to_string(&TermSource::ALL).unwrap();
        assert_eq!(
            all,
            r#"["common","organisation","personal_name","organisation_name"]"#
        );
        let back: Vec<TermSource> = serde_json::from_str(&all).unwrap();
        assert_eq!(back, TermSource::ALL);
    }

    #[test]
    fn debug_does_not_show_terms() {
        let shown = format!("{:?}", terms(&["secretterm"]));
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("len: 1"), "{shown}");
    }

    #[test]
    fn appending_may_lower_the_score() {
        // Why "appending never lowers the score" is not a property: "xbc" is two edits
        // from "abcd" (three points), "xbcd" is one (one point). Fuzzy matching does this
        // by design; appending can only ever add at most one point.
        assert_eq!(score_with("xbc", &["abcd"], &[]), screening(3, &[]));
        assert_eq!(score_with("xbcd", &["abcd"], &[]), screening(1, &[Common]));
    }

    // Property tests, with a tiny deterministic generator instead of a crate.

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn string(&mut self, alphabet: &[char], max_len: usize) -> String {
            let len = self.below(max_len + 1);
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len())])
                .collect()
        }
    }

    /// Small, with look-alikes and case, so that random terms and passwords collide often.
    const SMALL: &[char] = &['a', 'b', 'c', 'A', 'B', '@', '8', 'l', '1', 'é'];
    const WIDE: &[char] = &[
        'a', 'Z', '0', '1', '3', '4', '5', '7', '8', '9', '@', '$', '!', '|', '+', '(', '€', '£',
        ' ', '-', 'İ', 'Σ', 'ς', 'ß', 'É', 'ﬁ', '密', 'Ǆ', 'K', 'Ω', '\u{0}', '2',
    ];

    fn levenshtein(a: &[char], b: &[char]) -> usize {
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let substitution = diagonal + usize::from(ca != cb);
                diagonal = row[j + 1];
                row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
            }
        }
        row[b.len()]
    }

    /// Within one edit, an extra character of the password counting only inside the term.
    fn naive_matches(piece: &[char], term: &[char]) -> bool {
        if levenshtein(piece, term) > 1 {
            return false;
        }
        if piece.len() != term.len() + 1 {
            return true;
        }
        (1..piece.len() - 1).any(|k| {
            let mut shorter = piece.to_vec();
            shorter.remove(k);
            shorter == term
        })
    }

    fn naive_terms(list: &[String]) -> Vec<Vec<char>> {
        list.iter()
            .map(|t| normalize_for_screening(t).chars().collect::<Vec<_>>())
            .filter(|t| t.len() >= MIN_TERM_CHARS)
            .collect()
    }

    /// Every (start, end, kind) of a found term, by comparing every piece with every term.
    fn naive_edges(
        text: &[char],
        global: &[Vec<char>],
        custom: &[Vec<char>],
        names: &[Vec<char>],
        organisation: &[Vec<char>],
    ) -> Vec<(usize, usize, TermSource)> {
        let mut edges = Vec::new();
        for start in 0..text.len() {
            for end in start + 1..=text.len() {
                let piece = &text[start..end];
                for (list, kind) in [(global, Common), (custom, Organisation)] {
                    if list.iter().any(|t| naive_matches(piece, t)) {
                        edges.push((start, end, kind));
                    }
                }
                for (list, kind) in [(names, PersonalName), (organisation, OrganisationName)] {
                    if list.iter().any(|t| t.as_slice() == piece) {
                        edges.push((start, end, kind));
                    }
                }
            }
        }
        edges
    }

    /// The lowest score, from both ends: a found term is in some lowest cover exactly when
    /// the best score before it, plus one, plus the best score after it is the lowest.
    fn naive_screen(text: &[char], edges: &[(usize, usize, TermSource)]) -> Screening {
        let n = text.len();
        let mut forward = vec![u32::MAX; n + 1];
        forward[0] = 0;
        for end in 1..=n {
            forward[end] = forward[end - 1] + 1;
            for &(s, e, _) in edges {
                if e == end {
                    forward[end] = forward[end].min(forward[s] + 1);
                }
            }
        }
        let mut backward = vec![u32::MAX; n + 1];
        backward[n] = 0;
        for start in (0..n).rev() {
            backward[start] = backward[start + 1] + 1;
            for &(s, e, _) in edges {
                if s == start {
                    backward[start] = backward[start].min(backward[e] + 1);
                }
            }
        }
        let score = forward[n];
        assert_eq!(score, backward[0]);
        let mut found: Vec<TermSource> = edges
            .iter()
            .filter(|&&(s, e, _)| forward[s] + 1 + backward[e] == score)
            .map(|&(_, _, kind)| kind)
            .collect();
        found.sort();
        found.dedup();
        Screening { score, found }
    }

    #[test]
    fn index_agrees_with_naive_matching() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for case in 0..3000 {
            let list = |rng: &mut XorShift| -> Vec<String> {
                let count = rng.below(6);
                (0..count).map(|_| rng.string(SMALL, 7)).collect()
            };
            let global = list(&mut rng);
            let custom = list(&mut rng);
            let name_alphabet = [SMALL, &[' ', '-']].concat();
            let first = rng.string(&name_alphabet, 6);
            let last = rng.string(&name_alphabet, 6);
            let organisation = rng.string(&name_alphabet, 12);
            let password = rng.string(SMALL, 16);

            let global_index = BannedTerms::new(&global);
            let custom_index = BannedTerms::new(&custom);
            let indexed = screen(
                &password,
                &ScreeningInput {
                    global: &global_index,
                    custom: &custom_index,
                    first_name: &first,
                    last_name: &last,
                    organisation_name: &organisation,
                },
            );
            let text: Vec<char> = normalize_for_screening(&password).chars().collect();
            let names: Vec<Vec<char>> = [name_terms(&first), name_terms(&last)].concat();
            let edges = naive_edges(
                &text,
                &naive_terms(&global),
                &naive_terms(&custom),
                &names,
                &name_terms(&organisation),
            );
            let naive = naive_screen(&text, &edges);
            assert_eq!(
                indexed, naive,
                "case {case}: {password:?} global {global:?} custom {custom:?} \
                 names {first:?} {last:?} {organisation:?}"
            );
        }
    }

    #[test]
    fn index_reports_exactly_the_naive_matches() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        for _ in 0..2000 {
            let list: Vec<String> = (0..rng.below(8)).map(|_| rng.string(SMALL, 8)).collect();
            let index = BannedTerms::new(&list);
            let expected_terms = naive_terms(&list);
            let text: Vec<char> = normalize_for_screening(&rng.string(SMALL, 14))
                .chars()
                .collect();
            for start in 0..text.len() {
                let mut ends = Vec::new();
                index.matches_from(&text, start, &mut |end| ends.push(end));
                ends.sort_unstable();
                ends.dedup();
                let expected: Vec<usize> = (start + 1..=text.len())
                    .filter(|&end| {
                        expected_terms
                            .iter()
                            .any(|t| naive_matches(&text[start..end], t))
                    })
                    .collect();
                assert_eq!(ends, expected, "{text:?} from {start}, terms {list:?}");
            }
        }
    }

    #[test]
    fn score_bounds_and_subadditivity() {
        let global = BannedTerms::global();
        let custom = terms(&["contoso", "blank", "abcdef"]);
        let input = ScreeningInput {
            global,
            custom: &custom,
            first_name: "Paul",
            last_name: "Smith",
            organisation_name: "Contoso Ltd",
        };
        let alphabet: Vec<char> = "abcdefgilnoprstwy0123456789@$!ABCP 密".chars().collect();
        let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
        for _ in 0..3000 {
            let password = rng.string(&alphabet, 20);
            let suffix = rng.string(&alphabet, 6);
            let score = screen(&password, &input).score;
            let chars = normalize_for_screening(&password).chars().count() as u32;
            assert!(score <= chars, "{password:?}");
            assert_eq!(score == 0, password.is_empty(), "{password:?}");
            // Appending adds at most a point a character; a whole second piece at most
            // its own score.
            let joined = format!("{password}{suffix}");
            let joined_score = screen(&joined, &input).score;
            assert!(
                joined_score <= score + screen(&suffix, &input).score,
                "{joined:?}"
            );
            if let Some(c) = suffix.chars().next() {
                let one_more = screen(&format!("{password}{c}"), &input).score;
                assert!(one_more <= score + 1, "{password:?} + {c:?}");
            }
        }
    }

    #[test]
    fn normalisation_is_idempotent() {
        let mut rng = XorShift(0xA076_1D64_78BD_642F);
        for _ in 0..5000 {
            let text = rng.string(WIDE, 12);
            let once = normalize_for_screening(&text);
            assert_eq!(normalize_for_screening(&once), once, "{text:?}");
        }
    }

    #[test]
    fn score_ignores_ascii_case() {
        let custom = terms(&["Contoso", "abcdef", "pharma"]);
        let input = ScreeningInput {
            global: BannedTerms::global(),
            custom: &custom,
            first_name: "Paul",
            last_name: "O'Brien",
            organisation_name: "Contoso Pharma",
        };
        let alphabet: Vec<char> = "abcdefhilnoprstuwy01@$!ΣΩé-".chars().collect();
        let mut rng = XorShift(0xE703_7ED1_A0B4_28DB);
        for _ in 0..3000 {
            let password = rng.string(&alphabet, 16);
            assert_eq!(
                screen(&password, &input),
                screen(&password.to_ascii_uppercase(), &input),
                "{password:?}"
            );
        }
    }
}
