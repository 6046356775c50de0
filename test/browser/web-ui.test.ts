import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import type { DevServer } from '../../workers/dev-server';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { tempDir } from '../helpers/plans';
import { connectTarget, startServerProcessTracked } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import { uniqueSuffix } from '../helpers/temporal-env';

// The embedded server with its Web UI, a real run, and Debian's chromium looking at it.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

let server: DevServer;
let target: Awaited<ReturnType<typeof connectTarget>>;
let cluster: TestCluster;
let browser: Browser;

beforeAll(async () => {
  // Never skipped: a machine without the browser fails here, saying how to get it.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`bash bin/install-chromium.sh\` (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);
  // A fresh port (and the Web UI on port + 1000) again should another process take one first.
  server = await startServerProcessTracked({ headless: false, dbFile: join(tempDir('maestro-ui-'), 'ui.sqlite') });
  target = await connectTarget(server.address);
  cluster = await startCluster(target);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.shutdown();
  await target?.close();
  await server?.stop();
});

it('finds a finished run by its plan name in the Web UI and shows its summary', async () => {
  const name = uniqueSuffix('ui-check');
  const dir = tempDir();
  const file = join(dir, 'plan.yaml');
  writeFileSync(
    file,
    `apiVersion: maestro/v1\nname: ${name}\nservices:\n  db: { node: macpro51, steps: [{ name: migrate, run: "echo migrated" }] }\n  api: { dependsOn: [db], steps: [{ name: deploy, run: "echo deployed" }] }\n`,
  );
  // Started the way an operator starts it, so the UI sees what `maestro run` sets.
  expect(await runCli(['run', file, '--wait', '--address', server.address], memoryOutput())).toBe(EXIT.ok);

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const list = `${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`MaestroPlan="${name}"`)}`;
  // The UI process may answer a moment after the frontend does.
  await waitFor('the Web UI', async () => (await page.goto(list).catch(() => null))?.ok());
  const row = page.getByRole('link', { name, exact: true }).first();
  // Visibility is eventually consistent: reload the list until the run is in it.
  await waitFor('the run in the workflows list', async () => {
    if (await row.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) return true;
    await page.reload();
    return false;
  }, 60_000, 0);
  await row.click();
  await page.getByText('User Metadata', { exact: true }).click();
  // The UI renders summaries and details (Markdown) in sandboxed frames of their own.
  const framesText = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
  const summary = `${name}: 2 services, waves mode, onFailure rollback`;
  const shown = await waitFor('the run summary in the UI', async () => {
    const text = await framesText();
    return text.includes(summary) && text.includes('succeeded') && text;
  });
  expect(shown).toContain(`Plan ${file}`);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'web-ui-run-summary.png'), fullPage: true });
  await page.close();
});
