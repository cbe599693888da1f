/**
 * The one place tern-core events enter the UI. The switch names every event
 * kind: a kind added to tern-core's `Event` fails the type check here
 * (`unhandled`) until it is routed. Payloads are applied to the store that owns
 * them; only a finished resync (which may change anything) reloads lists.
 */
import type { Change, CoreEvent } from '../bindings';
import type { App } from './app.svelte';

/** Compile-time exhaustiveness: `e` is `never` once every kind has a case. */
export function unhandled(e: never): never {
  throw new Error(`unrouted core event ${JSON.stringify(e)}`);
}

export function route(app: App, e: CoreEvent): void {
  const { session, chats, messages, contacts, files, prefs } = app;
  switch (e.type) {
    // Session and connection. Kicks and expiry end the session through the
    // shell's `session-ended` event (with the reason worded), not here.
    case 'login_status':
    case 'kicked_offline':
    case 'token_expired':
    case 'sync_started':
      return;
    case 'connecting':
      session.connection = 'connecting';
      return;
    case 'connected':
      session.connection = 'online';
      session.certificate = null;
      void session.refreshLimits();
      return;
    case 'connect_failed':
      session.connection = 'offline';
      // A refused certificate is said as such, not as "offline" (no network problem).
      session.certificate = e.certificate;
      return;
    case 'sync_finished':
      void app.reloadAll();
      void session.refreshProfile();
      void app.rich.refresh();
      return;
    case 'profile_changed':
      session.applyProfile(e.profile);
      return;

    // Contacts.
    case 'friend_application_added':
    case 'friend_application_accepted':
    case 'friend_application_refused':
      contacts.applyApplication(e.application);
      return;
    case 'friend_added':
    case 'friend_info_changed':
      contacts.applyFriend(e.friend);
      return;
    case 'friend_deleted':
      contacts.removeFriend(e.user);
      return;
    case 'black_added':
    case 'black_deleted':
      void contacts.applyBlack(e.user, e.type === 'black_added');
      // tern-core hides group messages of users I blocked: reload group chats.
      void messages.reloadGroupChats();
      return;
    case 'presence':
      contacts.applyPresence(e.user, e.online);
      return;

    // Groups: each `group_*` change-log entry as the server sent it.
    case 'group_changed':
      routeGroup(app, e);
      return;

    // Messages and chats.
    case 'new_message':
    case 'message_acked':
    case 'message_failed':
      messages.applyMessage(e.message, e.type === 'new_message');
      return;
    case 'read_receipt':
      messages.applyReadReceipt(e.conv, e.user, e.seq);
      return;
    case 'recalled':
      messages.applyRecall(e.conv, e.seq, e.by, e.at);
      return;
    case 'edited':
      messages.applyEdit(e.conv, e.seq, e.text, e.edited_at);
      return;
    case 'reactions_changed':
      app.rich.applyReactions(e.conv, e.seq, e.reactions);
      return;
    case 'pins_changed':
      app.rich.applyPins(e.conv, e.pins);
      return;
    case 'typing':
      messages.applyTyping(e.conv, e.user);
      return;
    case 'message_removed':
      messages.applyRemoved(e.conv, e.client_id);
      return;
    case 'conversation_changed':
      chats.applyConversation(e.conversation);
      return;
    case 'unread_changed':
      chats.applyUnread(e.conv, e.unread);
      return;
    case 'conversation_removed':
      chats.removed(e.conv);
      return;
    case 'total_unread_changed':
      // The UI sums the listed chats itself (message requests and muted chats apart).
      return;

    // Chat rooms (live only).
    case 'room_message':
      app.rooms.applyMessage(e.message);
      return;
    case 'room_left':
      app.rooms.applyLeft(e.room, e.reason);
      return;
    // Settings that follow me across devices.
    case 'conv_settings_changed':
      prefs.applyConv(e.settings);
      return;
    case 'account_settings_changed':
      prefs.applyAccount(e.settings);
      return;

    // Files.
    case 'transfer_progress':
    case 'transfer_finished':
      files.applyTransfer(e);
      return;
    default:
      unhandled(e);
  }
}

/**
 * A `group_changed` event: the wire change-log entry, routed by its `kind`.
 * Only `group_*` kinds come this way (tern-core announces the others as
 * their own events), so those are listed apart; a group kind added to the
 * protocol fails the type check here until it is routed.
 */
function routeGroup(app: App, c: Change): void {
  const { groups } = app;
  switch (c.kind) {
    case 'group_joined':
      groups.onJoined(c.group);
      return;
    case 'group_member_joined':
      groups.onMemberJoined(c.group, c.member);
      return;
    case 'group_member_left':
      groups.onMemberLeft(c.group, c.user, c.reason, c.by);
      return;
    case 'group_info_changed':
      groups.onInfoChanged(c.group);
      return;
    case 'group_role_changed':
      groups.onRoleChanged(c.group, c.user, c.role);
      return;
    case 'group_member_muted':
      groups.onMuted(c.group, c.user, c.until);
      return;
    case 'group_dismissed':
      groups.onDismissed(c.group, c.by);
      return;
    case 'group_application_added':
    case 'group_application_handled':
      groups.onApplication(c.application);
      return;
    // Not group kinds: tern-core never sends these as `group_changed`.
    case 'friend_application_added':
    case 'friend_application_accepted':
    case 'friend_application_refused':
    case 'friend_added':
    case 'friend_deleted':
    case 'friend_info_changed':
    case 'black_added':
    case 'black_deleted':
    case 'profile_changed':
    case 'conv_settings_changed':
    case 'settings_changed':
      return;
    default:
      unhandled(c);
  }
}
