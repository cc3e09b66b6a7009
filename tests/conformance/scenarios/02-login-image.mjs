// Username/password login (EIP-712 signed nonce) → token auth on REST and socket → a JPEG
// image project. A wrong password is refused.
import { scenario, client, env, fetchImage, assert, within, until } from '../lib.mjs';

await scenario('username/password login, jpg project', async (track) => {
  const bad = await client({ auth: 'none' });
  await assert.rejects(bad.account.login(env.username, 'wrong-password'), 'a wrong password is refused');
  await bad.dispose?.();

  const sogni = track(await client({ auth: 'none' }));
  await sogni.account.login(env.username, env.password);
  // currentAccount fills in from /v1/account/me, which login triggers.
  await within(5_000, until(() => sogni.currentAccount.username === env.username), 'currentAccount.username');
  const me = await sogni.account.me();
  assert.equal(me.username, env.username);
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const project = await sogni.projects.create({
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'a red bicycle',
    numberOfMedia: 1,
    steps: 4,
    sizePreset: 'custom',
    width: 320,
    height: 256,
    outputFormat: 'jpg'
  });
  const [url] = await within(20_000, project.waitForCompletion(), 'waitForCompletion');
  const img = await fetchImage(url);
  assert.equal(img.format, 'jpeg');
  assert.equal(img.width, 320);
  assert.equal(img.height, 256);
  return `logged in as ${me.username} (${me.walletAddress}), jpeg ${img.width}x${img.height}`;
});
