// Moving SOGNI between the account and its wallet with EIP-712 permits (withdraw,
// approveTokenUsage, deposit), the wallet from getWallet, and a refused wrong password:
// the official SDK (ethers) and sogni-wasm sign the same permits the emulator verifies.
import { scenario, client, env, assert, sdk } from '../lib.mjs';

await scenario('wallet permits: withdraw, approve, deposit', async (track) => {
  const { SogniClient, ApiError } = await sdk();
  const sogni = track(await SogniClient.createInstance({
    appId: `conformance-wallet-${process.pid}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    logLevel: 'error'
  }));
  await sogni.account.login(env.username, env.password);
  await sogni.account.me();
  const address = sogni.currentAccount.walletAddress;
  assert.equal(sogni.account.getWallet(env.username, env.password).address, address);
  const balance = async () => Number((await sogni.account.refreshBalance()).sogni.net);
  const onChain = async () => Number((await sogni.account.walletBalance(address)).sogni);
  const [a0, w0] = [await balance(), await onChain()];
  await sogni.account.withdraw(env.password, 2);
  assert.ok(Math.abs((await balance()) - (a0 - 2)) < 1e-9, 'account debited');
  assert.ok(Math.abs((await onChain()) - (w0 + 2)) < 1e-9, 'wallet credited');
  await sogni.account.approveTokenUsage(env.password, 'account');
  await sogni.account.deposit(env.password, '1.25');
  assert.ok(Math.abs((await balance()) - (a0 - 0.75)) < 1e-9, 'deposit credited');
  const wrong = await sogni.account.withdraw('wrong-password', 1).then(() => null, (e) => e);
  assert.ok(wrong instanceof ApiError && wrong.status === 400, String(wrong));
  const keyClient = await client();
  try {
    await keyClient.account.me();
    const refused = await keyClient.account.withdraw(env.password, 1).then(() => null, (e) => e);
    assert.equal(refused?.status, 403);
  } finally {
    keyClient.dispose();
  }
  return `account ${a0} → ${await balance()}`;
});
