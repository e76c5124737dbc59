//! A plain reference page for the API, written from the OpenAPI document itself: every
//! operation with its credentials, body and answers, then every schema. Nothing is
//! fetched from elsewhere and the page runs no script.
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::fmt::Write;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

pub async fn page() -> Response {
    Html(render()).into_response()
}

fn render() -> String {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| {
        let doc: Value = serde_json::from_str(super::document_json()).unwrap_or_default();
        write_page(&doc)
    })
    .clone()
}

/// A member of a JSON object, or `null`.
fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The schema name a `$ref` points at, linked to its section.
fn schema_ref(schema: &Value) -> String {
    let target = schema
        .get("$ref")
        .or_else(|| schema.get("items").and_then(|i| i.get("$ref")))
        .and_then(Value::as_str);
    match target.and_then(|r| r.rsplit('/').next()) {
        Some(name) => {
            let list = schema.get("items").is_some();
            let link = format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
            if list {
                format!("a list of {link}")
            } else {
                link
            }
        }
        None => "<code>".to_owned() + &esc(&schema.to_string()) + "</code>",
    }
}

fn write_page(doc: &Value) -> String {
    let title = at(at(doc, "info"), "title").as_str().unwrap_or("API");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} API reference</title></head><body><main>\
         <h1>{t} API reference</h1><p>{d}</p>\
         <p>The machine-readable document: <a href=\"openapi.json\">openapi.json</a> \
         (OpenAPI {v}).</p><h2>Operations</h2>",
        t = esc(title),
        d = esc(at(at(doc, "info"), "description")
            .as_str()
            .unwrap_or_default()),
        v = esc(at(doc, "openapi").as_str().unwrap_or_default()),
    );
    let paths = at(doc, "paths").as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            write_operation(&mut out, method, path, op);
        }
    }
    out.push_str("<h2>Schemas</h2>");
    let schemas = at(at(doc, "components"), "schemas")
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, schema) in &schemas {
        let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
        let _ = write!(
            out,
            "<section id=\"schema-{n}\"><h3>{n}</h3><pre>{s}</pre></section>",
            n = esc(name),
            s = esc(&pretty)
        );
    }
    out.push_str("</main></body></html>");
    out
}

fn write_operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let _ = write!(
        out,
        "<section><h3><code>{} {}</code></h3>",
        method.to_ascii_uppercase(),
        esc(path)
    );
    for key in ["summary", "description"] {
        if let Some(text) = op.get(key).and_then(Value::as_str) {
            let _ = write!(out, "<p>{}</p>", esc(text));
        }
    }
    let credentials: Vec<String> = at(op, "security")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned().collect::<Vec<_>>())
        .collect();
    if !credentials.is_empty() {
        let _ = write!(
            out,
            "<p>Credentials: {}.</p>",
            esc(&credentials.join(" or "))
        );
    }
    if let Some(schema) = at(at(at(op, "requestBody"), "content"), "application/json").get("schema")
    {
        let _ = write!(out, "<p>Body (JSON): {}.</p>", schema_ref(schema));
    }
    out.push_str("<ul>");
    for (status, response) in at(op, "responses").as_object().into_iter().flatten() {
        // A shared answer (the problem document) is a reference to it.
        let description = at(response, "description")
            .as_str()
            .or_else(|| at(response, "$ref").as_str()?.rsplit('/').next())
            .unwrap_or_default();
        let body = at(response, "content")
            .as_object()
            .and_then(|c| c.values().next())
            .and_then(|c| c.get("schema"))
            .map(|s| format!(": {}", schema_ref(s)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li><strong>{}</strong> {}{}</li>",
            esc(status),
            esc(description),
            body
        );
    }
    out.push_str("</ul></section>");
}
