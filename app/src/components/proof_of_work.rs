//! The anti-bot proof of work inside a form: a hidden field `pow` that the browser fills
//! with the solved payload (see `domain::pow::Payload`), and a progress bar with a polite
//! status while it works.
//!
//! The server renders the field empty and no progress bar. Only the hydrated page solves,
//! in slices of about 30 ms between which it yields to the browser, so the page stays
//! responsive and the bar moves. Without JavaScript the field stays empty and the form
//! still works: the server then applies its stricter limits instead. A form sent before
//! the work is done goes the same way.
use crate::i18n::*;
use crate::routes::ids;
use leptos::prelude::*;

/// The form field's name.
pub const FIELD: &str = "pow";

// Only the browser's solver moves past `Idle`; the server build never does.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Server-rendered, or not hydrated yet.
    Idle,
    Solving,
    Done,
    /// The challenge could not be read or solved: the form goes without the proof.
    Failed,
}

#[component]
pub fn ProofOfWork(
    /// The challenge as `server::pow::issue` returns it (JSON).
    challenge: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let payload = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Idle);
    let percent = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    {
        let challenge = StoredValue::new(challenge);
        // Runs once, in the browser only; the task stops if the form goes away.
        Effect::new(move |_| {
            leptos::task::spawn_local_scoped_with_cancellation(solve::run(
                challenge.get_value(),
                stage,
                percent,
                payload,
            ));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = challenge;

    let status = move || match stage.get() {
        Stage::Idle => String::new(),
        Stage::Solving => t_string!(i18n, pow.checking).to_string(),
        Stage::Done => t_string!(i18n, pow.done).to_string(),
        Stage::Failed => t_string!(i18n, pow.failed).to_string(),
    };
    view! {
        <input type="hidden" name=FIELD id=ids::POW value=move || payload.get()/>
        <Show when=move || matches!(stage.get(), Stage::Solving | Stage::Done)>
            <div class="field pow">
                <label for=ids::POW_PROGRESS>{t!(i18n, pow.label)}</label>
                <progress id=ids::POW_PROGRESS max="100" value=move || percent.get()></progress>
            </div>
        </Show>
        // Present from the start (empty), so screen readers announce what appears in it.
        <p id=ids::POW_STATUS class="hint" role="status" aria-live="polite">
            {status}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod solve {
    use super::Stage;
    use crate::domain::pow::{Challenge, Payload, Puzzle, DATA_COUNTER_MAX};
    use leptos::prelude::*;

    /// How long the solver works before it yields to the browser: long enough that the
    /// yield (a timer, which browsers delay by at least 4 ms once nested) costs little,
    /// short enough for the page to keep answering.
    const SLICE_MS: f64 = 30.0;
    /// How far to search when a challenge doesn't say (ours always do).
    const FALLBACK_MAX: u32 = 1_000_000;

    pub async fn run(
        text: String,
        stage: RwSignal<Stage>,
        percent: RwSignal<u32>,
        payload: RwSignal<String>,
    ) {
        let Some((challenge, puzzle)) = serde_json::from_str::<Challenge>(&text)
            .ok()
            .and_then(|c| Puzzle::new(&c.parameters).ok().map(|p| (c, p)))
        else {
            stage.set(Stage::Failed);
            return;
        };
        let max = challenge
            .parameters
            .data_i64(DATA_COUNTER_MAX)
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0)
            .unwrap_or(FALLBACK_MAX);
        stage.set(Stage::Solving);
        let mut slice_start = now_ms();
        for counter in 0..=max {
            if let Some(solution) = puzzle.try_counter(counter) {
                payload.set(
                    Payload {
                        challenge,
                        solution,
                    }
                    .to_json(),
                );
                percent.set(100);
                stage.set(Stage::Done);
                return;
            }
            if now_ms() - slice_start >= SLICE_MS {
                percent.set((u64::from(counter) * 100 / u64::from(max)).min(99) as u32);
                next_task().await;
                slice_start = now_ms();
            }
        }
        stage.set(Stage::Failed);
    }

    /// Yields to the browser until its next task (a zero `setTimeout`), so input, paint
    /// and the progress bar get their turn. A microtask would not: the browser only
    /// renders between tasks.
    #[cfg(target_arch = "wasm32")]
    async fn next_task() {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            set_timeout(
                move || {
                    let _ = resolve.call0(&js_sys::global());
                },
                std::time::Duration::ZERO,
            );
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    #[cfg(target_arch = "wasm32")]
    fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    // The hydrate build only ever runs in the browser; these let it compile natively.
    #[cfg(not(target_arch = "wasm32"))]
    async fn next_task() {}

    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms() -> f64 {
        0.0
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// Without JavaScript nothing may pretend to work: the server's HTML has the field,
    /// empty, an empty status and no progress bar.
    #[test]
    fn the_server_renders_an_empty_field_and_no_progress() {
        let _ = any_spawner::Executor::init_futures_executor();
        let owner = Owner::new();
        owner.set();
        let html = view! {
            <I18nContextProvider set_lang_attr_on_html=false set_dir_attr_on_html=false>
                <ProofOfWork challenge="{}".to_owned()/>
            </I18nContextProvider>
        }
        .to_html();
        assert!(
            html.contains(r#"<input type="hidden" name="pow" id="pow" value="""#),
            "{html}"
        );
        assert!(!html.contains("<progress"), "{html}");
        let status = html
            .split_once(r#"<p id="pow-status" role="status" aria-live="polite""#)
            .and_then(|(_, rest)| rest.split_once("</p>"))
            .map(|(p, _)| p.replace("<!>", ""))
            .unwrap_or_else(|| panic!("no polite status in {html}"));
        assert_eq!(status.trim(), r#"class="hint">"#, "{html}");
    }
}
