//! TOTP authenticator apps (RFC 6238): enrol, confirm, verify, remove.

use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, TOTP};

use super::Mfa;
use crate::error::{AuthError, FactorFailure};
use crate::vault::VaultCipher;

/// The record kind in the [`FactorStore`](crate::store::FactorStore).
const KIND: &str = "totp";
/// A user has one authenticator app.
const ID: &str = "primary";
/// RFC 6238's recommended step, and what every authenticator app assumes.
const STEP: i64 = 30;
/// Codes one step early or late are taken (clock drift, typing time): RFC 6238 §5.2.
const SKEW: i64 = 1;
const DIGITS: usize = 6;
/// 160-bit secrets, as RFC 4226 §4 recommends.
const SECRET_BYTES: usize = 20;

/// What the user's authenticator app needs: the `otpauth://` URI, as a QR code to scan and as
/// text, and the secret for typing in by hand. Shown once, at enrolment.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct Enrolment {
    /// The secret, base32 (what apps take when typed in).
    pub secret: String,
    /// `otpauth://totp/Issuer:account?secret=...&issuer=Issuer...`.
    pub uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

impl std::fmt::Debug for Enrolment {
    /// Neither the secret nor the URI (which holds it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Whether a user has an authenticator app, and how many recovery codes are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TotpStatus {
    /// An authenticator app is enrolled and confirmed.
    pub enrolled: bool,
    /// An enrolment waits for its first code.
    pub pending: bool,
    /// Recovery codes not yet used.
    pub recovery_codes: usize,
}

/// The sealed record: the secret, bound to its user (a record copied to another user's row
/// does not open for them).
#[derive(Serialize, Deserialize)]
struct Record {
    sub: String,
    secret: Vec<u8>,
    confirmed: bool,
    created: i64,
}

impl Mfa {
    /// Starts enrolling an authenticator app for `subject`, shown in the app as `account`
    /// (an email, a login name). Replaces an enrolment not yet confirmed; refused with
    /// `409 FactorAlreadyEnrolledError` while a confirmed one exists (remove it first).
    pub async fn enrol_totp(&self, subject: &str, account: &str) -> Result<Enrolment, AuthError> {
        match self.totp_record(subject).await {
            Ok(Some(record)) if record.confirmed => {
                return Err(AuthError::Factor(FactorFailure::AlreadyEnrolled));
            }
            // A record that does not open (the key changed) is no factor: replaced.
            Ok(_) | Err(AuthError::Factor(FactorFailure::Rejected)) => {}
            Err(e) => return Err(e),
        }
        let mut secret = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut secret)
            .map_err(|e| AuthError::Internal(format!("no randomness: {e}").into()))?;
        let generator = self.generator(secret.clone(), account)?;
        let uri = generator.get_url();
        let qr_svg = qrcode::QrCode::new(uri.as_bytes())
            .map_err(|e| AuthError::Internal(format!("QR code: {e}").into()))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        let record = Record {
            sub: subject.to_owned(),
            secret,
            confirmed: false,
            created: self.auth().now(),
        };
        self.put_totp(subject, &record).await?;
        Ok(Enrolment {
            secret: generator.get_secret_base32(),
            uri,
            qr_svg,
        })
    }

    /// Confirms `subject`'s enrolment with a first code from the app, and returns the user's
    /// recovery codes (shown once). `409 FactorNotEnrolledError` when nothing waits (or the
    /// enrolment was not confirmed within [`enrol_window`](super::MfaConfig::enrol_window)).
    pub async fn confirm_totp(
        &self,
        subject: &str,
        code: &str,
        ip: Option<&str>,
    ) -> Result<Vec<String>, AuthError> {
        let Some(mut record) = self.totp_record(subject).await? else {
            return Err(AuthError::Factor(FactorFailure::NotEnrolled));
        };
        if record.confirmed {
            return Err(AuthError::Factor(FactorFailure::AlreadyEnrolled));
        }
        let window = crate::clock::secs(self.config().enrol_window);
        if self.auth().now() > record.created.saturating_add(window) {
            self.remove_totp_record(subject).await?;
            return Err(AuthError::Factor(FactorFailure::NotEnrolled));
        }
        self.check_code(subject, &record, code, ip).await?;
        // One confirmation per enrolment, whatever the concurrency: two codes of neighbouring
        // steps must not give two sets of recovery codes.
        let once = format!(
            "totp-confirm:{}",
            self.digest(&[
                subject.as_bytes(),
                &record.created.to_be_bytes(),
                &record.secret
            ])
        );
        let until = record.created.saturating_add(window).saturating_add(STEP);
        let first = self.auth().replay_store().record_once(&once, until);
        if !self.auth().store_call(first).await? {
            return Err(self.rejected());
        }
        record.confirmed = true;
        self.put_totp(subject, &record).await?;
        self.new_recovery_codes(subject).await
    }

    /// Checks a code from `subject`'s confirmed authenticator app: taken once per time step,
    /// failures counted per user and per client `ip` (`429` once spent).
    /// `403 FactorRejectedError` for a wrong or used code, `409 FactorNotEnrolledError` without
    /// an app.
    pub async fn verify_totp(
        &self,
        subject: &str,
        code: &str,
        ip: Option<&str>,
    ) -> Result<(), AuthError> {
        match self.totp_record(subject).await? {
            Some(record) if record.confirmed => self.check_code(subject, &record, code, ip).await,
            _ => Err(AuthError::Factor(FactorFailure::NotEnrolled)),
        }
    }

    /// Removes `subject`'s authenticator app and recovery codes: `false` when there was no app.
    /// (The router asks for a code first.)
    pub async fn remove_totp(&self, subject: &str) -> Result<bool, AuthError> {
        let removed = self.remove_totp_record(subject).await?;
        let store = self.auth().factor_store();
        self.auth()
            .store_call(store.remove_factors(subject, super::recovery::KIND))
            .await?;
        Ok(removed)
    }

    /// Whether `subject` has an authenticator app, and how many recovery codes are left.
    pub async fn totp_status(&self, subject: &str) -> Result<TotpStatus, AuthError> {
        let record = match self.totp_record(subject).await {
            Err(AuthError::Factor(FactorFailure::Rejected)) => None,
            other => other?,
        };
        let window = crate::clock::secs(self.config().enrol_window);
        let now = self.auth().now();
        Ok(TotpStatus {
            enrolled: record.as_ref().is_some_and(|r| r.confirmed),
            pending: record
                .as_ref()
                .is_some_and(|r| !r.confirmed && now <= r.created.saturating_add(window)),
            recovery_codes: self.recovery_codes_left(subject).await?,
        })
    }

    /// The code check: the budget first, then each step of the window in constant time, then
    /// the replay record of the step that matched.
    async fn check_code(
        &self,
        subject: &str,
        record: &Record,
        code: &str,
        ip: Option<&str>,
    ) -> Result<(), AuthError> {
        self.spend_attempt(subject, ip).await?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let generator = self.generator(record.secret.clone(), subject)?;
        let now = self.auth().now();
        let matched = (code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| {
                let current = now.div_euclid(STEP);
                // Every step is compared, so the time taken does not say which one matched.
                // No step before the epoch (a clock set wrong would make `0` every step's).
                let steps = (current - SKEW..=current + SKEW).filter(|step| *step >= 0);
                steps.fold(None, |found, step| {
                    let time = u64::try_from(step * STEP).unwrap_or(0);
                    let expected = generator.generate(time);
                    let same =
                        crate::crypto::constant_time_eq(expected.as_bytes(), code.as_bytes());
                    if same { Some(step) } else { found }
                })
            })
            .flatten();
        let Some(step) = matched else {
            return Err(self.rejected());
        };
        // Once per step per user, on every instance: the key names neither the user nor the code.
        let key = |step: i64| {
            let digest = self.digest(&[subject.as_bytes(), &step.to_be_bytes()]);
            format!("totp:{digest}")
        };
        let until = |step: i64| (step + SKEW + 1) * STEP + 1;
        let replay = self.auth().replay_store();
        if !self
            .auth()
            .store_call(replay.record_once(&key(step), until(step)))
            .await?
        {
            return Err(self.rejected());
        }
        // The step before is spent too: a code captured earlier (by a phishing page) is no
        // good once a later one was used.
        self.auth()
            .store_call(replay.record_once(&key(step - 1), until(step - 1)))
            .await?;
        Ok(())
    }

    fn generator(&self, secret: Vec<u8>, account: &str) -> Result<TOTP, AuthError> {
        // `new_unchecked`: the secret is ours (160 bits), and an account name may hold `:`
        // (it is escaped in the URI).
        Ok(TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP as u64,
            secret,
            Some(self.config().issuer.clone()),
            account.to_owned(),
        ))
    }

    async fn totp_record(&self, subject: &str) -> Result<Option<Record>, AuthError> {
        let store = self.auth().factor_store();
        let Some(sealed) = self
            .auth()
            .store_call(store.get_factor(subject, KIND, ID))
            .await?
        else {
            return Ok(None);
        };
        let opened = std::str::from_utf8(&sealed)
            .ok()
            .and_then(|s| self.inner.cipher.open(s))
            .and_then(|(plain, _)| serde_json::from_slice::<Record>(&plain).ok())
            .filter(|r| r.sub == subject);
        match opened {
            Some(record) => Ok(Some(record)),
            None => {
                // Another key, or a record tampered with or moved: no code can match it.
                tracing::error!(
                    target: "authx::mfa",
                    "mfa: a TOTP record does not open with the configured key; refusing its codes"
                );
                Err(AuthError::Factor(FactorFailure::Rejected))
            }
        }
    }

    async fn put_totp(&self, subject: &str, record: &Record) -> Result<(), AuthError> {
        let plain = serde_json::to_vec(record)
            .map_err(|e| AuthError::Internal(format!("TOTP record: {e}").into()))?;
        // Stamped 0: the time is not used, and Fernet refuses stamps ahead of the system clock
        // (an instance whose clock runs ahead would seal records the others cannot open).
        let sealed = self.inner.cipher.seal(&plain, 0);
        let store = self.auth().factor_store();
        self.auth()
            .store_call(store.put_factor(subject, KIND, ID, sealed.as_bytes()))
            .await
    }

    async fn remove_totp_record(&self, subject: &str) -> Result<bool, AuthError> {
        let store = self.auth().factor_store();
        self.auth()
            .store_call(store.remove_factor(subject, KIND, ID))
            .await
    }
}
