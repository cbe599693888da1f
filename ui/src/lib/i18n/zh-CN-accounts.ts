/** 简体中文 texts for several accounts: the switcher, adding and removing one (merged into zh-CN.ts). */
export default {
  accounts: {
    switcher: "账号",
    switchTo: "切换到 {{label}}",
    switchToUnread_other: "切换到 {{label}}（{{count}} 条未读）",
    add: "添加账号",
    addTitle: "添加账号",
    addSub: "登录另一个账号，可以在本服务器或其他服务器上。两个账号都保持连接。",
    cancel: "取消",
    remove: "移除此账号",
    removeQuestion: "要从本应用中移除 {{label}} 吗？它将退出登录，这台电脑上它的消息和文件会被删除。服务器上的内容保留。",
    actions: "{{label}} 的操作",
    menuSwitch: "切换到此账号",
    menuRemove: "移除此账号…",
    removeOk: "移除",
    removed: "已从本应用中移除 {{label}}。",
    endedSwitched: "{{reason}}现在显示 {{label}}。",
  },
};
