//! The server's secret key. It comes from configuration (base64) or is generated once into
//! the data directory with mode 0600. It is never logged: `Debug` prints nothing. Purposes
//! are separated by a label, so one key yields independent MACs for each use.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;
use std::io::Write;
use std::path::Path;

pub const KEY_FILE: &str = "secret.key";

#[derive(Clone)]
pub struct Keys {
    master: [u8; 32],
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(redacted)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("secret_key must be 32 bytes of base64 (generate one with `openssl rand -base64 32`)")]
    BadConfigured,
    #[error("the key file {0} is not 32 bytes of base64")]
    BadFile(String),
    #[error("could not read or create the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Keys {
    pub fn from_bytes(master: [u8; 32]) -> Self {
        Self { master }
    }

    pub fn random() -> Self {
        let mut master = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut master);
        Self { master }
    }

    /// The configured key if there is one, else the data directory's key file, created
    /// on first start.
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Self, KeyError> {
        if let Some(b64) = configured {
            return decode(b64.trim())
                .map(Self::from_bytes)
                .ok_or(KeyError::BadConfigured);
        }
        let path = data_dir.join(KEY_FILE);
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => decode(text.trim())
                .map(Self::from_bytes)
                .ok_or(KeyError::BadFile(shown)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let keys = Self::random();
                write_private(&path, &STANDARD.encode(keys.master)).map_err(|source| {
                    KeyError::Io {
                        path: shown,
                        source,
                    }
                })?;
                Ok(keys)
            }
            Err(source) => Err(KeyError::Io {
                path: shown,
                source,
            }),
        }
    }

    /// HMAC-SHA256 of `data` under this key, for one named purpose.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        // new_from_slice accepts any key length for HMAC, so this cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.master) {
            Ok(m) => m,
            Err(_) => return [0u8; 32],
        };
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    pub fn mac_hex(&self, purpose: &str, data: &[u8]) -> String {
        hex(&self.mac(purpose, data))
    }
}

fn decode(b64: &str) -> Option<[u8; 32]> {
    STANDARD.decode(b64).ok()?.try_into().ok()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_with_private_mode_and_reused() {
        let dir = std::env::temp_dir().join(format!("regain-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join(KEY_FILE));
        let a = Keys::load_or_create(None, &dir).unwrap();
        let b = Keys::load_or_create(None, &dir).unwrap();
        assert_eq!(a.mac("t", b"x"), b.mac("t", b"x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn purposes_are_independent_and_debug_is_redacted() {
        let k = Keys::from_bytes([7; 32]);
        assert_ne!(k.mac("a", b"x"), k.mac("b", b"x"));
        assert_eq!(format!("{k:?}"), "Keys(redacted)");
        assert!(Keys::load_or_create(Some("not base64!"), Path::new("/nonexistent")).is_err());
    }
}
