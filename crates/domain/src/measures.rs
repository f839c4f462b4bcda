//! Measures of an initiative and their data: what is measured and how (the operational definition),
//! which chart fits the data, the parsing of data typed, pasted or imported, and the analysis that
//! answers "did it improve?" with NHS England's Making Data Count rules.
//!
//! Privacy: a measure holds aggregates only (a value per period, or a count over a denominator); no
//! row here can identify a patient.
//!
//! Imports are all-or-nothing: [`parse_points_csv`] returns either every row parsed or every row's
//! problem, so a caller never stores half a file.

use std::collections::BTreeMap;

use kindling_spc::compare::{Comparison, compare_newest_phases};
use kindling_spc::{Analysis, Chart, Improvement, Obs, Options, Preset, SpcError, Variation, analyse};
use serde::{Deserialize, Serialize};

use crate::initiatives::CivilDate;
use crate::people::slug_enum;
use crate::validation::{FieldErrors, capitalise_first, optional_text, required_text};

slug_enum!(
    /// The role a measure plays in the family of measures.
    MeasureKind, "measure type" {
        /// Did the change achieve the aim?
        Outcome = ("outcome", "Outcome"),
        /// Is the change being carried out as planned?
        Process = ("process", "Process"),
        /// Is the change causing a problem elsewhere?
        Balancing = ("balancing", "Balancing"),
    }
);

slug_enum!(
    /// What a measure is about, for the dashboard's filters.
    MeasureCategory, "measure category" {
        ClinicalOutcome = ("clinical-outcome", "Clinical outcome"),
        PatientExperience = ("patient-experience", "Patient experience"),
        StaffWellbeing = ("staff-wellbeing", "Staff well-being"),
        EfficiencyOrCost = ("efficiency", "Efficiency or cost"),
        Equity = ("equity", "Equity"),
    }
);

slug_enum!(
    /// The shape of the data, from which the chart is chosen.
    DataType, "data type" {
        /// A measurement per period (minutes, a score, a length of stay).
        Value = ("value", "A value per period"),
        /// A count out of a total per period (patients screened out of patients admitted).
        Proportion = ("proportion", "A proportion (count out of a total)"),
        /// A count per unit of exposure (falls per 1,000 bed days).
        Rate = ("rate", "A rate (count per exposure)"),
        /// A count of events per period, with a steady opportunity for them.
        Count = ("count", "A count of events"),
        /// Days between rare events.
        TimeBetween = ("time-between", "Time between rare events"),
    }
);

slug_enum!(
    /// How often a measure is collected.
    Frequency, "frequency" {
        Daily = ("daily", "Daily"),
        Weekly = ("weekly", "Weekly"),
        Monthly = ("monthly", "Monthly"),
        Quarterly = ("quarterly", "Quarterly"),
    }
);

slug_enum!(
    /// Which way is better.
    Direction, "improvement direction" {
        Increase = ("increase", "Higher is better"),
        Decrease = ("decrease", "Lower is better"),
        Neither = ("neither", "Neither (monitor only)"),
    }
);

impl Direction {
    pub fn improvement(self) -> Improvement {
        match self {
            Direction::Increase => Improvement::Increase,
            Direction::Decrease => Improvement::Decrease,
            Direction::Neither => Improvement::Neutral,
        }
    }
}

impl DataType {
    /// The chart Making Data Count recommends for this kind of data.
    pub fn recommended_chart(self) -> Chart {
        match self {
            DataType::Value => Chart::Xmr,
            DataType::Proportion => Chart::P,
            DataType::Rate => Chart::U,
            DataType::Count => Chart::C,
            DataType::TimeBetween => Chart::T,
        }
    }

    /// Proportions and rates come with a denominator (the total, or the exposure) each period.
    pub fn needs_denominator(self) -> bool {
        matches!(self, DataType::Proportion | DataType::Rate)
    }
}

/// Charts a person may choose instead of the recommended one (the subgroup charts need raw values,
/// which Kindling does not hold).
pub const CHART_CHOICES: [Chart; 9] =
    [Chart::Run, Chart::Xmr, Chart::P, Chart::PPrime, Chart::U, Chart::UPrime, Chart::C, Chart::G, Chart::T];

/// A chart's name for people.
pub fn chart_label(chart: Chart) -> &'static str {
    match chart {
        Chart::Run => "Run chart",
        Chart::Xmr => "XmR chart (individual values)",
        Chart::Mr => "Moving range chart",
        Chart::P => "p chart (proportions)",
        Chart::PPrime => "p′ chart (Laney, large denominators)",
        Chart::U => "u chart (rates)",
        Chart::UPrime => "u′ chart (Laney, large exposures)",
        Chart::C => "c chart (counts)",
        Chart::G => "g chart (opportunities between rare events)",
        Chart::T => "t chart (time between rare events)",
        Chart::Xbar => "X-bar chart",
        Chart::S => "S chart",
    }
}

/// How a measure is defined, so that two people collecting it would count the same things.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperationalDefinition {
    /// What is counted or measured.
    pub numerator: String,
    /// What it is counted out of (proportions and rates).
    pub denominator: Option<String>,
    pub inclusions: Option<String>,
    pub exclusions: Option<String>,
    /// Where the data come from (a report, an audit, a system).
    pub source: String,
    pub frequency: Frequency,
}

/// A chart chosen instead of the recommended one, with the reason shown beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChartOverride {
    #[serde(serialize_with = "serialize_chart")]
    pub chart: Chart,
    pub reason: String,
}

fn serialize_chart<S: serde::Serializer>(chart: &Chart, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(chart.name())
}

/// A validated measure, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureDraft {
    pub name: String,
    pub kind: MeasureKind,
    pub category: MeasureCategory,
    pub definition: OperationalDefinition,
    /// "minutes", "%", "falls per 1,000 bed days".
    pub unit: Option<String>,
    pub direction: Direction,
    pub target: Option<f64>,
    pub data_type: DataType,
    pub chart_override: Option<ChartOverride>,
}

impl MeasureDraft {
    /// The chart this measure is drawn with: the override if there is one, else the recommendation.
    pub fn chart(&self) -> Chart {
        self.chart_override.as_ref().map_or(self.data_type.recommended_chart(), |o| o.chart)
    }
}

/// The measure form as typed: every field a string, so a refused form comes back exactly as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasureForm {
    pub name: String,
    pub kind: String,
    pub category: String,
    pub numerator: String,
    pub denominator: String,
    pub inclusions: String,
    pub exclusions: String,
    pub source: String,
    pub frequency: String,
    pub unit: String,
    pub direction: String,
    pub target: String,
    pub data_type: String,
    /// Empty: use the recommended chart.
    pub chart: String,
    pub chart_reason: String,
}

fn choice<T: std::str::FromStr>(errors: &mut FieldErrors, field: &'static str, raw: &str, message: &str) -> Option<T> {
    let parsed = raw.trim().parse().ok();
    if parsed.is_none() {
        errors.add(field, message);
    }
    parsed
}

/// A number as people type it: "1,234.5" and " 7 " are fine; "7 minutes" is not.
pub fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw.trim().chars().filter(|c| *c != ',').collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl MeasureForm {
    pub fn parse(&self) -> Result<MeasureDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", &self.name, "a name for the measure", 120);
        let kind =
            choice(&mut errors, "kind", &self.kind, "Select whether this is an outcome, process or balancing measure");
        let category = choice(&mut errors, "category", &self.category, "Select what the measure is about");
        let data_type = choice::<DataType>(&mut errors, "data_type", &self.data_type, "Select the type of data");
        let numerator = required_text(&mut errors, "numerator", &self.numerator, "what is counted or measured", 500);
        let denominator = optional_text(&mut errors, "denominator", &self.denominator, "the denominator", 500);
        if data_type.is_some_and(DataType::needs_denominator) && denominator.is_none() {
            errors.add(
                "denominator",
                "Enter what the count is out of (the denominator), as proportions and rates need one",
            );
        }
        let inclusions = optional_text(&mut errors, "inclusions", &self.inclusions, "inclusions", 1000);
        let exclusions = optional_text(&mut errors, "exclusions", &self.exclusions, "exclusions", 1000);
        let source = required_text(&mut errors, "source", &self.source, "where the data come from", 300);
        let frequency = choice(&mut errors, "frequency", &self.frequency, "Select how often the data are collected");
        let unit = optional_text(&mut errors, "unit", &self.unit, "the unit", 60);
        let direction = choice(&mut errors, "direction", &self.direction, "Select which way is better");
        let target = match self.target.trim() {
            "" => None,
            raw => {
                let value = parse_number(raw);
                if value.is_none() {
                    errors.add("target", "Target must be a number, like 85 or 12.5");
                }
                value
            }
        };
        let chart_override = match self.chart.trim() {
            "" => None,
            raw => match raw.parse::<Chart>().ok().filter(|c| CHART_CHOICES.contains(c)) {
                None => {
                    errors.add("chart", "Select a chart from the list");
                    None
                }
                Some(chart) if data_type.is_some_and(|d| d.recommended_chart() == chart) => None,
                Some(chart) => {
                    let reason = required_text(
                        &mut errors,
                        "chart_reason",
                        &self.chart_reason,
                        "why this chart fits better than the recommended one",
                        500,
                    );
                    if data_type.is_some_and(|d| !d.needs_denominator()) && chart.needs_denominator() {
                        errors.add(
                            "chart",
                            format!("A {} needs a denominator; this data type has none", chart_label(chart)),
                        );
                    }
                    Some(ChartOverride { chart, reason })
                }
            },
        };
        errors.into_result(|| MeasureDraft {
            name,
            kind: kind.expect("checked"),
            category: category.expect("checked"),
            definition: OperationalDefinition {
                numerator,
                denominator,
                inclusions,
                exclusions,
                source,
                frequency: frequency.expect("checked"),
            },
            unit,
            direction: direction.expect("checked"),
            target,
            data_type: data_type.expect("checked"),
            chart_override,
        })
    }

    pub fn from_draft(d: &MeasureDraft) -> Self {
        MeasureForm {
            name: d.name.clone(),
            kind: d.kind.slug().into(),
            category: d.category.slug().into(),
            numerator: d.definition.numerator.clone(),
            denominator: d.definition.denominator.clone().unwrap_or_default(),
            inclusions: d.definition.inclusions.clone().unwrap_or_default(),
            exclusions: d.definition.exclusions.clone().unwrap_or_default(),
            source: d.definition.source.clone(),
            frequency: d.definition.frequency.slug().into(),
            unit: d.unit.clone().unwrap_or_default(),
            direction: d.direction.slug().into(),
            target: d.target.map(|t| t.to_string()).unwrap_or_default(),
            data_type: d.data_type.slug().into(),
            chart: d.chart_override.as_ref().map(|o| o.chart.name().to_owned()).unwrap_or_default(),
            chart_reason: d.chart_override.as_ref().map(|o| o.reason.clone()).unwrap_or_default(),
        }
    }
}

/// One period's data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// The first day of the period.
    pub period: CivilDate,
    /// The value, or the count for proportions and rates.
    pub value: f64,
    /// The total (proportions) or the exposure (rates).
    pub denominator: Option<f64>,
}

/// A problem with one row of pasted or imported data. `line` counts from 1 and includes the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// Checks one value (and denominator) for the measure's data type.
fn check_values(data_type: DataType, value: f64, denominator: Option<f64>) -> Result<(), String> {
    if data_type != DataType::Value && value < 0.0 {
        return Err(format!("the value {value} is negative, which a count cannot be"));
    }
    match (data_type.needs_denominator(), denominator) {
        (true, None) => Err("the denominator is missing".into()),
        (true, Some(n)) if n <= 0.0 => Err(format!("the denominator {n} must be more than 0")),
        (true, Some(n)) if data_type == DataType::Proportion && value > n => {
            Err(format!("the count {value} is more than its total {n}"))
        }
        (false, Some(_)) => Err("this measure has no denominator; leave that column empty".into()),
        _ => Ok(()),
    }
}

fn parse_period(raw: &str) -> Option<CivilDate> {
    let raw = raw.trim();
    CivilDate::parse_iso(raw).or_else(|| {
        // "03/02/2025" as the NHS writes dates: day/month/year.
        let parts: Vec<&str> = raw.split('/').collect();
        match parts[..] {
            [d, m, y] if y.len() == 4 => CivilDate::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
            _ => None,
        }
    })
}

/// Splits one CSV line into fields (quotes allowed around a field; commas inside quotes kept).
pub(crate) fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Parses a CSV file of `period,value[,denominator]` (a header row first; periods as 2025-03-01 or
/// 01/03/2025). Either every row is good and all points come back in period order, or every problem
/// comes back by line and nothing should be stored.
pub fn parse_points_csv(text: &str, data_type: DataType) -> Result<Vec<Point>, Vec<RowError>> {
    Ok(parse_rows(text, data_type, false)?.into_iter().map(|(_, p)| p).collect())
}

/// Parses a CSV file of `subgroup,period,value[,denominator]`: the same data for each subgroup (an age
/// band, a site, a deprivation quintile). All-or-nothing, as for whole-measure files; the rows come
/// back ordered by subgroup, then period.
pub fn parse_subgroup_csv(text: &str, data_type: DataType) -> Result<Vec<(String, Point)>, Vec<RowError>> {
    Ok(parse_rows(text, data_type, true)?.into_iter().map(|(g, p)| (g.unwrap_or_default(), p)).collect())
}

fn parse_rows(text: &str, data_type: DataType, subgroups: bool) -> Result<Vec<(Option<String>, Point)>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![RowError { line: 1, message: "The file is empty".into() }]);
    };
    let columns: Vec<String> = csv_fields(header).iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |name: &str| columns.iter().position(|c| c == name);
    let subgroup_at = find("subgroup");
    let (Some(period_at), Some(value_at)) = (find("period"), find("value")) else {
        return Err(vec![missing_columns(data_type, subgroups, &columns)]);
    };
    if subgroups && subgroup_at.is_none() {
        return Err(vec![missing_columns(data_type, subgroups, &columns)]);
    }
    let denominator_at = find("denominator");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<(String, CivilDate), usize> = BTreeMap::new();
    for (index, line) in lines {
        let number = index + 1;
        let fields = csv_fields(line);
        let get = |at: usize| fields.get(at).map(|f| f.trim()).unwrap_or("");
        let mut problems = Vec::new();
        let subgroup = subgroup_at.filter(|_| subgroups).map(|at| get(at).to_owned());
        if subgroup.as_deref().is_some_and(|g| g.is_empty() || g.chars().count() > 60) {
            problems.push("the subgroup must be named, in 60 characters or fewer".to_owned());
        }
        let period = parse_period(get(period_at));
        if period.is_none() {
            problems.push(format!("the period {:?} is not a date like 2025-03-01 or 01/03/2025", get(period_at)));
        }
        let value = parse_number(get(value_at));
        if value.is_none() {
            problems.push(format!("the value {:?} is not a number", get(value_at)));
        }
        let denominator = match denominator_at.map(get).unwrap_or("") {
            "" => None,
            raw => {
                let parsed = parse_number(raw);
                if parsed.is_none() {
                    problems.push(format!("the denominator {raw:?} is not a number"));
                }
                parsed
            }
        };
        if let (Some(period), Some(value)) = (period, value) {
            if let Err(message) = check_values(data_type, value, denominator) {
                problems.push(message);
            }
            let key = (subgroup.clone().unwrap_or_default(), period);
            if let Some(first) = seen.insert(key, number) {
                let whose = subgroup.as_deref().map(|g| format!(" for {g}")).unwrap_or_default();
                problems.push(format!("the period {}{whose} is already on line {first}", period.iso()));
            }
            if problems.is_empty() {
                rows.push((subgroup, Point { period, value, denominator }));
            }
        }
        if !problems.is_empty() {
            errors.push(RowError { line: number, message: capitalise_first(&problems.join("; ")) });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![RowError { line: 2, message: "The file has a header row but no data".into() }]);
    }
    rows.sort_by(|a, b| (&a.0, a.1.period).cmp(&(&b.0, b.1.period)));
    Ok(rows)
}

fn missing_columns(data_type: DataType, subgroups: bool, columns: &[String]) -> RowError {
    RowError {
        line: 1,
        message: format!(
            "The first row must name the columns {}period and value{}; it has {}",
            if subgroups { "subgroup, " } else { "" },
            if data_type.needs_denominator() { " and denominator" } else { "" },
            columns.join(", ")
        ),
    }
}

impl Frequency {
    /// The start of the period `steps` periods after `from`. Months keep their day where it exists
    /// and otherwise take the month's last day (31 January + 1 month = 28 or 29 February).
    pub fn step(self, from: CivilDate, steps: u32) -> Option<CivilDate> {
        match self {
            Frequency::Daily => add_days(from, i64::from(steps)),
            Frequency::Weekly => add_days(from, 7 * i64::from(steps)),
            Frequency::Monthly => add_months(from, i64::from(steps)),
            Frequency::Quarterly => add_months(from, 3 * i64::from(steps)),
        }
    }
}

fn add_months(from: CivilDate, months: i64) -> Option<CivilDate> {
    let index = i64::from(from.year) * 12 + i64::from(from.month - 1) + months;
    if index < 0 {
        return None;
    }
    let (year, month) = (i32::try_from(index / 12).ok()?, (index % 12 + 1) as u8);
    let last = kindling_spc::calendar::days_in_month(year, u32::from(month))?;
    CivilDate::new(year, month, from.day.min(last as u8))
}

/// Days since 1970-01-01 of a date, and back (Howard Hinnant's civil-days algorithm).
fn days_from_civil(d: CivilDate) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(d.month);
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> Option<CivilDate> {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    CivilDate::new(i32::try_from(year).ok()?, month, day)
}

fn add_days(from: CivilDate, days: i64) -> Option<CivilDate> {
    civil_from_days(days_from_civil(from) + days)
}

/// Calendar arithmetic for periods.
impl CivilDate {
    /// The date in UTC of a time in milliseconds since the Unix epoch.
    pub fn from_unix_ms(ms: i64) -> Option<CivilDate> {
        civil_from_days(ms.div_euclid(86_400_000))
    }

    pub fn add_days(self, days: i64) -> Option<CivilDate> {
        add_days(self, days)
    }

    /// Midnight UTC at the start of the date, in milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> i64 {
        days_from_civil(self) * 86_400_000
    }

    /// Whole months later (or earlier, when negative), keeping the day where the month has it.
    pub fn add_months(self, months: i64) -> Option<CivilDate> {
        add_months(self, months)
    }

    /// 0 for Monday to 6 for Sunday (1 January 1970 was a Thursday).
    pub fn weekday(self) -> u8 {
        (days_from_civil(self) + 3).rem_euclid(7) as u8
    }
}

/// Parses a pasted column (one value per line, or `value<TAB>denominator` as copied from two
/// spreadsheet columns) for consecutive periods starting at `first`. All-or-nothing, as for files.
pub fn parse_pasted_column(
    text: &str,
    first: CivilDate,
    frequency: Frequency,
    data_type: DataType,
) -> Result<Vec<Point>, Vec<RowError>> {
    let mut points = Vec::new();
    let mut errors = Vec::new();
    let rows: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if rows.is_empty() {
        return Err(vec![RowError { line: 1, message: "Paste at least one value".into() }]);
    }
    for (k, row) in rows.iter().enumerate() {
        let parts: Vec<&str> = row.split(['\t', ';']).map(str::trim).collect();
        let value = parse_number(parts[0]);
        let denominator = parts.get(1).filter(|d| !d.is_empty()).map(|d| parse_number(d));
        let period = frequency.step(first, k as u32);
        let problem = match (value, denominator, period) {
            (None, _, _) => Some(format!("{:?} is not a number", parts[0])),
            (_, Some(None), _) => Some(format!("the denominator {:?} is not a number", parts[1])),
            (_, _, None) => Some("the period is past the year 9999".to_owned()),
            (Some(value), denominator, Some(period)) => {
                let denominator = denominator.flatten();
                match check_values(data_type, value, denominator) {
                    Ok(()) => {
                        points.push(Point { period, value, denominator });
                        None
                    }
                    Err(message) => Some(message),
                }
            }
        };
        if let Some(message) = problem {
            errors.push(RowError { line: k + 1, message: capitalise_first(&message) });
        }
    }
    if errors.is_empty() { Ok(points) } else { Err(errors) }
}

/// The single-period form: a period (three date boxes), a value, and a denominator when needed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PointForm {
    pub period_day: String,
    pub period_month: String,
    pub period_year: String,
    pub value: String,
    pub denominator: String,
    /// "yes" when the person confirms a period more than a year ahead is right.
    pub confirm_future: String,
    /// "yes" when the person confirms the new value replaces the one already entered for the period.
    pub confirm_replace: String,
}

/// Why a well-formed point still needs the person's confirmation before it is stored.
#[derive(Clone, Debug, PartialEq)]
pub enum PointCheck {
    /// The period starts more than a year after today: most often a mistyped year.
    FarFuture,
    /// The period already has this value; saving replaces it.
    Replaces(f64),
}

impl PointForm {
    /// What must be confirmed before `point` is stored: a period more than a year after `today`, and
    /// a period that already has a value in `existing`. Confirmed checks are left out.
    pub fn checks(&self, point: &Point, today: CivilDate, existing: &[Point]) -> Vec<PointCheck> {
        let mut checks = Vec::new();
        let a_year_ahead = CivilDate { year: today.year + 1, ..today };
        if point.period > a_year_ahead && self.confirm_future != "yes" {
            checks.push(PointCheck::FarFuture);
        }
        if let Some(old) = existing.iter().find(|p| p.period == point.period)
            && self.confirm_replace != "yes"
        {
            checks.push(PointCheck::Replaces(old.value));
        }
        checks
    }
}

impl PointForm {
    pub fn parse(&self, data_type: DataType) -> Result<Point, FieldErrors> {
        let mut errors = FieldErrors::new();
        let period = match CivilDate::from_parts(&self.period_day, &self.period_month, &self.period_year) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.add("period_day", "Enter the first day of the period");
                None
            }
            Err(message) => {
                errors.add("period_day", message);
                None
            }
        };
        let value = parse_number(&self.value);
        if value.is_none() {
            errors.add("value", if self.value.trim().is_empty() { "Enter a value" } else { "Value must be a number" });
        }
        let denominator = match self.denominator.trim() {
            "" => None,
            raw => {
                let parsed = parse_number(raw);
                if parsed.is_none() {
                    errors.add("denominator", "Denominator must be a number");
                }
                parsed
            }
        };
        if let Some(value) = value
            && errors.for_field("denominator").is_none()
            && let Err(message) = check_values(data_type, value, denominator)
        {
            let field =
                if message.contains("denominator") || message.contains("total") { "denominator" } else { "value" };
            errors.add(field, capitalise_first(&message));
        }
        errors.into_result(|| Point { period: period.expect("checked"), value: value.expect("checked"), denominator })
    }
}

/// Analyses a measure's points with the Making Data Count defaults. A new phase (limits recalculated)
/// starts at the first point on or after each date in `phase_starts`, which come from PDSA cycles that
/// changed the process.
pub fn analyse_measure(
    measure: &MeasureDraft,
    points: &[Point],
    phase_starts: &[CivilDate],
) -> Result<Analysis, SpcError> {
    let (observations, options) = engine_input(measure, points, phase_starts);
    analyse(&observations, &options)
}

/// Before versus after the newest phase break, judged with the earlier phase's limits carried
/// forward (`kindling_spc::compare`); `None` without a phase break. `chart` is the measure's
/// [`analyse_measure`] for the same points and phase starts.
pub fn compare_measure_phases(
    measure: &MeasureDraft,
    points: &[Point],
    phase_starts: &[CivilDate],
    chart: &Analysis,
) -> Result<Option<Comparison>, SpcError> {
    let (observations, options) = engine_input(measure, points, phase_starts);
    compare_newest_phases(chart, &observations, &options)
}

/// The engine's observations and Making Data Count options for a measure.
fn engine_input(measure: &MeasureDraft, points: &[Point], phase_starts: &[CivilDate]) -> (Vec<Obs>, Options) {
    let chart = measure.chart();
    let mut options = Options::preset(Preset::Mdc, chart);
    options.improvement = measure.direction.improvement();
    options.target = measure.target;
    options.phase_starts = phase_starts
        .iter()
        .filter_map(|date| points.iter().position(|p| p.period >= *date))
        .filter(|&i| i > 0)
        .collect();
    let observations = points
        .iter()
        .map(|p| Obs { y: Some(p.value), n: if chart.needs_denominator() { p.denominator } else { None } })
        .collect();
    (observations, options)
}

/// What a measure's evidence says, in one word, for panels and filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// Special cause in the better direction at the latest point.
    Improvement,
    /// Special cause in the worse direction at the latest point.
    Concern,
    /// Special cause on a measure with no better direction.
    Change,
    /// Common cause variation: no sign of change.
    NoChange,
    /// Too few points for limits: only the run chart's centre line.
    TooFewPoints,
}

impl Signal {
    pub fn of(analysis: &Analysis) -> Signal {
        match analysis.variation {
            None => Signal::TooFewPoints,
            Some(Variation::CommonCause) => Signal::NoChange,
            Some(Variation::ImprovementHigh | Variation::ImprovementLow) => Signal::Improvement,
            Some(Variation::ConcernHigh | Variation::ConcernLow) => Signal::Concern,
            Some(Variation::NeitherHigh | Variation::NeitherLow) => Signal::Change,
        }
    }

    /// The machine name used in URLs and the API.
    pub fn slug(self) -> &'static str {
        match self {
            Signal::Improvement => "improvement",
            Signal::Concern => "concern",
            Signal::Change => "change",
            Signal::NoChange => "no-change",
            Signal::TooFewPoints => "too-few-points",
        }
    }

    pub const ALL: [Signal; 5] =
        [Signal::Improvement, Signal::Concern, Signal::Change, Signal::NoChange, Signal::TooFewPoints];

    pub fn label(self) -> &'static str {
        match self {
            Signal::Improvement => "Improvement",
            Signal::Concern => "Concern",
            Signal::Change => "Change",
            Signal::NoChange => "No significant change",
            Signal::TooFewPoints => "Too few points to judge",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u8, d: u8) -> CivilDate {
        CivilDate::new(y, m, d).unwrap()
    }

    fn form() -> MeasureForm {
        MeasureForm {
            name: "Falls per 1,000 bed days".into(),
            kind: "outcome".into(),
            category: "clinical-outcome".into(),
            numerator: "Inpatient falls reported on Datix".into(),
            denominator: "Occupied bed days / 1,000".into(),
            source: "Datix and the bed state report".into(),
            frequency: "monthly".into(),
            direction: "decrease".into(),
            data_type: "rate".into(),
            target: "5".into(),
            ..MeasureForm::default()
        }
    }

    #[test]
    fn a_complete_form_parses_and_round_trips() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.chart(), Chart::U, "rates are drawn on a u chart");
        assert_eq!(draft.target, Some(5.0));
        assert_eq!(MeasureForm::from_draft(&draft).parse().unwrap(), draft);
    }

    #[test]
    fn every_missing_choice_is_named() {
        let errors = MeasureForm::default().parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "kind", "category", "data_type", "numerator", "source", "frequency", "direction"]);
    }

    #[test]
    fn rates_need_a_denominator_and_overrides_need_a_reason() {
        let mut f = form();
        f.denominator.clear();
        f.chart = "c".into();
        f.target = "five".into();
        let errors = f.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["denominator", "target", "chart_reason"]);
        let mut f = form();
        f.chart = "up".into();
        f.chart_reason = "Denominators are in the tens of thousands".into();
        assert_eq!(f.parse().unwrap().chart(), Chart::UPrime);
        // Choosing the recommended chart is not an override.
        f.chart = "u".into();
        assert_eq!(f.parse().unwrap().chart_override, None);
        // A chart needing a denominator on data that has none is refused.
        let mut f = form();
        f.data_type = "value".into();
        f.chart = "p".into();
        f.chart_reason = "why not".into();
        assert_eq!(
            f.parse().unwrap_err().for_field("chart").unwrap(),
            "A p chart (proportions) needs a denominator; this data type has none"
        );
    }

    #[test]
    fn a_good_csv_imports_in_period_order() {
        let text = "\u{feff}Period,Value,Denominator\n2025-02-01,3,1200\n01/01/2025,\"4\",\"1,150\"\n";
        let points = parse_points_csv(text, DataType::Rate).unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[0], Point { period: date(2025, 1, 1), value: 4.0, denominator: Some(1150.0) });
        assert_eq!(points[1].period, date(2025, 2, 1));
    }

    #[test]
    fn a_bad_csv_names_every_bad_row_and_returns_nothing() {
        let text = "period,value,denominator\n2025-01-01,4,100\n2025-02-30,x,100\n2025-03-01,5,\n2025-01-01,3,100\n2025-04-01,120,100\n";
        let errors = parse_points_csv(text, DataType::Proportion).unwrap_err();
        let expected = [
            (
                3,
                "The period \"2025-02-30\" is not a date like 2025-03-01 or 01/03/2025; the value \"x\" is not a number",
            ),
            (4, "The denominator is missing"),
            (5, "The period 2025-01-01 is already on line 2"),
            (6, "The count 120 is more than its total 100"),
        ];
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(got, expected);
        let missing_column = parse_points_csv("month,count\n2025-01-01,3\n", DataType::Count).unwrap_err();
        assert_eq!(
            missing_column[0].message,
            "The first row must name the columns period and value; it has month, count"
        );
        assert!(parse_points_csv("", DataType::Count).is_err());
        assert!(parse_points_csv("period,value\n", DataType::Count).is_err());
        assert_eq!(
            parse_points_csv("period,value,denominator\n2025-01-01,3,10\n", DataType::Count).unwrap_err()[0].message,
            "This measure has no denominator; leave that column empty"
        );
    }

    #[test]
    fn subgroup_files_need_the_subgroup_column_and_name_duplicates_by_group() {
        let text = "subgroup,period,value\n80+,2025-01-01,8\n65-79,2025-01-01,7\n80+,2025-01-01,9\n,2025-02-01,3\n";
        let errors = parse_subgroup_csv(text, DataType::Value).unwrap_err();
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "The period 2025-01-01 for 80+ is already on line 2"),
                (5, "The subgroup must be named, in 60 characters or fewer")
            ]
        );
        let rows = parse_subgroup_csv(
            "subgroup,period,value\nB,2025-02-01,2\nA,2025-01-01,1\nB,2025-01-01,3\n",
            DataType::Value,
        )
        .unwrap();
        let order: Vec<(&str, String)> = rows.iter().map(|(g, p)| (g.as_str(), p.period.iso())).collect();
        assert_eq!(order, [("A", "2025-01-01".into()), ("B", "2025-01-01".into()), ("B", "2025-02-01".into())]);
        assert_eq!(
            parse_subgroup_csv("period,value\n2025-01-01,1\n", DataType::Value).unwrap_err()[0].message,
            "The first row must name the columns subgroup, period and value; it has period, value"
        );
    }

    #[test]
    fn periods_step_by_frequency() {
        assert_eq!(Frequency::Monthly.step(date(2025, 1, 31), 1), Some(date(2025, 2, 28)));
        assert_eq!(Frequency::Monthly.step(date(2024, 1, 31), 1), Some(date(2024, 2, 29)));
        assert_eq!(Frequency::Quarterly.step(date(2025, 11, 1), 1), Some(date(2026, 2, 1)));
        assert_eq!(Frequency::Weekly.step(date(2025, 12, 29), 1), Some(date(2026, 1, 5)));
        assert_eq!(Frequency::Daily.step(date(2024, 2, 28), 2), Some(date(2024, 3, 1)));
        // 1 January 2000 was 10,957 days after 1 January 1970 (30 years, 7 of them leap years).
        assert_eq!(days_from_civil(date(2000, 1, 1)), 10_957);
        assert_eq!(civil_from_days(10_957), Some(date(2000, 1, 1)));
        assert_eq!(date(2026, 11, 22).weekday(), 6, "22 November 2026 is a Sunday");
        assert_eq!(date(2025, 3, 31).add_months(-1), Some(date(2025, 2, 28)));
        assert_eq!(CivilDate::from_unix_ms(951_782_400_000), Some(date(2000, 2, 29)));
    }

    #[test]
    fn a_pasted_column_fills_consecutive_periods_or_names_its_bad_lines() {
        let points =
            parse_pasted_column("12\n 14 \n\n13.5", date(2025, 1, 1), Frequency::Monthly, DataType::Value).unwrap();
        let periods: Vec<String> = points.iter().map(|p| p.period.iso()).collect();
        assert_eq!(periods, ["2025-01-01", "2025-02-01", "2025-03-01"]);
        let errors = parse_pasted_column("3\t40\nx\t40\n5", date(2025, 1, 1), Frequency::Weekly, DataType::Proportion)
            .unwrap_err();
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(got, [(2, "\"x\" is not a number"), (3, "The denominator is missing")]);
    }

    #[test]
    fn the_point_form_keeps_its_messages_on_the_right_fields() {
        let good = PointForm {
            period_day: "1".into(),
            period_month: "3".into(),
            period_year: "2025".into(),
            value: "7".into(),
            denominator: "20".into(),
            ..PointForm::default()
        };
        assert_eq!(good.parse(DataType::Proportion).unwrap().denominator, Some(20.0));
        let bad = PointForm { value: "9".into(), denominator: "4".into(), ..good.clone() };
        assert_eq!(
            bad.parse(DataType::Proportion).unwrap_err().for_field("denominator"),
            Some("The count 9 is more than its total 4")
        );
        let empty = PointForm::default().parse(DataType::Value).unwrap_err();
        assert_eq!(empty.for_field("period_day"), Some("Enter the first day of the period"));
        assert_eq!(empty.for_field("value"), Some("Enter a value"));
    }

    /// A step down of 10 after 12 stable months is special cause improvement for a "lower is better"
    /// measure, and a phase started at the step makes the new level common cause again.
    #[test]
    fn a_phase_from_a_pdsa_cycle_recalculates_the_limits() {
        let mut draft = form().parse().unwrap();
        draft.data_type = DataType::Value;
        draft.definition.denominator = None;
        let values = [
            20.0, 21.0, 19.0, 20.0, 22.0, 18.0, 20.0, 21.0, 19.0, 20.0, 21.0, 19.0, 10.0, 11.0, 9.0, 10.0, 12.0, 8.0,
            10.0, 11.0,
        ];
        let points: Vec<Point> = values
            .iter()
            .enumerate()
            .map(|(k, v)| Point {
                period: Frequency::Monthly.step(date(2024, 1, 1), k as u32).unwrap(),
                value: *v,
                denominator: None,
            })
            .collect();
        let whole = analyse_measure(&draft, &points, &[]).unwrap();
        assert_eq!(Signal::of(&whole), Signal::Improvement);
        let phased = analyse_measure(&draft, &points, &[date(2025, 1, 1)]).unwrap();
        assert_eq!(Signal::of(&phased), Signal::NoChange);
        // The second phase's centre line is the mean of its own eight points (81 / 8).
        assert_eq!(phased.points[19].lines.centre, Some(81.0 / 8.0));
        assert_eq!(phased.points[0].lines.centre, Some(240.0 / 12.0));
    }
}
