//! Plan-do-study-act cycles: the small, measured tests of change a pilot is made of.
//!
//! A cycle that changes the process marks a new phase on the measures it names, from its start date,
//! so that their limits are recalculated from there: the chart then shows whether the new process is
//! stable at a new level, rather than averaging the old process with the new.

use serde::{Deserialize, Serialize};

use crate::ids::MeasureId;
use crate::initiatives::CivilDate;
use crate::people::slug_enum;
use crate::validation::{FieldErrors, optional_text, required_text};

slug_enum!(
    /// Where a cycle has got to.
    PdsaStage, "PDSA stage" {
        Plan = ("plan", "Plan"),
        Do = ("do", "Do"),
        Study = ("study", "Study"),
        Act = ("act", "Act"),
        Done = ("done", "Done"),
    }
);

slug_enum!(
    /// What the team decided after studying the data.
    ActDecision, "decision" {
        Adopt = ("adopt", "Adopt: keep the change as it is"),
        Adapt = ("adapt", "Adapt: change it and test again"),
        Abandon = ("abandon", "Abandon: stop this change"),
    }
);

/// A validated plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PdsaPlan {
    /// The change being tested.
    pub change: String,
    /// What the team predicts will happen, written before the data come in.
    pub prediction: String,
    pub starts_on: CivilDate,
    /// Measures whose limits restart at `starts_on` because this change alters the process.
    pub phase_measures: Vec<MeasureId>,
}

/// The plan form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PdsaPlanForm {
    pub change: String,
    pub prediction: String,
    pub starts_day: String,
    pub starts_month: String,
    pub starts_year: String,
    /// Ids of the measures to start a new phase on (checkboxes, so possibly several).
    #[serde(rename = "phase_measure")]
    pub phase_measures: Vec<String>,
}

impl PdsaPlanForm {
    /// `is_measure` says whether an id is one of this initiative's measures.
    pub fn parse(&self, is_measure: impl Fn(MeasureId) -> bool) -> Result<PdsaPlan, FieldErrors> {
        let mut errors = FieldErrors::new();
        let change = required_text(&mut errors, "change", &self.change, "the change you will test", 500);
        let prediction =
            required_text(&mut errors, "prediction", &self.prediction, "what you predict will happen", 1000);
        let starts_on = match CivilDate::from_parts(&self.starts_day, &self.starts_month, &self.starts_year) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.add("starts_day", "Enter the date the test starts");
                None
            }
            Err(message) => {
                errors.add("starts_day", message);
                None
            }
        };
        let mut phase_measures = Vec::new();
        for raw in &self.phase_measures {
            match raw.parse::<i64>().ok().map(MeasureId::new).filter(|id| is_measure(*id)) {
                Some(id) if !phase_measures.contains(&id) => phase_measures.push(id),
                Some(_) => {}
                None => errors.add("phase_measure", "Select measures of this initiative only"),
            }
        }
        errors.into_result(|| PdsaPlan { change, prediction, starts_on: starts_on.expect("checked"), phase_measures })
    }
}

/// The form that moves a cycle on: notes for "do", what the data showed for "study", the decision for
/// "act".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PdsaProgressForm {
    pub do_notes: String,
    pub study: String,
    pub decision: String,
    pub decision_notes: String,
}

/// A validated step forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PdsaProgress {
    /// Plan → Do: the test has started; notes on what happened are optional.
    Started { notes: Option<String> },
    /// Do → Study: what the data showed against the prediction.
    Studied { study: String },
    /// Study → Act → Done: the decision, with what happens next.
    Decided { decision: ActDecision, notes: Option<String> },
}

impl PdsaProgressForm {
    /// What the form means at `stage`; each stage asks for its own field.
    pub fn parse(&self, stage: PdsaStage) -> Result<(PdsaStage, PdsaProgress), FieldErrors> {
        let mut errors = FieldErrors::new();
        let outcome = match stage {
            PdsaStage::Plan => {
                let notes = optional_text(&mut errors, "do_notes", &self.do_notes, "notes", 2000);
                (PdsaStage::Do, PdsaProgress::Started { notes })
            }
            PdsaStage::Do => {
                let study = required_text(
                    &mut errors,
                    "study",
                    &self.study,
                    "what the data showed against the prediction",
                    2000,
                );
                (PdsaStage::Study, PdsaProgress::Studied { study })
            }
            PdsaStage::Study | PdsaStage::Act => {
                let decision = self.decision.parse::<ActDecision>().ok();
                if decision.is_none() {
                    errors.add("decision", "Select adopt, adapt or abandon");
                }
                let notes = optional_text(&mut errors, "decision_notes", &self.decision_notes, "notes", 2000);
                (PdsaStage::Done, PdsaProgress::Decided { decision: decision.unwrap_or(ActDecision::Adapt), notes })
            }
            PdsaStage::Done => {
                errors.add("decision", "This cycle is finished; start a new cycle to test again");
                (PdsaStage::Done, PdsaProgress::Started { notes: None })
            }
        };
        errors.into_result(|| outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_form() -> PdsaPlanForm {
        PdsaPlanForm {
            change: "Huddle at 8am to flag patients at risk of falls".into(),
            prediction: "Falls drop from about 8 to 5 a month".into(),
            starts_day: "3".into(),
            starts_month: "2".into(),
            starts_year: "2025".into(),
            phase_measures: vec!["4".into(), "4".into()],
        }
    }

    #[test]
    fn a_plan_names_its_measures_once() {
        let plan = plan_form().parse(|id| id.get() == 4).unwrap();
        assert_eq!(plan.phase_measures, [MeasureId::new(4)]);
        assert_eq!(plan.starts_on.iso(), "2025-02-03");
    }

    #[test]
    fn a_plan_refuses_other_initiatives_measures_and_missing_fields() {
        let errors = PdsaPlanForm { phase_measures: vec!["9".into()], ..PdsaPlanForm::default() }
            .parse(|id| id.get() == 4)
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["change", "prediction", "starts_day", "phase_measure"]);
    }

    #[test]
    fn each_stage_asks_for_its_own_field() {
        let empty = PdsaProgressForm::default();
        assert_eq!(empty.parse(PdsaStage::Plan).unwrap(), (PdsaStage::Do, PdsaProgress::Started { notes: None }));
        assert_eq!(
            empty.parse(PdsaStage::Do).unwrap_err().for_field("study"),
            Some("Enter what the data showed against the prediction")
        );
        assert_eq!(
            empty.parse(PdsaStage::Study).unwrap_err().for_field("decision"),
            Some("Select adopt, adapt or abandon")
        );
        let adopt = PdsaProgressForm { decision: "adopt".into(), ..PdsaProgressForm::default() };
        assert_eq!(
            adopt.parse(PdsaStage::Study).unwrap(),
            (PdsaStage::Done, PdsaProgress::Decided { decision: ActDecision::Adopt, notes: None })
        );
        assert!(adopt.parse(PdsaStage::Done).is_err());
    }
}
