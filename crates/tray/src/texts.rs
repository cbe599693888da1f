//! Texts Tern shows outside the webview — the tray menu and tooltip, notification
//! actions and previews — in the app's language (zh-CN or English), shared by the
//! app and the tray-only process.

use serde::{Deserialize, Serialize};

/// A language of the app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Lang {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// The texts of one language.
#[derive(Debug, PartialEq, Eq)]
#[allow(missing_docs)] // fields named by what they hold
pub struct Texts {
    pub open_tern: &'static str,
    pub mute_notifications: &'static str,
    pub quit: &'static str,
    pub open: &'static str,
    pub mark_read: &'static str,
    pub reply: &'static str,
    pub image: &'static str,
    pub message: &'static str,
    pub new_message: &'static str,
    /// The page a window shows after its web process crashed again and again
    /// (`window_retrying`: `{s}` is the seconds until it reloads by itself).
    pub window_stopped: &'static str,
    pub window_retrying: &'static str,
    pub reload: &'static str,
}

const EN: Texts = Texts {
    open_tern: "Open Tern",
    mute_notifications: "Mute notifications",
    quit: "Quit",
    open: "Open",
    mark_read: "Mark as read",
    reply: "Reply",
    image: "[Image]",
    message: "[Message]",
    new_message: "New message",
    window_stopped: "Tern's window stopped working several times in a row.",
    window_retrying: "It tries again by itself in {s} seconds.",
    reload: "Reload now",
};

const ZH_CN: Texts = Texts {
    open_tern: "打开 Tern",
    mute_notifications: "通知静音",
    quit: "退出",
    open: "打开",
    mark_read: "标为已读",
    reply: "回复",
    image: "[图片]",
    message: "[消息]",
    new_message: "新消息",
    window_stopped: "Tern 窗口连续多次停止工作。",
    window_retrying: "{s} 秒后将自动重试。",
    reload: "立即重新加载",
};

impl Lang {
    /// This language's texts.
    pub const fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// The tray tooltip for an unread total.
    pub fn tooltip(self, unread: u64) -> String {
        match (self, unread) {
            (_, 0) => "Tern".to_owned(),
            (Lang::En, 1) => "Tern: 1 unread message".to_owned(),
            (Lang::En, n) => format!("Tern: {n} unread messages"),
            (Lang::ZhCn, n) => format!("Tern：{n} 条未读消息"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text_and_plural_tooltips() {
        for l in [Lang::En, Lang::ZhCn] {
            let t = l.texts();
            for s in [
                t.open_tern,
                t.mute_notifications,
                t.quit,
                t.open,
                t.mark_read,
                t.reply,
                t.image,
                t.message,
            ] {
                assert!(!s.is_empty());
            }
            assert_eq!(l.tooltip(0), "Tern");
        }
        assert_ne!(Lang::En.texts(), Lang::ZhCn.texts());
        assert_eq!(Lang::En.tooltip(1), "Tern: 1 unread message");
        assert_eq!(Lang::En.tooltip(5), "Tern: 5 unread messages");
        assert_eq!(Lang::ZhCn.tooltip(5), "Tern：5 条未读消息");
        assert_eq!(serde_json::to_string(&Lang::ZhCn).unwrap(), "\"zh-CN\"");
    }
}
