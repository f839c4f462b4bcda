//! Validation errors as data. A form that fails validation is not an exception: the handler renders the
//! errors as the NHS error summary and re-renders every field with what the person typed.

use serde::Serialize;

/// One problem with one field, worded for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field's name, which is also its element id, so the error summary can link to it.
    pub field: &'static str,
    /// What is wrong and how to fix it, in the NHS style ("Enter a title").
    pub message: String,
}

/// All problems found in one submission, in the order of the form's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field, message: message.into() });
    }

    /// Adds every error of `other` after these.
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The message for one field, if it has one; templates show it beside the field.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// `Ok(value)` when nothing was added, otherwise the errors.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value()) } else { Err(self) }
    }
}

/// Trims a required text field and checks its length in characters.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    input: &str,
    label: &str,
    max_chars: usize,
) -> String {
    let value = input.trim();
    if value.is_empty() {
        errors.add(field, format!("Enter {label}"));
    } else if value.chars().count() > max_chars {
        errors.add(field, format!("{} must be {max_chars} characters or fewer", capitalise(label)));
    }
    value.to_owned()
}

/// Trims an optional text field; an empty field is `None`.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    input: &str,
    label: &str,
    max_chars: usize,
) -> Option<String> {
    let value = input.trim();
    if value.chars().count() > max_chars {
        errors.add(field, format!("{} must be {max_chars} characters or fewer", capitalise(label)));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// `text` with its first letter in capitals ("no such site" → "No such site").
pub fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `text` with its first letter in lower case, to sit inside a sentence ("Executive committee" →
/// "executive committee").
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

fn capitalise(label: &str) -> String {
    let label = label.strip_prefix("a ").or_else(|| label.strip_prefix("an ")).unwrap_or(label);
    label.strip_prefix("the ").unwrap_or(label).chars().enumerate().fold(String::new(), |mut s, (i, c)| {
        if i == 0 {
            s.extend(c.to_uppercase());
        } else {
            s.push(c);
        }
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_reports_empty_and_long_input_with_the_label() {
        let mut errors = FieldErrors::new();
        assert_eq!(required_text(&mut errors, "title", "  ", "a title", 5), "");
        assert_eq!(required_text(&mut errors, "title", " abcdef ", "a title", 5), "abcdef");
        assert_eq!(required_text(&mut errors, "title", " abc ", "a title", 5), "abc");
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["Enter a title", "Title must be 5 characters or fewer"]);
    }

    #[test]
    fn length_limits_count_characters_not_bytes() {
        let mut errors = FieldErrors::new();
        required_text(&mut errors, "title", "ééééé", "a title", 5);
        assert!(errors.is_empty());
    }
}
