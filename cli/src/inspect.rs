//! `authx inspect`: decode a token, verify it with [`Auth::verify`] and report.
//!
//! A token that fails verification is still shown, decoded without any check and labelled
//! UNVERIFIED, followed by the [`AuthError`] a service would answer with.

use std::io::{Read, Write};

use authx::{Auth, AuthConfig, AuthError};
use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use clap::Args;
use serde_json::{Map, Value};

use crate::time::{now, relative, utc};
use crate::{CliError, Status};

/// Arguments of `authx inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The token, or `-` to read it from standard input (a `Bearer ` prefix is ignored).
    #[arg(value_name = "TOKEN")]
    pub token: String,
    /// Decode only: no key needed, nothing checked.
    #[arg(long)]
    pub no_verify: bool,
}

/// What a service would answer for `e`, and for a decode failure which check tripped: the
/// answer keeps that coarse, the operator inspecting a token needs it.
fn explain(e: &AuthError) -> String {
    let message = e.message();
    match e {
        AuthError::Decode(f) if !message.contains(f.detail()) => {
            format!("{message} ({})", f.detail())
        }
        _ => message,
    }
}

/// A token's header and claims, decoded without any verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
}

/// Decodes the header and claims of a compact JWS **without checking anything**. The error
/// says what is wrong with the token's shape.
pub fn decode_unverified(token: &str) -> Result<Unverified, String> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err("this is an encrypted token (JWE), which authx does not use".into()),
        n => {
            return Err(format!("a JWT has 3 parts separated by dots, this has {n}"));
        }
    }
    Ok(Unverified {
        header: json_part(parts[0], "header")?,
        claims: json_part(parts[1], "payload")?,
    })
}

fn json_part(part: &str, name: &str) -> Result<Map<String, Value>, String> {
    const BASE64URL: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = BASE64URL
        .decode(part)
        .map_err(|e| format!("the {name} is not base64url: {e}"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("the {name} is not a JSON object")),
        Err(e) => Err(format!("the {name} is not JSON: {e}")),
    }
}

/// Runs `authx inspect`: the report on `stdout`.
pub fn run(
    args: &InspectArgs,
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
) -> Result<Status, CliError> {
    let token = read_token(&args.token, stdin)?;
    let decoded = decode_unverified(&token);
    let mut report = String::new();
    let status = if args.no_verify {
        match &decoded {
            Ok(d) => {
                describe(&mut report, d, "UNVERIFIED (--no-verify) ");
                report.push_str("not verified (--no-verify)\n");
                Status::Ok
            }
            Err(why) => {
                report.push_str(&format!("invalid: cannot decode the token: {why}\n"));
                Status::InvalidToken
            }
        }
    } else {
        let config = AuthConfig::from_lookup(env).map_err(CliError::VerifyConfig)?;
        let auth = Auth::new(config).map_err(CliError::VerifyConfig)?;
        match (auth.verify(&token), &decoded) {
            (Ok(_), Ok(d)) => {
                describe(&mut report, d, "");
                report.push_str("valid\n");
                Status::Ok
            }
            (Ok(claims), Err(_)) => {
                // Cannot happen for a token that verified; report what verification returned.
                let claims = serde_json::to_value(&claims).unwrap_or(Value::Null);
                report.push_str(&format!("claims:\n{}\nvalid\n", pretty(&claims)));
                Status::Ok
            }
            (Err(e), Ok(d)) => {
                describe(&mut report, d, "UNVERIFIED ");
                report.push_str(&format!("invalid: {}: {}\n", e.error_type(), explain(&e)));
                Status::InvalidToken
            }
            (Err(e), Err(why)) => {
                report.push_str(&format!(
                    "invalid: {}: {} ({why})\n",
                    e.error_type(),
                    explain(&e)
                ));
                Status::InvalidToken
            }
        }
    };
    stdout
        .write_all(report.as_bytes())
        .map_err(CliError::Output)?;
    Ok(status)
}

/// The token argument, or standard input for `-`; surrounding space and `Bearer ` removed.
fn read_token(arg: &str, stdin: &mut dyn Read) -> Result<String, CliError> {
    let raw = if arg == "-" {
        let mut s = String::new();
        stdin
            .read_to_string(&mut s)
            .map_err(CliError::io("cannot read the token from standard input"))?;
        s
    } else {
        arg.to_owned()
    };
    let mut token = raw.trim();
    if let Some(prefix) = token.get(..7)
        && prefix.eq_ignore_ascii_case("bearer ")
    {
        token = token[7..].trim_start();
    }
    if token.is_empty() {
        return Err(CliError::Usage(if arg == "-" {
            "no token on standard input".into()
        } else {
            "the token is empty".into()
        }));
    }
    Ok(token.to_owned())
}

/// Header, claims and timestamps, each title prefixed with `label`.
fn describe(out: &mut String, d: &Unverified, label: &str) {
    out.push_str(&format!("{label}header:\n{}\n", pretty_map(&d.header)));
    out.push_str(&format!("{label}claims:\n{}\n", pretty_map(&d.claims)));
    let now = now();
    let date = |name: &str| d.claims.get(name).and_then(numeric_date);
    if let Some(iat) = date("iat") {
        out.push_str(&format!("issued:  {} ({})\n", utc(iat), relative(iat, now)));
    }
    if let Some(nbf) = date("nbf") {
        let when = if nbf > now {
            "not valid before"
        } else {
            "valid since"
        };
        out.push_str(&format!("{when}: {} ({})\n", utc(nbf), relative(nbf, now)));
    }
    match date("exp") {
        Some(exp) if exp > now => out.push_str(&format!(
            "expires: {} (expires {})\n",
            utc(exp),
            relative(exp, now)
        )),
        Some(exp) => out.push_str(&format!(
            "expires: {} (expired {})\n",
            utc(exp),
            relative(exp, now)
        )),
        None => out.push_str("expires: never (no exp claim)\n"),
    }
}

/// A NumericDate: seconds, integer or float (floored, as authx reads them).
fn numeric_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}

fn pretty_map(map: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(map).unwrap_or_else(|_| format!("{map:?}"))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| format!("{v:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_without_checking() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"1","exp":1.5}
        let d = decode_unverified(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiZXhwIjoxLjV9.x",
        )
        .unwrap();
        assert_eq!(d.header["alg"], "HS256");
        assert_eq!(d.claims["sub"], "1");
        assert_eq!(numeric_date(&d.claims["exp"]), Some(1));
    }

    #[test]
    fn says_what_is_wrong() {
        assert!(
            decode_unverified("garbage")
                .unwrap_err()
                .contains("3 parts")
        );
        assert!(decode_unverified("a.b.c.d.e").unwrap_err().contains("JWE"));
        assert!(
            decode_unverified("!!.e30.x")
                .unwrap_err()
                .contains("header is not base64url")
        );
        assert!(
            decode_unverified("e30.bm9wZQ.x")
                .unwrap_err()
                .contains("payload is not JSON")
        );
        assert!(
            decode_unverified("e30.WzFd.x")
                .unwrap_err()
                .contains("not a JSON object")
        );
    }

    #[test]
    fn reads_bearer_and_stdin() {
        let mut empty = std::io::empty();
        assert_eq!(read_token(" Bearer a.b.c ", &mut empty).unwrap(), "a.b.c");
        let mut input: &[u8] = b"a.b.c\n";
        assert_eq!(read_token("-", &mut input).unwrap(), "a.b.c");
        let mut input: &[u8] = b"  \n";
        assert!(read_token("-", &mut input).is_err());
    }
}
