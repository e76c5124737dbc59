//! Authenticated encryption for the few secrets the server must read back (the TOTP
//! seed); everything else is stored as a MAC or a password hash.
//!
//! XChaCha20-Poly1305: its 192-bit nonce can be drawn at random for every seal with no
//! risk of reuse, so there is no counter to keep in step across instances. The key is
//! derived per purpose from the master key, and the purpose is also the associated data,
//! so a value sealed for one purpose can never be opened as another. MAC purposes that
//! start with `seal:` are reserved for these derived keys.
use super::keys::Keys;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

const NONCE_LEN: usize = 24;

impl Keys {
    fn sealing_cipher(&self, purpose: &str) -> XChaCha20Poly1305 {
        let key = self.mac(&format!("seal:{purpose}"), b"");
        XChaCha20Poly1305::new(&Key::from(key))
    }

    /// Encrypts `plaintext` for `purpose`: base64 of a random nonce followed by the
    /// ciphertext and its tag.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: purpose.as_bytes(),
        };
        // Encryption fails only past 256 GiB of plaintext. Should it ever fail, the empty
        // string is what we return: it opens to nothing, so the secret is lost rather
        // than stored in the clear.
        let Ok(ciphertext) = self
            .sealing_cipher(purpose)
            .encrypt(&XNonce::from(nonce), payload)
        else {
            return String::new();
        };
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        STANDARD.encode(sealed)
    }

    /// The plaintext of a value sealed for `purpose` under this key, or `None` if it was
    /// sealed for another purpose or key, altered, or is not a sealed value at all.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed).ok()?;
        let (nonce, ciphertext) = bytes.split_at_checked(NONCE_LEN)?;
        let nonce = XNonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?);
        let payload = Payload {
            msg: ciphertext,
            aad: purpose.as_bytes(),
        };
        self.sealing_cipher(purpose).decrypt(&nonce, payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_bytes([9; 32])
    }

    #[test]
    fn round_trip_with_fresh_nonces() {
        let seed = b"12345678901234567890";
        let a = keys().seal("totp", seed);
        let b = keys().seal("totp", seed);
        assert_ne!(a, b);
        assert_eq!(keys().open("totp", &a).unwrap(), seed);
        assert_eq!(keys().open("totp", &b).unwrap(), seed);
        assert!(!a.contains("MTIzNDU2Nzg5MDEy"));
        assert_eq!(keys().open("x", &keys().seal("x", b"")).unwrap(), b"");
    }

    #[test]
    fn wrong_purpose_or_key_fails() {
        let sealed = keys().seal("totp", b"seed");
        assert_eq!(keys().open("totp2", &sealed), None);
        assert_eq!(keys().open("", &sealed), None);
        assert_eq!(Keys::from_bytes([8; 32]).open("totp", &sealed), None);
    }

    #[test]
    fn tampering_fails() {
        let sealed = keys().seal("totp", b"seed");
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            assert_eq!(keys().open("totp", &STANDARD.encode(&bytes)), None, "{i}");
            bytes[i] ^= 1;
        }
        assert_eq!(
            keys().open("totp", &STANDARD.encode(&bytes)).unwrap(),
            b"seed"
        );
        let truncated = STANDARD.encode(&bytes[..bytes.len() - 1]);
        assert_eq!(keys().open("totp", &truncated), None);
        for garbage in ["", "not base64!", "AAAA"] {
            assert_eq!(keys().open("totp", garbage), None);
        }
    }
}
