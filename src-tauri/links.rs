//! Which links may leave the app: absolute http(s) URLs only.

use url::Url;

/// `s` parsed, if it is an absolute http or https URL with a host.
pub(crate) fn external_url(s: &str) -> Option<Url> {
    let u = Url::parse(s.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host().is_some()).then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_external() {
        assert!(external_url("https://example.com/a?b").is_some());
        assert!(external_url("http://127.0.0.1:8080").is_some());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "tauri://localhost",
            "data:text/html,x",
            "/relative",
            "mailto:a@b.c",
        ] {
            assert!(external_url(bad).is_none(), "{bad}");
        }
    }
}
