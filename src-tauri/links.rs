//! Which links may leave the app: absolute http(s) URLs with a host (opened in the
//! browser) and `mailto:` with one address (opened in the mail program).

use url::Url;

/// `s` parsed, if it is an absolute http or https URL with a host, or a `mailto:`
/// URL whose address is `name@domain` and nothing else (no second address, no
/// spaces, no `?cc=`/`?attach=` headers). ui/src/lib/logic/linkify.ts has the same rules.
pub(crate) fn external_url(s: &str) -> Option<Url> {
    let u = Url::parse(s.trim()).ok()?;
    let ok = match u.scheme() {
        "http" | "https" => u.host().is_some(),
        "mailto" if u.query().is_none() && u.fragment().is_none() => {
            let to = u.path();
            let mut at = to.split('@');
            matches!((at.next(), at.next(), at.next()), (Some(name), Some(domain), None)
                if !name.is_empty() && domain.contains('.') && !to.contains([',', ' ', '%']))
        }
        _ => false,
    };
    ok.then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_are_external() {
        assert!(external_url("https://example.com/a?b").is_some());
        assert!(external_url("http://127.0.0.1:8080").is_some());
        assert!(external_url("mailto:bob@example.com").is_some());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "tauri://localhost",
            "data:text/html,x",
            "/relative",
            "mailto:nobody",
            "mailto:a@b.c,evil@x.y",
            "mailto:@example.com",
            "mailto:a@b.com?cc=evil@x.y&attach=/home/u/.ssh/id_rsa",
            "mailto:a@b.com#x",
            "mailto:bob@localhost",
            "mailto:a%41@example.com",
        ] {
            assert!(external_url(bad).is_none(), "{bad}");
        }
    }
}
