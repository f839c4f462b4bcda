//! Driver diagrams: the aim, the primary drivers that most affect it, the secondary drivers under
//! them, and the change ideas that act on those drivers. Change ideas link to the PDSA cycles that
//! test them, drivers to the measures that track them, so the diagram shows which ideas have been
//! tested and with what result.

use serde::{Deserialize, Serialize};

use crate::pdsa::{ActDecision, PdsaStage};
use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, required_text};

slug_enum!(
    /// What a node of the diagram is.
    NodeKind, "driver diagram node" {
        Primary = ("primary", "Primary driver"),
        Secondary = ("secondary", "Secondary driver"),
        Change = ("change", "Change idea"),
    }
);

impl NodeKind {
    /// What a node of this kind may hang from: primary drivers from the aim (no parent), secondary
    /// drivers from a primary driver, change ideas from either kind of driver.
    pub fn may_hang_from(self, parent: Option<NodeKind>) -> bool {
        match self {
            NodeKind::Primary => parent.is_none(),
            NodeKind::Secondary => parent == Some(NodeKind::Primary),
            NodeKind::Change => matches!(parent, Some(NodeKind::Primary | NodeKind::Secondary)),
        }
    }
}

pub const MAX_LABEL_CHARS: usize = 200;

/// A node as typed: its kind, its text and (for all but primary drivers) its parent's id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeForm {
    pub kind: String,
    pub label: String,
    pub parent: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeDraft {
    pub kind: NodeKind,
    pub label: String,
    pub parent: Option<i64>,
}

impl NodeForm {
    /// `parent_kind` finds a node of this initiative's diagram by id.
    ///
    /// # Errors
    /// An unknown kind, a missing or over-long label, a label with what looks like a patient
    /// identifier, or a parent that is not in the diagram or cannot carry this kind of node.
    pub fn parse(&self, parent_kind: impl Fn(i64) -> Option<NodeKind>) -> Result<NodeDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.parse::<NodeKind>().ok();
        if kind.is_none() {
            errors.add("kind", "Choose a primary driver, a secondary driver or a change idea");
        }
        let what = match kind {
            Some(NodeKind::Change) => "the change idea",
            _ => "the driver",
        };
        let label = required_text(&mut errors, "label", &self.label, what, MAX_LABEL_CHARS);
        let findings = screen(&self.label);
        if !findings.is_empty() {
            errors.add("label", format!("Remove what looks like {}", describe(&findings)));
        }
        let parent = match self.parent.trim() {
            "" => None,
            raw => raw.parse::<i64>().ok().or_else(|| {
                errors.add("parent", "Choose where it belongs from the list");
                None
            }),
        };
        if let Some(kind) = kind {
            let found = parent.map(&parent_kind);
            if parent.is_some() && found == Some(None) {
                errors.add("parent", "Choose where it belongs from the list");
            } else if !kind.may_hang_from(found.flatten()) {
                errors.add(
                    "parent",
                    match kind {
                        NodeKind::Primary => "A primary driver hangs from the aim",
                        NodeKind::Secondary => "Choose the primary driver it belongs under",
                        NodeKind::Change => "Choose the driver this change idea acts on",
                    },
                );
            }
        }
        match kind {
            Some(kind) => errors.into_result(|| NodeDraft { kind, label, parent }),
            None => Err(errors),
        }
    }
}

/// How far a change idea has been tested, from the PDSA cycles linked to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tested {
    NotYet,
    /// A linked cycle is under way.
    Testing,
    /// Every linked cycle has finished; the latest decision.
    Tested(ActDecision),
}

impl Tested {
    pub fn label(self) -> String {
        match self {
            Tested::NotYet => "Not tested yet".into(),
            Tested::Testing => "Being tested".into(),
            Tested::Tested(d) => format!("Tested: {}", d.slug()),
        }
    }

    /// The stable name the API uses: `not-yet`, `testing`, or `tested-` and the decision.
    pub fn slug(self) -> String {
        match self {
            Tested::NotYet => "not-yet".into(),
            Tested::Testing => "testing".into(),
            Tested::Tested(d) => format!("tested-{}", d.slug()),
        }
    }

    /// An NHS.UK tag colour for the state.
    pub fn colour(self) -> &'static str {
        match self {
            Tested::NotYet => "grey",
            Tested::Testing => "blue",
            Tested::Tested(ActDecision::Adopt) => "green",
            Tested::Tested(ActDecision::Adapt) => "yellow",
            Tested::Tested(ActDecision::Abandon) => "red",
        }
    }
}

/// A linked cycle as the diagram needs it: its order, stage and decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkedCycle {
    pub number: usize,
    pub stage: PdsaStage,
    pub decision: Option<ActDecision>,
}

/// A change idea's state: not tested without cycles; being tested while any linked cycle is open;
/// otherwise tested, with the decision of the latest cycle.
pub fn tested(cycles: &[LinkedCycle]) -> Tested {
    if cycles.is_empty() {
        return Tested::NotYet;
    }
    if cycles.iter().any(|c| c.decision.is_none() || c.stage != PdsaStage::Done) {
        return Tested::Testing;
    }
    cycles.iter().max_by_key(|c| c.number).and_then(|c| c.decision).map_or(Tested::Testing, Tested::Tested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, label: &str, parent: &str) -> NodeForm {
        NodeForm { kind: kind.into(), label: label.into(), parent: parent.into() }
    }

    /// The diagram: node 1 is a primary driver, 2 a secondary driver under it, 3 a change idea.
    fn kind_of(id: i64) -> Option<NodeKind> {
        match id {
            1 => Some(NodeKind::Primary),
            2 => Some(NodeKind::Secondary),
            3 => Some(NodeKind::Change),
            _ => None,
        }
    }

    #[test]
    fn nodes_hang_where_a_driver_diagram_allows() {
        assert!(form("primary", "Staff present in bays", "").parse(kind_of).is_ok());
        assert!(form("secondary", "Tagging rota", "1").parse(kind_of).is_ok());
        assert!(form("change", "Tag handed over at breaks", "2").parse(kind_of).is_ok());
        assert!(form("change", "Bay tag on the whiteboard", "1").parse(kind_of).is_ok());
        let cases = [
            (form("primary", "x", "1"), "A primary driver hangs from the aim"),
            (form("secondary", "x", ""), "Choose the primary driver it belongs under"),
            (form("secondary", "x", "2"), "Choose the primary driver it belongs under"),
            (form("change", "x", "3"), "Choose the driver this change idea acts on"),
            (form("change", "x", "99"), "Choose where it belongs from the list"),
        ];
        for (f, message) in cases {
            assert_eq!(f.parse(kind_of).unwrap_err().for_field("parent"), Some(message), "{f:?}");
        }
        let e = form("idea", "", "").parse(kind_of).unwrap_err();
        assert!(e.for_field("kind").is_some());
        let e = form("change", "Ask Mr Jones first", "1").parse(kind_of).unwrap_err();
        assert_eq!(e.for_field("label"), Some("Remove what looks like a name after a title"));
    }

    #[test]
    fn a_change_idea_is_tested_when_its_cycles_are_done() {
        let open = LinkedCycle { number: 1, stage: PdsaStage::Do, decision: None };
        let adapt = LinkedCycle { number: 1, stage: PdsaStage::Done, decision: Some(ActDecision::Adapt) };
        let adopt = LinkedCycle { number: 2, stage: PdsaStage::Done, decision: Some(ActDecision::Adopt) };
        assert_eq!(tested(&[]), Tested::NotYet);
        assert_eq!(tested(&[open]), Tested::Testing);
        assert_eq!(tested(&[adopt, adapt]), Tested::Tested(ActDecision::Adopt), "the latest cycle decides");
        assert_eq!(tested(&[adapt, LinkedCycle { number: 2, ..open }]), Tested::Testing);
        assert_eq!(Tested::Tested(ActDecision::Adopt).label(), "Tested: adopt");
    }
}
