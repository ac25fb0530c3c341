import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfig } from '../../src/config.js';

/** docker-compose.yml, its nginx config and the Dockerfile, checked by reading them (Docker cannot run here). */

interface Service {
  build?: unknown;
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  ports?: string[];
}
const compose = YAML.parse(fs.readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>; volumes: Record<string, unknown>; networks: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
};
const services = compose.services;
const apps = Object.entries(services).filter(([, s]) => s.build !== undefined);
const nginx = fs.readFileSync('deploy/nginx.conf', 'utf8');

describe('docker-compose.yml', () => {
  it('runs the app twice, a reverse proxy, PostgreSQL and Redis', () => {
    expect(apps.map(([name]) => name)).toEqual(['app1', 'app2']);
    expect(Object.keys(services).sort()).toEqual(['app1', 'app2', 'postgres', 'proxy', 'redis']);
    expect(services.proxy!.image).toMatch(/^nginx:/);
    expect(services.postgres!.image).toMatch(/^postgres:/);
    expect(services.redis!.image).toMatch(/^redis:/);
  });

  it('keeps data in named volumes and checks the health of every service', () => {
    const named = (s: Service) => (s.volumes ?? []).map((v) => v.split(':')[0]!).filter((v) => !v.startsWith('.'));
    expect(named(services.postgres!)).toEqual(['postgres-data']);
    expect(services.postgres!.volumes![0]).toMatch(/:\/var\/lib\/postgresql\/data$/);
    expect(named(services.redis!)).toEqual(['redis-data']);
    for (const [, app] of apps) expect(named(app)).toHaveLength(1);
    for (const s of Object.values(services)) for (const v of named(s)) expect(compose.volumes).toHaveProperty(v);
    for (const [name, s] of Object.entries(services)) expect(s.healthcheck?.test, name).toBeTruthy();
    expect(JSON.stringify(services.postgres!.healthcheck!.test)).toMatch(/pg_isready/);
    expect(JSON.stringify(services.redis!.healthcheck!.test)).toMatch(/redis-cli.*ping/);
    expect(JSON.stringify(apps[0]![1].healthcheck!.test)).toMatch(/\/readyz/);
  });

  it('starts each service once what it needs is healthy', () => {
    for (const [name, app] of apps) {
      expect(app.depends_on, name).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    expect(services.proxy!.depends_on).toEqual({ app1: { condition: 'service_healthy' }, app2: { condition: 'service_healthy' } });
  });

  it('points both instances at the shared PostgreSQL and Redis, with settings the app accepts', () => {
    for (const [name, app] of apps) {
      const env = app.environment!;
      expect(new URL(env.DATABASE_URL!.replace(/\$\{[^}]+\}/, 'secret')).hostname, name).toBe('postgres');
      expect(new URL(env.REDIS_URL!).hostname, name).toBe('redis');
      expect(env.NODE_ENV).toBe('production');
      expect(() => loadConfig({ ...env, DATABASE_URL: 'postgres://bdhvs:secret@postgres:5432/bdhvs' }), name).not.toThrow();
    }
  });

  it('trusts X-Forwarded-For from the proxy only, at the proxy\'s fixed address', () => {
    const proxyNets = services.proxy!.networks as Record<string, { ipv4_address?: string }>;
    const [netName, { ipv4_address: proxyIp }] = Object.entries(proxyNets)[0]!;
    expect(net.isIPv4(proxyIp ?? '')).toBe(true);
    const subnet = compose.networks[netName]!.ipam!.config![0]!.subnet;
    const [base, bits] = subnet.split('/');
    const blocks = new net.BlockList();
    blocks.addSubnet(base!, Number(bits));
    expect(blocks.check(proxyIp!)).toBe(true);
    for (const [name, app] of apps) {
      expect(app.environment!.TRUST_PROXY, name).toBe(proxyIp);
      expect(app.networks, name).toContain(netName);
      expect(loadConfig({ TRUST_PROXY: app.environment!.TRUST_PROXY }).TRUST_PROXY).toEqual([proxyIp]);
    }
    // nginx replaces any X-Forwarded-For the client sent with the address it saw.
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it('has the proxy route to both instances on the port the image exposes', () => {
    const mount = services.proxy!.volumes!.find((v) => v.includes('nginx'))!;
    expect(mount.split(':')[0]).toBe('./deploy/nginx.conf');
    const upstream = /upstream (\w+) \{([^}]*)\}/.exec(nginx)!;
    const servers = [...upstream[2]!.matchAll(/server ([\w.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    const port = /^EXPOSE (\d+)$/m.exec(fs.readFileSync('Dockerfile', 'utf8'))![1];
    expect(servers.sort()).toEqual(apps.map(([name]) => `${name}:${port}`).sort());
    expect(nginx).toContain(`proxy_pass http://${upstream[1]};`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
  it('builds what the compiled start and the admin command need, and runs them without npm in between', () => {
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
    expect(JSON.parse(fs.readFileSync('tsconfig.build.json', 'utf8')).include).toEqual(['src']);
    expect(fs.existsSync('src/cli/admin.ts')).toBe(true);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
    for (const dir of ['public', 'knowledge', 'flows']) expect(dockerfile).toMatch(new RegExp(`^COPY --chown=node:node ${dir} \\./${dir}$`, 'm'));
  });
});
