//! Templates: MiniJinja templates compiled into the binary, with the filters they share.

use std::sync::LazyLock;

use axum::response::Html;
use kindling_domain::initiatives::Stage;
use kindling_domain::people::Profession;
use minijinja::{Environment, Value};
use serde::Serialize;

use crate::AppError;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded!(
    "macros.html",
    "base.html",
    "error.html",
    "sign_in.html",
    "home.html",
    "account.html",
    "initiatives/list.html",
    "initiatives/form.html",
    "initiatives/show.html",
);

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).unwrap_or_else(|e| panic!("template {name} does not parse: {e:#}"));
    }
    env.add_filter("date", |ms: i64| format_ms(ms, "%-d %B %Y"));
    env.add_filter("datetime", |ms: i64| format_ms(ms, "%-d %B %Y at %-I:%M%P"));
    env.add_filter("stage_label", |slug: &str| slug.parse::<Stage>().map(Stage::label).unwrap_or("Unknown"));
    env.add_filter("profession_label", |slug: &str| slug.parse::<Profession>().map(Profession::label).unwrap_or("Unknown"));
    env
});

/// UK civil time for people; the database keeps UTC milliseconds.
fn format_ms(ms: i64, format: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zone = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(zone).strftime(format).to_string()
}

/// Renders a page template with `context`.
pub fn render(name: &str, context: impl Serialize) -> Result<Html<String>, AppError> {
    let template = ENV.get_template(name)?;
    Ok(Html(template.render(Value::from(minijinja::value::Serde(&context)))?))
}

/// The error page, which must render even when everything else is failing.
pub fn render_error(status: u16, title: &str, message: &str) -> Html<String> {
    let context = minijinja::context! { status, title, message };
    match ENV.get_template("error.html").and_then(|t| t.render(context)) {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            Html(format!("<!DOCTYPE html><html lang=\"en-GB\"><title>{status}</title><h1>{status}</h1></html>"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap();
        }
    }

    #[test]
    fn dates_are_uk_civil_time() {
        // 2025-07-01T23:30:00Z is already 2 July in London (BST, UTC+1).
        assert_eq!(format_ms(1_751_412_600_000, "%-d %B %Y"), "2 July 2025");
        // 2025-01-15T12:05:00Z is GMT.
        assert_eq!(format_ms(1_736_942_700_000, "%-d %B %Y at %-I:%M%P"), "15 January 2025 at 12:05pm");
    }
}
