/** English texts for several accounts: the switcher, adding and removing one (merged into en.ts). */
export default {
  accounts: {
    switcher: "Accounts",
    switchTo: "Switch to {{label}}",
    switchToUnread_one: "Switch to {{label}} ({{count}} unread)",
    switchToUnread_other: "Switch to {{label}} ({{count}} unread)",
    add: "Add an account",
    addTitle: "Add an account",
    addSub: "Sign in to another account, on this server or another. Both stay connected.",
    cancel: "Cancel",
    remove: "Remove this account",
    removeQuestion: "Remove {{label}} from this app? It is signed out, and its messages and files on this computer are deleted. They stay on the server.",
    actions: "Actions for {{label}}",
    menuSwitch: "Switch to this account",
    menuRemove: "Remove this account…",
    removeOk: "Remove",
    removed: "{{label}} was removed from this app.",
    endedSwitched: "{{reason}} Now showing {{label}}.",
  },
};
