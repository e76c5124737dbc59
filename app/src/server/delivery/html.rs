//! The HTML part of every mail, rendered from the plain text (already translated at
//! enqueue time): everything escaped, blank lines make paragraphs, http(s) URLs become
//! links, the product name in a header, `lang` from the message's locale. Inline styles
//! only, because mail clients drop style sheets.

/// A complete HTML document for one mail.
pub fn render(product: &str, locale: &str, subject: &str, body: &str) -> String {
    let mut html = String::with_capacity(body.len() * 2 + 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"");
    html.push_str(&lang(locale));
    html.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<title>");
    escape_into(subject, &mut html);
    html.push_str("</title>\n</head>\n");
    html.push_str(
        "<body style=\"margin:0;padding:0;background:#f4f5f7;color:#1f2328;\
         font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','PingFang SC',\
         'Microsoft YaHei',sans-serif;line-height:1.5\">\n\
         <div style=\"max-width:560px;margin:0 auto;padding:24px\">\n\
         <header style=\"font-size:20px;font-weight:600;padding:0 0 16px\">",
    );
    escape_into(product, &mut html);
    html.push_str(
        "</header>\n<main style=\"background:#ffffff;border-radius:8px;padding:8px 24px\">\n",
    );
    let text = body.replace("\r\n", "\n");
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>\n");
            }
            linkify_into(line, &mut html);
        }
        html.push_str("</p>\n");
    }
    html.push_str("</main>\n</div>\n</body>\n</html>\n");
    html
}

/// A language tag is letters, digits and hyphens; anything else falls back to English
/// rather than reaching an attribute.
fn lang(locale: &str) -> String {
    let ok = !locale.is_empty()
        && locale.len() <= 35
        && locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        locale.to_owned()
    } else {
        "en".to_owned()
    }
}

/// Appends `text` escaped for HTML (or SVG) content and attribute values.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Escapes `line`, turning each `http://` or `https://` URL into a link. A URL ends at
/// white space; trailing punctuation belongs to the sentence, not to the URL.
fn linkify_into(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = url_start(rest) {
        let (before, from) = rest.split_at(start);
        escape_into(before, out);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        let (candidate, after) = from.split_at(end);
        let url = candidate.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        let tail = candidate.get(url.len()..).unwrap_or_default();
        if url.len() > "https://".len() {
            out.push_str("<a href=\"");
            escape_into(url, out);
            out.push_str("\" style=\"color:#0b57d0\">");
            escape_into(url, out);
            out.push_str("</a>");
        } else {
            escape_into(url, out);
        }
        escape_into(tail, out);
        rest = after;
    }
    escape_into(rest, out);
}

fn url_start(text: &str) -> Option<usize> {
    match (text.find("https://"), text.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn escapes_everything_from_the_texts() {
        let html = render(
            "Regain",
            "en",
            "<b>Hi</b> & \"you\"",
            "Hello <script>alert('x')</script> & bye",
        );
        assert!(html.contains("<title>&lt;b&gt;Hi&lt;/b&gt; &amp; &quot;you&quot;</title>"));
        assert!(
            html.contains("<p>Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; bye</p>")
        );
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        let html = render("Regain", "it", "s", "One\ntwo\r\n\r\n\n\nThree\n");
        assert!(html.contains("<p>One<br>\ntwo</p>\n<p>Three</p>"), "{html}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"it\">"));
        assert!(html.contains(
            "<header style=\"font-size:20px;font-weight:600;padding:0 0 16px\">Regain</header>"
        ));
    }

    #[test]
    fn urls_become_links_without_trailing_punctuation() {
        let html = render(
            "Regain",
            "en",
            "s",
            "Not you? Open https://regain.example/report?a=1&b=2. Or (http://x.example/y).",
        );
        assert!(html.contains(
            "Open <a href=\"https://regain.example/report?a=1&amp;b=2\" style=\"color:#0b57d0\">\
             https://regain.example/report?a=1&amp;b=2</a>. Or (<a href=\"http://x.example/y\""
        ), "{html}");
        assert!(html.contains("http://x.example/y</a>).</p>"));
    }

    #[test]
    fn only_http_urls_are_linked_and_quotes_cannot_break_out() {
        let html = render(
            "Regain",
            "en",
            "s",
            "javascript:alert(1) https://a.example/\"onmouseover=x",
        );
        assert!(!html.contains("href=\"javascript"));
        assert!(
            html.contains("href=\"https://a.example/&quot;onmouseover=x\""),
            "{html}"
        );
        assert!(render("R", "en", "s", "https:// alone").contains("<p>https:// alone</p>"));
    }

    #[test]
    fn a_strange_locale_falls_back_to_english() {
        assert!(render("R", "zh-Hans", "s", "b").contains("<html lang=\"zh-Hans\">"));
        assert!(render("R", "en\"><script>", "s", "b").contains("<html lang=\"en\">"));
    }
}
