// Regenerates docs/screenshots/*.png: a populated account in the real app under Xvfb.
// Run through tests/e2e/screenshots.sh (which builds everything first).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, killAll, launchApp, startServer, tempDir } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(out, { recursive: true });
const sel = (testid, extra = '') => `[data-testid="${testid}"]${extra}`;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startServer();
const mk = async (user, nickname, signature) => {
  const u = new CliUser(server, user, `${user}-password-1`);
  await u.register();
  await u.ok(['profile', '--nickname', nickname, '--signature', signature]);
  return u;
};

const alice = await mk('alice', 'Alice Park', 'Building things that fly 🕊️');
const people = {
  carol: await mk('carol', 'Carol Chen', 'Product @ Northwind'),
  bob: await mk('bob', 'Bob Martin', 'On call this week'),
  dave: await mk('dave', 'David Okafor', 'Pixels and coffee'),
  erin: await mk('erin', 'Erin Walsh', 'Hiking whenever possible'),
  frank: await mk('frank', 'Frank Spammer', 'Best deals!!!'),
  grace: await mk('grace', 'Grace Liu', 'Hello there'),
  henry: await mk('henry', 'Henry Adams', 'Backend at Tern'),
  ivan: await mk('ivan', 'Ivan Petrov', 'Mobile and more'),
};
for (const name of ['carol', 'bob', 'dave', 'erin', 'frank']) {
  await people[name].ok(['friend', 'add', 'alice', '--greeting', 'Hi Alice!']);
  await alice.ok(['friend', 'accept', name]);
}
await people.grace.ok(['friend', 'add', 'alice', '--greeting', 'Hi Alice, we met at RustConf — want to keep in touch?']);
await alice.ok(['friend', 'add', 'henry', '--greeting', 'Hi Henry, Alice from the mobile team.']);
await alice.ok(['friend', 'remark', 'dave', 'Dave (design)']);
await alice.ok(['block', 'frank']);

const { wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app') });
const shot = async (name) => {
  await pause(400);
  await wd.screenshot(path.join(out, `${name}.png`));
  console.log(`screenshot: docs/screenshots/${name}.png`);
};
try {
  await wd.waitFor(sel('login-form'));
  await (await wd.waitFor(sel('user'))).clear(); // the last user id may be pre-filled
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  await shot('login');
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'));
  // Chat while the app is online, so it gets live pushes and read receipts.
  const say = (u, to, ...texts) => u.ok(['send', to, ...texts]);
  await say(people.erin, 'alice', 'Are we still on for Saturday?');
  await say(alice, 'erin', 'Yes! Trailhead at 8:30, I will bring snacks 🥪');
  await people.erin.ok(['read', 'alice']);
  await say(people.bob, 'alice', 'Deploy went out, all green ✅', 'Can you double-check the metrics dashboard when you have a minute?');
  await say(people.carol, 'alice', 'Morning! Did you get a chance to look at the onboarding flow?');
  await say(alice, 'carol', 'Yes — it reads much better now. Two small things:', 'The "skip" link is hard to spot on the second screen, and the welcome text could be shorter.');
  await say(people.carol, 'alice', 'Good catches 👍', 'Updated mockups are here: https://example.com/design/onboarding-v3');
  await say(alice, 'carol', 'Perfect. Let us ship it on Thursday then 🚀');
  await people.carol.ok(['read', 'alice']);
  await say(people.carol, 'alice', 'Deal! I will tell the team 🎉');
  await say(alice, 'carol', 'Thanks Carol, great work this sprint.');
  await people.carol.ok(['read', 'alice']);
  await say(people.dave, 'alice', 'Lunch tomorrow? New ramen place opened downstairs 🍜');
  await wd.waitFor(sel('conversation', '[data-peer="dave"]'));
  await (await wd.waitFor(sel('conversation', '[data-peer="carol"]'))).click();
  await waitUntil(async () => (await wd.findAll(sel('message'))).length >= 8, { what: 'carol chat loaded' });
  const composer = await wd.waitFor(sel('composer'));
  await composer.type('Sounds good, see you at standup');
  await shot('chat');
  await (await wd.waitFor(sel('emoji-button'))).click();
  await shot('chat-emoji');
  await (await wd.waitFor(sel('emoji-button'))).click();
  await (await wd.waitFor(sel('nav-friends'))).click();
  await (await wd.waitFor(sel('friend', '[data-user="carol"]'))).click();
  await shot('friends');
  await (await wd.waitFor(sel('tab-requests'))).click();
  await wd.waitFor(sel('received-application', '[data-user="grace"]'));
  await shot('friend-requests');
  await (await wd.waitFor(sel('tab-add'))).click();
  await (await wd.waitFor(sel('user-search'))).type('e\uE007');
  await wd.waitFor(sel('user-result', '[data-user="ivan"]'));
  await (await wd.waitFor(`${sel('user-result', '[data-user="ivan"]')} ${sel('add-friend')}`)).click();
  await wd.waitFor(sel('greeting'));
  await shot('add-friend');
  await (await wd.waitFor(sel('nav-blacklist'))).click();
  await wd.waitFor(sel('blocked-user', '[data-user="frank"]'));
  await shot('blacklist');
  await (await wd.waitFor(sel('nav-profile'))).click();
  await shot('my-profile');
} finally {
  await Promise.race([wd.quit(), pause(5000)]);
  killAll();
}
process.exit(0);
