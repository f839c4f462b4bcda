//! The permission matrix: which roles may do what inside an organisation.
//!
//! Architecture invariant: visibility is scoped to the organisation. Every check here is about one
//! organisation; a person with no membership there has no standing at all, and the web layer answers
//! 404 (not 403) so that the existence of another organisation's records is not revealed.
//!
//! Stage moves have their own, finer rules in [`crate::initiatives`].

use crate::initiatives::Standing;
use crate::people::Role;

/// Something a person may ask to do inside one organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the organisation's initiatives, sites and people.
    ViewInitiatives,
    /// Submit a new idea.
    SubmitIdea,
    /// Change an initiative's problem, aim, team and tags.
    EditInitiative,
    /// Comment on an initiative.
    Comment,
    /// Manage people, sites, units and settings.
    ManageOrganisation,
    /// Read the audit log.
    ViewAuditLog,
    /// Move or remove a phase break on a measure's chart (the analyst's correction, with a reason).
    AdjustPhase,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ViewInitiatives,
        Action::SubmitIdea,
        Action::EditInitiative,
        Action::Comment,
        Action::ManageOrganisation,
        Action::ViewAuditLog,
        Action::AdjustPhase,
    ];
}

/// Whether `standing` allows `action`. Every member may view, submit and comment: ideas come from
/// anyone on the staff (a patient partner's limited account is not a membership for any of this).
/// Editing belongs to the initiative's own people and to those who shape the portfolio.
pub fn allows(standing: &Standing, action: Action) -> bool {
    use Role::*;
    let member = standing.roles.iter().any(|r| *r != Partner);
    let has = |roles: &[Role]| standing.roles.iter().any(|r| roles.contains(r));
    match action {
        Action::ViewInitiatives | Action::SubmitIdea | Action::Comment => member,
        Action::EditInitiative => {
            member && (standing.is_submitter || standing.is_team_member || has(&[ImprovementLead, Admin]))
        }
        Action::ManageOrganisation => has(&[Admin]),
        Action::ViewAuditLog => has(&[Admin, Executive]),
        Action::AdjustPhase => has(&[ImprovementLead, Admin]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;

    /// The matrix for plain role holders (not submitter, not on the team), one row per role, columns
    /// in the order of `Action::ALL`.
    #[test]
    fn matrix_for_role_holders() {
        let table: &[(Option<Role>, [bool; 7])] = &[
            //                   view   submit edit   comment manage audit  phase
            (None, [false, false, false, false, false, false, false]),
            (Some(Admin), [true, true, true, true, true, true, true]),
            (Some(Clinician), [true, true, false, true, false, false, false]),
            (Some(ImprovementLead), [true, true, true, true, false, false, true]),
            (Some(Approver), [true, true, false, true, false, false, false]),
            (Some(Executive), [true, true, false, true, false, true, false]),
            (Some(ProgrammeLead), [true, true, false, true, false, false, false]),
            (Some(Mentor), [true, true, false, true, false, false, false]),
            (Some(Mentee), [true, true, false, true, false, false, false]),
            (Some(ClinicalSafetyOfficer), [true, true, false, true, false, false, false]),
            (Some(DataProtectionOfficer), [true, true, false, true, false, false, false]),
            (Some(ResearchOffice), [true, true, false, true, false, false, false]),
            (Some(Partner), [false, false, false, false, false, false, false]),
        ];
        assert_eq!(table.len(), Role::ALL.len() + 1, "every role has a row");
        for (role, expected) in table {
            let standing = Standing { roles: role.iter().copied().collect(), ..Standing::default() };
            for (action, want) in Action::ALL.iter().zip(expected) {
                assert_eq!(allows(&standing, *action), *want, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn submitters_and_team_members_edit_their_own() {
        for (is_submitter, is_team_member, want) in [(true, false, true), (false, true, true), (false, false, false)] {
            let standing = Standing { roles: vec![Clinician], is_submitter, is_team_member };
            assert_eq!(allows(&standing, EditInitiative), want);
        }
        // A submitter who has left the organisation (no roles there any more) cannot edit.
        let former = Standing { roles: vec![], is_submitter: true, is_team_member: false };
        assert!(!allows(&former, EditInitiative));
        // Nor does a partner who submitted it (a partner's account is not a membership).
        let partner = Standing { roles: vec![Partner], is_submitter: true, is_team_member: true };
        assert!(!allows(&partner, EditInitiative));
    }
}
