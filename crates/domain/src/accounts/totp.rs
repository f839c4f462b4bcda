//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): six digits from HMAC-SHA-1 of the
//! 30-second step, the secret shown to the person as Base32 (RFC 4648) in an `otpauth://` URI for their
//! authenticator app, and single-use recovery codes for when the phone is lost.
//!
//! A code is accepted for the current step and the one either side (a phone's clock may be 30 seconds
//! out), and never for a step at or before the last one accepted, so a code overheard cannot be replayed.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step, as every authenticator app assumes.
pub const STEP_MS: i64 = 30_000;
/// Bytes of secret: 160 bits, the HMAC-SHA-1 block RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// How many recovery codes a person is given.
pub const RECOVERY_CODES: usize = 10;

/// The six-digit code for a step.
pub fn code(secret: &[u8], step: u64) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226, 5.3).
    let offset = usize::from(digest[19] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    binary % 1_000_000
}

/// The step a time falls in.
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_MS)
}

/// The step the typed code belongs to, if it is right for now (or a step either side) and later than the
/// last step accepted; the caller stores the step so the code cannot be used again.
pub fn accept(secret: &[u8], typed: &str, now_ms: i64, last_step: Option<i64>) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = digits.parse().ok()?;
    let now = step_at(now_ms);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|step| *step >= 0 && last_step.is_none_or(|last| *step > last))
        .find(|step| code(secret, *step as u64) == typed)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 Base32 without padding, as authenticator apps take secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0_u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..symbols {
            out.push(BASE32[((bits >> (35 - 5 * i)) & 31) as usize] as char);
        }
    }
    out
}

/// The bytes of a Base32 text (case and spaces ignored, padding allowed), or `None` if it is not Base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32.iter().position(|&b| b == c.to_ascii_uppercase() as u8)? as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app reads from the enrolment QR code.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        percent(issuer),
        percent(account),
        base32_encode(secret),
        percent(issuer)
    )
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A recovery code made from five random bytes: eight Base32 letters and digits in two groups of four,
/// easy to read aloud and type ("abcd-2345").
pub fn recovery_code(random: [u8; 5]) -> String {
    let text = base32_encode(&random).to_lowercase();
    format!("{}-{}", &text[..4], &text[4..])
}

/// A typed recovery code as stored (lower case, without spaces or hyphens), so that "ABCD 2345" and
/// "abcd-2345" are the same code.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, Appendix B: the SHA-1 test vectors (secret "12345678901234567890"), whose eight-digit
    /// codes end in these six digits.
    #[test]
    fn the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (seconds, expected) in [
            (59_i64, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(code(secret, step_at(seconds * 1000) as u64), expected, "T = {seconds}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_a_step_either_side() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111_000;
        assert_eq!(accept(secret, "050471", now, None), Some(step_at(now)));
        assert_eq!(accept(secret, "050 471", now, None), Some(step_at(now)));
        // Replayed: refused once its step has been used.
        assert_eq!(accept(secret, "050471", now, Some(step_at(now))), None);
        // The previous step's code still works 30 seconds later, once.
        assert_eq!(accept(secret, "050471", now + STEP_MS, None), Some(step_at(now)));
        assert_eq!(accept(secret, "050471", now + 2 * STEP_MS, None), None);
        for wrong in ["", "12345", "1234567", "abcdef", "050472"] {
            assert_eq!(accept(secret, wrong, now, None), None, "{wrong}");
        }
    }

    /// RFC 4648, section 10 (without padding).
    #[test]
    fn base32_matches_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(base32_decode(&encoded.to_lowercase()).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn the_enrolment_uri_and_recovery_codes() {
        let uri = otpauth_uri(b"12345678901234567890", "Kindling (Northfield)", "amara@northfield.nhs.uk");
        assert_eq!(
            uri,
            "otpauth://totp/Kindling%20%28Northfield%29:amara@northfield.nhs.uk?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kindling%20%28Northfield%29&algorithm=SHA1&digits=6&period=30"
        );
        let code = recovery_code([0xff, 0, 0x10, 0x20, 0x30]);
        assert_eq!(code.len(), 9);
        assert_eq!(normalise_recovery_code(&code.to_uppercase().replace('-', " ")), code.replace('-', ""));
    }
}
