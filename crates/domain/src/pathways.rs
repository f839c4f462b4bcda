//! Skills pathways: short guided routes for staff through the method (from idea to prototype,
//! measuring for improvement, running a PDSA cycle, communicating an idea, spreading a change). Some
//! steps come with a template (process map, stakeholder map, PDSA worksheet, elevator pitch) that
//! fills itself from the initiative's own data, so nobody starts from a blank page.

use serde::Serialize;

/// A template a step offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    ProcessMap,
    StakeholderMap,
    PdsaWorksheet,
    ElevatorPitch,
}

impl Template {
    pub fn label(self) -> &'static str {
        match self {
            Template::ProcessMap => "Process map",
            Template::StakeholderMap => "Stakeholder map",
            Template::PdsaWorksheet => "PDSA worksheet",
            Template::ElevatorPitch => "Elevator pitch",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Template::ProcessMap => "process-map",
            Template::StakeholderMap => "stakeholder-map",
            Template::PdsaWorksheet => "pdsa-worksheet",
            Template::ElevatorPitch => "elevator-pitch",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Template::ProcessMap, Template::StakeholderMap, Template::PdsaWorksheet, Template::ElevatorPitch]
            .into_iter()
            .find(|t| t.slug() == raw)
    }
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Step {
    pub slug: &'static str,
    pub title: &'static str,
    pub guidance: &'static str,
    pub template: Option<Template>,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Pathway {
    pub slug: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub steps: &'static [Step],
}

const fn step(slug: &'static str, title: &'static str, guidance: &'static str, template: Option<Template>) -> Step {
    Step { slug, title, guidance, template }
}

/// Every pathway, in the order an idea usually needs them.
pub const PATHWAYS: &[Pathway] = &[
    Pathway {
        slug: "idea-to-prototype",
        title: "From idea to prototype",
        summary: "Understand the problem before the solution, then make the smallest thing that can be tried.",
        steps: &[
            step(
                "problem",
                "Describe the problem, not the solution",
                "Say what happens now, to whom, how often, and why it matters. Ask the people it affects.",
                None,
            ),
            step(
                "map",
                "Map the process as it is",
                "Walk the process with the people who do it. Mark the delays, hand-offs and workarounds.",
                Some(Template::ProcessMap),
            ),
            step(
                "prototype",
                "Make the smallest thing you can try",
                "A paper version, a mock-up or a one-day trial: something cheap that tests the key assumption.",
                None,
            ),
        ],
    },
    Pathway {
        slug: "measuring",
        title: "Measuring for improvement",
        summary: "Choose outcome, process and balancing measures, define them precisely, and plot them over time.",
        steps: &[
            step(
                "family",
                "Choose a family of measures",
                "One outcome measure (did it get better?), process measures (are we doing it?) and a balancing measure (did something else get worse?).",
                None,
            ),
            step(
                "define",
                "Write operational definitions",
                "Exactly what is counted, from where, how often and by whom, so two people would get the same number.",
                None,
            ),
            step(
                "baseline",
                "Collect a baseline",
                "At least 12 points before the change, plotted as a run chart, so a change can be told from noise.",
                None,
            ),
        ],
    },
    Pathway {
        slug: "pdsa",
        title: "Running a PDSA cycle",
        summary: "Test a change on a small scale with a prediction, learn from what happens, and decide what to do next.",
        steps: &[
            step(
                "plan",
                "Plan with a prediction",
                "What will you try, with whom, when, and what do you predict will happen?",
                Some(Template::PdsaWorksheet),
            ),
            step("do", "Do it, and note what happens", "Keep notes of problems and surprises as they happen.", None),
            step(
                "study",
                "Study the data against the prediction",
                "Compare what happened with what you predicted. What did you learn?",
                None,
            ),
            step("act", "Act: adopt, adapt or abandon", "Decide, and plan the next cycle.", None),
        ],
    },
    Pathway {
        slug: "communicating",
        title: "Communicating your idea",
        summary: "Explain the change to the people who decide, the people who do the work and the people it is for.",
        steps: &[
            step(
                "stakeholders",
                "Know who has a stake",
                "Who decides, who does the work, who is affected, who could block it? What does each need to hear?",
                Some(Template::StakeholderMap),
            ),
            step(
                "pitch",
                "Say it in thirty seconds",
                "The problem, the change, the aim and how you will know: short enough to say in a lift.",
                Some(Template::ElevatorPitch),
            ),
            step(
                "public",
                "Tell patients in plain words",
                "Write the public page about the change: what, why, how it helps, what you learned, how to give feedback.",
                None,
            ),
        ],
    },
    Pathway {
        slug: "spreading",
        title: "Spreading a change",
        summary: "Separate the core of the change from what each site can adapt, and judge it again at each site.",
        steps: &[
            step(
                "core",
                "Name the core and the adaptable parts",
                "What must stay the same for the change to work, and what can each site adapt?",
                None,
            ),
            step(
                "complexity",
                "Rate the complexity of the spread",
                "Use the NASSS domains to see how much support each site will need.",
                None,
            ),
            step(
                "sites",
                "Measure again at each site",
                "Each site collects its own baseline and judges its own chart.",
                None,
            ),
        ],
    },
];

pub fn pathway(slug: &str) -> Option<&'static Pathway> {
    PATHWAYS.iter().find(|p| p.slug == slug)
}

/// What a template is filled from: the initiative's own data, already loaded.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Facts {
    pub title: String,
    pub problem: String,
    pub proposed_change: String,
    /// The aim in one sentence, if any part is known.
    pub aim: Option<String>,
    /// Who the change is for.
    pub for_whom: Option<String>,
    /// Team members as "name (role)".
    pub team: Vec<String>,
    /// Measure names with their kind.
    pub measures: Vec<String>,
    /// Who decides: the approval route, if known.
    pub decided_by: Option<String>,
    /// The latest PDSA cycle: change, prediction, what was done, what was learned, decision.
    pub latest_cycle: Option<[Option<String>; 5]>,
}

/// A filled template: headed sections of text the person then edits into their own.
pub fn fill(template: Template, f: &Facts) -> Vec<(String, String)> {
    let or = |v: &Option<String>, missing: &str| v.clone().unwrap_or_else(|| missing.to_owned());
    let listed = |items: &[String], missing: &str| if items.is_empty() { missing.to_owned() } else { items.join("; ") };
    match template {
        Template::ProcessMap => vec![
            ("Where it starts and ends".into(), format!("The process around: {}", f.title)),
            ("What happens now".into(), f.problem.clone()),
            (
                "Where it goes wrong".into(),
                "Mark each delay, hand-off and workaround you saw when you walked the process.".into(),
            ),
            ("What will be different".into(), f.proposed_change.clone()),
        ],
        Template::StakeholderMap => vec![
            ("Who does the work".into(), listed(&f.team, "Add your team on the initiative's page")),
            ("Who it is for".into(), or(&f.for_whom, "Say who the change is for in the aim")),
            ("Who decides".into(), or(&f.decided_by, "Known once the initiative is submitted for assessment")),
            ("Who else could help or block it".into(), "Name them, and what each needs to hear.".into()),
        ],
        Template::PdsaWorksheet => {
            let c = f.latest_cycle.clone().unwrap_or_default();
            let get = |i: usize, missing: &str| c.get(i).cloned().flatten().unwrap_or_else(|| missing.to_owned());
            vec![
                ("Plan: the change to test".into(), get(0, &f.proposed_change)),
                ("Plan: what we predict".into(), get(1, "Write a prediction you could be wrong about")),
                ("Do: what happened".into(), get(2, "Note what happens as you try it")),
                ("Study: what we learned".into(), get(3, "Compare the data with the prediction")),
                ("Act: what next".into(), get(4, "Adopt, adapt or abandon, and plan the next cycle")),
            ]
        }
        Template::ElevatorPitch => {
            let mut pitch =
                format!("{} We want to try this: {}", ensure_stop(&f.problem), ensure_stop(&f.proposed_change));
            if let Some(aim) = &f.aim {
                pitch.push_str(&format!(" Our aim: {}", ensure_stop(aim)));
            }
            if !f.measures.is_empty() {
                pitch.push_str(&format!(" We will know it worked from {}.", f.measures.join(", ")));
            }
            vec![("In thirty seconds".into(), pitch)]
        }
    }
}

fn ensure_stop(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) { s.to_owned() } else { format!("{s}.") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            title: "Protected mealtimes".into(),
            problem: "Patients who need help to eat are not always helped while their meal is hot".into(),
            proposed_change: "Trained volunteers help patients with a red tray.".into(),
            aim: Some("every patient with a red tray is helped by October".into()),
            for_whom: Some("inpatients who need help to eat".into()),
            team: vec!["Priya Shah (Lead)".into()],
            measures: vec!["patients helped (outcome)".into()],
            decided_by: None,
            latest_cycle: Some([Some("Volunteers on one ward".into()), None, None, None, None]),
        }
    }

    #[test]
    fn pathways_have_unique_steps_and_reachable_templates() {
        assert_eq!(PATHWAYS.len(), 5);
        for p in PATHWAYS {
            let mut slugs: Vec<&str> = p.steps.iter().map(|s| s.slug).collect();
            slugs.sort_unstable();
            slugs.dedup();
            assert_eq!(slugs.len(), p.steps.len(), "{}", p.slug);
        }
        let offered: Vec<Template> = PATHWAYS.iter().flat_map(|p| p.steps).filter_map(|s| s.template).collect();
        for t in [Template::ProcessMap, Template::StakeholderMap, Template::PdsaWorksheet, Template::ElevatorPitch] {
            assert!(offered.contains(&t), "{t:?} is offered by a step");
            assert_eq!(Template::parse(t.slug()), Some(t));
        }
    }

    #[test]
    fn templates_fill_from_the_initiative_and_say_what_is_missing() {
        let pitch = fill(Template::ElevatorPitch, &facts());
        assert_eq!(
            pitch[0].1,
            "Patients who need help to eat are not always helped while their meal is hot. We want to try this: \
             Trained volunteers help patients with a red tray. Our aim: every patient with a red tray is helped by \
             October. We will know it worked from patients helped (outcome)."
        );
        let people = fill(Template::StakeholderMap, &facts());
        assert_eq!(people[0].1, "Priya Shah (Lead)");
        assert_eq!(people[2].1, "Known once the initiative is submitted for assessment");
        let worksheet = fill(Template::PdsaWorksheet, &facts());
        assert_eq!(worksheet[0].1, "Volunteers on one ward");
        assert_eq!(worksheet[1].1, "Write a prediction you could be wrong about");
    }
}
