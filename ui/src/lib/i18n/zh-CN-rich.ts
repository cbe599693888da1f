/** 简体中文 texts for rich messaging: replies, edits, reactions, pins, read-by (merged into zh-CN.ts). */
const zhCNRich = {
  rich: {
    you: "你",
    quoteRecalled: "原消息已撤回",
    quoteDeleted: "原消息已删除",
    quoteUnavailable: "原消息不可用",
    originalNotFound: "找不到原消息。",
    replyingTo: "回复 {{name}}",
    editing: "正在编辑",
    cancel: "取消（Esc）",
    goToOriginal: "跳到原消息",
    reactedWith: "{{who}} 回应了 {{emoji}}",
    react: "表情回应",
    messageActions: "消息操作",
    pinned: "置顶消息",
    pinnedOf: "置顶消息 {{n}}/{{total}}",
    unpin: "取消置顶",
    readBy: "已读成员",
    readN: "已读 · {{n}}",
    unreadN: "未读 · {{n}}",
    readByOff: "这个群已关闭已读回执，没有人能看到谁读了消息。",
    showMore: "显示更多",
    close: "关闭",
    nobody: "无",
    readReceiptsOn: "显示已读成员",
    readReceiptsOff: "隐藏已读成员",
    readReceiptsHint: "发送者和管理员能否看到谁读了消息",
    loading: "加载中…",
  },
};

export default zhCNRich;
