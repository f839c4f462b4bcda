//! Schemas the derive cannot infer from a field's Rust type: the allowed values of a string that
//! the handler parses into a domain type. Each list comes from the domain type itself, so the
//! document and the parser cannot disagree.

use kindling_domain::approvals::Outcome;
use kindling_domain::drivers::NodeKind;
use kindling_domain::gates::HazardStatus;
use kindling_domain::initiatives::{CivilDate, Stage};
use kindling_domain::learning::Visibility;
use kindling_domain::measures::{CHART_CHOICES, DataType, Direction, Frequency, MeasureCategory, MeasureKind};
use kindling_domain::mentoring::{SessionMode, Side};
use kindling_domain::notifications::Digest;
use kindling_domain::people::{CareSetting, Profession};
use kindling_domain::policy::Fact;
use kindling_domain::recognition::Kind as RecognitionKind;
use kindling_domain::spread::{NasssDomain, Rating};
use kindling_domain::support::Answer;
use kindling_store::search::Kind as SearchKind;
use utoipa::openapi::schema::{AnyOfBuilder, Array, ArrayBuilder, Schema, SchemaType};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{KnownFormat, Object, SchemaFormat};

/// A string that must be one of `values`.
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// A string field that the handler parses as one of a domain type's slugs.
macro_rules! slugs_of {
    ($($ty:ty => $name:ident;)*) => {
        $(
            #[doc = concat!("One of the `", stringify!($ty), "` slugs.")]
            pub fn $name() -> Object {
                one_of(<$ty>::ALL.iter().map(|value| value.slug()))
            }
        )*
    };
}

/// A query filter of a domain type's slugs, where an empty value means "any".
macro_rules! filter_of {
    ($($ty:ty => $name:ident;)*) => {
        $(
            #[doc = concat!("One of the `", stringify!($ty), "` slugs, or empty for any.")]
            pub fn $name() -> Object {
                one_of(std::iter::once("").chain(<$ty>::ALL.iter().map(|value| value.slug())))
            }
        )*
    };
}

slugs_of! {
    Stage => stage;
    Profession => profession;
    Visibility => visibility;
    MeasureKind => measure_kind;
    MeasureCategory => measure_category;
    Frequency => frequency;
    Direction => direction;
    DataType => data_type;
    Digest => digest;
    RecognitionKind => recognition_kind;
    NasssDomain => nasss_domain;
    Rating => complexity_rating;
    Fact => fact;
    Outcome => outcome;
    NodeKind => node_kind;
    Side => side;
    SessionMode => session_mode;
    Answer => support_answer;
    HazardStatus => hazard_status;
}

filter_of! {
    Stage => stage_filter;
    Profession => profession_filter;
    CareSetting => care_setting_filter;
}

/// What a search result is, or empty for any.
pub fn search_kind_filter() -> Object {
    one_of(std::iter::once("").chain(SearchKind::ALL.iter().map(|kind| kind.slug())))
}

/// A chart a measure may be drawn on instead of the recommended one; null or absent for the
/// recommended chart.
pub fn chart() -> Object {
    let names = CHART_CHOICES.iter().map(|chart| serde_json::Value::from(chart.name()));
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .enum_values(Some(names.chain([serde_json::Value::Null])))
        .build()
}

/// A calendar day, `YYYY-MM-DD`.
fn date() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

/// A calendar day, `YYYY-MM-DD`, or empty for none.
pub fn date_or_empty() -> Schema {
    Schema::AnyOf(AnyOfBuilder::new().item(date()).item(one_of([""])).build())
}

/// A calendar day, `YYYY-MM-DD`, or empty or null for none.
pub fn date_or_empty_or_null() -> Schema {
    let none = ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .enum_values(Some([serde_json::Value::from(""), serde_json::Value::Null]));
    Schema::AnyOf(AnyOfBuilder::new().item(date()).item(none).build())
}

/// Reads a `YYYY-MM-DD` day as the API documents it: exactly, with no spaces around it.
pub fn parse_day(raw: &str) -> Option<CivilDate> {
    (raw.trim() == raw).then(|| CivilDate::parse_iso(raw)).flatten()
}

/// The 1-based page number of a listing. Page 0 is read as the first page; a page past the end is
/// empty.
pub fn page() -> Object {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(u32::MAX)).build()
}

/// The facts that apply to an initiative, each at most once.
pub fn facts() -> Array {
    ArrayBuilder::new().items(fact()).build()
}

/// Pairs of participants' references, each `[mentee, mentor]`.
pub fn reference_pairs() -> Array {
    let reference = ObjectBuilder::new().schema_type(Type::String);
    let pair = ArrayBuilder::new().items(reference).min_items(Some(2)).max_items(Some(2));
    ArrayBuilder::new().items(pair).build()
}

/// A site's units by name, each at most 120 characters; blank names are left out.
pub fn unit_names() -> Array {
    ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String).max_length(Some(120))).build()
}
