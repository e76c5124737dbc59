//! The browser's half of a passkey ceremony, from the wasm: the server's options go
//! through `PublicKeyCredential.parse…OptionsFromJSON` to `navigator.credentials`, and
//! the credential comes back as its JSON (`toJSON`) for the server to check. Nothing of
//! it runs without JavaScript, so the pages show passkey controls only once the page's
//! code runs: they carry [`SCRIPTED_ONLY`], which the stylesheet hides until the body is
//! marked hydrated (`shell::App`), and the notices for a page without JavaScript carry
//! `unscripted-only`, hidden from then on. A class costs the wasm nothing; a reactive
//! `Show` per control cost it kilobytes. Only for pages in the main wasm: a lazy route
//! hydrates after the body is marked, so its controls need their own signal.
use crate::error::AppError;

/// The class of what works only with JavaScript: hidden until the page is hydrated.
pub const SCRIPTED_ONLY: &str = "scripted-only";

/// Which ceremony: register a new passkey, or answer with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Create,
    Get,
}

/// Runs the ceremony with the server's `options`; the credential's JSON. A cancelled or
/// failed ceremony is `PasskeyRefused`; a browser without WebAuthn `PasskeyUnavailable`.
pub async fn run(ceremony: Ceremony, options: &str) -> Result<String, AppError> {
    #[cfg(target_arch = "wasm32")]
    {
        browser::run(ceremony, options).await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (ceremony, options);
        Err(AppError::PasskeyUnavailable)
    }
}

/// Loads `path` as a new page (after a sign-in or a recovery step, whose cookies the
/// next page reads).
pub fn go(path: &str) {
    #[cfg(target_arch = "wasm32")]
    browser::go(path);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = path;
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::Ceremony;
    use crate::error::AppError;
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use leptos::wasm_bindgen::{JsCast, JsValue};

    fn member(target: &JsValue, key: &str) -> Result<JsValue, AppError> {
        Reflect::get(target, &JsValue::from_str(key)).map_err(|_| AppError::PasskeyUnavailable)
    }

    fn function(target: &JsValue, key: &str) -> Result<Function, AppError> {
        member(target, key)?
            .dyn_into()
            .map_err(|_| AppError::PasskeyUnavailable)
    }

    pub async fn run(ceremony: Ceremony, options: &str) -> Result<String, AppError> {
        let global = js_sys::global();
        let pkc = member(&global, "PublicKeyCredential")?;
        let (parser, call) = match ceremony {
            Ceremony::Create => ("parseCreationOptionsFromJSON", "create"),
            Ceremony::Get => ("parseRequestOptionsFromJSON", "get"),
        };
        let parse = function(&pkc, parser)?;
        let json = JSON::parse(options).map_err(|_| AppError::Internal)?;
        let public_key = parse
            .call1(&pkc, &json)
            .map_err(|_| AppError::PasskeyRefused)?;
        let request = Object::new();
        Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key)
            .map_err(|_| AppError::Internal)?;
        let credentials = member(&member(&global, "navigator")?, "credentials")?;
        let promise: Promise = function(&credentials, call)?
            .call1(&credentials, &request)
            .map_err(|_| AppError::PasskeyRefused)?
            .dyn_into()
            .map_err(|_| AppError::PasskeyRefused)?;
        let credential = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|_| AppError::PasskeyRefused)?;
        if credential.is_null() || credential.is_undefined() {
            return Err(AppError::PasskeyRefused);
        }
        JSON::stringify(&credential)
            .map(String::from)
            .map_err(|_| AppError::PasskeyRefused)
    }

    pub fn go(path: &str) {
        if let Ok(location) = member(&js_sys::global(), "location") {
            if let Ok(assign) = function(&location, "assign") {
                let _ = assign.call1(&location, &JsValue::from_str(path));
            }
        }
    }
}
