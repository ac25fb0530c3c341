import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Empty strings in .env files mean "not set", not "set to nothing".
const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const url = (fallback: string) =>
  z.preprocess((v) => (v === '' || v === undefined ? fallback : v), z.url({ message: 'phải là một URL đầy đủ, ví dụ https://...' }))
    .transform((u) => u.replace(/\/+$/, ''));
const int = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? fallback : Number(v)), z.number().int().min(min).max(max));

/**
 * Express's `trust proxy` forms, never "trust everyone": a hop count, or proxy addresses, CIDR ranges and
 * the names loopback, linklocal, uniquelocal. `true` is refused: it lets any client pick its own address
 * with X-Forwarded-For and so slip past every limit.
 */
export type TrustProxy = false | number | string[];
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyAddress = (t: string) => {
  if (PROXY_NAMES.has(t) || net.isIP(t)) return true;
  const [addr, bits, ...rest] = t.split('/');
  const family = net.isIP(addr ?? '');
  return !rest.length && family !== 0 && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
};
const trustProxy = z.preprocess((v) => (v === undefined ? '' : v), z.string().trim().transform((v, ctx): TrustProxy => {
  if (['', 'false', '0', 'no', 'off'].includes(v.toLowerCase())) return false;
  if (v.toLowerCase() === 'true') {
    ctx.addIssue({ code: 'custom', message: 'không nhận "true" vì khi đó ai cũng tự khai được địa chỉ của mình qua X-Forwarded-For và vượt mọi giới hạn; hãy ghi số proxy đứng trước máy chủ (ví dụ 1), địa chỉ hoặc dải địa chỉ của proxy (ví dụ 127.0.0.1 hoặc 172.28.0.10), hoặc loopback' });
    return z.NEVER;
  }
  if (/^\d+$/.test(v) && Number(v) <= 10) return Number(v);
  const list = v.split(',').map((t) => t.trim()).filter(Boolean);
  if (!list.length || !list.every(isProxyAddress)) {
    ctx.addIssue({ code: 'custom', message: 'cần false, một số proxy (1–10), hoặc danh sách địa chỉ/dải địa chỉ (127.0.0.1, 10.0.0.0/8) và loopback, linklocal, uniquelocal, ngăn cách bằng dấu phẩy' });
    return z.NEVER;
  }
  return list;
}));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  KNOWLEDGE_DIR: z.string().default('./knowledge'),
  FLOWS_DIR: z.string().default('./flows'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: int(64 * 1024, 1024, 10 * 1024 * 1024),
  MAX_TEXT_LENGTH: int(2000, 50, 20000),
  WEBCHAT_LIMIT_PER_USER: int(30, 1, 100000),
  WEBCHAT_LIMIT_PER_IP: int(600, 1, 1000000),
  SHUTDOWN_TIMEOUT_MS: int(10000, 100, 120000),
  // A platform message being handled is leased for this long (renewed while it runs); pending ones whose lease ran out are swept up this often.
  INBOX_LEASE_MS: int(60000, 100, 3600000),
  INBOX_SWEEP_MS: int(30000, 10, 3600000),
  // New web chat user ids per address per hour: a commune hall doing a quiz together shares one address.
  WEBCHAT_NEW_SESSIONS_PER_IP: int(300, 1, 1000000),
  TRUST_PROXY: trustProxy,
  PUBLIC_BASE_URL: optional,

  ANSWER_MIN_CONFIDENCE: z.preprocess((v) => (v === "" || v === undefined ? 0.5 : Number(v)), z.number().min(0).max(1)),
  QUIZ_PASS_RATIO: z.preprocess((v) => (v === '' || v === undefined ? 0.8 : Number(v)), z.number().min(0).max(1)),

  // Screenshots read for the scam check: tesseract workers (each a thread and ~50 MB; one core is left to the server),
  // 0 turns reading images off; how long fetching one image, and reading it, may each take (both together stay under
  // the 30 s Redis conversation lease); the largest image.
  OCR_WORKERS: int(Math.max(1, Math.min(4, os.availableParallelism() - 1)), 0, 16),
  OCR_TIMEOUT_MS: int(12000, 1000, 14000),
  IMAGE_MAX_BYTES: int(2 * 1024 * 1024, 64 * 1024, 10 * 1024 * 1024),

  TELEGRAM_BOT_TOKEN: optional,
  TELEGRAM_WEBHOOK_SECRET: z.preprocess((v) => (v === '' ? undefined : v),
    z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'chỉ gồm A-Z, a-z, 0-9, _ và -, dài 1–256 ký tự').optional()),
  TELEGRAM_API_ROOT: url('https://api.telegram.org'),

  MESSENGER_PAGE_ACCESS_TOKEN: optional,
  MESSENGER_APP_SECRET: optional,
  MESSENGER_VERIFY_TOKEN: optional,
  MESSENGER_GRAPH_URL: url('https://graph.facebook.com/v25.0'),
  // The Page's app has Meta's "Human Agent" permission: staff replies up to 7 days after the person's last message.
  MESSENGER_HUMAN_AGENT: z.preprocess((v) => v === 'true' || v === '1', z.boolean()),

  ZALO_APP_ID: optional,
  ZALO_APP_SECRET: optional,
  ZALO_OA_SECRET_KEY: optional,
  ZALO_ACCESS_TOKEN: optional,
  ZALO_REFRESH_TOKEN: optional,
  ZALO_API_URL: url('https://openapi.zalo.me'),
  ZALO_OAUTH_URL: url('https://oauth.zaloapp.com'),
  // The operator pays for consultation messages 48 h–7 days after the last interaction: announcements may use them.
  ZALO_PAID_SENDING: z.preprocess((v) => v === 'true' || v === '1', z.boolean()),

  MICROSOFT_APP_ID: optional,
  MICROSOFT_APP_PASSWORD: optional,
  MICROSOFT_APP_TENANT_ID: optional,
  // Any letter case; botbuilder spells the last one UserAssignedMsi.
  MICROSOFT_APP_TYPE: z.preprocess(
    (v) => (v === '' || v === undefined ? 'MultiTenant' : typeof v === 'string' ? (['MultiTenant', 'SingleTenant', 'UserAssignedMSI'].find((t) => t.toLowerCase() === v.trim().toLowerCase()) ?? v) : v),
    z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { message: 'MultiTenant, SingleTenant hoặc UserAssignedMSI' })),
  BOTFRAMEWORK_OPENID_METADATA_URL: url('https://login.botframework.com/v1/.well-known/openidconfiguration'),
  BOTFRAMEWORK_LOGIN_URL: url('https://login.microsoftonline.com'),

  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  LLM_MODEL: optional,
  EMBEDDING_MODEL: optional,
  LLM_TIMEOUT_MS: int(8000, 500, 120000),

  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v),
    z.string().regex(/^postgres(ql)?:\/\//, 'phải bắt đầu bằng postgres:// hoặc postgresql://').optional()),
  REDIS_URL: z.preprocess((v) => (v === '' ? undefined : v),
    z.string().regex(/^rediss?:\/\//, 'phải bắt đầu bằng redis:// hoặc rediss://').optional()),

  STAFF_TELEGRAM_CHAT_ID: z.preprocess((v) => (v === '' ? undefined : v),
    z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,64})$/, 'là mã số nhóm Telegram (ví dụ -1001234567890) hoặc @tên_kênh').optional()),
  HANDOFF_TIMEOUT_HOURS: int(24, 1, 24 * 30),
  BROADCAST_LATER_DAYS: int(7, 1, 90),

  ADMIN_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'cần ít nhất 16 ký tự').optional()),
  ADMIN_SESSION_HOURS: int(8, 1, 24 * 30),
  // Days that inbox rows, unanswered question texts and conversations of people who did not register are kept.
  RETENTION_DAYS: int(180, 1, 3650),
  // How often an instance reads the staff's knowledge edits made on other instances (its own apply at once).
  KNOWLEDGE_SYNC_MS: int(10000, 100, 3_600_000),
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'cần ít nhất 16 ký tự').optional()),
  PSEUDONYM_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'cần ít nhất 16 ký tự').optional()),
});

/** Every setting's name (the .env.example and README tables list exactly these). */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

export type Config = z.infer<typeof schema> & { dataDir: string; knowledgeDir: string; flowsDir: string };

export class ConfigError extends Error {}

/** Reads and validates every setting in one place; a wrong value names the setting and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])] ?? null)})`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    ...c,
    dataDir: path.resolve(c.DATA_DIR),
    knowledgeDir: path.resolve(c.KNOWLEDGE_DIR),
    flowsDir: path.resolve(c.FLOWS_DIR),
  };
}

/**
 * For entry points (server, setup scripts): reads `.env` from the working directory if present
 * (variables already set in the environment win), then the settings; a wrong value prints which
 * setting is wrong and exits with status 2.
 */
export function loadConfigOrExit(envFile = '.env'): Config {
  if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
}
