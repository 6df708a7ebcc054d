//! One place that turns zxcvbn's verdict into what the page shows and the server enforces, so
//! the strength worker in the browser and the server can never score a password differently.

use crate::dto::StrengthReport;

/// Scores `password` with `context` (from [`crate::rules::strength_context`]) as the person's
/// own guessable words. Warnings and suggestions are zxcvbn's enum variant names, for the page's
/// catalogue to translate.
pub fn estimate(password: &str, context: &[String]) -> StrengthReport {
    let inputs: Vec<&str> = context.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    let feedback = entropy.feedback();
    StrengthReport {
        score: u8::from(entropy.score()),
        warning: feedback.and_then(|f| f.warning()).map(|w| format!("{w:?}")),
        suggestions: feedback
            .map(|f| f.suggestions().iter().map(|s| format!("{s:?}")).collect())
            .unwrap_or_default(),
    }
}

/// Whether the score meets the floor.
pub fn is_strong_enough(report: &StrengthReport) -> bool {
    report.score >= crate::rules::PASSWORD_MIN_SCORE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::strength_context;

    #[test]
    fn common_passwords_are_weak_and_explained() {
        let r = estimate("password1", &[]);
        assert!(!is_strong_enough(&r));
        assert!(r.warning.is_some() || !r.suggestions.is_empty());
    }

    #[test]
    fn long_random_phrases_are_strong() {
        assert!(is_strong_enough(&estimate(
            "violet-kettle-harbour-81-sprocket",
            &[]
        )));
    }

    #[test]
    fn the_persons_own_details_make_a_password_weak() {
        let email = "hanako.tanaka@example.com";
        let ctx = strength_context(email, Some("Hanako Tanaka"));
        let pw = "hanako.tanaka@example.com";
        assert!(is_strong_enough(&estimate(pw, &[])) || !is_strong_enough(&estimate(pw, &ctx)));
        assert!(!is_strong_enough(&estimate(pw, &ctx)));
        assert!(!is_strong_enough(&estimate(
            "MamoruWallet2024",
            &strength_context("a@b.cd", None)
        )));
    }
}
