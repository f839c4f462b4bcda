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
    "mentoring/index.html",
    "mentoring/programme_form.html",
    "mentoring/programme.html",
    "mentoring/participant_form.html",
    "mentoring/participant.html",
    "mentoring/apply.html",
    "mentoring/applications.html",
    "mentoring/application.html",
    "mentoring/round.html",
    "mentoring/explain.html",
    "mentoring/match.html",
    "mentoring/outcomes.html",
    "mentoring/pairs.html",
    "spaces/list.html",
    "spaces/new.html",
    "spaces/show.html",
    "spaces/challenge_form.html",
    "spaces/challenge.html",
    "spaces/challenge_idea.html",
    "base.html",
    "error.html",
    "sign_in.html",
    "home.html",
    "account.html",
    "initiatives/list.html",
    "initiatives/form.html",
    "initiatives/show.html",
    "measures/form.html",
    "measures/show.html",
    "measures/import.html",
    "pdsa/plan.html",
    "pdsa/show.html",
    "dashboard.html",
    "board_report.html",
    "feedback/public.html",
    "feedback/team.html",
    "feedback/poster.html",
    "governance/show.html",
    "governance/risk_form.html",
    "governance/gate.html",
    "governance/register.html",
    "approvals/queue.html",
    "approvals/show.html",
    "approvals/performance.html",
    "admin/policy.html",
    "learning/form.html",
    "learning/review.html",
    "learning/library.html",
    "learning/similar.html",
    "learning/adopt.html",
    "learning/sites.html",
    "learning/complexity.html",
    "packages/edit.html",
    "follows.html",
    "packages/show.html",
    "packages/library.html",
    "packages/adopt.html",
    "packages/adoption.html",
    "notifications.html",
    "recognition/form.html",
    "recognition/_list.html",
    "recognition/wall.html",
    "recognition/profile.html",
    "recognition/organisation.html",
    "drivers/show.html",
    "support/directory.html",
    "support/ask.html",
    "support/offer_form.html",
    "support/initiative.html",
    "support/request.html",
    "support/performance.html",
    "public_page/edit.html",
    "paper.html",
    "pathways/list.html",
    "pathways/show.html",
    "pathways/template.html",
    "accounts/two_factor.html",
    "accounts/enrol.html",
    "accounts/recovery_codes.html",
    "accounts/set_password.html",
    "accounts/forgot.html",
    "email/invitation.txt",
    "email/invitation.html",
    "email/setup.txt",
    "email/setup.html",
    "email/reset.txt",
    "email/reset.html",
    "setup/form.html",
    "setup/done.html",
    "setup/instructions.html",
    "admin/index.html",
    "admin/organisation.html",
    "admin/site.html",
    "admin/sign_in.html",
    "admin/people.html",
    "admin/invite.html",
    "admin/person.html",
    "admin/import.html",
    "admin/imported.html",
    "admin/audit.html",
    "admin/hub.html",
    "approvals/_conditions.html",
    "governance/hazard.html",
    "drivers/remove.html",
);

/// An initiative's stage as an NHS tag, coloured so that a list can be scanned (the text always says
/// the stage too). A function rather than a template macro: lists show one per row, and a macro call
/// costs a page several microseconds.
fn stage_tag(slug: &str) -> Value {
    let Ok(stage) = slug.parse::<Stage>() else { return Value::from("Unknown") };
    let colour = match stage {
        Stage::Idea => "grey",
        Stage::Shaping => "aqua-green",
        Stage::Assessment => "yellow",
        Stage::Approved => "blue",
        Stage::Piloting => "purple",
        Stage::Evaluating => "orange",
        Stage::Adopted | Stage::Spreading => "green",
        Stage::Stopped => "red",
    };
    // The label is one of the domain's fixed labels: nothing in it needs escaping.
    Value::from_safe_string(format!("<strong class=\"nhsuk-tag nhsuk-tag--{colour}\">{}</strong>", stage.label()))
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).unwrap_or_else(|e| panic!("template {name} does not parse: {e:#}"));
    }
    env.set_formatter(html_formatter);
    env.add_filter("date", |ms: i64| format_ms(ms, "%-d %B %Y"));
    // Text typed one item per line (adaptations, conditions): its non-empty lines, trimmed.
    env.add_filter("lines", |text: &str| -> Vec<String> {
        text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    });
    // A calendar date as the domain serialises it ({year, month, day}), written out: "3 December 2026".
    env.add_filter("long_date", |v: minijinja::Value| -> String {
        let part = |name: &str| v.get_attr(name).ok().and_then(|p| i64::try_from(p).ok());
        match (part("year"), part("month"), part("day")) {
            (Some(year), Some(month), Some(day)) => kindling_domain::initiatives::CivilDate {
                year: i32::try_from(year).unwrap_or_default(),
                month: u8::try_from(month).unwrap_or_default(),
                day: u8::try_from(day).unwrap_or_default(),
            }
            .long(),
            _ => String::new(),
        }
    });
    env.add_filter("datetime", |ms: i64| format_ms(ms, "%-d %B %Y at %-I:%M%P"));
    env.add_filter("stage_label", |slug: &str| slug.parse::<Stage>().map(Stage::label).unwrap_or("Unknown"));
    env.add_function("stage_tag", stage_tag);
    env.add_function("field_error", field_error);
    env.add_function("aria_describedby", aria_describedby);
    env.add_filter("profession_label", |slug: &str| {
        slug.parse::<Profession>().map(Profession::label).unwrap_or("Unknown")
    });
    env.add_filter("notification_kind", |slug: &str| {
        slug.parse::<kindling_domain::notifications::Kind>().map(|k| k.label()).unwrap_or("Other")
    });
    env.add_filter("recognition_kind", |slug: &str| {
        slug.parse::<kindling_domain::recognition::Kind>().map(|k| k.label()).unwrap_or("Recognition")
    });
    env.add_filter("match_status", |slug: &str| {
        slug.parse::<kindling_domain::mentoring::MatchStatus>().map(|k| k.label()).unwrap_or("Unknown")
    });
    env.add_filter("objective_label", |slug: &str| {
        slug.parse::<kindling_domain::mentoring::Objective>().map(|k| k.label()).unwrap_or("Mentoring")
    });
    env.add_filter("frequency_label", |slug: &str| {
        slug.parse::<kindling_domain::mentoring::Frequency>().map(|k| k.label()).unwrap_or("Not set")
    });
    env.add_filter("challenge_phase", |slug: &str| {
        slug.parse::<kindling_domain::challenges::Phase>().map(|p| p.label()).unwrap_or("Unknown")
    });
    env.add_filter("application_status", |slug: &str| {
        kindling_domain::mentoring::applications::Status::parse(slug).map_or("Unknown", |s| s.label())
    });
    env.add_filter("session_mode", |slug: &str| {
        slug.parse::<kindling_domain::mentoring::SessionMode>().map(|k| k.label()).unwrap_or("Other")
    });
    env.add_filter("role_labels", |roles: Vec<String>| {
        roles
            .iter()
            .map(|slug| slug.parse::<kindling_domain::people::Role>().map(|r| r.label()).unwrap_or("Unknown"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    env.add_filter("care_setting", |slug: &str| {
        slug.parse::<kindling_domain::people::CareSetting>().map(|k| k.label()).unwrap_or("Not recorded")
    });
    env
});

/// `& < > " '` escaped, and nothing else.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A value as a page shows it: escaped unless it is already safe markup.
fn shown(value: &Value) -> String {
    if value.is_safe() { value.to_string() } else { escape_html(&value.to_string()) }
}

/// A field's error message, in the NHS error message markup, or nothing when `error` is empty.
fn field_error(name: &Value, error: Option<Value>) -> Value {
    match error.filter(Value::is_true) {
        None => Value::from(""),
        Some(error) => Value::from_safe_string(format!(
            "\n<span class=\"nhsuk-error-message\" id=\"{}-error\"><span class=\"nhsuk-u-visually-hidden\">Error: </span>{}</span>",
            shown(name),
            shown(&error)
        )),
    }
}

/// The ` aria-describedby="…"` attribute that ties a field to its hint and its error, or nothing.
fn aria_describedby(name: &Value, hint: Option<Value>, error: Option<Value>) -> Value {
    let name = shown(name);
    let ids: Vec<String> = [(hint, "hint"), (error, "error")]
        .into_iter()
        .filter(|(value, _)| value.as_ref().is_some_and(Value::is_true))
        .map(|(_, suffix)| format!("{name}-{suffix}"))
        .collect();
    if ids.is_empty() {
        Value::from("")
    } else {
        Value::from_safe_string(format!(" aria-describedby=\"{}\"", ids.join(" ")))
    }
}

/// Escapes `& < > " '` in strings and nothing else. MiniJinja's default also escapes `/`, which is
/// harmless but turns every URL in the page into `&#x2f;initiatives&#x2f;1`.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && matches!(state.auto_escape(), minijinja::AutoEscape::Html) => {
            let escaped = escape_html(text);
            out.write_str(&escaped).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "writing the page").with_source(e)
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// UK civil time, looked up once (a lookup goes to the time zone database each time).
static LONDON: LazyLock<jiff::tz::TimeZone> =
    LazyLock::new(|| jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC));

/// UK civil time for people; the database keeps UTC milliseconds.
fn format_ms(ms: i64, format: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    ts.to_zoned(LONDON.clone()).strftime(format).to_string()
}

/// A day in UK civil time, as pages show it ("3 March 2026").
pub fn long_date(ms: i64) -> String {
    format_ms(ms, "%-d %B %Y")
}

/// A moment in UK civil time, as pages show it ("14 July 2026 at 10:30am").
pub fn date_and_time(ms: i64) -> String {
    format_ms(ms, "%-d %B %Y at %-I:%M%P")
}

/// A day in UK civil time as ISO 8601, for files.
pub fn iso_date(ms: i64) -> String {
    format_ms(ms, "%Y-%m-%d")
}

/// Renders a page template with `context`.
pub fn render(name: &str, context: impl Serialize) -> Result<Html<String>, AppError> {
    let template = ENV.get_template(name)?;
    Ok(Html(template.render(Value::from(minijinja::value::Serde(&context)))?))
}

/// Renders a plain-text template (an email's text part): nothing is escaped.
pub fn render_text(name: &str, context: impl Serialize) -> Result<String, AppError> {
    let template = ENV.get_template(name)?;
    Ok(template.render(Value::from(minijinja::value::Serde(&context)))?)
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

    /// The two macros that `field_error` and `aria_describedby` replaced, as they were: the reference
    /// the functions must render exactly like.
    const OLD_MACROS: &str = r#"{% macro describedby(name, hint, error) -%}
{%- set ids = [] -%}
{%- if hint %}{% set ids = ids + [name ~ "-hint"] %}{% endif -%}
{%- if error %}{% set ids = ids + [name ~ "-error"] %}{% endif -%}
{%- if ids %} aria-describedby="{{ ids | join(' ') }}"{% endif -%}
{%- endmacro %}
{% macro error_message(name, error) -%}
{%- if error %}
<span class="nhsuk-error-message" id="{{ name }}-error"><span class="nhsuk-u-visually-hidden">Error: </span>{{ error }}</span>
{%- endif %}
{%- endmacro %}"#;

    #[test]
    fn field_errors_and_descriptions_render_as_the_macros_they_replaced() {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_function("field_error", field_error);
        env.add_function("aria_describedby", aria_describedby);
        env.add_template("old.html", OLD_MACROS).unwrap();
        let page = "{% import 'old.html' as old %}[{{ old.error_message(name, error) }}|{{ field_error(name, error) }}]\
                    [{{ old.describedby(name, hint, error) }}|{{ aria_describedby(name, hint, error) }}]";
        env.add_template("page.html", page).unwrap();
        let cases = [
            minijinja::context! { name => "title", hint => "", error => "" },
            minijinja::context! { name => "title", hint => "Short", error => None::<String> },
            minijinja::context! { name => "title", hint => None::<String>, error => "Enter a title" },
            minijinja::context! { name => "due_day", hint => "For example", error => "Enter a date & a <time> \"now\"" },
            minijinja::context! { name => "x'y", error => "It's wrong" },
            minijinja::context! {},
        ];
        for case in cases {
            let html = env.get_template("page.html").unwrap().render(&case).unwrap();
            let halves: Vec<&str> = html.split(['[', ']']).filter(|s| !s.is_empty()).collect();
            for pair in halves {
                let (old, new) = pair.split_once('|').unwrap();
                assert_eq!(new, old, "{case:?}");
            }
        }
    }

    #[test]
    fn stage_tags_say_the_stage_in_its_colour() {
        assert_eq!(
            stage_tag("piloting").to_string(),
            "<strong class=\"nhsuk-tag nhsuk-tag--purple\">Piloting</strong>"
        );
        assert_eq!(stage_tag("stopped").to_string(), "<strong class=\"nhsuk-tag nhsuk-tag--red\">Stopped</strong>");
        for stage in Stage::ALL {
            assert!(!stage.label().contains(['<', '>', '&', '"']), "{stage:?} needs no escaping");
        }
        assert_eq!(stage_tag("<script>").to_string(), "Unknown");
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap();
        }
    }

    #[test]
    fn strings_are_escaped_for_html_but_slashes_are_left_alone() {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_template("t.html", "<a href=\"{{ href }}\">{{ text }}</a>{{ safe | safe }}").unwrap();
        let html = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { href => "/a?b=1&c=2", text => "<b>\"Tom's\"</b>", safe => "<i>ok</i>" })
            .unwrap();
        assert_eq!(html, "<a href=\"/a?b=1&amp;c=2\">&lt;b&gt;&quot;Tom&#39;s&quot;&lt;/b&gt;</a><i>ok</i>");
    }

    #[test]
    fn dates_are_uk_civil_time() {
        // 2025-07-01T23:30:00Z is already 2 July in London (BST, UTC+1).
        assert_eq!(format_ms(1_751_412_600_000, "%-d %B %Y"), "2 July 2025");
        // 2025-01-15T12:05:00Z is GMT.
        assert_eq!(format_ms(1_736_942_700_000, "%-d %B %Y at %-I:%M%P"), "15 January 2025 at 12:05pm");
    }
}
