// Placeholder demo: shows the emulator's endpoints and its model list (fetched cross-origin,
// which also proves the emulator's CORS). The full SDK demo replaces this.
const $ = (id) => document.getElementById(id);

async function main() {
  const config = await (await fetch('/config.json')).json();
  const rows = [
    ['restEndpoint', config.restEndpoint],
    ['socketEndpoint', config.socketEndpoint],
    ['user', `${config.username} / ${config.password}`],
    ['API key', config.apiKey]
  ];
  $('endpoints').replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    })
  );
  const res = await fetch(new URL('/api/v1/models/list', config.restEndpoint));
  if (!res.ok) throw new Error(`models list: HTTP ${res.status}`);
  const models = await res.json();
  $('models').replaceChildren(
    ...models.map((m) => {
      const tr = document.createElement('tr');
      for (const v of [m.id, m.media, m.tier]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    })
  );
  $('status').textContent = `Emulator is up: ${models.length} models.`;
}

main().catch((err) => {
  $('status').textContent = `Error: ${err.message}`;
  $('status').className = 'error';
});
