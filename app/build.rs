//! Generates the `i18n` module from `locales/*.json` (leptos_i18n's build-time codegen).
use leptos_i18n_build::options::CodegenOptions;
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    // `sqlx::migrate!` embeds the migrations: a new file must rebuild the crate.
    println!("cargo::rerun-if-changed=../migrations");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let options = ParseOptions::default().interpolate_display(true);
    let cfg = Config::new("en")?
        .add_locale("it")?
        .add_locale("zh-Hans")?
        .parse_options(options);
    let infos = TranslationsInfos::parse(cfg)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    // Generated code is not ours to lint: the crate-wide deny list would reject it.
    let attributes = "#![allow(clippy::all, clippy::expect_used, clippy::unwrap_used, \
        clippy::panic, clippy::indexing_slicing)]"
        .parse()?;
    let codegen = CodegenOptions::default()
        .top_level_attributes(Some(attributes))
        .gen_docs(false);
    infos.generate_i18n_module_with_options(out, codegen)?;
    Ok(())
}
