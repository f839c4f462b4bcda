//! Measures, data and PDSA cycles for the demonstration hub. The numbers are written out by hand so
//! that each measure tells a known story (checked by the tests against the rules, not against this
//! code's output):
//!
//! - falls on Ward 7 fall after bay tagging (outcome: improvement), bays tagged rise (process:
//!   improvement), while staff overtime climbs (balancing: concern, to be called out);
//! - well-being huddles leave the share of staff who feel supported unchanged (outcome: no change,
//!   far from the target);
//! - discharge letters: a PDSA cycle that changed the process starts a new phase, and the new level
//!   is stable;
//! - the care home's urinary infections show no change yet.

use kindling_domain::ids::{InitiativeId, MeasureId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{
    DataType, Direction, Frequency, MeasureCategory, MeasureDraft, MeasureKind, OperationalDefinition, Point,
};
use kindling_domain::pdsa::{ActDecision, PdsaPlan, PdsaProgress, PdsaStage};

use crate::{Actor, Db, StoreError, WriteTx, measures, pdsa};

/// The initiatives that get evidence, found by the caller.
pub struct Pilots {
    pub falls: InitiativeId,
    pub huddles: InitiativeId,
    pub discharge: InitiativeId,
    pub hydration: InitiativeId,
}

struct Spec<'a> {
    name: &'a str,
    kind: MeasureKind,
    category: MeasureCategory,
    numerator: &'a str,
    denominator: Option<&'a str>,
    source: &'a str,
    frequency: Frequency,
    unit: &'a str,
    direction: Direction,
    target: Option<f64>,
    data_type: DataType,
}

impl Spec<'_> {
    fn draft(&self) -> MeasureDraft {
        MeasureDraft {
            name: self.name.into(),
            kind: self.kind,
            category: self.category,
            definition: OperationalDefinition {
                numerator: self.numerator.into(),
                denominator: self.denominator.map(Into::into),
                inclusions: None,
                exclusions: None,
                source: self.source.into(),
                frequency: self.frequency,
            },
            unit: Some(self.unit.into()),
            direction: self.direction,
            target: self.target,
            data_type: self.data_type,
            chart_override: None,
        }
    }
}

/// Periods ending with the last complete one before `today`, one per value.
fn periods(today: CivilDate, frequency: Frequency, count: usize) -> Vec<CivilDate> {
    let back = count as i64 - 1;
    let first = match frequency {
        // Monday of last week, then back.
        Frequency::Weekly => today.add_days(-i64::from(today.weekday()) - 7 - 7 * back),
        _ => CivilDate::new(today.year, today.month, 1).and_then(|d| d.add_months(-1 - back)),
    }
    .expect("demo dates are in range");
    (0..count).map(|k| frequency.step(first, k as u32).expect("in range")).collect()
}

fn points(periods: &[CivilDate], values: &[f64], denominators: Option<&[f64]>) -> Vec<Point> {
    periods
        .iter()
        .zip(values)
        .enumerate()
        .map(|(k, (period, value))| Point { period: *period, value: *value, denominator: denominators.map(|d| d[k]) })
        .collect()
}

async fn measure(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    spec: &Spec<'_>,
    data: &[Point],
) -> Result<MeasureId, StoreError> {
    let id = measures::create_in(tx, db, by, initiative, &spec.draft())
        .await?
        .ok_or_else(|| StoreError::Corrupt("demo initiative missing".into()))?;
    measures::add_points_in(tx, db, by, id, data, "the demonstration seed").await?;
    Ok(id)
}

pub async fn seed(
    tx: &mut WriteTx,
    db: &Db,
    northfield: Actor,
    riverside: Actor,
    pilots: &Pilots,
    today: CivilDate,
) -> Result<(), StoreError> {
    // Falls: 14 months at about 8 per 1,000 bed days, then 10 at about 4 after bay tagging began.
    let months = periods(today, Frequency::Monthly, 24);
    let falls = [7., 8., 6., 9., 7., 8., 7., 6., 8., 7., 9., 7., 8., 7., 5., 4., 3., 4., 3., 4., 2., 3., 4., 3.];
    let bed_days = [
        0.89, 0.87, 0.90, 0.88, 0.91, 0.86, 0.89, 0.90, 0.88, 0.87, 0.89, 0.90, 0.88, 0.89, 0.87, 0.90, 0.88, 0.89,
        0.91, 0.88, 0.87, 0.89, 0.90, 0.88,
    ];
    let falls_spec = Spec {
        name: "Inpatient falls per 1,000 bed days",
        kind: MeasureKind::Outcome,
        category: MeasureCategory::ClinicalOutcome,
        numerator: "Inpatient falls on Ward 7 reported on the incident system",
        denominator: Some("Occupied bed days on Ward 7, in thousands"),
        source: "Incident reporting system and the daily bed state",
        frequency: Frequency::Monthly,
        unit: "falls per 1,000 bed days",
        direction: Direction::Decrease,
        target: Some(6.0),
        data_type: DataType::Rate,
    };
    measure(tx, db, northfield, pilots.falls, &falls_spec, &points(&months, &falls, Some(&bed_days))).await?;
    let tagged = [
        24., 23., 25., 22., 24., 26., 23., 24., 25., 22., 24., 23., 25., 24., 33., 35., 36., 37., 36., 38., 37., 36.,
        38., 37.,
    ];
    let audits = [40.; 24];
    let tagging = Spec {
        name: "Bays with a tagged member of staff at spot audit",
        kind: MeasureKind::Process,
        category: MeasureCategory::ClinicalOutcome,
        numerator: "Spot audits finding a tagged member of staff present in the bay",
        denominator: Some("Spot audits of high-risk bays (10 a week)"),
        source: "Ward 7 spot audit sheet",
        frequency: Frequency::Monthly,
        unit: "proportion of audits",
        direction: Direction::Increase,
        target: Some(0.9),
        data_type: DataType::Proportion,
    };
    measure(tx, db, northfield, pilots.falls, &tagging, &points(&months, &tagged, Some(&audits))).await?;
    let overtime = [
        42., 45., 40., 44., 43., 41., 46., 42., 44., 43., 45., 41., 43., 44., 48., 51., 50., 53., 52., 55., 54., 56.,
        55., 57.,
    ];
    let overtime_spec = Spec {
        name: "Staff overtime hours on Ward 7",
        kind: MeasureKind::Balancing,
        category: MeasureCategory::StaffWellbeing,
        numerator: "Overtime and bank hours worked by Ward 7 nursing staff in the month, per week",
        denominator: None,
        source: "e-Rostering report",
        frequency: Frequency::Monthly,
        unit: "hours per week",
        direction: Direction::Decrease,
        target: None,
        data_type: DataType::Value,
    };
    measure(tx, db, northfield, pilots.falls, &overtime_spec, &points(&months, &overtime, None)).await?;
    let tagging_start = months[14];
    let cycle = pdsa::start_in(
        tx,
        db,
        northfield,
        pilots.falls,
        &PdsaPlan {
            change: "Tag one member of staff into each high-risk bay, with a handover before leaving".into(),
            prediction: "Falls drop from about 8 to 5 per 1,000 bed days within three months".into(),
            starts_on: tagging_start,
            phase_measures: Vec::new(),
        },
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("demo initiative missing".into()))?;
    for (from, to, step) in [
        (PdsaStage::Plan, PdsaStage::Do, PdsaProgress::Started { notes: Some("Started on both bays of high-risk patients.".into()) }),
        (PdsaStage::Do, PdsaStage::Study, PdsaProgress::Studied { study: "Falls fell to about 4 per 1,000 bed days, better than predicted; overtime rose because tagging needs a spare person at breaks.".into() }),
        (PdsaStage::Study, PdsaStage::Done, PdsaProgress::Decided { decision: ActDecision::Adapt, notes: Some("Keep tagging; test a break rota that does not need overtime.".into()) }),
    ] {
        pdsa::progress_in(tx, db, northfield, cycle, (from, to), &step).await?;
    }

    // Huddles: the share who feel supported stays around 36%, far short of the 60% target.
    let supported = [18., 17., 19., 16., 18., 20., 17., 18., 19., 17., 18., 16., 19., 18., 17., 19., 18., 17.];
    let surveyed = [50.; 18];
    let huddle_months = periods(today, Frequency::Monthly, 18);
    let huddles = Spec {
        name: "Staff who feel supported after a difficult shift",
        kind: MeasureKind::Outcome,
        category: MeasureCategory::StaffWellbeing,
        numerator: "Respondents answering 'agree' or 'strongly agree' to 'I felt supported after my last difficult shift'",
        denominator: Some("Respondents to the monthly pulse survey (50 a month)"),
        source: "Monthly staff pulse survey",
        frequency: Frequency::Monthly,
        unit: "proportion of respondents",
        direction: Direction::Increase,
        target: Some(0.6),
        data_type: DataType::Proportion,
    };
    measure(tx, db, northfield, pilots.huddles, &huddles, &points(&huddle_months, &supported, Some(&surveyed))).await?;

    // Discharge letters: hours from medically fit to letter complete, weekly; a new phase from the
    // cycle that moved letter drafting to the board round.
    let weeks = periods(today, Frequency::Weekly, 26);
    let hours = [
        4.6, 4.2, 4.9, 4.4, 4.7, 4.3, 4.8, 4.5, 4.1, 4.6, 4.4, 4.7, 4.5, 2.3, 2.0, 2.4, 1.9, 2.2, 2.1, 2.5, 1.8, 2.2,
        2.0, 2.3, 2.1, 1.9,
    ];
    let letters = Spec {
        name: "Hours from medically fit to discharge letter complete",
        kind: MeasureKind::Outcome,
        category: MeasureCategory::EfficiencyOrCost,
        numerator: "Median hours, over the week's discharges from Ward 7, from the medically fit entry to the letter being signed",
        denominator: None,
        source: "Electronic patient record timestamps",
        frequency: Frequency::Weekly,
        unit: "hours",
        direction: Direction::Decrease,
        target: Some(2.0),
        data_type: DataType::Value,
    };
    let letters_id = measure(tx, db, northfield, pilots.discharge, &letters, &points(&weeks, &hours, None)).await?;
    pdsa::start_in(
        tx,
        db,
        northfield,
        pilots.discharge,
        &PdsaPlan {
            change: "Draft the discharge letter during the morning board round".into(),
            prediction: "Letters are complete about two hours after the patient is medically fit".into(),
            starts_on: weeks[13],
            phase_measures: vec![letters_id],
        },
    )
    .await?;

    // The care home's urinary infections: a count per month, no change yet.
    let utis = [3., 2., 4., 3., 2., 3., 5., 2., 3., 4., 2., 3., 3., 2., 4., 3.];
    let care_months = periods(today, Frequency::Monthly, 16);
    let hydration = Spec {
        name: "Urinary tract infections treated",
        kind: MeasureKind::Outcome,
        category: MeasureCategory::ClinicalOutcome,
        numerator: "Residents starting antibiotics for a urinary tract infection in the month",
        denominator: None,
        source: "Medicines administration record",
        frequency: Frequency::Monthly,
        unit: "infections",
        direction: Direction::Decrease,
        target: Some(2.0),
        data_type: DataType::Count,
    };
    measure(tx, db, riverside, pilots.hydration, &hydration, &points(&care_months, &utis, None)).await?;
    Ok(())
}
