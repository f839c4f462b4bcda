//! The checks an OpenID Connect ID token must pass once its signature is verified (OpenID Connect Core
//! 1.0, 3.1.3.7), on its decoded claims: issuer, audience (and authorised party), expiry, issue and
//! not-before times with a small allowance for clock skew, nonce, and a subject. Then what Kindling
//! takes from it: the subject, an email that may be trusted, the name, and roles from a groups claim.

use serde_json::Value;

use crate::people::Role;

/// Clocks differ: a token is accepted up to this many seconds either side of its times.
pub const CLOCK_SKEW_S: i64 = 120;

/// What the token must match.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now_s: i64,
}

/// Why a token is refused: each is logged, and the person sees one plain page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    #[error("the token's issuer {0:?} is not the provider's")]
    Issuer(String),
    #[error("the token was not issued for this application")]
    Audience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's nonce does not match this sign-in")]
    Nonce,
    #[error("the token has no subject")]
    Subject,
    #[error("the token lacks the {0} claim")]
    Missing(&'static str),
}

/// Who the provider says signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    /// The person's email address when the provider vouches for it.
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The values of the configured groups or roles claim.
    pub groups: Vec<String>,
}

/// Checks the claims and reads the identity. `roles_claim` names the claim holding groups or app roles
/// (`groups` or `roles` in Microsoft Entra ID), or is empty.
pub fn check_claims(claims: &Value, expected: &Expected<'_>, roles_claim: &str) -> Result<Identity, TokenProblem> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let time = |name: &'static str| claims.get(name).and_then(Value::as_i64);
    let issuer = text("iss").ok_or(TokenProblem::Missing("iss"))?;
    if issuer != expected.issuer {
        return Err(TokenProblem::Issuer(issuer.to_owned()));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => return Err(TokenProblem::Missing("aud")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(TokenProblem::Audience);
    }
    if audiences.len() > 1 && text("azp") != Some(expected.client_id) {
        return Err(TokenProblem::Audience);
    }
    let expires = time("exp").ok_or(TokenProblem::Missing("exp"))?;
    if expected.now_s >= expires + CLOCK_SKEW_S {
        return Err(TokenProblem::Expired);
    }
    let issued = time("iat").ok_or(TokenProblem::Missing("iat"))?;
    if issued > expected.now_s + CLOCK_SKEW_S || time("nbf").is_some_and(|nbf| nbf > expected.now_s + CLOCK_SKEW_S) {
        return Err(TokenProblem::NotYetValid);
    }
    if text("nonce") != Some(expected.nonce) {
        return Err(TokenProblem::Nonce);
    }
    let subject = text("sub").filter(|s| !s.is_empty()).ok_or(TokenProblem::Subject)?;
    // Microsoft Entra ID puts the sign-in address in `preferred_username` (or `upn`) and often sends no
    // `email`; which of them is trusted is decided by the caller with the allowed domains.
    let email = text("email").or_else(|| text("preferred_username")).or_else(|| text("upn")).map(str::to_lowercase);
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    let groups = match claims.get(roles_claim) {
        Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(one)) if !roles_claim.is_empty() => vec![one.clone()],
        _ => Vec::new(),
    };
    Ok(Identity { subject: subject.to_owned(), email, email_verified, name: text("name").map(str::to_owned), groups })
}

/// Whether an email address is in one of the allowed domains (exactly, not a subdomain that merely ends
/// the same way: `evil-nhs.uk` is not `nhs.uk`).
pub fn domain_allowed(email: &str, allowed: &[String]) -> bool {
    let Some((_, domain)) = email.rsplit_once('@') else { return false };
    allowed.iter().any(|a| domain.eq_ignore_ascii_case(a.trim()))
}

/// An email the platform may match an account by: one the provider marks verified, or, for providers
/// that send no such flag (Microsoft Entra ID), one in the organisation's own allowed domains, which only
/// its directory can issue.
pub fn trusted_email(identity: &Identity, allowed: &[String]) -> Option<String> {
    let email = identity.email.clone()?;
    (identity.email_verified || domain_allowed(&email, allowed)).then_some(email)
}

/// Kindling roles from the provider's groups, through a map of group value to role; none matched gives the
/// default role.
pub fn map_roles(groups: &[String], role_map: &[(String, Role)], default: Role) -> Vec<Role> {
    let mut roles: Vec<Role> =
        role_map.iter().filter(|(group, _)| groups.iter().any(|g| g == group)).map(|(_, role)| *role).collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        roles.push(default);
    }
    roles
}

/// A role map written one `group = role` per line (the administrator's form), or the line that is wrong.
pub fn parse_role_map(text: &str) -> Result<Vec<(String, Role)>, String> {
    let mut map = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (group, role) = line.split_once('=').ok_or_else(|| format!("Line {}: write it as group = role", n + 1))?;
        let role = super::import::parse_role(role.trim())
            .ok_or_else(|| format!("Line {}: {:?} is not a Kindling role", n + 1, role.trim()))?;
        map.push((group.trim().to_owned(), role));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://login.example/tenant/v2.0",
            client_id: "kindling",
            nonce: "n-0S6",
            now_s: 1_000_000,
        }
    }

    fn good() -> Value {
        json!({
            "iss": "https://login.example/tenant/v2.0", "aud": "kindling", "sub": "abc", "exp": 1_000_600,
            "iat": 999_990, "nonce": "n-0S6", "preferred_username": "Amara@Northfield.nhs.uk", "name": "Amara Okafor",
            "groups": ["g-approvers", "g-staff"]
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut claims = good();
        claims[key] = value;
        claims
    }

    #[test]
    fn a_good_token_gives_the_identity() {
        let identity = check_claims(&good(), &expected(), "groups").unwrap();
        assert_eq!(identity.subject, "abc");
        assert_eq!(identity.email.as_deref(), Some("amara@northfield.nhs.uk"));
        assert!(!identity.email_verified);
        assert_eq!(identity.groups, ["g-approvers", "g-staff"]);
        assert_eq!(trusted_email(&identity, &["northfield.nhs.uk".into()]).as_deref(), Some("amara@northfield.nhs.uk"));
        assert_eq!(trusted_email(&identity, &["nhs.uk".into()]), None);
    }

    #[test]
    fn each_check_refuses_its_own_fault() {
        let e = expected();
        for (claims, problem) in [
            (with("iss", json!("https://evil.example")), TokenProblem::Issuer("https://evil.example".into())),
            (with("aud", json!("someone-else")), TokenProblem::Audience),
            (with("aud", json!(["kindling", "other"])), TokenProblem::Audience),
            (with("exp", json!(1_000_000 - CLOCK_SKEW_S)), TokenProblem::Expired),
            (with("iat", json!(1_000_000 + CLOCK_SKEW_S + 1)), TokenProblem::NotYetValid),
            (with("nbf", json!(1_000_000 + CLOCK_SKEW_S + 1)), TokenProblem::NotYetValid),
            (with("nonce", json!("replayed")), TokenProblem::Nonce),
            (with("sub", json!("")), TokenProblem::Subject),
            (with("exp", Value::Null), TokenProblem::Missing("exp")),
        ] {
            assert_eq!(check_claims(&claims, &e, "groups"), Err(problem.clone()), "{problem}");
        }
        // Within the skew either side, and several audiences with the right authorised party.
        assert!(check_claims(&with("exp", json!(1_000_000 - CLOCK_SKEW_S + 1)), &e, "").is_ok());
        let mut several = with("aud", json!(["kindling", "other"]));
        several["azp"] = json!("kindling");
        assert!(check_claims(&several, &e, "").is_ok());
    }

    #[test]
    fn domains_match_exactly_and_groups_map_to_roles() {
        let allowed = vec!["northfield.nhs.uk".to_owned()];
        assert!(domain_allowed("a@northfield.nhs.uk", &allowed));
        assert!(domain_allowed("a@NORTHFIELD.nhs.uk", &allowed));
        assert!(!domain_allowed("a@evil-northfield.nhs.uk", &allowed));
        assert!(!domain_allowed("a@sub.northfield.nhs.uk", &allowed));
        let map = parse_role_map("g-approvers = approver\n\ng-leads=improvement-lead").unwrap();
        assert_eq!(map_roles(&["g-approvers".into()], &map, Role::Clinician), [Role::Approver]);
        assert_eq!(map_roles(&["other".into()], &map, Role::Clinician), [Role::Clinician]);
        assert_eq!(parse_role_map("g = wizard").unwrap_err(), "Line 1: \"wizard\" is not a Kindling role");
        assert_eq!(parse_role_map("no equals").unwrap_err(), "Line 1: write it as group = role");
    }
}
