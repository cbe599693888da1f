/** English texts for rich messaging: replies, edits, reactions, pins, read-by (merged into en.ts). */
const enRich = {
  rich: {
    you: "You",
    quoteRecalled: "The original message was recalled",
    quoteDeleted: "The original message was deleted",
    quoteUnavailable: "The original message is not available",
    originalNotFound: "The original message could not be found.",
    replyingTo: "Replying to {{name}}",
    editing: "Editing",
    cancel: "Cancel (Esc)",
    goToOriginal: "Go to the original message",
    reactedWith: "{{who}} reacted with {{emoji}}",
    react: "React",
    messageActions: "Message actions",
    pinned: "Pinned message",
    pinnedOf: "Pinned message {{n}} of {{total}}",
    unpin: "Unpin",
    readBy: "Read by",
    readN: "Read · {{n}}",
    unreadN: "Not read yet · {{n}}",
    readByOff: "This group has turned read receipts off, so nobody can see who read its messages.",
    showMore: "Show more",
    close: "Close",
    nobody: "Nobody",
    readReceiptsOn: "Show who read",
    readReceiptsOff: "Hide who read",
    readReceiptsHint: "Whether senders and admins can see who has read a message",
    loading: "Loading…",
  },
};

export default enRich;
