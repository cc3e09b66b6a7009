// The account's rewards (Dates), claims, transaction history, nonce, wallet balance,
// username check; subscriptions after a username/password login: plans, trial
// eligibility, checkout → the emulator's payment page → the socket's entitlement push into
// currentAccount.subscription; status, usage, portal (cancel at period end), device id;
// opt-in subscriptionLimitNotice; isSubscriptionLimitError. Tolerates a second run on the
// same emulator (the other SDK's).
import { scenario, client, env, assert, within, sdk } from '../lib.mjs';

await scenario('account rewards, transactions and subscriptions', async (track) => {
  const sogni = track(await client());
  const { SogniClient, isSubscriptionLimitError } = await sdk();
  await within(5_000, sogni.account.me(), 'me');
  const address = sogni.currentAccount.walletAddress;

  const rewards = await sogni.account.rewards();
  const daily = rewards.find((r) => r.id === 'daily-boost');
  assert.ok(daily.lastClaim instanceof Date);
  if (daily.canClaim) await sogni.account.claimRewards(['daily-boost']);
  const after = (await sogni.account.rewards({ provider: 'base' })).find((r) => r.id === 'daily-boost');
  assert.equal(after.canClaim, false);
  assert.ok(after.nextClaim instanceof Date);
  const refused = await sogni.account.claimRewards(['daily-boost']).then(() => null, (e) => e);
  assert.equal(refused?.status, 400);

  const page = await sogni.account.transactionHistory({ status: 'completed', address, limit: 50 });
  assert.ok(page.entries.some((e) => e.description === 'Reward: Daily Boost' && e.createTime instanceof Date));
  assert.equal(page.next.offset, page.entries.length);
  assert.match(await sogni.account.getNonce(address), /.+/);
  assert.match((await sogni.account.walletBalance(address)).sogni, /^\d+(\.\d+)?$/);
  assert.equal((await sogni.account.validateUsername('demo')).errorCode, 108);

  const user = await SogniClient.createInstance({
    appId: `conformance-sub-${process.pid}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    logLevel: 'error',
    socketEventSubscriptions: { subscriptionLimitNotice: true }
  });
  try {
    await user.account.login(env.username, env.password);
    const plans = await user.account.getSubscriptionPlans();
    assert.equal(plans.length, 4);
    const before = await user.account.getSubscriptionStatus();
    if (!before.active) {
      assert.equal(before.status, 'none');
      assert.equal((await user.account.getTrialEligibility()).eligible, true);
      const { url } = await user.account.createSubscriptionCheckout('unlimited', 'monthly');
      const pushed = new Promise((resolve) => user.apiClient.socket.once('subscriptionEntitlementUpdated', resolve));
      assert.equal((await fetch(url)).status, 200);
      await within(5_000, pushed, 'entitlement push');
      await within(5_000, new Promise((r) => (function poll() { user.currentAccount.subscription?.active ? r() : setTimeout(poll, 10); })()), 'currentAccount.subscription');
      assert.equal(user.currentAccount.subscription.status, 'trialing');
    }
    assert.equal(user.currentAccount.isUnlimited, true);
    const status = await user.account.refreshSubscription();
    assert.equal(status.active, true);
    assert.equal((await user.account.getTrialEligibility()).eligible, false);
    const usage = await user.account.getSubscriptionUsage();
    assert.equal(typeof usage.periodJobs, 'number');
    await user.account.setDeviceId('conformance-device');
    const portal = await user.account.createSubscriptionPortalSession();
    await fetch(`${portal.url}?action=cancel`);
    assert.equal((await user.account.getSubscriptionStatus()).cancelAtPeriodEnd, true);
    await fetch(`${portal.url}?action=resume`);

    const notice = new Promise((resolve) => user.apiClient.socket.once('subscriptionLimitNotice', resolve));
    await fetch(new URL('/emulator/notices', env.rest), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', code: '4081', subscriptionLimit: true })
    });
    const n = await within(5_000, notice, 'subscriptionLimitNotice');
    assert.equal(isSubscriptionLimitError(n), true);
    assert.equal(isSubscriptionLimitError(4079), false);
  } finally {
    user.dispose();
  }
  const keyRefused = await sogni.account.createSubscriptionCheckout('unlimited', 'monthly').then(() => null, (e) => e);
  assert.equal(keyRefused?.status, 403);
  return `${page.entries.length} transactions`;
});
