//! Accounts: what state a person's account is in, the password rules (NCSC guidance: length, no
//! composition rules, the most common passwords refused), the one-time links that set up, invite and
//! reset, the session timeouts, and who may administer whom.
//!
//! - [`totp`]: two-factor sign-in codes (RFC 6238), their enrolment URI and recovery codes.
//! - [`import`]: the people file an administrator uploads to invite or update many at once.
//! - [`sso`]: the checks an OpenID Connect ID token must pass, on its decoded claims.

pub mod import;
pub mod sso;
pub mod totp;

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::people::slug_enum;

slug_enum!(
    /// Where a person's account stands.
    AccountStatus, "account status" {
        /// Invited by an administrator; has not yet set a password or signed in.
        Invited = ("invited", "Invited"),
        /// Can sign in.
        Active = ("active", "Active"),
        /// Can no longer sign in; their name stays on everything they did.
        Deactivated = ("deactivated", "Deactivated"),
    }
);

slug_enum!(
    /// What a one-time link is for.
    LinkPurpose, "link purpose" {
        /// The first administrator of a new installation sets their password.
        Setup = ("setup", "Set up"),
        /// An invited person sets their password.
        Invitation = ("invitation", "Invitation"),
        /// A person who forgot their password chooses a new one.
        Reset = ("reset", "Password reset"),
        /// A person who gave the right password still has to give a code from their authenticator.
        SecondFactor = ("second-factor", "Second step of signing in"),
    }
);

slug_enum!(
    /// Who in an organisation must sign in with a second factor.
    TwoFactorPolicy, "two-factor policy" {
        /// Administrators must; others may choose to. The default.
        Administrators = ("administrators", "Administrators must use two-factor sign-in; others may"),
        /// Everyone must.
        Everyone = ("everyone", "Everyone must use two-factor sign-in"),
        /// Nobody must: only the demonstration hub, whose accounts share one published password.
        Nobody = ("nobody", "Not required (demonstration hub only)"),
    }
);

impl TwoFactorPolicy {
    /// Whether a person with these roles must have two-factor sign-in under this policy.
    pub fn requires(self, roles: &[crate::people::Role]) -> bool {
        match self {
            Self::Everyone => true,
            Self::Administrators => roles.contains(&crate::people::Role::Admin),
            Self::Nobody => false,
        }
    }
}

slug_enum!(
    /// What an API token may do.
    TokenScope, "token scope" {
        /// Only read: every `GET`.
        Read = ("read", "Read only"),
        /// Read and change, as the person could on the pages.
        ReadWrite = ("read-write", "Read and write"),
    }
);

/// The longest an API token may live; people choose shorter (90 days by default).
pub const MAX_TOKEN_DAYS: i64 = 366;

impl LinkPurpose {
    /// How long a link stays valid: a day for setup, a week for an invitation, an hour for a reset,
    /// five minutes between a right password and its second factor.
    pub const fn valid_for_ms(self) -> i64 {
        const HOUR: i64 = 60 * 60 * 1000;
        match self {
            Self::Setup => 24 * HOUR,
            Self::Invitation => 7 * 24 * HOUR,
            Self::Reset => HOUR,
            Self::SecondFactor => 5 * 60 * 1000,
        }
    }
}

/// A session ends after this long without a request (OWASP ASVS 4.0, 3.3.2 at level 2).
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, however busy (ASVS 3.3.2).
pub const SESSION_ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// A session's last use is written at most this often, so a busy page does not write on every request;
/// the idle timeout is therefore exact to within this.
pub const SESSION_TOUCH_MS: i64 = 60 * 1000;

/// Whether a session started at `created_ms` and last used at `last_used_ms` is still live at `now_ms`.
pub fn session_live(created_ms: i64, last_used_ms: i64, now_ms: i64) -> bool {
    now_ms < created_ms + SESSION_ABSOLUTE_MS && now_ms < last_used_ms.max(created_ms) + SESSION_IDLE_MS
}

/// The shortest password accepted, in characters (NCSC: length over complexity).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: long enough for any passphrase or password manager, short enough that hashing it
/// costs nothing unusual (ASVS 2.1.2 allows up to 128).
pub const MAX_PASSWORD_CHARS: usize = 128;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../data/common-passwords.txt").lines().collect());

/// Why a new password is refused; each message says what to do instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Enter a password")]
    Empty,
    #[error("Your password must be 12 characters or more. Three random words make a strong one")]
    TooShort,
    #[error("Your password must be 128 characters or fewer")]
    TooLong,
    #[error("That password is one of the most commonly used, so it is easy to guess. Choose another")]
    Common,
    #[error("Your password must not be your email address")]
    IsEmail,
    #[error("The passwords do not match")]
    Mismatch,
}

/// Checks a password someone chose (at setup, invitation, reset or change), with the confirmation they
/// typed. No composition rules: length, and not among the most common or the person's own email.
pub fn check_new_password(password: &str, confirmation: &str, email: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(PasswordProblem::Empty);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    if lower.trim() == email.trim().to_lowercase() {
        return Err(PasswordProblem::IsEmail);
    }
    if password != confirmation {
        return Err(PasswordProblem::Mismatch);
    }
    Ok(())
}

/// Whether a password (lower case) is on the list of the 100,000 most common.
pub fn is_common(lower: &str) -> bool {
    COMMON_PASSWORDS.contains(lower)
}

/// How many passwords the common list holds.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_ncsc_rules() {
        let email = "amara.okafor@northfield.nhs.uk";
        for (password, outcome) in [
            ("", Err(PasswordProblem::Empty)),
            ("short", Err(PasswordProblem::TooShort)),
            // Eleven characters, then twelve: no composition rules at all.
            ("abcdefghijk", Err(PasswordProblem::TooShort)),
            ("correct horse battery", Ok(())),
            ("zzzzzzzzzzzz", Ok(())),
            // On the common list (lines 1,472 and 36,911), whatever the case.
            ("1qaz2wsx3edc", Err(PasswordProblem::Common)),
            ("QWERTYUIOP123", Err(PasswordProblem::Common)),
            ("Amara.Okafor@northfield.nhs.uk", Err(PasswordProblem::IsEmail)),
        ] {
            assert_eq!(check_new_password(password, password, email), outcome, "{password:?}");
        }
        assert_eq!(check_new_password(&"a".repeat(129), &"a".repeat(129), email), Err(PasswordProblem::TooLong));
        assert_eq!(
            check_new_password("correct horse battery", "correct horse batery", email),
            Err(PasswordProblem::Mismatch)
        );
        // Twelve characters count as twelve, whatever their bytes.
        assert_eq!(check_new_password("ééééééééééé", "ééééééééééé", email), Err(PasswordProblem::TooShort));
    }

    #[test]
    fn the_common_list_holds_the_100000_most_common() {
        assert_eq!(common_password_count(), 100_000);
        for common in ["123456", "password", "qwerty", "iloveyou"] {
            assert!(is_common(common), "{common}");
        }
    }

    #[test]
    fn sessions_end_when_idle_and_when_old() {
        let start = 1_000_000;
        assert!(session_live(start, start, start + SESSION_IDLE_MS - 1));
        assert!(!session_live(start, start, start + SESSION_IDLE_MS));
        let busy = start + SESSION_ABSOLUTE_MS - 1_000;
        assert!(session_live(start, busy, busy + 500));
        assert!(!session_live(start, busy, start + SESSION_ABSOLUTE_MS));
    }

    #[test]
    fn who_must_use_two_factor_sign_in() {
        use crate::people::Role::{Admin, Clinician};
        assert!(TwoFactorPolicy::Administrators.requires(&[Clinician, Admin]));
        assert!(!TwoFactorPolicy::Administrators.requires(&[Clinician]));
        assert!(TwoFactorPolicy::Everyone.requires(&[Clinician]));
        assert!(!TwoFactorPolicy::Nobody.requires(&[Admin]));
    }

    #[test]
    fn links_last_a_day_a_week_and_an_hour() {
        assert_eq!(LinkPurpose::Setup.valid_for_ms(), 86_400_000);
        assert_eq!(LinkPurpose::Invitation.valid_for_ms(), 7 * 86_400_000);
        assert_eq!(LinkPurpose::Reset.valid_for_ms(), 3_600_000);
    }
}
