//! [`KeyFile`]: this service's own asymmetric keys, published and rotated (`AUTHX_KEYS_FILE`).
//!
//! The file holds the **current** signing key, the **next** one (published in the JWK Set
//! before it signs anything, so verifiers that cache the set already know it when it starts
//! signing) and **previous** keys, kept for verification until the tokens they signed have
//! expired. Every token carries its key's `kid`. `authx keys rotate --file keys.json` moves
//! next to current and current to previous, and adds a new next; the engine reloads the file
//! without a restart ([`Keys::reload`](crate::Keys::reload), or every
//! `AUTHX_KEYS_RELOAD_INTERVAL` seconds).
//!
//! ```json
//! {
//!   "algorithm": "ES256",
//!   "current":  { "kid": "k2", "private_key": "-----BEGIN PRIVATE KEY-----...", "public_key": "-----BEGIN PUBLIC KEY-----...", "created_at": 1767225600 },
//!   "next":     { "kid": "k3", "private_key": "...", "public_key": "...", "created_at": 1767225600 },
//!   "previous": [ { "kid": "k1", "public_key": "...", "retired_at": 1767225600 } ]
//! }
//! ```

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A key that signs (current) or will sign (next): its PEM pair and id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SigningKeyEntry {
    /// The key id every token it signs carries.
    pub kid: String,
    /// The PKCS#8 PEM private key. Never shown by `Debug`.
    pub private_key: String,
    /// The SPKI PEM public key.
    pub public_key: String,
    /// When the key was made (seconds since the epoch).
    pub created_at: i64,
}

impl SigningKeyEntry {
    /// A key made at `created_at`.
    pub fn new(
        kid: impl Into<String>,
        private_key: impl Into<String>,
        public_key: impl Into<String>,
        created_at: i64,
    ) -> Self {
        SigningKeyEntry {
            kid: kid.into(),
            private_key: private_key.into(),
            public_key: public_key.into(),
            created_at,
        }
    }
}

impl fmt::Debug for SigningKeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyEntry")
            .field("kid", &self.kid)
            .field("private_key", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A key that no longer signs, kept so the tokens it signed verify until they expire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetiredKey {
    /// Its key id.
    pub kid: String,
    /// The SPKI PEM public key.
    pub public_key: String,
    /// When it stopped signing (seconds since the epoch).
    pub retired_at: i64,
}

/// The key file: an asymmetric algorithm and its current, next and previous keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyFile {
    /// `RS256`, `ES256`, `EdDSA`... (not an HMAC algorithm: a shared secret is never
    /// published).
    pub algorithm: String,
    /// The key that signs new tokens.
    pub current: SigningKeyEntry,
    /// The key that signs after the next rotation; already published.
    pub next: SigningKeyEntry,
    /// Retired keys, newest first; verify-only.
    #[serde(default)]
    pub previous: Vec<RetiredKey>,
}

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file cannot be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a key file.
    #[error("key file {path} is not valid: {reason}")]
    Invalid {
        /// The path.
        path: String,
        /// What is wrong (never a key).
        reason: String,
    },
}

impl KeyFile {
    /// A key file with its first current and next keys.
    pub fn new(
        algorithm: impl Into<String>,
        current: SigningKeyEntry,
        next: SigningKeyEntry,
    ) -> Self {
        KeyFile {
            algorithm: algorithm.into(),
            current,
            next,
            previous: Vec::new(),
        }
    }

    /// Reads and parses `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<KeyFile, KeyFileError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
            path: name.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| KeyFileError::Invalid {
            path: name,
            reason: describe(&e),
        })
    }

    /// Writes the file atomically, so a reloading engine never reads half a file: a new
    /// temporary file beside it, under a random name, created exclusively (never through an
    /// existing file or a symbolic link) and made readable by its owner only (mode 0600 on
    /// Unix) before a byte is written; then flushed to disk, renamed over `path`, and the
    /// directory flushed so the rename survives a crash.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), KeyFileError> {
        let path = path.as_ref();
        let io = |source| KeyFileError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut json = serde_json::to_string_pretty(self).map_err(|e| KeyFileError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        json.push('\n');
        write_private(path, json.as_bytes()).map_err(io)
    }

    /// Rotates at `now`: the current key retires (kept for verification), next becomes current,
    /// `new_next` becomes next, and retired keys older than `keep` (the longest a token they
    /// signed can live: `refresh_token_expires` plus the leeway) are dropped.
    pub fn rotate(&mut self, new_next: SigningKeyEntry, now: i64, keep: Duration) {
        let next = std::mem::replace(&mut self.next, new_next);
        let old = std::mem::replace(&mut self.current, next);
        self.previous.insert(
            0,
            RetiredKey {
                kid: old.kid,
                public_key: old.public_key,
                retired_at: now,
            },
        );
        let keep = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX);
        self.previous
            .retain(|k| k.retired_at.saturating_add(keep) > now);
    }
}

/// Writes `bytes` to `path` through a new owner-only temporary file renamed over it.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = temp_path(path)?;
    let mut file = create_private(&tmp)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        // Ours: `create_private` made it. Best effort; the error that matters is `e`.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path)
}

/// `.<name>.<random>.tmp` beside `path`: nobody can plant a file or a link there in advance.
fn temp_path(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = format!(".{name}.");
    for b in random {
        tmp.push_str(&format!("{b:02x}"));
    }
    tmp.push_str(".tmp");
    Ok(path.with_file_name(tmp))
}

/// Creates `path`, failing if anything (a file, a symbolic link) is already there, and sets
/// its mode to 0600 on the open file (whatever the umask or a racing `chmod`) before it holds
/// anything.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Flushes the directory holding `path`, so a rename into it is durable (Unix; elsewhere a
/// directory cannot be opened as a file, and the rename is left to the file system).
fn sync_dir(path: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// What is wrong with a key file, and where, without any of its values: serde_json quotes a
/// value of the wrong type, and that value may be a private key.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = e.to_string();
    let what = match e.classify() {
        Category::Syntax => "not valid JSON".to_owned(),
        Category::Eof => "truncated".to_owned(),
        Category::Io => "unreadable".to_owned(),
        Category::Data if message.starts_with("missing field") => message
            .split(" at line")
            .next()
            .unwrap_or("a field is missing")
            .to_owned(),
        Category::Data => "a field has the wrong type or value".to_owned(),
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> SigningKeyEntry {
        SigningKeyEntry::new(kid, format!("private {kid}"), format!("public {kid}"), 0)
    }

    #[test]
    fn rotation_moves_next_to_current_and_forgets_expired_keys() {
        let mut file = KeyFile::new("ES256", key("k1"), key("k2"));
        let day = Duration::from_secs(86_400);
        file.rotate(key("k3"), 100, day);
        assert_eq!(
            (file.current.kid.as_str(), file.next.kid.as_str()),
            ("k2", "k3")
        );
        assert_eq!(file.previous[0].kid, "k1");
        assert_eq!(file.previous[0].public_key, "public k1");
        file.rotate(key("k4"), 200, day);
        let kids: Vec<_> = file.previous.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["k2", "k1"]);
        // A day after k1 retired, its tokens have all expired.
        file.rotate(key("k5"), 100 + 86_400, day);
        let kids: Vec<_> = file.previous.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["k3", "k2"]);
    }

    /// A fresh directory for one test, with a key file path in it and the temporary name the
    /// old `save` used (predictable: the pid), where an attacker could plant something.
    #[cfg(unix)]
    fn scratch(test: &str) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("authx-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.json");
        let old_tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        (dir, path, old_tmp)
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    /// Issue 25 item 6: a 0644 file pre-created at the temporary name left the key file 0644.
    #[cfg(unix)]
    #[test]
    fn a_precreated_temp_file_does_not_make_the_key_file_readable() {
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, path, old_tmp) = scratch("keyfile-precreated");
        std::fs::write(&old_tmp, "planted").unwrap();
        std::fs::set_permissions(&old_tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
        let file = KeyFile::new("ES256", key("k1"), key("k2"));
        file.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(KeyFile::load(&path).unwrap(), file);
        // Saved again over a 0644 key file: the new file is 0600 too.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        file.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        // Nothing left behind but the planted file and the key file.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Issue 25 item 6: a symbolic link planted at the temporary name received the keys.
    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_never_receives_the_keys() {
        let (dir, path, old_tmp) = scratch("keyfile-symlink");
        let target = dir.join("attacker.txt");
        std::fs::write(&target, "attacker").unwrap();
        std::os::unix::fs::symlink(&target, &old_tmp).unwrap();
        KeyFile::new("ES256", key("k1"), key("k2"))
            .save(&path)
            .unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "attacker");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(mode(&path), 0o600);
        // The temporary file itself is never opened through a link or an existing file.
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_private(&link).is_err());
        assert!(create_private(&target).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "attacker");
        let fresh = dir.join("fresh");
        drop(create_private(&fresh).unwrap());
        assert_eq!(mode(&fresh), 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_file_round_trips_and_debug_hides_private_keys() {
        let dir = std::env::temp_dir().join(format!("authx-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.json");
        let file = KeyFile::new("ES256", key("k1"), key("k2"));
        file.save(&path).unwrap();
        assert_eq!(KeyFile::load(&path).unwrap(), file);
        assert!(!format!("{file:?}").contains("private k1"));
        // A private key where an object belongs: the error never quotes it.
        std::fs::write(
            &path,
            r#"{"algorithm": "ES256", "current": "-----BEGIN PRIVATE KEY-----secret", "next": {}}"#,
        )
        .unwrap();
        let err = KeyFile::load(&path).unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
        assert!(err.contains("wrong type"), "{err}");
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            KeyFile::load(&path),
            Err(KeyFileError::Invalid { .. })
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
