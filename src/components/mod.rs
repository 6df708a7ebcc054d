//! Building blocks shared by the pages.

mod field;
mod heading;
mod new_password;
mod strength_meter;

pub use field::{CodeField, Field, FormAlert, SubmitButton, TextArea};
pub use heading::PageHeading;
pub use new_password::{NewPasswordField, NewPasswordInput};
pub use strength_meter::StrengthMeter;

/// The id of the strength feedback, for the password field's `aria-describedby`.
pub fn strength_meter_feedback_id() -> &'static str {
    strength_meter::FEEDBACK_ID
}
