import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

// No Docker engine runs here: the compose file is checked by reading its wiring.
const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; build?: string; depends_on?: unknown }>;
  volumes: Record<string, unknown>;
};
const DEFAULT_NODES = ['mac-studio', 'macbook-air', 'macpro51'];

describe('docker-compose.yml', () => {
  const workers = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'worker');

  it('runs one worker per node, named after it, and one orchestrator', () => {
    const nodes = workers.flatMap(([, s]) => (s.command?.[1] === '--node' ? [s.command[2]] : []));
    expect(nodes.sort()).toEqual([...DEFAULT_NODES].sort());
    expect(workers.filter(([, s]) => s.command?.[1] === '--orchestrator')).toHaveLength(1);
    for (const [, s] of workers.filter(([, w]) => w.command?.[1] === '--node')) {
      expect(s.environment?.MAESTRO_NODE).toBe(s.command?.[2]);
    }
  });

  it('points every worker at the Temporal service, built from the project Dockerfile', () => {
    for (const [, s] of workers) {
      expect(s.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(s.build).toBe('.');
      expect(s.depends_on).toHaveProperty('temporal');
    }
  });

  it('declares the server, UI and database ports and the persistent volume', () => {
    expect(compose.services.temporal?.ports).toContain('7233:7233');
    expect(compose.services['temporal-ui']?.ports).toContain('8080:8080');
    expect(compose.services.postgresql?.volumes?.[0]).toMatch(/^postgres-data:/);
    expect(Object.keys(compose.volumes)).toContain('postgres-data');
  });

  it('registers every search attribute the workflows use', () => {
    const setup = JSON.stringify(compose.services['temporal-admin-tools']);
    for (const key of Object.values(SEARCH_ATTRIBUTES)) expect(setup).toContain(`--name ${key.name}`);
  });
});
