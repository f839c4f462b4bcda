//! An ID token's signature, checked against the provider's published keys (a JSON Web Key Set) before
//! any of its claims are believed. RS256, PS256, ES256 and EdDSA are accepted; `none` and the shared-key
//! HS algorithms never are (a client secret must not be able to mint identities).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::Value;

/// The provider's signing keys, as published at its `jwks_uri`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Jwks {
    #[serde(default)]
    pub keys: Vec<Jwk>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// Why a token's signature is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    #[error("the token is not a signed JWT")]
    Malformed,
    #[error("the token is signed with {0:?}, which is not accepted")]
    Algorithm(String),
    #[error("no published key matches the token (kid {0:?})")]
    UnknownKey(Option<String>),
    #[error("the signature does not verify")]
    Invalid,
}

impl SignatureProblem {
    /// Whether fetching the keys again might help (the provider rotated them).
    pub fn may_be_rotation(&self) -> bool {
        matches!(self, SignatureProblem::UnknownKey(_))
    }
}

/// The token's claims, once its signature verifies with one of `keys`.
pub fn verify(token: &str, keys: &Jwks) -> Result<Value, SignatureProblem> {
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SignatureProblem::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| SignatureProblem::Malformed);
    let header: Value = serde_json::from_slice(&decode(header_b64)?).map_err(|_| SignatureProblem::Malformed)?;
    let signature = decode(signature_b64)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("").to_owned();
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    let kty = match alg.as_str() {
        "RS256" | "PS256" => "RSA",
        "ES256" => "EC",
        "EdDSA" => "OKP",
        _ => return Err(SignatureProblem::Algorithm(alg)),
    };
    let candidates: Vec<&Jwk> = keys
        .keys
        .iter()
        .filter(|k| k.kty == kty && k.key_use.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == alg))
        .filter(|k| kid.is_none() || k.kid == kid)
        .collect();
    if candidates.is_empty() {
        return Err(SignatureProblem::UnknownKey(kid));
    }
    let message = format!("{header_b64}.{claims_b64}");
    for key in candidates {
        if verify_with(&alg, key, message.as_bytes(), &signature).is_ok() {
            let claims = serde_json::from_slice(&decode(claims_b64)?).map_err(|_| SignatureProblem::Malformed)?;
            return Ok(claims);
        }
    }
    Err(SignatureProblem::Invalid)
}

fn verify_with(alg: &str, key: &Jwk, message: &[u8], sig: &[u8]) -> Result<(), SignatureProblem> {
    let field =
        |v: &Option<String>| v.as_deref().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok()).ok_or(SignatureProblem::Invalid);
    match alg {
        "RS256" | "PS256" => {
            let components = RsaPublicKeyComponents { n: field(&key.n)?, e: field(&key.e)? };
            let params = if alg == "RS256" {
                &signature::RSA_PKCS1_2048_8192_SHA256
            } else {
                &signature::RSA_PSS_2048_8192_SHA256
            };
            components.verify(params, message, sig).map_err(|_| SignatureProblem::Invalid)
        }
        "ES256" => {
            if key.crv.as_deref() != Some("P-256") {
                return Err(SignatureProblem::Invalid);
            }
            let mut point = vec![0x04];
            point.extend(field(&key.x)?);
            point.extend(field(&key.y)?);
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .map_err(|_| SignatureProblem::Invalid)
        }
        "EdDSA" => {
            if key.crv.as_deref() != Some("Ed25519") {
                return Err(SignatureProblem::Invalid);
            }
            UnparsedPublicKey::new(&signature::ED25519, field(&key.x)?)
                .verify(message, sig)
                .map_err(|_| SignatureProblem::Invalid)
        }
        _ => Err(SignatureProblem::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A P-256 key made for the test, its JWKS, and a token signed with it.
    fn signed(claims: &Value, kid: &str) -> (String, Jwks) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let public = pair.public_key().as_ref();
        let jwks: Jwks = serde_json::from_value(serde_json::json!({"keys": [{
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": b64(&public[1..33]), "y": b64(&public[33..65])
        }]}))
        .unwrap();
        let header = b64(serde_json::json!({"alg": "ES256", "kid": kid}).to_string().as_bytes());
        let body = b64(claims.to_string().as_bytes());
        let message = format!("{header}.{body}");
        let sig = pair.sign(&rng, message.as_bytes()).unwrap();
        (format!("{message}.{}", b64(sig.as_ref())), jwks)
    }

    #[test]
    fn a_signed_token_verifies_and_a_changed_one_does_not() {
        let claims = serde_json::json!({"sub": "abc", "nonce": "n"});
        let (token, jwks) = signed(&claims, "k1");
        assert_eq!(verify(&token, &jwks).unwrap(), claims);
        // The claims changed after signing.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = b64(serde_json::json!({"sub": "admin", "nonce": "n"}).to_string().as_bytes());
        parts[1] = &forged;
        assert_eq!(verify(&parts.join("."), &jwks), Err(SignatureProblem::Invalid));
        // Signed by another key with the same kid.
        let (_, other) = signed(&claims, "k1");
        assert_eq!(verify(&token, &other), Err(SignatureProblem::Invalid));
        // A key id the provider does not publish.
        let (unknown, _) = signed(&claims, "k9");
        assert_eq!(verify(&unknown, &jwks), Err(SignatureProblem::UnknownKey(Some("k9".into()))));
    }

    #[test]
    fn unsigned_and_shared_key_tokens_are_refused() {
        let body = b64(b"{\"sub\":\"abc\"}");
        for alg in ["none", "HS256"] {
            let header = b64(format!("{{\"alg\":\"{alg}\"}}").as_bytes());
            assert_eq!(
                verify(&format!("{header}.{body}."), &Jwks::default()),
                Err(SignatureProblem::Algorithm(alg.into()))
            );
        }
        for malformed in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert_eq!(verify(malformed, &Jwks::default()), Err(SignatureProblem::Malformed), "{malformed}");
        }
    }
}
