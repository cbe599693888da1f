//! The login screen's server address may name several servers (the nodes of
//! a cluster, or a load balancer and a node behind it), separated by commas
//! or spaces: tern-core connects to the first and fails over to the next when
//! a connection fails (`ClientConfig::fallback_urls`). The text is kept as
//! typed (remembered logins, the profile screen); only this module splits it.

use crate::error::{AppError, AppResult};

/// More addresses than this in one field is a typo, not a cluster.
pub(crate) const MAX_SERVERS: usize = 8;

/// The servers named by `text`, in order, without duplicates: the first is
/// the primary, the others its fallbacks. Each must be a ws(s):// or
/// http(s):// URL.
pub(crate) fn parse(text: &str) -> AppResult<(String, Vec<String>)> {
    let mut urls: Vec<String> = Vec::new();
    for url in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if url.is_empty() || urls.iter().any(|u| u == url) {
            continue;
        }
        if !["ws://", "wss://", "http://", "https://"]
            .iter()
            .any(|p| url.starts_with(p) && url.len() > p.len())
        {
            return Err(AppError::new(
                "invalid_argument",
                "The server address must start with ws://, wss://, http:// or https://.",
            ));
        }
        urls.push(url.to_owned());
    }
    if urls.len() > MAX_SERVERS {
        return Err(AppError::new(
            "invalid_argument",
            format!("At most {MAX_SERVERS} server addresses, separated by commas."),
        ));
    }
    let mut it = urls.into_iter();
    let first = it.next().ok_or_else(|| {
        AppError::new(
            "invalid_argument",
            "The server address must start with ws://, wss://, http:// or https://.",
        )
    })?;
    Ok((first, it.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_or_several_servers_with_commas_or_spaces() {
        assert_eq!(
            parse(" ws://a:7878 ").unwrap(),
            ("ws://a:7878".to_owned(), vec![])
        );
        assert_eq!(
            parse("wss://lb.example, ws://n1:7878  ws://n2:7878,ws://n1:7878").unwrap(),
            (
                "wss://lb.example".to_owned(),
                vec!["ws://n1:7878".to_owned(), "ws://n2:7878".to_owned()]
            )
        );
        for bad in ["", " , ", "n1:7878", "ws://a, ftp://b", "ws://"] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        let many = (0..=MAX_SERVERS)
            .map(|i| format!("ws://n{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse(&many).is_err());
    }
}
