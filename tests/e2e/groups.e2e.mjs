// End-to-end: groups in the real Tern app (WebKitGTK via tauri-driver) against a
// real tern-server, with bob and carol driven by tern-cli. alice creates a group
// with both through the dialog, messages go both ways, bob becomes admin, carol is
// kicked (and invited back), and alice dismisses the group; then alice as a plain
// member of bob's groups is muted, removed, and leaves. See tests/e2e/run.sh (mode `groups`).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, invoke, launchApp, startServer, tempDir, Steps, sel, layoutProblems, resizeWindow, waitFocus } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css) => wd.waitFor(css);
const GROUP_NAME = 'Weekend hikers';

const texts = async (css) => Promise.all((await wd.findAll(css)).map((e) => e.text()));

/** Parses tern-cli's one JSON value per command. */
const json = (stdout) => JSON.parse(stdout.trim().split('\n').pop());

/** With TERN_E2E_SHOTS=<dir>, extra screenshots of the dialogs go there (for a look by eye). */
const extraShot = async (name) => process.env.TERN_E2E_SHOTS && wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, `${name}.png`));

/** The system lines (membership changes) of the open chat's timeline. */
const timelineLines = () => wd.execute(`return [...document.querySelectorAll('.system[data-testid="message"]')].map((e) => e.textContent.trim())`);

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const carol = new CliUser(server, 'carol', 'carol-password-1');
  const dave = new CliUser(server, 'dave', 'dave-password-1');
  const appData = tempDir('app');
  console.log(`tern e2e groups: server ${server.url}`);

  await step('tern-cli users bob and carol register and ask alice to be friends', async () => {
    // One at a time: parallel registrations can find the server's hashing slots busy (1004) on 2 cores.
    for (const u of [bob, carol, dave]) await u.register();
    await bob.ok(['profile', '--nickname', 'Bob Builder']);
    await carol.ok(['profile', '--nickname', 'Carol Chen']);
    await dave.ok(['profile', '--nickname', 'Dave Diver']);
  });
  const bobEvents = await bob.listen();
  const carolEvents = await carol.listen();

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData }));

  await step('alice registers in the app and accepts both friend requests', async () => {
    await $(sel('login-form'));
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'connection online' });
    await bob.ok(['friend', 'add', 'alice', '--greeting', 'hi']);
    await carol.ok(['friend', 'add', 'alice', '--greeting', 'hi']);
    // (Accepting in the Friends screen is covered by app.e2e.mjs.)
    await waitUntil(async () => {
      const apps = await invoke(wd, 'list_applications');
      return apps.received.filter((a) => a.state === 'pending').length === 2;
    }, { what: 'two friend requests at alice' });
    await invoke(wd, 'accept_friend', { user: 'bob' });
    await invoke(wd, 'accept_friend', { user: 'carol' });
    await waitUntil(async () => (await invoke(wd, 'list_friends')).length === 2, { what: 'two friends' });
  });

  let group = '';
  await step('alice creates a group with bob and carol in the New group dialog', async () => {
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('new-group'))).click();
    await $(sel('create-group-dialog'));
    await (await $(sel('group-name'))).type(GROUP_NAME);
    // Search narrows the list; pick bob, then clear the search and pick carol.
    await (await $(sel('group-friend-search'))).type('bob');
    await waitUntil(async () => (await wd.findAll(sel('pick-friend'))).length === 1, { what: 'search shows only bob' });
    await (await $(`${sel('pick-friend', '[data-user="bob"]')} input`)).click();
    await (await $(sel('group-friend-search'))).type('\uE003\uE003\uE003'); // Backspace x3
    await waitUntil(async () => (await wd.findAll(sel('pick-friend'))).length === 2, { what: 'both friends listed again' });
    await (await $(`${sel('pick-friend', '[data-user="carol"]')} input`)).click();
    await waitUntil(async () => (await (await $(sel('picked-count'))).text()) === '2 selected', { what: '2 selected' });
    await extraShot('create-group');
    await (await $(sel('group-submit'))).click();
    const row = await wd.waitFor(`${sel('conversation')}:not([data-group=""])`, { what: 'the group in the chat list' });
    group = await row.attr('data-group');
    if (!group) throw new Error('no group id on the list entry');
    if (!(await row.text()).includes(GROUP_NAME)) throw new Error(`list entry: ${await row.text()}`);
    if (!(await row.find(sel('group-avatar')))) throw new Error('no group avatar in the list');
    await waitUntil(async () => (await (await $(sel('chat-title'))).text()) === GROUP_NAME, { what: 'the group chat open' });
    await waitUntil(async () => (await (await $(sel('chat-member-count'))).text()) === '3 members', { what: '3 members in the header' });
    // The new chat starts with the line of its creation, not empty.
    await waitUntil(async () => (await wd.execute(`return [...document.querySelectorAll('[data-testid="message"][data-client-id^="member-notice-"]')].map((e) => e.textContent.trim())`)).includes('You created the group'), { what: '"You created the group" in the new chat' });
    await bobEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_joined' && e.group?.group === group, 'group_joined at bob');
    const list = json(await bob.ok(['group', 'list']));
    if (!list.some((g) => g.group === group && g.name === GROUP_NAME)) throw new Error(`bob's group list: ${JSON.stringify(list)}`);
  });

  await step('bob and carol send to the group from tern-cli -> shown in the app with their names and avatars', async () => {
    await bob.ok(['send', `g:${group}`, 'Hi all, bob here']);
    await bob.ok(['send', `g:${group}`, 'Saturday at 9?']);
    await carol.ok(['send', `g:${group}`, "Count me in. I'll bring snacks."]);
    await waitUntil(async () => (await texts(sel('message-text'))).includes("Count me in. I'll bring snacks."), { what: 'the messages in the group chat' });
    // Two messages in a row from bob: one name and avatar for the run; then carol's.
    const senders = await Promise.all((await wd.findAll(sel('message-sender'))).map(async (e) => `${await e.attr('data-user')}=${await e.text()}`));
    if (senders.join(',') !== 'bob=Bob Builder,carol=Carol Chen') throw new Error(`sender labels: ${senders}`);
  });

  const reply = 'Saturday at 9 works for me. See you at the trailhead!';
  await step('alice sends from the app -> bob receives it (tern-cli listen and history)', async () => {
    const composer = await $(sel('composer'));
    await composer.type(reply);
    await composer.type('\uE007');
    await bobEvents.waitFor((e) => e.type === 'new_message' && e.message?.conv === `g:${group}` && e.message?.content?.text === reply, 'the reply at bob');
    const history = await bob.ok(['history', `g:${group}`]);
    if (!history.includes(reply)) throw new Error(`bob's history lacks the reply: ${history}`);
    await carolEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === reply, 'the reply at carol');
  });

  await step('alice opens the member panel and edits the group notice (the caret in the name field) -> banner in the chat, bob sees it', async () => {
    await (await $(sel('open-member-panel'))).click();
    await $(sel('member-panel'));
    const roles = await Promise.all((await wd.findAll(sel('member'))).map(async (m) => `${await m.attr('data-user')}:${await m.attr('data-role')}`));
    if (roles.join(',') !== 'alice:owner,bob:member,carol:member') throw new Error(`members: ${roles}`);
    await (await $(sel('edit-group'))).click();
    await waitFocus(wd, 'edit-group-name', 'the group edit form');
    await (await $(sel('edit-group-notice'))).type('Bring water and a hat.');
    await (await $(sel('save-group'))).click();
    await waitUntil(async () => (await wd.find(sel('group-notice-text'))) && (await (await wd.find(sel('group-notice-text'))).text()) === 'Bring water and a hat.', { what: 'the notice banner' });
    await waitUntil(async () => json(await bob.ok(['group', 'info', group])).notice === 'Bring water and a hat.', { what: "the notice in bob's group info" });
  });

  await step('alice makes bob admin in the member panel -> bob\'s tern-cli sees the role', async () => {
    await (await $(`${sel('member', '[data-user="bob"]')} ${sel('member-menu')}`)).click();
    await (await $(sel('member-action', '[data-action="make_admin"]'))).click();
    await wd.waitFor(sel('member', '[data-user="bob"][data-role="admin"]'), { what: 'bob shown as admin' });
    await bobEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_role_changed' && e.group === group && e.user === 'bob' && e.role === 'admin', 'role change at bob');
    const members = json(await bob.ok(['group', 'members', group]));
    const me = members.find((m) => m.user === 'bob');
    if (me?.role !== 'admin') throw new Error(`bob's members view: ${JSON.stringify(members)}`);
  });

  await step('dave (not a friend) asks to join -> alice accepts in the panel; his message shows his group nickname', async () => {
    await dave.ok(['group', 'join', group, '--message', 'Can I come along?']);
    const app = await wd.waitFor(sel('group-application', '[data-user="dave"]'), { what: "dave's join request in the panel" });
    if (!(await app.text()).includes('Can I come along?')) throw new Error(`request: ${await app.text()}`);
    await (await app.find(sel('accept-application'))).click();
    await wd.waitFor(sel('member', '[data-user="dave"][data-role="member"]'), { what: 'dave in the member list' });
    await waitUntil(async () => (await wd.find(sel('group-application'))) === null, { what: 'no pending request left' });
    await waitUntil(async () => (await (await $(sel('chat-member-count'))).text()) === '4 members', { what: '4 members in the header' });
    await waitUntil(async () => (await timelineLines()).includes('You added Dave Diver'), { what: '"You added Dave Diver" in the timeline' });
    await waitUntil(async () => json(await dave.ok(['group', 'list'])).some((g) => g.group === group), { what: "the group in dave's list" });
    await dave.ok(['send', `g:${group}`, 'Thanks, see you there']);
    await wd.waitFor(sel('message-sender', '[data-user="dave"]'), { what: "dave's message" });
    const name = await (await $(sel('message-sender', '[data-user="dave"]'))).text();
    if (name !== 'Dave Diver') throw new Error(`dave's sender label: ${name}`);
    const preview = `${sel('conversation')}[data-group="${group}"] ${sel('preview')}`;
    await waitUntil(async () => (await (await $(preview)).text()) === 'Dave Diver: Thanks, see you there', { what: 'the list preview names dave' });
  });

  await step('alice mutes dave for 10 minutes in the panel -> shown muted, his tern-cli send is refused', async () => {
    await (await $(`${sel('member', '[data-user="dave"]')} ${sel('member-menu')}`)).click();
    await (await $(sel('member-action', '[data-action="mute_10m"]'))).click();
    await wd.waitFor(sel('member', '[data-user="dave"][data-muted="true"]'), { what: 'dave shown muted' });
    const badge = await (await $(`${sel('member', '[data-user="dave"]')} ${sel('muted-badge')}`)).text();
    if (!/^Muted until (\d\d\/\d\d )?\d{1,2}:\d\d(\s?[AP]M)?$/.test(badge)) throw new Error(`badge: ${badge}`);
    const r = await dave.run(['send', `g:${group}`, 'can you hear me?']);
    if (r.code === 0) throw new Error('a muted member could post');
  });

  await step('screenshot of the group chat with the member panel open', async () => {
    mkdirSync(path.join(root, 'docs/screenshots'), { recursive: true });
    // Let the last re-render settle (no toast, no open menu).
    await waitUntil(async () => (await wd.find(sel('toast'))) === null, { what: 'no toast', timeout: 8000 });
    await wd.screenshot(path.join(root, 'docs/screenshots/group-chat.png'));
  });

  await step('800×600: the chat list shows avatars and the member panel lies over the messages; title, composer and Send inside the window and uncovered; Esc and × close it; screenshot', async () => {
    const rect = await wd.cmd('GET', '/window/rect');
    await resizeWindow(wd, 800, 600);
    await wd.waitFor(sel('member-panel', '[data-overlay="true"]'), { what: 'the member panel as an overlay' });
    await wd.waitFor(sel('chat-list-pane', '[data-collapsed="true"]'), { what: 'the chat list collapsed to avatars' });
    const shown = [sel('chat-title'), sel('composer'), sel('send'), sel('open-member-panel'), sel('member-panel-close'), sel('conversation')];
    const problems = await layoutProblems(wd, shown);
    if (problems.length) throw new Error(`at 800×600: ${problems.join('; ')}`);
    // The chat keeps its width: the title's box is not crushed.
    const width = await wd.execute(`return document.querySelector('[data-testid="chat-title"]').closest('header').getBoundingClientRect().width`);
    if (width < 500) throw new Error(`the chat header is only ${width}px wide`);
    await wd.screenshot(path.join(root, 'docs/screenshots/small-window-chat.png'));
    await (await $(sel('composer'))).type('\uE00C'); // Esc
    await waitUntil(async () => (await wd.find(sel('member-panel'))) === null, { what: 'Esc to close the panel' });
    await (await $(sel('open-member-panel'))).click();
    await (await $(sel('member-panel-close'))).click();
    await waitUntil(async () => (await wd.find(sel('member-panel'))) === null, { what: '× to close the panel' });
    await resizeWindow(wd, rect.width, rect.height);
    await (await $(sel('open-member-panel'))).click();
    await wd.waitFor(sel('member-panel', '[data-overlay="false"]'), { what: 'the panel beside the chat again' });
  });

  await step('alice unmutes dave in the panel -> he can post again', async () => {
    await (await $(`${sel('member', '[data-user="dave"]')} ${sel('member-menu')}`)).click();
    await (await $(sel('member-action', '[data-action="unmute"]'))).click();
    await wd.waitFor(sel('member', '[data-user="dave"][data-muted="false"]'), { what: 'dave shown unmuted' });
    await dave.ok(['send', `g:${group}`, 'Back in']);
    await waitUntil(async () => (await texts(sel('message-text'))).includes('Back in'), { what: "dave's message after the unmute" });
  });

  await step('alice kicks carol -> she is gone from the panel and her tern-cli shows she is no longer a member', async () => {
    await (await $(`${sel('member', '[data-user="carol"]')} ${sel('member-menu')}`)).click();
    await (await $(sel('member-action', '[data-action="kick"]'))).click();
    await waitUntil(async () => (await wd.find(sel('member', '[data-user="carol"]'))) === null, { what: 'carol gone from the panel' });
    await waitUntil(async () => (await (await $(sel('chat-member-count'))).text()) === '3 members', { what: '3 members in the header' });
    await waitUntil(async () => (await timelineLines()).includes('You removed Carol Chen'), { what: '"You removed Carol Chen" in the timeline' });
    await carolEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_member_left' && e.group === group && e.user === 'carol' && e.reason === 'kicked', 'kicked event at carol');
    const list = json(await carol.ok(['group', 'list']));
    if (list.some((g) => g.group === group)) throw new Error(`carol still lists the group: ${JSON.stringify(list)}`);
    const r = await carol.run(['send', `g:${group}`, 'am I still here?']);
    if (r.code === 0) throw new Error('a kicked member could still post');
  });

  await step('alice invites carol back from the panel\'s Invite dialog (the caret in its search) -> she is a member again', async () => {
    await (await $(sel('invite-members'))).click();
    await $(sel('invite-dialog'));
    await waitFocus(wd, 'group-friend-search', 'the Invite dialog');
    const listed = await Promise.all((await wd.findAll(sel('pick-friend'))).map((e) => e.attr('data-user')));
    if (listed.join(',') !== 'carol') throw new Error(`invite list (friends not in the group): ${listed}`);
    await (await $(`${sel('pick-friend', '[data-user="carol"]')} input`)).click();
    await (await $(sel('group-submit'))).click();
    await wd.waitFor(sel('member', '[data-user="carol"][data-role="member"]'), { what: 'carol back in the member list' });
    await waitUntil(async () => (await timelineLines()).includes('You added Carol Chen'), { what: '"You added Carol Chen" in the timeline' });
    const lines = await timelineLines();
    console.log(`  membership lines: ${JSON.stringify(lines)}`);
    await carolEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_joined' && e.group?.group === group, 'group_joined at carol');
  });

  await step('the membership lines are stored by tern-core: after a reload of the UI the reopened chat still shows them, once each', async () => {
    const before = await timelineLines();
    await wd.execute('location.reload()');
    // The list re-renders as the reloaded UI loads it: click until the chat opens.
    await waitUntil(async () => {
      const row = await wd.find(sel('conversation', `[data-group="${group}"]`));
      if (row) await row.click();
      const title = await wd.find(sel('chat-title'));
      return title !== null && (await title.text()) === GROUP_NAME;
    }, { what: 'the group chat reopened after the reload' });
    const want = ['You added Dave Diver', 'You removed Carol Chen', 'You added Carol Chen'];
    await waitUntil(async () => {
      const lines = await timelineLines();
      return want.every((w) => lines.filter((l) => l === w).length === 1);
    }, { what: `${JSON.stringify(want)} once each in the timeline after the reload` });
    const after = await timelineLines();
    console.log(`  membership lines after the reload: ${JSON.stringify(after)}`);
    for (const w of want) if (after.indexOf(w) < 0 || before.indexOf(w) < 0) throw new Error(`${w}: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    const order = want.map((w) => after.indexOf(w));
    if (order.join() !== [...order].sort((x, y) => x - y).join()) throw new Error(`lines out of order: ${JSON.stringify(after)}`);
    await extraShot('group-membership-after-reload');
    // The member panel (the next steps use it) is closed by the reload.
    await (await $(sel('open-member-panel'))).click();
    await $(sel('member-panel'));
  });

  await step('alice dismisses the group (with confirmation) -> it leaves the list and bob gets the dismissed event', async () => {
    await (await $(sel('dismiss-group'))).click();
    await wd.waitFor(sel('dismiss-cancel'), { what: 'the confirmation' });
    if ((await wd.findAll(`${sel('conversation')}[data-group="${group}"]`)).length !== 1) throw new Error('dismissed before confirming');
    await (await $(sel('dismiss-group'))).click();
    await waitUntil(async () => (await wd.find(`${sel('conversation')}[data-group="${group}"]`)) === null, { what: 'the group gone from the chat list' });
    const gone = await (await $(sel('group-gone'))).text();
    if (!gone.includes('dismissed')) throw new Error(`notice: ${gone}`);
    await bobEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_dismissed' && e.group === group, 'group_dismissed at bob');
    const list = json(await bob.ok(['group', 'list']));
    if (list.some((g) => g.group === group)) throw new Error(`bob still lists the group: ${JSON.stringify(list)}`);
    await (await $(sel('group-gone-close'))).click();
    await waitUntil(async () => (await wd.find(sel('group-gone'))) === null, { what: 'the notice closed' });
  });

  await step('alice joins bob\'s open group by its id (chat opens); for his approval group her request waits until he accepts', async () => {
    const open = json(await bob.ok(['group', 'create', 'Open mic', '--policy', 'open'])).group;
    await (await $(sel('new-group'))).click();
    await (await $(sel('join-instead'))).click();
    await (await $(sel('join-group-id'))).type(open);
    await (await $(sel('join-submit'))).click();
    await waitUntil(async () => (await (await $(sel('chat-title'))).text()) === 'Open mic', { what: 'the open group chat' });
    await wd.waitFor(`${sel('conversation')}[data-group="${open}"]`, { what: 'the open group in her list' });
    await bobEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_member_joined' && e.group === open && e.member?.user === 'alice', 'alice joined, at bob');
    const closed = json(await bob.ok(['group', 'create', 'Invite only'])).group;
    await (await $(sel('new-group'))).click();
    await (await $(sel('join-instead'))).click();
    await (await $(sel('join-group-id'))).type(closed);
    await (await $(sel('join-group-message'))).type('alice here, may I?');
    await extraShot('join-group');
    await (await $(sel('join-submit'))).click();
    const toast = await (await wd.waitFor(sel('toast'), { what: 'request sent' })).text();
    if (!toast.includes('Request sent')) throw new Error(`toast: ${toast}`);
    if (await wd.find(`${sel('conversation')}[data-group="${closed}"]`)) throw new Error('listed before being accepted');
    const apps = json(await bob.ok(['group', 'applications', closed]));
    if (!apps.some((a) => a.user === 'alice' && a.state === 'pending' && a.message === 'alice here, may I?')) throw new Error(`bob's applications: ${JSON.stringify(apps)}`);
    await bob.ok(['group', 'accept', closed, 'alice']);
    await wd.waitFor(`${sel('conversation')}[data-group="${closed}"]`, { what: 'the approval group in her list once accepted' });
  });

  let crew = '';
  await step('bob creates a group with alice in tern-cli -> it appears in her chat list; as a plain member she gets no member actions', async () => {
    crew = json(await bob.ok(['group', 'create', "Bob's crew", '--members', 'alice'])).group;
    const row = await wd.waitFor(`${sel('conversation')}[data-group="${crew}"]`, { what: "bob's group in alice's list" });
    await row.click();
    await waitUntil(async () => (await (await $(sel('chat-title'))).text()) === "Bob's crew", { what: "bob's group open" });
    await (await $(sel('open-member-panel'))).click();
    await wd.waitFor(sel('member', '[data-user="alice"][data-role="member"]'), { what: 'alice listed as a plain member' });
    await wd.waitFor(sel('member', '[data-user="bob"][data-role="owner"]'), { what: 'bob listed as owner' });
    if ((await wd.findAll(sel('member-menu'))).length !== 0) throw new Error('a plain member is offered member actions');
    if (!(await wd.find(sel('leave-group'))) || (await wd.find(sel('dismiss-group')))) throw new Error('a plain member should see Leave, not Dismiss');
    if (await wd.find(sel('edit-group'))) throw new Error('a plain member may not edit the group');
  });

  await step('bob mutes alice for 10 minutes -> her composer says until when; unmuting gives it back', async () => {
    await bob.ok(['group', 'mute', crew, 'alice', '10']);
    const disabled = await wd.waitFor(sel('composer-disabled'), { what: 'the composer disabled' });
    const text = await disabled.text();
    if (!/^You are muted until (\d\d\/\d\d )?\d{1,2}:\d\d(\s?[AP]M)?\.$/.test(text)) throw new Error(`muted notice: ${text}`);
    await wd.waitFor(sel('member', '[data-user="alice"][data-muted="true"]'), { what: 'alice shown muted in the panel' });
    await extraShot('muted');
    await bob.ok(['group', 'mute', crew, 'alice', '0']);
    await wd.waitFor(sel('composer'), { what: 'the composer back after the unmute' });
  });

  await step('bob mutes everyone -> alice (plain member) cannot post; bob removes her -> the chat leaves her list with a notice', async () => {
    await bob.ok(['group', 'mute-all', crew, 'on']);
    const disabled = await wd.waitFor(sel('composer-disabled'), { what: 'the composer disabled by the whole-group mute' });
    const text = await disabled.text();
    if (!text.includes('everyone is muted')) throw new Error(`all-muted notice: ${text}`);
    await bob.ok(['group', 'kick', crew, 'alice']);
    await waitUntil(async () => (await wd.find(`${sel('conversation')}[data-group="${crew}"]`)) === null, { what: "bob's group gone from alice's list" });
    const gone = await (await $(sel('group-gone'))).text();
    if (!gone.includes('removed') || !gone.includes('Bob Builder')) throw new Error(`notice: ${gone}`);
    if (await wd.find(sel('member-panel'))) throw new Error('the member panel stayed open');
    await extraShot('removed');
  });

  await step('alice leaves a group of bob\'s from the panel (with confirmation) -> it leaves her list, bob sees her go', async () => {
    const third = json(await bob.ok(['group', 'create', 'Book club', '--members', 'alice'])).group;
    await (await wd.waitFor(`${sel('conversation')}[data-group="${third}"]`, { what: 'the book club in her list' })).click();
    await (await $(sel('open-member-panel'))).click();
    await (await $(sel('leave-group'))).click();
    if ((await (await $(sel('leave-group'))).text()) !== 'Really leave?') throw new Error('no confirmation before leaving');
    await (await $(sel('leave-group'))).click();
    await waitUntil(async () => (await wd.find(`${sel('conversation')}[data-group="${third}"]`)) === null, { what: 'the book club gone from her list' });
    await bobEvents.waitFor((e) => e.type === 'group_changed' && e.kind === 'group_member_left' && e.group === third && e.user === 'alice' && e.reason === 'left', 'alice left, at bob');
  });

  bobEvents.stop();
  carolEvents.stop();
}

await runSuite('tern e2e groups', steps, main, { started, driver: () => wd });
